//go:build integration

package integration

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/testproxy"
)

// cgoDep is a dependency of its own (the shared module cache never has it)
// shaped like github.com/miekg/pkcs11: a Go file that builds without cgo,
// and the types and functions the program uses in a cgo file whose C part
// is cPart.
func cgoDep(cPart string) testproxy.Module {
	path := fmt.Sprintf("example.com/gf%08x/hsm", rand.Uint32())
	return testproxy.Module{Path: path, Version: "v1.0.0", Files: map[string]string{
		"const.go": "package hsm\n\n// Version is the version of the binding.\nconst Version = 2\n",
		"types.go": "package hsm\n\n" + cPart + "// static int slots(void) { return 3; }\nimport \"C\"\n\n// ObjectHandle is a handle.\ntype ObjectHandle uint\n\n" +
			"// Ctx is a module.\ntype Ctx struct{}\n\n// New opens a module.\nfunc New(path string) *Ctx { return &Ctx{} }\n\n" +
			"// Slots counts the slots.\nfunc (c *Ctx) Slots() int { return int(C.slots()) }\n",
	}}
}

// appUsingHSM writes a main module whose main package uses dep's types and
// a Gopherfile with more lines.
func appUsingHSM(t *testing.T, p *testproxy.Proxy, dep testproxy.Module, more string) string {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), fmt.Sprintf("module example.com/app\n\ngo 1.26\n\nrequire %s %s\n", dep.Path, dep.Version))
	writeFile(t, filepath.Join(dir, "go.sum"), strings.Join(p.GoSum(dep.Path, dep.Version), "\n")+"\n")
	writeFile(t, filepath.Join(dir, "main.go"), fmt.Sprintf("package main\n\nimport (\n\t\"fmt\"\n\n\thsm %q\n)\n\n"+
		"func main() {\n\tvar h hsm.ObjectHandle\n\tfmt.Println(hsm.New(\"/usr/lib/softhsm/libsofthsm2.so\").Slots(), h)\n}\n", dep.Path))
	writeFile(t, filepath.Join(dir, "Gopherfile"), fmt.Sprintf("version: 1\nmodules:\n  proxy: %s\n  nosumdb: [example.com/*]\n  retries: 1\n%s", p.URL(), more))
	return dir
}

// TestCompileRows induces the compile rows of the catalogue through real
// builds: each failure ends with the paragraph that names the package or
// file, the cause and the fix; a package whose types exist only with cgo is
// built again with cgo when cgo is unset (on the minimal root, which has no
// C compiler, the compile stops and runs again in the golang image).
func TestCompileRows(t *testing.T) {
	t.Parallel() // a long test of its own (see parallelTests)
	tests := []struct {
		name  string
		cPart string // the C part of the dependency's cgo file
		more  string // more Gopherfile lines
		ok    bool
		want  []string
	}{
		{"row 21 types only with cgo: built again with cgo", "", "", true,
			[]string{"building app with cgo, linked statically", "declares what the build uses only in files that need cgo (types.go", "undefined: hsm.ObjectHandle",
				"go build needs a C compiler (app needs cgo", "building in the golang image instead"}},
		{"row 21 with cgo: false", "", "cgo: false\n", false,
			[]string{"types.go, which declare what the build uses, import \"C\", and binary app was built without cgo", "(row 21, package needs cgo)", "remove cgo: false"}},
		{"row 22 missing C header", "// #include <PCSC/winscard.h>\n", "", false,
			[]string{"building app with cgo", "the C header PCSC/winscard.h is not in the builder image", "(row 22, C library missing in the builder)", "libpcsclite-dev", "builder:"}},
		{"row 22 no pkg-config", "// #cgo pkg-config: libpcsclite\n", "", false,
			[]string{"has no pkg-config, which cgo runs to find the flags of the C library libpcsclite", "(row 22, C library missing in the builder)", "libpcsclite-dev and pkg-config"}},
		{"row 22 library missing for a static link", "// #cgo LDFLAGS: -lpcsclite\n", "", false,
			[]string{"the linker cannot find the C library libpcsclite", "(row 22, C library missing in the builder)", "libpcsclite-dev", "set cgo: true to link dynamically"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dep := cgoDep(tt.cPart)
			p := startProxy(t, dep)
			dir := appUsingHSM(t, p, dep, tt.more)
			out := t.TempDir()
			r := cli(t, dir, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+out, ".")
			t.Logf("build output:\n%s", tail(r.out, 40))
			if tt.ok {
				mustOK(t, r)
				if got := runBinary(t, filepath.Join(out, "app")); strings.TrimSpace(got) != "3 0" {
					t.Errorf("app printed %q, want \"3 0\"", got)
				}
			} else if r.err == nil {
				t.Fatalf("want a failure:\n%s", tail(r.out, 30))
			}
			for _, w := range append(tt.want, dep.Path) {
				if !strings.Contains(r.out, w) {
					t.Errorf("output lacks %q:\n%s", w, tail(r.out, 30))
				}
			}
			if strings.Contains(tt.more, "cgo: false") && strings.Contains(r.out, "golang image instead") {
				t.Errorf("with cgo: false the build moved to the golang image, where it fails the same way:\n%s", tail(r.out, 30))
			}
		})
	}
}

// TestCompileRowTags: a release config's tags leave out the file that
// declares what the build uses (row 24), and the paragraph names the file,
// its constraint and the tags.
func TestCompileRowTags(t *testing.T) {
	t.Parallel() // a long test of its own (see parallelTests)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/relay\n\ngo 1.26\n")
	writeFile(t, filepath.Join(dir, "main.go"), "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"relay\", version) }\n")
	writeFile(t, filepath.Join(dir, "version_dev.go"), "//go:build !release\n\npackage main\n\nconst version = \"dev\"\n")
	writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\nbuilds:\n  - main: .\n    tags: [release]\n")
	r := cli(t, dir, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	if r.err == nil {
		t.Fatalf("want a failure:\n%s", tail(r.out, 20))
	}
	for _, w := range []string{"undefined: version", "build constraints (//go:build !release) leave out version_dev.go with the build tags release", "(row 24, files excluded by build constraints)"} {
		if !strings.Contains(r.out, w) {
			t.Errorf("output lacks %q:\n%s", w, tail(r.out, 20))
		}
	}
	if strings.Contains(r.out, "building relay with cgo") {
		t.Errorf("a build that misses a file of other tags was retried with cgo:\n%s", tail(r.out, 20))
	}
}

// TestCompileRowOldTools: a generator built from a golang.org/x/tools too
// old for the builder's Go (row 23), through go generate in the build, with
// x/tools from the module proxy. (The unit fixtures cover go's other
// messages for it: x/tools' own compile failure with a newer Go.)
func TestCompileRowOldTools(t *testing.T) {
	t.Parallel() // a long test of its own (see parallelTests)
	dir := copyDir(t, "integration/testdata/oldtools")
	r := cli(t, dir, append(proxyCAArgs(), "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")...)
	if r.err == nil {
		t.Fatalf("want a failure:\n%s", tail(r.out, 20))
	}
	// go 1.24 in go.mod: the go steps run the newest Go 1.24 release, whose
	// export data x/tools v0.24.0's go/packages cannot read.
	for _, w := range []string{`stringer: internal error: package "fmt" without types was imported from "example.com/colors"`, "golang.org/x/tools@v0.24.0, which is too old for the builder's go 1.24.", "(row 23, tool too old for the builder's Go)", "go get golang.org/x/tools@latest"} {
		if !strings.Contains(r.out, w) {
			t.Errorf("output lacks %q:\n%s", w, tail(r.out, 20))
		}
	}
}

// TestProxyPolicyRow: a proxy that answers 403 "This module version is not
// available" refuses a public module by policy (row 20): the advice is the
// proxy's administrators, not GOPRIVATE; the same answer for a module on a
// company host stays row 5. gopherfile doctor predicts the same rows.
func TestProxyPolicyRow(t *testing.T) {
	tests := []struct {
		name, path string
		want       []string
		notWant    string
	}{
		{"public module: row 20", fmt.Sprintf("github.com/gf%08x/greeting", rand.Uint32()),
			[]string{"(row 20, proxy refused the version by policy)", `"This module version is not available"`, "Ask the proxy's administrators to allow"}, "set modules.private"},
		{"company host: row 5", fmt.Sprintf("git.gf%08x.example/team/greeting", rand.Uint32()),
			[]string{"(row 5, private module behind a public proxy)", "set modules.private"}, "row 20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mod := privateModule(t)
			mod.Path = tt.path
			p := startProxy(t, mod)
			p.SetResponse(tt.path, 403, "This module version is not available.")
			host, _, _ := strings.Cut(tt.path, "/")
			dir := moduleUsing(t, p, mod, fmt.Sprintf("  proxy: %s\n  nosumdb: [%s/*]\n  retries: 1\n", p.URL(), host))
			r := cli(t, dir, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
			if r.err == nil {
				t.Fatalf("want a failure:\n%s", tail(r.out, 20))
			}
			for _, w := range append(tt.want, "403 Forbidden", tt.path+"@v1.0.0") {
				if !strings.Contains(r.out, w) {
					t.Errorf("output lacks %q:\n%s", w, tail(r.out, 20))
				}
			}
			if strings.Contains(r.out, tt.notWant) {
				t.Errorf("output says %q:\n%s", tt.notWant, tail(r.out, 20))
			}
			// The doctor predicts the same row, with the same words.
			d := doctorCLI(t, dir, nil, ".")
			predicts(t, d, append(tt.want, "PREDICTED FAILURE")...)
			if strings.Contains(d.out, tt.notWant) {
				t.Errorf("the doctor says %q:\n%s", tt.notWant, d.out)
			}
		})
	}
}

// TestToolchainSwitchRefused: with GOTOOLCHAIN=auto and a Go older than
// go.mod's go line, the go command's switch to a toolchain the proxy does
// not serve (404: the release does not exist; 403: the proxy's rules refuse
// it) is row 12, with the switch and the proxy's answer, and the fix names
// go:. The test proxy refuses that one release; the build's own Go still
// comes through it.
func TestToolchainSwitchRefused(t *testing.T) {
	t.Parallel() // a long test of its own (see parallelTests)
	tests := []struct {
		name string
		code int
		body string
		want []string
	}{
		{"404 not found", 404, "not found: golang.org/toolchain@v0.0.1-go1.27.4.linux-amd64: invalid version",
			[]string{"toolchain not available", "tried to download go1.27.4 and switch to it"}},
		{"403 by policy", 403, "This module version is not available.",
			[]string{"tried to download go1.27.4 (golang.org/toolchain) and switch to it, which failed (403 Forbidden: This module version is not available.)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mod := privateModule(t)
			p := startProxy(t, mod)
			p.SetResponse("golang.org/toolchain/@v/v0.0.1-go1.27.4.", tt.code, tt.body)
			dir := moduleUsing(t, p, mod, fmt.Sprintf("  proxy: %s\n  nosumdb: [example.com/*]\n  retries: 1\n  toolchain: auto\n", p.URL()))
			writeFile(t, filepath.Join(dir, "go.mod"), fmt.Sprintf("module example.com/app\n\ngo 1.27.4\n\nrequire %s %s\n", mod.Path, mod.Version))
			writeFile(t, filepath.Join(dir, "Gopherfile"), readFile(t, filepath.Join(dir, "Gopherfile"))+"go: \"1.26\"\n")
			r := cli(t, dir, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
			if r.err == nil {
				t.Fatalf("want a failure:\n%s", tail(r.out, 20))
			}
			for _, w := range append(tt.want, "(row 12, Go too old in the builder)", "GOTOOLCHAIN=auto", `Build with Go 1.27.4 or newer (go: "1.27.4" in the Gopherfile`) {
				if !strings.Contains(r.out, w) {
					t.Errorf("output lacks %q:\n%s", w, tail(r.out, 20))
				}
			}
			if strings.Contains(r.out, "(row 20") {
				t.Errorf("a refused toolchain switch is the go line, not row 20:\n%s", tail(r.out, 20))
			}
		})
	}
}
