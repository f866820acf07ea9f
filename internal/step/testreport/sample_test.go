package testreport

import (
	"strings"
	"testing"
)

const sampleTestJSON = `{"Action":"start","Package":"example.com/m/a"}
{"Action":"run","Package":"example.com/m/a","Test":"TestOK"}
{"Action":"output","Package":"example.com/m/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"pass","Package":"example.com/m/a","Test":"TestOK","Elapsed":0.01}
{"Action":"run","Package":"example.com/m/a","Test":"TestBad"}
{"Action":"output","Package":"example.com/m/a","Test":"TestBad","Output":"    a_test.go:9: want 2, got 3\n"}
{"Action":"fail","Package":"example.com/m/a","Test":"TestBad","Elapsed":0.02}
{"Action":"run","Package":"example.com/m/a","Test":"TestSkip"}
{"Action":"skip","Package":"example.com/m/a","Test":"TestSkip"}
{"Action":"output","Package":"example.com/m/a","Output":"FAIL\n"}
{"Action":"fail","Package":"example.com/m/a","Elapsed":0.5}
{"Action":"output","Package":"example.com/m/b","Output":"# example.com/m/b\nb.go:3:1: syntax error\n"}
{"Action":"fail","Package":"example.com/m/b","Elapsed":0}
not json
`

func TestSample(t *testing.T) {
	r := Parse([]byte(sampleTestJSON), 0)
	if got := r.Summary(); got != "1 passed, 1 failed, 1 skipped in 2 packages" {
		t.Errorf("summary %q", got)
	}
	f := r.Failures()
	for _, want := range []string{"--- FAIL: TestBad (example.com/m/a)", "want 2, got 3", "--- FAIL: package example.com/m/b", "syntax error"} {
		if !strings.Contains(f, want) {
			t.Errorf("failures lack %q:\n%s", want, f)
		}
	}
	if strings.Contains(f, "TestOK") {
		t.Errorf("passing tests in failures:\n%s", f)
	}
	x, err := r.JUnit()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<testsuite name="example.com/m/a" tests="3" failures="1" skipped="1"`, `<failure message="Failed">`, `<testsuite name="example.com/m/b" tests="1" failures="1"`} {
		if !strings.Contains(string(x), want) {
			t.Errorf("junit lacks %q:\n%s", want, x)
		}
	}
}
