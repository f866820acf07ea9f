// Package testreport turns the output of `go test -json` into what a CI
// system reads: a summary line, the output of the failed tests, a plain-text
// log and JUnit XML. It reads the events as they stream (Report is an
// io.Writer) and keeps a bounded amount of output per test and in total, so
// a test that logs gigabytes cannot exhaust memory or lose the results.
package testreport

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// DefaultMaxOutput is the output kept per test (and per package).
const DefaultMaxOutput = 64 << 10

// Report collects go test -json events.
type Report struct {
	mu      sync.Mutex
	max     int
	partial []byte
	pkgs    map[string]*pkg
	order   []string
}

type pkg struct {
	name    string
	status  string
	elapsed float64
	out     boundedBuf
	tests   map[string]*test
	order   []string
}

type test struct {
	name    string
	status  string // pass, fail, skip
	elapsed float64
	out     boundedBuf
}

type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

// New returns an empty report that keeps at most max bytes of output per
// test (DefaultMaxOutput when max <= 0).
func New(max int) *Report {
	if max <= 0 {
		max = DefaultMaxOutput
	}
	return &Report{max: max, pkgs: map[string]*pkg{}}
}

// Parse returns the report of a whole go test -json output.
func Parse(dt []byte, max int) *Report {
	r := New(max)
	r.Write(dt)
	r.Close()
	return r
}

// Write takes the next bytes of go test -json output.
func (r *Report) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.partial = append(r.partial, p...)
	for {
		i := bytes.IndexByte(r.partial, '\n')
		if i < 0 {
			break
		}
		r.event(r.partial[:i])
		r.partial = r.partial[i+1:]
	}
	if len(r.partial) > 16<<20 { // a line that never ends is not an event
		r.partial = r.partial[:0]
	}
	return len(p), nil
}

// Close takes a last line without a newline.
func (r *Report) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.partial) > 0 {
		r.event(r.partial)
		r.partial = nil
	}
}

func (r *Report) event(line []byte) {
	var ev event
	if len(line) == 0 || json.Unmarshal(line, &ev) != nil || ev.Package == "" {
		return
	}
	p := r.pkgs[ev.Package]
	if p == nil {
		p = &pkg{name: ev.Package, tests: map[string]*test{}, out: boundedBuf{max: r.max}}
		r.pkgs[ev.Package] = p
		r.order = append(r.order, ev.Package)
	}
	if ev.Test == "" {
		switch ev.Action {
		case "output", "build-output":
			p.out.WriteString(ev.Output)
		case "pass", "fail", "skip", "build-fail":
			p.status, p.elapsed = ev.Action, ev.Elapsed
		}
		return
	}
	t := p.tests[ev.Test]
	if t == nil {
		t = &test{name: ev.Test, out: boundedBuf{max: r.max}}
		p.tests[ev.Test] = t
		p.order = append(p.order, ev.Test)
	}
	switch ev.Action {
	case "output":
		t.out.WriteString(ev.Output)
	case "pass", "fail", "skip":
		t.status, t.elapsed = ev.Action, ev.Elapsed
	}
}

// Counts returns the number of passed, failed and skipped tests.
func (r *Report) Counts() (pass, fail, skip int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.pkgs {
		for _, t := range p.tests {
			switch t.status {
			case "pass":
				pass++
			case "fail":
				fail++
			case "skip":
				skip++
			}
		}
	}
	return
}

// Summary is "N passed, N failed, N skipped in N packages".
func (r *Report) Summary() string {
	pass, fail, skip := r.Counts()
	r.mu.Lock()
	defer r.mu.Unlock()
	return fmt.Sprintf("%d passed, %d failed, %d skipped in %d packages", pass, fail, skip, len(r.pkgs))
}

// Failures is the output of the failed tests and of packages that failed
// without a failed test (a build failure, a panic in TestMain), each bounded.
func (r *Report) Failures() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, name := range r.order {
		p := r.pkgs[name]
		failed := false
		for _, tn := range p.order {
			if t := p.tests[tn]; t.status == "fail" {
				failed = true
				fmt.Fprintf(&b, "--- FAIL: %s (%s)\n%s", tn, name, t.out.String())
			}
		}
		if (p.status == "fail" || p.status == "build-fail") && !failed {
			fmt.Fprintf(&b, "--- FAIL: package %s\n%s", name, p.out.String())
		}
	}
	return b.String()
}

// Text is the plain-text log: every test's output, package by package.
func (r *Report) Text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, name := range r.order {
		p := r.pkgs[name]
		for _, tn := range p.order {
			b.WriteString(p.tests[tn].out.String())
		}
		b.WriteString(p.out.String())
	}
	return b.String()
}

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Body    string `xml:",chardata"`
}

// JUnit renders the report as JUnit XML.
func (r *Report) JUnit() ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s junitSuites
	names := append([]string(nil), r.order...)
	sort.Strings(names)
	for _, name := range names {
		p := r.pkgs[name]
		suite := junitSuite{Name: name, Time: fmt.Sprintf("%.3f", p.elapsed)}
		for _, tn := range p.order {
			t := p.tests[tn]
			c := junitCase{Name: tn, Classname: name, Time: fmt.Sprintf("%.3f", t.elapsed)}
			switch t.status {
			case "fail":
				suite.Failures++
				c.Failure = &junitMessage{Message: "Failed", Body: t.out.String()}
			case "skip":
				suite.Skipped++
				c.Skipped = &junitMessage{Message: "Skipped", Body: t.out.String()}
			}
			suite.Tests++
			suite.Cases = append(suite.Cases, c)
		}
		if p.status == "build-fail" || (p.status == "fail" && suite.Failures == 0) {
			suite.Tests++
			suite.Failures++
			suite.Cases = append(suite.Cases, junitCase{Name: "package", Classname: name, Failure: &junitMessage{Message: "package failed", Body: p.out.String()}})
		}
		s.Suites = append(s.Suites, suite)
	}
	dt, err := xml.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("writing junit.xml: %w", err)
	}
	return append([]byte(xml.Header), append(dt, '\n')...), nil
}

// boundedBuf keeps the first and the last max/2 bytes written to it.
type boundedBuf struct {
	max     int
	head    []byte
	tail    []byte
	dropped int64
}

func (b *boundedBuf) WriteString(s string) {
	half := b.max / 2
	if len(b.head) < half {
		n := min(half-len(b.head), len(s))
		b.head = append(b.head, s[:n]...)
		s = s[n:]
	}
	if s == "" {
		return
	}
	b.tail = append(b.tail, s...)
	if over := len(b.tail) - half; over > 0 {
		b.dropped += int64(over)
		b.tail = append(b.tail[:0], b.tail[over:]...)
	}
}

func (b *boundedBuf) String() string {
	if b.dropped == 0 {
		return string(b.head) + string(b.tail)
	}
	return fmt.Sprintf("%s\n... (%d bytes of output left out) ...\n%s", b.head, b.dropped, b.tail)
}
