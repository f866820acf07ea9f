package vulnreport

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// testdata/govulncheck.json is govulncheck v1.9.0's -format json output for
// examples/vulncheck (golang.org/x/text v0.3.7, Go 1.26.8) with the database
// golang.org/x/vulndb@v0.0.0-20261105234957-e22db6528018, keeping only the
// osv messages of the vulnerabilities it found; govulncheck.sarif and
// govulncheck.openvex.json are -mode convert -format sarif|openvex of it.

func parseFixture(t *testing.T) *Report {
	t.Helper()
	f, err := os.Open("testdata/govulncheck.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestParse(t *testing.T) {
	r := parseFixture(t)
	if r.GoVersion != "go1.26.8" || !strings.HasPrefix(r.Scanner, "govulncheck") || r.DBModified == nil {
		t.Errorf("config: %+v", r)
	}
	reach, imp, req := r.Counts()
	if reach != 1 || imp != 1 || req != 15 {
		t.Errorf("counts %d reachable, %d imported, %d required; want 1, 1, 15", reach, imp, req)
	}
	f := r.Findings[0]
	if f.ID != "GO-2022-1059" || f.Level != Reachable || f.Symbol != "golang.org/x/text/language.ParseAcceptLanguage" ||
		f.Module != "golang.org/x/text" || f.Version != "v0.3.7" || f.Fixed != "v0.3.8" || f.Fix != "go get golang.org/x/text@v0.3.8" {
		t.Errorf("first finding %+v", f)
	}
	if len(f.Path) != 2 || !strings.HasPrefix(f.Path[0], "github.com/gopherfile/gopherfile/examples/vulncheck.main (main.go:") ||
		!strings.HasPrefix(f.Path[1], "golang.org/x/text/language.ParseAcceptLanguage") {
		t.Errorf("path %q", f.Path)
	}
	if f.Summary == "" || len(f.Aliases) != 2 {
		t.Errorf("osv not joined: %+v", f)
	}
	for _, f := range r.Findings[1:] {
		if f.Level == Reachable {
			t.Errorf("%s reachable", f.ID)
		}
		if f.Module == "stdlib" && f.Fixed != "" && !strings.HasPrefix(f.Fix, "build with Go ") {
			t.Errorf("stdlib fix %q", f.Fix)
		}
	}
}

func TestParseRejects(t *testing.T) {
	if _, err := Parse(strings.NewReader(`{"config":{}} {"finding":`)); err == nil {
		t.Error("a cut stream parsed")
	}
	r, err := Parse(strings.NewReader(""))
	if err != nil || len(r.Findings) != 0 {
		t.Errorf("empty stream: %+v, %v", r, err)
	}
}

func TestText(t *testing.T) {
	text := parseFixture(t).Text("linux/amd64 .")
	for _, want := range []string{
		"govulncheck linux/amd64 .: 1 reachable, 1 imported but not called, 15 in required modules only (standard library of go1.26.8",
		"GO-2022-1059 (CVE-2022-32149, GHSA-69ch-w2m2-3vjp): Denial of service via crafted Accept-Language header",
		"  symbol:  golang.org/x/text/language.ParseAcceptLanguage\n",
		"  path:    github.com/gopherfile/gopherfile/examples/vulncheck.main (main.go:",
		"\n           -> golang.org/x/text/language.ParseAcceptLanguage",
		"  fixed:   v0.3.8\n  fix:     go get golang.org/x/text@v0.3.8\n",
		"imported, not called (not reachable): GO-",
		"in required modules, not imported (not reachable): GO-",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks %q:\n%s", want, text)
		}
	}
}

func TestBlocking(t *testing.T) {
	r := parseFixture(t)
	for _, tc := range []struct {
		name                    string
		allow                   []Allowed
		blocking, allowed, unus int
	}{
		{"none", nil, 1, 0, 0},
		{"by id", []Allowed{{ID: "GO-2022-1059", Reason: "r"}}, 0, 1, 0},
		{"by alias, any case", []Allowed{{ID: "cve-2022-32149", Reason: "r"}}, 0, 1, 0},
		{"unreachable ones are never allowed-and-used", []Allowed{{ID: r.Findings[1].ID, Reason: "r"}}, 1, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, a, u := r.Blocking(tc.allow)
			if len(b) != tc.blocking || len(a) != tc.allowed || len(u) != tc.unus {
				t.Errorf("blocking %d, allowed %d, unused %d", len(b), len(a), len(u))
			}
		})
	}
}

// validate checks a document against a JSON schema of testdata/schemas.
func validate(t *testing.T, schemaFile string, doc []byte) error {
	t.Helper()
	sf, err := os.Open("testdata/schemas/" + schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer sf.Close()
	sdoc, err := jsonschema.UnmarshalJSON(sf)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(schemaFile, sdoc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(inst)
}

func TestPatchVEX(t *testing.T) {
	r := parseFixture(t)
	raw, err := os.ReadFile("testdata/govulncheck.openvex.json")
	if err != nil {
		t.Fatal(err)
	}
	// govulncheck's own document is not valid OpenVEX: an affected
	// statement needs an action statement.
	if err := validate(t, "openvex_json_schema.json", raw); err == nil {
		t.Error("govulncheck's document validates: PatchVEX may no longer be needed")
	}
	out, err := PatchVEX(raw, Product{Module: "github.com/gopherfile/gopherfile/examples/vulncheck", Version: "v1.2.3", Author: "Gopherfile"}, r)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(t, "openvex_json_schema.json", out); err != nil {
		t.Fatalf("the patched document is not valid OpenVEX: %v\n%s", err, out)
	}
	var doc struct {
		Author     string
		Statements []struct {
			Vulnerability struct{ Name string }
			Products      []map[string]any
			Status        string
			Justification string
			Action        string `json:"action_statement"`
		}
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Author != "Gopherfile" {
		t.Errorf("author %q", doc.Author)
	}
	levels := map[string]Level{}
	for _, f := range r.Findings {
		levels[f.ID] = f.Level
	}
	for _, s := range doc.Statements {
		if s.Products[0]["@id"] != "pkg:golang/github.com/gopherfile/gopherfile/examples/vulncheck@v1.2.3" {
			t.Errorf("product %v", s.Products[0])
		}
		want := map[Level]string{Reachable: "affected", Imported: "not_affected", Required: "not_affected"}[levels[s.Vulnerability.Name]]
		if s.Status != want {
			t.Errorf("%s: status %s, want %s", s.Vulnerability.Name, s.Status, want)
		}
		switch levels[s.Vulnerability.Name] {
		case Reachable:
			if s.Action != "Update golang.org/x/text to v0.3.8: go get golang.org/x/text@v0.3.8." {
				t.Errorf("action %q", s.Action)
			}
		case Imported:
			if s.Justification != "vulnerable_code_not_in_execute_path" {
				t.Errorf("%s: justification %q", s.Vulnerability.Name, s.Justification)
			}
		case Required:
			if s.Justification != "vulnerable_code_not_present" {
				t.Errorf("%s: justification %q", s.Vulnerability.Name, s.Justification)
			}
		}
	}
}

func TestSARIFValidates(t *testing.T) {
	raw, err := os.ReadFile("testdata/govulncheck.sarif")
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(t, "sarif-schema-2.1.0.json", raw); err != nil {
		t.Fatalf("govulncheck's SARIF is not valid SARIF 2.1.0: %v", err)
	}
}

func TestPatchSARIF(t *testing.T) {
	raw, err := os.ReadFile("testdata/govulncheck.sarif")
	if err != nil {
		t.Fatal(err)
	}
	// govulncheck repeats a stack when two findings share their frames (seen
	// on github.com/rakyll/hey v0.1.4): make one here.
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	res := doc["runs"].([]any)[0].(map[string]any)["results"].([]any)[0].(map[string]any)
	stacks := res["stacks"].([]any)
	res["stacks"] = append(stacks, stacks[0])
	dup, _ := json.Marshal(doc)
	if err := validate(t, "sarif-schema-2.1.0.json", dup); err == nil {
		t.Fatal("a repeated stack validates: the test no longer shows the problem")
	}
	out, err := PatchSARIF(dup)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(t, "sarif-schema-2.1.0.json", out); err != nil {
		t.Errorf("the patched log is not valid SARIF 2.1.0: %v", err)
	}
	var back map[string]any
	json.Unmarshal(out, &back)
	if n := len(back["runs"].([]any)[0].(map[string]any)["results"].([]any)[0].(map[string]any)["stacks"].([]any)); n != len(stacks) {
		t.Errorf("%d stacks after the patch, want %d", n, len(stacks))
	}
}
