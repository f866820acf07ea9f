package step

import (
	"debug/elf"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
	"github.com/gopherfile/gopherfile/internal/testproxy"
)

// sqlite stands in for github.com/mattn/go-sqlite3: without cgo it builds
// and fails at run time, as the real one does.
var sqlite = testproxy.Module{Path: "github.com/mattn/go-sqlite3", Version: "v1.14.0", Files: map[string]string{
	"cgo.go":  "//go:build cgo\n\npackage sqlite3\n\n// int answer(void) { return 42; }\nimport \"C\"\n\nfunc Driver() string { if C.answer() == 42 { return \"sqlite with cgo\" }; return \"?\" }\n",
	"stub.go": "//go:build !cgo\n\npackage sqlite3\n\nfunc Driver() string { return \"Binary was compiled with 'CGO_ENABLED=0', go-sqlite3 requires cgo to work.\" }\n",
}}

// buildAuto runs the build step as a Gopherfile with cgo unset defines it.
func (f *fixture) buildAuto(noCC string, env ...string) (int, string, string) {
	f.t.Helper()
	out := filepath.Join(f.out, "app")
	args := []string{"build", "-trimpath", "-o", out, "-ldflags=-s -w", "."}
	cgo := &stepconfig.CgoOpts{Args: append(append([]string{"build", "-trimpath", "-o", out}, plan.StaticCgoFlags([]string{"-ldflags=-s -w"}, "")...), "."), NoCC: noCC}
	code, log := f.run(stepconfig.Config{Kind: stepconfig.Build, Stage: "go build", Args: args, Record: f.record(),
		Build: &stepconfig.BuildOpts{Name: "app", Main: ".", Output: out, Cgo: cgo}}, append([]string{"GOPROXY=off"}, env...)...)
	return code, log, out
}

func (f *fixture) fetch() {
	f.t.Helper()
	if code, out := f.run(stepconfig.Config{Kind: stepconfig.Download, Stage: "go mod download", Args: []string{"mod", "download"},
		Net: f.net(), Record: f.record()}, "GOPROXY="+f.proxy.URL()); code != 0 {
		f.t.Fatalf("download: %d\n%s", code, out)
	}
}

// isStatic reports whether the ELF file has no program interpreter.
func isStatic(t *testing.T, p string) bool {
	t.Helper()
	ef, err := elf.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	for _, prog := range ef.Progs {
		if prog.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}

func TestCgoUnset(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Fatal("gcc not found: the cgo tests link with the host's C compiler (apt-get install gcc)")
	}
	for _, tc := range []struct {
		name string
		// files replace the fixture's main.go and go.mod.
		files    map[string]string
		mods     []testproxy.Module
		noCC     string
		env      []string
		wantCode int
		want     []string // in the step's output
		prints   string   // what the binary prints
		static   bool
	}{
		{
			name:   "pure Go stays without cgo",
			prints: "hello from lib", static: true,
			files: map[string]string{},
		},
		{
			name: "own package with Go files only with cgo",
			files: map[string]string{
				"native/native.go": "package native\n\n// int seven(void) { return 7; }\nimport \"C\"\n\nfunc Seven() int { return int(C.seven()) }\n",
				"main.go":          "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/app/native\"\n\t\"example.com/lib\"\n)\n\nfunc main() { fmt.Println(lib.Hello(), native.Seven()) }\n",
			},
			want:   []string{"building app with cgo, linked statically", "has Go files only with cgo (native.go)"},
			prints: "hello from lib 7", static: true,
		},
		{
			name: "a dependency known to need cgo",
			mods: []testproxy.Module{lib, sqlite},
			files: map[string]string{
				"go.mod":  "module example.com/app\n\ngo 1.22\n\nrequire (\n\texample.com/lib v1.0.0\n\tgithub.com/mattn/go-sqlite3 v1.14.0\n)\n",
				"main.go": "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/lib\"\n\tsqlite3 \"github.com/mattn/go-sqlite3\"\n)\n\nfunc main() { fmt.Println(lib.Hello(), sqlite3.Driver()) }\n",
			},
			want:   []string{"building app with cgo, linked statically", "github.com/mattn/go-sqlite3 is C code"},
			prints: "hello from lib sqlite with cgo", static: true,
		},
		{
			name: "no C compiler in the builder",
			files: map[string]string{
				"native/native.go": "package native\n\nimport \"C\"\n",
				"main.go":          "package main\n\nimport _ \"example.com/app/native\"\n\nfunc main() {}\n",
			},
			env: []string{"CC=no-such-cc"}, wantCode: 1,
			want: []string{"package example.com/app/native: all its Go files (native.go) import \"C\", and binary app was built without cgo", "(row 21, package needs cgo)", "no C compiler no-such-cc"},
		},
		{
			name: "cross build without a C compiler",
			files: map[string]string{
				"native/native.go": "package native\n\nimport \"C\"\n",
				"main.go":          "package main\n\nimport _ \"example.com/app/native\"\n\nfunc main() {}\n",
			},
			noCC: "linux/arm64", wantCode: 1,
			want: []string{"(row 21, package needs cgo)", "linux/arm64 is not the build platform", "cc: {linux/arm64: <compiler>}"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mods := tc.mods
			if mods == nil {
				mods = []testproxy.Module{lib}
			}
			f := newFixtureWith(t, mods...)
			for name, content := range tc.files {
				f.write(name, content)
			}
			if tc.mods != nil {
				var sums []string
				for _, m := range tc.mods {
					sums = append(sums, f.proxy.GoSum(m.Path, m.Version)...)
				}
				f.write("go.sum", strings.Join(sums, "\n")+"\n")
			}
			f.fetch()
			code, log, bin := f.buildAuto(tc.noCC, tc.env...)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.wantCode, log)
			}
			for _, w := range tc.want {
				if !strings.Contains(log, w) {
					t.Errorf("the step's output does not say %q:\n%s", w, log)
				}
			}
			if tc.prints == "" {
				return
			}
			if tc.name == "pure Go stays without cgo" && strings.Contains(log, "with cgo") {
				t.Errorf("a pure Go program was built with cgo:\n%s", log)
			}
			got, err := exec.Command(bin).CombinedOutput()
			if err != nil || strings.TrimSpace(string(got)) != tc.prints {
				t.Errorf("the binary printed %q (%v), want %q", got, err, tc.prints)
			}
			if tc.static && !isStatic(t, bin) {
				t.Errorf("the binary is dynamically linked")
			}
		})
	}
}
