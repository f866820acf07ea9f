package step

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
	"github.com/gopherfile/gopherfile/internal/testproxy"
)

// hsm stands in for github.com/miekg/pkcs11: a few Go files build without
// cgo, so "build constraints exclude all Go files" never appears, but its
// types and functions are declared only in a cgo file.
var hsm = testproxy.Module{Path: "example.com/hsm", Version: "v1.0.0", Files: map[string]string{
	"const.go": "package hsm\n\n// Version is the version of the binding.\nconst Version = 2\n",
	"types.go": "package hsm\n\n// static int slots(void) { return 3; }\nimport \"C\"\n\n// ObjectHandle is a handle.\ntype ObjectHandle uint\n\n// Ctx is a module.\ntype Ctx struct{}\n\n" +
		"// New opens a module.\nfunc New(path string) *Ctx { return &Ctx{} }\n\n// Slots counts the slots.\nfunc (c *Ctx) Slots() int { return int(C.slots()) }\n",
}}

// card stands in for github.com/go-piv/piv-go/piv: its own Go files use
// names declared only in its cgo file ("undefined: scTx" in the package).
var card = testproxy.Module{Path: "example.com/card", Version: "v1.0.0", Files: map[string]string{
	"card.go": "package card\n\n// Cards counts the cards.\nfunc Cards() int { var t scTx; return t.n() }\n",
	"pcsc.go": "package card\n\n// static int two(void) { return 2; }\nimport \"C\"\n\ntype scTx struct{}\n\nfunc (scTx) n() int { return int(C.two()) }\n",
}}

// pcsc is card with its C flags from pkg-config, as go-piv/piv-go's.
var pcsc = testproxy.Module{Path: "example.com/card", Version: "v1.0.0", Files: map[string]string{
	"card.go": card.Files["card.go"],
	"pcsc.go": "package card\n\n// #cgo pkg-config: libpcsclite\n// static int two(void) { return 2; }\nimport \"C\"\n\ntype scTx struct{}\n\nfunc (scTx) n() int { return int(C.two()) }\n",
}}

// buildWith runs the build step; auto is cgo unset in the Gopherfile.
func (f *fixture) buildWith(auto bool, tags, noCC string, env ...string) (int, string, string) {
	f.t.Helper()
	out := filepath.Join(f.out, "app")
	flags := []string{"-ldflags=-s -w"}
	if tags != "" {
		flags = append(flags, "-tags="+tags)
	}
	args := append(append([]string{"build", "-trimpath", "-o", out}, flags...), ".")
	opts := &stepconfig.BuildOpts{Name: "app", Main: ".", Output: out}
	if auto {
		opts.Cgo = &stepconfig.CgoOpts{Args: append(append([]string{"build", "-trimpath", "-o", out}, plan.StaticCgoFlags(flags, "")...), "."), NoCC: noCC}
	}
	return f.buildCfg(stepconfig.Config{Kind: stepconfig.Build, Stage: "go build", Args: args, Record: f.record(), Build: opts}, env...)
}

// buildCfg runs the build step of cfg, offline.
func (f *fixture) buildCfg(cfg stepconfig.Config, env ...string) (int, string, string) {
	f.t.Helper()
	code, log := f.run(cfg, append([]string{"GOPROXY=off"}, env...)...)
	return code, log, cfg.Build.Output
}

// TestCgoOnlyDeclarations: a failed build without cgo whose errors are
// "undefined:" names declared only in cgo files needs cgo, like a package
// whose Go files all need it; names declared only in files other build
// tags leave out are row 24; other undefined names are the program's own
// errors.
func TestCgoOnlyDeclarations(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Fatal("gcc not found: the cgo tests link with the host's C compiler (apt-get install gcc)")
	}
	useHSM := "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/hsm\"\n)\n\nfunc main() {\n\tvar h hsm.ObjectHandle\n\tfmt.Println(hsm.New(\"/usr/lib/softhsm.so\").Slots(), h)\n}\n"
	useCard := "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/card\"\n)\n\nfunc main() { fmt.Println(card.Cards()) }\n"
	for _, tc := range []struct {
		name     string
		mod      testproxy.Module
		files    map[string]string
		auto     bool
		tags     string
		noCC     string
		env      []string
		wantCode int
		want     []string
		notWant  []string
		prints   string
	}{
		{
			name: "types only in a cgo file: built again with cgo", mod: hsm, auto: true,
			files:  map[string]string{"main.go": useHSM},
			want:   []string{"building app with cgo, linked statically", "the package example.com/hsm declares what the build uses only in files that need cgo (types.go", "undefined: hsm."},
			prints: "3 0",
		},
		{
			name: "names of the package itself only in its cgo file", mod: card, auto: true,
			files:  map[string]string{"main.go": useCard},
			want:   []string{"building app with cgo", "the package example.com/card declares what the build uses only in files that need cgo (pcsc.go"},
			prints: "2",
		},
		{
			name: "cgo: false", mod: hsm,
			files:    map[string]string{"main.go": useHSM},
			wantCode: 1,
			want:     []string{"package example.com/hsm: types.go, which declare what the build uses, import \"C\", and binary app was built without cgo", "(row 21, package needs cgo)", "remove cgo: false"},
			notWant:  []string{"building app with cgo"},
		},
		{
			name: "cross build without a C cross compiler", mod: hsm, auto: true, noCC: "linux/arm64",
			files:    map[string]string{"main.go": useHSM},
			wantCode: 1,
			want:     []string{"(row 21, package needs cgo)", "cc: {linux/arm64: <compiler>}"},
		},
		{
			name: "a name the release tags leave out", mod: lib, auto: true, tags: "release",
			files: map[string]string{
				"main.go":        "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/lib\"\n)\n\nfunc main() { fmt.Println(lib.Hello(), version) }\n",
				"version_dev.go": "//go:build !release\n\npackage main\n\nconst version = \"dev\"\n",
			},
			wantCode: 1,
			want:     []string{"package example.com/app: build constraints (//go:build !release) leave out version_dev.go with the build tags release", "undefined: version (row 24"},
			notWant:  []string{"with cgo"},
		},
		{
			name: "no pkg-config for the cgo build", mod: pcsc, auto: true,
			files:    map[string]string{"main.go": useCard},
			env:      []string{"PKG_CONFIG=gf-no-pkg-config"}, // as a builder image without it
			wantCode: 1,
			want:     []string{"building app with cgo", "has no pkg-config, which cgo runs to find the flags of the C library libpcsclite (#cgo pkg-config: libpcsclite)", "(row 22", "libpcsclite-dev"},
		},
		{
			name: "an undefined name declared nowhere", mod: lib, auto: true,
			files:    map[string]string{"main.go": "package main\n\nfunc main() { nosuch() }\n"},
			wantCode: 1,
			want:     []string{"undefined: nosuch", "go build failed; its output above says why"},
			notWant:  []string{"row ", "with cgo"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixtureWith(t, lib, tc.mod)
			f.write("go.mod", "module example.com/app\n\ngo 1.22\n\nrequire "+tc.mod.Path+" "+tc.mod.Version+"\n")
			f.write("go.sum", strings.Join(f.proxy.GoSum(tc.mod.Path, tc.mod.Version), "\n")+"\n")
			for name, content := range tc.files {
				f.write(name, content)
			}
			f.fetch()
			code, log, bin := f.buildWith(tc.auto, tc.tags, tc.noCC, tc.env...)
			t.Logf("the step's output:\n%s", log)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.wantCode, log)
			}
			for _, w := range tc.want {
				if !strings.Contains(log, w) {
					t.Errorf("the step's output does not say %q:\n%s", w, log)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(log, w) {
					t.Errorf("the step's output says %q:\n%s", w, log)
				}
			}
			if tc.prints == "" {
				return
			}
			got, err := exec.Command(bin).CombinedOutput()
			if err != nil || strings.TrimSpace(string(got)) != tc.prints {
				t.Errorf("the binary printed %q (%v), want %q", got, err, tc.prints)
			}
			if !isStatic(t, bin) {
				t.Errorf("the binary is dynamically linked")
			}
		})
	}
}

// TestCgoOnlyDeclarationsMinimalRoot: on the minimal root (the Go toolchain
// from the module proxy, no C compiler) a binary whose used names are
// declared only in cgo files moves to the golang image (ExitNeedsImage),
// where the retry with cgo has gcc; with cgo: false it stays and fails with
// row 21, since the image would fail the same way.
func TestCgoOnlyDeclarationsMinimalRoot(t *testing.T) {
	useHSM := "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/hsm\"\n)\n\nfunc main() {\n\tvar h hsm.ObjectHandle\n\tfmt.Println(hsm.New(\"/usr/lib/softhsm.so\").Slots(), h)\n}\n"
	for _, tc := range []struct {
		name     string
		auto     bool
		wantCode int
		want     []string
		notWant  []string
	}{
		{"cgo unset: built in the golang image", true, stepconfig.ExitNeedsImage,
			[]string{"go build needs a C compiler (app needs cgo: the package example.com/hsm declares what the build uses only in files that need cgo (types.go",
				"building in the golang image instead (builder: golang:1.26.8 in the Gopherfile starts there"},
			[]string{"row 21", "cgo: false"}},
		{"cgo: false: row 21 here", false, 1,
			[]string{"(row 21, package needs cgo)", "remove cgo: false"},
			[]string{"golang image"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixtureWith(t, lib, hsm)
			f.write("go.mod", "module example.com/app\n\ngo 1.22\n\nrequire "+hsm.Path+" "+hsm.Version+"\n")
			f.write("go.sum", strings.Join(f.proxy.GoSum(hsm.Path, hsm.Version), "\n")+"\n")
			f.write("main.go", useHSM)
			f.fetch()
			out := filepath.Join(f.out, "app")
			args := []string{"build", "-trimpath", "-o", out, "."}
			opts := &stepconfig.BuildOpts{Name: "app", Main: ".", Output: out}
			if tc.auto {
				opts.Cgo = &stepconfig.CgoOpts{Args: append(append([]string{"build", "-trimpath", "-o", out}, plan.StaticCgoFlags(nil, "")...), ".")}
			}
			cfg := stepconfig.Config{Kind: stepconfig.Build, Stage: "go build", Args: args, Record: f.record(), Build: opts, MinimalRoot: true}
			cfg.Diag.GoVersion = "1.26.8"
			code, log, _ := f.buildCfg(cfg, "CC=gf-no-such-cc")
			t.Logf("the step's output:\n%s", log)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.wantCode, log)
			}
			for _, w := range tc.want {
				if !strings.Contains(log, w) {
					t.Errorf("the step's output does not say %q:\n%s", w, log)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(log, w) {
					t.Errorf("the step's output says %q:\n%s", w, log)
				}
			}
		})
	}
}
