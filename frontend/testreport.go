package frontend

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/buildkit/client/llb"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	gfllb "github.com/gopherfile/gopherfile/llb"
)

// runTests runs the test step, reads go test -json from it, and either fails
// the build with the failing tests' output or returns test.json, test.txt and
// junit.xml as the result.
func (b *build) runTests(ctx context.Context, in gfllb.Inputs, deps llb.State, pl ocispecs.Platform) (*gwclient.Result, error) {
	st := gfllb.TestRun(b.plan, in, deps)
	ref, err := b.solveRef(ctx, st, pl, false)
	if err != nil {
		return nil, err
	}
	read := func(name string) []byte {
		dt, _ := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: name})
		return dt
	}
	jsonOut, stderr := read("test.json"), read("test.stderr")
	code, _ := strconv.Atoi(strings.TrimSpace(string(read("exitcode"))))
	rep := parseTestJSON(jsonOut)
	junit, err := rep.junit()
	if err != nil {
		return nil, err
	}
	if code != 0 {
		return nil, b.fieldError("test", fmt.Errorf("go test failed (exit code %d): %s\n%s%s", code, rep.summary(), rep.failures(), string(stderr)))
	}
	out := st.File(llb.Mkfile("/junit.xml", 0o644, junit).Mkfile("/test.txt", 0o644, []byte(rep.text())),
		llb.WithCustomName("[test] write junit.xml and test.txt"))
	return b.single(ctx, out, pl)
}

type testEvent struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

type testCase struct {
	name    string
	status  string // pass, fail, skip
	elapsed float64
	output  strings.Builder
}

type testPackage struct {
	name    string
	status  string
	elapsed float64
	output  strings.Builder
	tests   map[string]*testCase
	order   []string
}

type testReport struct {
	pkgs  map[string]*testPackage
	order []string
}

func parseTestJSON(dt []byte) *testReport {
	r := &testReport{pkgs: map[string]*testPackage{}}
	for _, line := range bytes.Split(dt, []byte("\n")) {
		var ev testEvent
		if len(line) == 0 || json.Unmarshal(line, &ev) != nil || ev.Package == "" {
			continue
		}
		p := r.pkgs[ev.Package]
		if p == nil {
			p = &testPackage{name: ev.Package, tests: map[string]*testCase{}}
			r.pkgs[ev.Package] = p
			r.order = append(r.order, ev.Package)
		}
		if ev.Test == "" {
			switch ev.Action {
			case "output", "build-output":
				p.output.WriteString(ev.Output)
			case "pass", "fail", "skip", "build-fail":
				p.status, p.elapsed = ev.Action, ev.Elapsed
			}
			continue
		}
		tc := p.tests[ev.Test]
		if tc == nil {
			tc = &testCase{name: ev.Test}
			p.tests[ev.Test] = tc
			p.order = append(p.order, ev.Test)
		}
		switch ev.Action {
		case "output":
			tc.output.WriteString(ev.Output)
		case "pass", "fail", "skip":
			tc.status, tc.elapsed = ev.Action, ev.Elapsed
		}
	}
	return r
}

func (r *testReport) count() (pass, fail, skip int) {
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

func (r *testReport) summary() string {
	pass, fail, skip := r.count()
	return fmt.Sprintf("%d passed, %d failed, %d skipped in %d packages", pass, fail, skip, len(r.pkgs))
}

// failures is the output of failed tests and of packages that failed to build.
func (r *testReport) failures() string {
	var b strings.Builder
	for _, name := range r.order {
		p := r.pkgs[name]
		failed := false
		for _, tn := range p.order {
			if t := p.tests[tn]; t.status == "fail" {
				failed = true
				fmt.Fprintf(&b, "--- FAIL: %s (%s)\n%s", tn, name, t.output.String())
			}
		}
		if (p.status == "fail" || p.status == "build-fail") && !failed {
			fmt.Fprintf(&b, "--- FAIL: package %s\n%s", name, p.output.String())
		}
	}
	return b.String()
}

func (r *testReport) text() string {
	var b strings.Builder
	for _, name := range r.order {
		p := r.pkgs[name]
		for _, tn := range p.order {
			b.WriteString(p.tests[tn].output.String())
		}
		b.WriteString(p.output.String())
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

// junit renders the report as JUnit XML, the format CI systems read.
func (r *testReport) junit() ([]byte, error) {
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
				c.Failure = &junitMessage{Message: "Failed", Body: t.output.String()}
			case "skip":
				suite.Skipped++
				c.Skipped = &junitMessage{Message: "Skipped", Body: t.output.String()}
			}
			suite.Tests++
			suite.Cases = append(suite.Cases, c)
		}
		if p.status == "build-fail" || (p.status == "fail" && suite.Failures == 0) {
			suite.Tests++
			suite.Failures++
			suite.Cases = append(suite.Cases, junitCase{Name: "package", Classname: name, Failure: &junitMessage{Message: "package failed", Body: p.output.String()}})
		}
		s.Suites = append(s.Suites, suite)
	}
	dt, err := xml.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("writing junit.xml: %w", err)
	}
	return append([]byte(xml.Header), append(dt, '\n')...), nil
}
