package diagnose

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// regexDecision is the download step's decision: retry when some line
// matches transient and no line matches permanent (grep -E works per line).
func regexDecision(transient, permanent *regexp.Regexp, output string) bool {
	anyTransient, anyPermanent := false, false
	for _, line := range strings.Split(output, "\n") {
		line = strings.TrimSuffix(line, "\r")
		anyTransient = anyTransient || transient.MatchString(line)
		anyPermanent = anyPermanent || permanent.MatchString(line)
	}
	return anyTransient && !anyPermanent
}

// shellCases returns every fixture plus extra outputs where precedence
// matters.
func shellCases(t *testing.T) map[string]string {
	t.Helper()
	cases := make(map[string]string)
	files, err := filepath.Glob(filepath.Join("testdata", "fixtures", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		cases[filepath.Base(f)] = readFixture(t, filepath.Base(f))
	}
	extra := map[string]string{
		"sumdb 404 for a private module": "go: git.corp/x@v1.0.0: verifying module: git.corp/x@v1.0.0: reading https://sum.golang.org/lookup/git.corp/x@v1.0.0: 410 Gone",
		"404 quoting a DNS error":        "go: a.example/x@v1.0.0: reading https://proxy.golang.org/a.example/x/@v/v1.0.0.mod: 404 Not Found\n\tserver response: not found: dial tcp: lookup a.example on 8.8.8.8:53: no such host",
		"git RPC failure":                "\terror: RPC failed; curl 56 GnuTLS recv error (-9): Error decoding the received TLS packet.\n\tfatal: early EOF",
		"transient plus untidy":          "go: x.example/m@v1.0.0: Get \"https://p/x\": dial tcp 1.2.3.4:443: i/o timeout\nmain.go:3:8: no required module provides package x.example/n; to add it:\n\tgo get x.example/n",
		"EOF":                            "go: x.example/m@v1.0.0: Get \"https://proxy.example/x.example/m/@v/v1.0.0.zip\": EOF",
		"429":                            "go: x.example/m@v1.0.0: reading https://proxy.example/x.example/m/@v/v1.0.0.zip: 429 Too Many Requests",
		"nothing":                        "",
	}
	for k, v := range extra {
		cases[k] = v
	}
	return cases
}

func TestShellPatternsAgreeWithClassifier(t *testing.T) {
	transient, permanent := ShellPatterns()
	for name, p := range map[string]string{"transient": transient, "permanent": permanent} {
		if strings.ContainsAny(p, "'\n") {
			t.Errorf("%s pattern contains a single quote or newline", name)
		}
		for _, bad := range []string{`\d`, `\s`, `\w`, `\b`, `(?`, `*?`, `+?`} {
			if strings.Contains(p, bad) {
				t.Errorf("%s pattern uses %q, which POSIX ERE lacks", name, bad)
			}
		}
	}
	// CompilePOSIX restricts the syntax to POSIX ERE (egrep).
	tre := regexp.MustCompilePOSIX(transient)
	pre := regexp.MustCompilePOSIX(permanent)
	for name, out := range shellCases(t) {
		if got, want := regexDecision(tre, pre, out), ShouldRetry(out); got != want {
			t.Errorf("%s: regex decision %v, Go decision %v\n%s", name, got, want, dumpFindings(Classify(out)))
		}
	}
}

// TestShellPatternsWithGrep runs the real grep -E, as the download step
// does, when grep is available.
func TestShellPatternsWithGrep(t *testing.T) {
	grep, err := exec.LookPath("grep")
	if err != nil {
		t.Fatal("grep not found: the shell patterns must be checked against the real grep -E")
	}
	transient, permanent := ShellPatterns()
	matches := func(pattern, out string) bool {
		cmd := exec.Command(grep, "-Eq", "--", pattern)
		cmd.Stdin = strings.NewReader(out)
		err := cmd.Run()
		if err == nil {
			return true
		}
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
			return false
		}
		t.Fatalf("grep -E failed: %v", err)
		return false
	}
	for name, out := range shellCases(t) {
		got := matches(transient, out) && !matches(permanent, out)
		if want := ShouldRetry(out); got != want {
			t.Errorf("%s: grep decision %v, Go decision %v", name, got, want)
		}
	}
}

func TestMarkersArePortable(t *testing.T) {
	for _, m := range markers {
		if _, err := regexp.CompilePOSIX(m.pattern); err != nil {
			t.Errorf("marker %q: %v", m.pattern, err)
		}
		if m.class < 1 || int(m.class) > numClasses || m.class == CacheLost || m.class == SumDBUnreachable {
			t.Errorf("marker %q has class %v", m.pattern, m.class)
		}
	}
	// Every permanent class must outrank every transient one, or the Go
	// decision and the grep decision could differ.
	for a := Class(1); int(a) <= numClasses; a++ {
		for b := Class(1); int(b) <= numClasses; b++ {
			if !a.Transient() && b.Transient() && a != CacheLost && priority[a] <= priority[b] {
				t.Errorf("permanent %v does not outrank transient %v", a, b)
			}
		}
	}
}

func TestShellRules(t *testing.T) {
	rules := ShellRules()
	seen := make(map[Class]bool)
	for _, r := range rules {
		if seen[r.Class] {
			t.Errorf("class %v twice", r.Class)
		}
		seen[r.Class] = true
		re, err := regexp.CompilePOSIX(r.Pattern)
		if err != nil || strings.Contains(r.Pattern, "'") {
			t.Errorf("class %v: bad pattern %q: %v", r.Class, r.Pattern, err)
			continue
		}
		// Each rule matches the fixtures of its own row.
		files, _ := filepath.Glob(filepath.Join("testdata", "fixtures", fmt.Sprintf("%02d-*.txt", r.Class.Row())))
		for _, f := range files {
			if !re.MatchString(readFixture(t, filepath.Base(f))) {
				t.Errorf("rule for %v does not match %s", r.Class, f)
			}
		}
	}
	if len(rules) != 17 || seen[SumDBUnreachable] || seen[CacheLost] {
		t.Errorf("%d rules; want one for every class except rows 9 and 18", len(rules))
	}
}
