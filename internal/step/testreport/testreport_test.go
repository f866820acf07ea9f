package testreport

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func ev(action, pkg, test, output string) string {
	dt, _ := json.Marshal(event{Action: action, Package: pkg, Test: test, Output: output})
	return string(dt) + "\n"
}

func TestReport(t *testing.T) {
	var in strings.Builder
	in.WriteString(ev("run", "ex/a", "TestOK", ""))
	in.WriteString(ev("output", "ex/a", "TestOK", "ok line\n"))
	in.WriteString(ev("pass", "ex/a", "TestOK", ""))
	in.WriteString(ev("run", "ex/a", "TestBad", ""))
	in.WriteString(ev("output", "ex/a", "TestBad", "    a_test.go:9: want 2\n"))
	in.WriteString(ev("fail", "ex/a", "TestBad", ""))
	in.WriteString(ev("skip", "ex/a", "TestSkip", ""))
	in.WriteString(ev("fail", "ex/a", "", ""))
	in.WriteString(ev("build-output", "ex/b", "", "b.go:3: undefined: x\n"))
	in.WriteString(ev("build-fail", "ex/b", "", ""))
	in.WriteString("not json\n")
	r := New(0)
	// Fed in odd pieces, as a pipe delivers them.
	s := in.String()
	for i := 0; i < len(s); i += 7 {
		r.Write([]byte(s[i:min(i+7, len(s))]))
	}
	r.Close()
	if got := r.Summary(); got != "1 passed, 1 failed, 1 skipped in 2 packages" {
		t.Errorf("Summary = %q", got)
	}
	f := r.Failures()
	if !strings.Contains(f, "--- FAIL: TestBad (ex/a)\n    a_test.go:9: want 2") || !strings.Contains(f, "--- FAIL: package ex/b\nb.go:3: undefined: x") {
		t.Errorf("Failures:\n%s", f)
	}
	j, err := r.JUnit()
	if err != nil || !strings.Contains(string(j), `<testsuite name="ex/a" tests="3" failures="1" skipped="1"`) || !strings.Contains(string(j), `name="package" classname="ex/b"`) {
		t.Errorf("JUnit: %v\n%s", err, j)
	}
}

// A test that logs 40 MB and fails keeps its result, and the report stays small.
func TestHugeOutputIsBounded(t *testing.T) {
	r := New(64 << 10)
	r.Write([]byte(ev("run", "ex/a", "TestLoud", "")))
	line := ev("output", "ex/a", "TestLoud", strings.Repeat("x", 1000)+"\n")
	for i := 0; i < 40000; i++ {
		r.Write([]byte(line))
	}
	r.Write([]byte(ev("output", "ex/a", "TestLoud", "the last words\n")))
	r.Write([]byte(ev("fail", "ex/a", "TestLoud", "")))
	r.Close()
	if got := r.Summary(); got != "0 passed, 1 failed, 0 skipped in 1 packages" {
		t.Errorf("Summary = %q", got)
	}
	f := r.Failures()
	if len(f) > 70<<10 || !strings.Contains(f, "the last words") || !strings.Contains(f, "bytes of output left out") {
		t.Errorf("Failures is %d bytes; want at most ~64 KiB with the end kept", len(f))
	}
}

func TestBoundedBuf(t *testing.T) {
	for _, n := range []int{0, 5, 10, 11, 100} {
		b := boundedBuf{max: 10}
		s := strings.Repeat("ab", n)
		b.WriteString(s)
		got := b.String()
		if len(s) <= 10 && got != s {
			t.Errorf("n=%d: %q", n, got)
		}
		if len(s) > 10 && (!strings.HasPrefix(got, s[:5]) || !strings.HasSuffix(got, s[len(s)-5:]) || !strings.Contains(got, fmt.Sprint(len(s)-10))) {
			t.Errorf("n=%d: %q", n, got)
		}
	}
}
