package diagnose

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// TestPolicyOrPrivate: a refusal by policy (row 20) is told apart from a
// private module (row 5) by the module's host and the proxy's answer.
func TestPolicyOrPrivate(t *testing.T) {
	line := func(mod, status, body string) string {
		s := "go: " + mod + "@v1.0.0: reading https://goproxy.corp.example/" + mod + "/@v/v1.0.0.info: " + status + "\n"
		if body != "" {
			s += "\tserver response: " + body + "\n"
		}
		return s
	}
	tests := []struct {
		name   string
		output string
		want   Class
	}{
		{"public host, 403 not available", line("github.com/ebfe/scard", "403 Forbidden", "This module version is not available."), PolicyRefused},
		{"vanity public host, 403 blocked by policy", line("golang.org/x/net", "403 Forbidden", "Blocked by curation policy: CVE-2023-44487"), PolicyRefused},
		{"451 for a licence", line("gopkg.in/yaml.v3", "451 Unavailable For Legal Reasons", "license AGPL-3.0 is not allowed"), PolicyRefused},
		{"public host, 404 with git's error", line("github.com/acme/private", "404 Not Found", "not found: fatal: could not read Username"), PrivateModule},
		{"public host, 403 without a body", line("github.com/acme/private", "403 Forbidden", ""), PrivateModule},
		{"public host, 403 asking for credentials", line("github.com/acme/private", "403 Forbidden", "Forbidden: bad credentials"), PrivateModule},
		{"company host, 403 not available", line("git.corp.example/team/lib", "403 Forbidden", "This module version is not available."), PrivateModule},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := Classify(tt.output)
			if len(fs) != 1 || fs[0].Class != tt.want {
				t.Fatalf("classified as %s, want row %d", dumpFindings(fs), tt.want)
			}
			r := Report(tt.output, baseContext())
			if !strings.Contains(r, "(row "+strconv.Itoa(int(tt.want))+",") {
				t.Errorf("report does not name row %d:\n%s", tt.want, r)
			}
			if tt.want == PolicyRefused && (strings.Contains(r, "set modules.private") || !strings.Contains(r, "administrators")) {
				t.Errorf("a refusal by policy should send the user to the proxy's administrators, not to GOPRIVATE:\n%s", r)
			}
		})
	}
	// A module of the same owner as the main module may be private after all.
	c := baseContext()
	c.MainModule = "github.com/acme/app"
	r := Report(line("github.com/acme/private", "403 Forbidden", "This module version is not available."), c)
	if !strings.Contains(r, "row 20") || !strings.Contains(r, "same owner as this module (github.com/acme/app)") || !strings.Contains(r, "GOPRIVATE=github.com/acme/*") {
		t.Errorf("same owner:\n%s", r)
	}
	// The list of versions of a query (@latest) names the module.
	fs := Classify("go: module github.com/ebfe/scard: reading https://proxy.golang.org/github.com/ebfe/scard/@v/list: 403 Forbidden\n\tserver response: This module version is not available.\n")
	if len(fs) != 1 || fs[0].Class != PolicyRefused || fs[0].Module != "github.com/ebfe/scard" || fs[0].Version != "" {
		t.Errorf("query: %s", dumpFindings(fs))
	}
	if p := Explain(fs[0], baseContext()); !strings.Contains(p, "refused its versions") {
		t.Errorf("query paragraph: %s", p)
	}
}

func TestCompileErrors(t *testing.T) {
	got := CompileErrors(readFixture(t, "21-cgo-only-dependency.txt") + readFixture(t, "21-cgo-only-main.txt"))
	if len(got) != 13 {
		t.Fatalf("%d errors, want 13: %+v", len(got), got)
	}
	first, last := got[0], got[len(got)-1]
	if first.Package != "github.com/ThalesIgnite/crypto11" || first.File != "/go/pkg/mod/github.com/!thales!ignite/crypto11@v1.2.5/crypto11.go" || first.Line != 127 {
		t.Errorf("first = %+v", first)
	}
	if q, n, ok := first.Undefined(); !ok || q != "pkcs11" || n != "ObjectHandle" {
		t.Errorf("Undefined() = %q %q %v", q, n, ok)
	}
	if last.Package != "example.com/hsmtool" || last.File != "./main.go" {
		t.Errorf("last = %+v", last)
	}
	for _, tt := range []struct {
		msg, q, n string
		ok        bool
	}{
		{"undefined: scTx", "", "scTx", true},
		{"undefined: pkcs11.New", "pkcs11", "New", true},
		{"too many errors", "", "", false},
		{"x.y undefined (type T has no field or method y)", "", "", false},
	} {
		q, n, ok := CompileError{Msg: tt.msg}.Undefined()
		if q != tt.q || n != tt.n || ok != tt.ok {
			t.Errorf("Undefined(%q) = %q %q %v", tt.msg, q, n, ok)
		}
	}
	dirs := ExcludedDirs(readFixture(t, "21-exclude-all.txt"))
	if want := map[string]string{"/src/internal/hsm": "imports example.com/vault/internal/hsm: build constraints exclude all Go files in /src/internal/hsm"}; !reflect.DeepEqual(dirs, want) {
		t.Errorf("ExcludedDirs = %q", dirs)
	}
}

func TestLookupCLib(t *testing.T) {
	for _, tt := range []struct{ detail, dev string }{
		{"header pcap.h", "libpcap-dev"},
		{"header PCSC/winscard.h", "libpcsclite-dev"},
		{"library pcsclite", "libpcsclite-dev"},
		{"pkg-config libpcsclite", "libpcsclite-dev"},
		{"header openssl/ssl.h", "libssl-dev"},
		{"library z", "zlib1g-dev"},
		{"header nosuch.h", ""},
		{"command pkg-config", ""},
	} {
		dev := ""
		if l := lookupCLib(tt.detail); l != nil {
			dev = l.dev
		}
		if dev != tt.dev {
			t.Errorf("lookupCLib(%q) = %q, want %q", tt.detail, dev, tt.dev)
		}
	}
}

// TestCompileFacts: what the step helper found turns "undefined:" lines and
// "exclude all" lines into rows 21 and 24; without facts they stay
// ordinary compile errors.
func TestCompileFacts(t *testing.T) {
	out := readFixture(t, "21-exclude-all.txt")
	c := Context{Stage: stepconfig.StageBuild}
	if r := Report(out, c); !strings.Contains(r, "row 24") {
		t.Errorf("without facts, exclude all is row 24:\n%s", r)
	}
	c.Compile = &CompileFacts{Binary: "vault", Cgo: CgoAuto, CC: "gcc", CCMissing: true, Excluded: []Excluded{{
		Package: "example.com/vault/internal/hsm", Dir: "/src/internal/hsm", Files: []string{"hsm.go"}, Constraint: `import "C"`, Cgo: true,
	}}}
	r := Report(out, c)
	if !strings.Contains(r, "row 21") || strings.Contains(r, "row 24") || !strings.Contains(r, "1 problem(s)") {
		t.Errorf("with the cgo file, row 21 alone:\n%s", r)
	}
	if !strings.Contains(r, "no C compiler") {
		t.Errorf("cgo unset and no compiler: the paragraph says so:\n%s", r)
	}
	if r := Report(readFixture(t, "24-tags-undefined.txt"), Context{Stage: stepconfig.StageBuild}); !strings.Contains(r, "does not recognise") {
		t.Errorf("undefined: without facts is a compile error:\n%s", r)
	}
}
