package frontend

import (
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/doctor"
)

// TestDoctorResult: the subrequest's result carries the table, the JSON and
// a status code buildx exits with: 1 when a requirement cannot be fetched.
func TestDoctorResult(t *testing.T) {
	ok := &doctor.Report{Where: doctor.Builder, Module: "example.com/app", Modules: []doctor.Module{{Path: "example.com/lib", Version: "v1.0.0", OK: true}}}
	res := doctorResult(ok)
	if got := string(res.Metadata["result.statuscode"]); got != "0" {
		t.Errorf("healthy: status %q", got)
	}
	if !strings.Contains(string(res.Metadata["result.txt"]), "OK: every requirement (1)") {
		t.Errorf("result.txt:\n%s", res.Metadata["result.txt"])
	}
	ok.Problems = []doctor.Problem{{Row: 5, Text: "example.com/lib@v1.0.0: ... (row 5, private module behind a public proxy)"}}
	res = doctorResult(ok)
	if got := string(res.Metadata["result.statuscode"]); got != "1" {
		t.Errorf("failing: status %q", got)
	}
	if r, err := doctor.Parse(res.Metadata["result.json"]); err != nil || r.Rows()[0] != 5 {
		t.Errorf("result.json: %v %+v", err, r)
	}
}

// TestDescribe: --call subrequests.describe lists the doctor.
func TestDescribe(t *testing.T) {
	res, err := describe()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{DoctorRequest, "frontend.outline", "frontend.targets", "frontend.lint"} {
		if !strings.Contains(string(res.Metadata["result.json"]), want) {
			t.Errorf("describe lacks %s:\n%s", want, res.Metadata["result.json"])
		}
	}
}
