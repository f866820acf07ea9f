package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/frontend/gomod"
	"github.com/gopherfile/gopherfile/frontend/lint"
	"github.com/gopherfile/gopherfile/frontend/spec"
)

const mainGo = "package main\n\nfunc main() {}\n"

// testModule is a module with two main packages, a library, and main packages
// init must skip.
var testModule = map[string]string{
	"go.mod":                  "module github.com/acme/tool\n\ngo 1.26\n",
	"cmd/a/main.go":           mainGo,
	"cmd/a/main_test.go":      "package main_test\n",
	"cmd/b/b.go":              "// Command b does b.\npackage main\n\nfunc main() {}\n",
	"cmd/b/doc.go":            "package main\n",
	"internal/lib/lib.go":     "package lib\n",
	"internal/lib/x_test.go":  "package main\n", // a test file does not make a main package
	"tools/gen/gen.go":        "//go:build ignore\n\npackage main\n",
	"tools/old/old.go":        "// +build ignore\n\npackage main\n",
	"vendor/x/main.go":        mainGo,
	"testdata/main.go":        mainGo,
	".hidden/main.go":         mainGo,
	"_attic/main.go":          mainGo,
	"cmd/c/_skip.go":          mainGo,
	"nested/go.mod":           "module github.com/acme/nested\n",
	"nested/main.go":          mainGo,
	"broken/broken.go":        "this is not Go\n",
	"README.md":               "# tool\n",
	"cmd/a/testdata/main.go":  mainGo,
	"cmd/linuxonly/main.go":   "//go:build linux\n\npackage main\n",
	"cmd/notwindows/main.go":  "//go:build !windows\n\npackage main\n",
	"cmd/mixed/ignored.go":    "//go:build ignore\n\npackage main\n",
	"cmd/mixed/lib.go":        "package mixed\n",
	"cmd/commented/main.go":   "/* a block comment */\n// another\npackage main\n",
	"cmd/a/internal/x/x.go":   "package x\n",
	"cmd/a/internal/x/doc.go": "// Package x.\npackage x\n",
}

func TestInit(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, testModule)

	code, stdout, stderr := gopherfile(t, "init", dir)
	if code != 0 {
		t.Fatalf("exit status %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "with 5 build(s): a (./cmd/a), b (./cmd/b), commented (./cmd/commented), linuxonly (./cmd/linuxonly), notwindows (./cmd/notwindows)\n") {
		t.Errorf("stdout: %s", stdout)
	}
	data, err := os.ReadFile(filepath.Join(dir, "Gopherfile"))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "init.Gopherfile", string(data))

	if !strings.HasPrefix(string(data), syntaxLine+"\n") {
		t.Errorf("the first line is not %q", syntaxLine)
	}
	s, pos, err := spec.Parse(data)
	if err != nil {
		t.Fatalf("spec.Parse: %v", err)
	}
	var got [][2]string
	for _, b := range s.Builds {
		got = append(got, [2]string{b.Name, b.Main})
	}
	want := [][2]string{{"a", "./cmd/a"}, {"b", "./cmd/b"}, {"commented", "./cmd/commented"}, {"linuxonly", "./cmd/linuxonly"}, {"notwindows", "./cmd/notwindows"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("builds %v, want %v", got, want)
	}
	facts, err := gomod.Parse("go.mod", []byte(testModule["go.mod"]))
	if err != nil {
		t.Fatal(err)
	}
	if ws := lint.Check(s, pos, facts, lint.Options{BuilderGo: "1.26.8"}); len(ws) > 0 {
		t.Errorf("lint.Check warns about the new Gopherfile:\n%v", ws)
	}

	// gopherfile lint agrees, silently.
	code, stdout, stderr = gopherfile(t, "lint", dir)
	if code != 0 || stdout != "" || stderr != "" {
		t.Errorf("lint: exit status %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestInitRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"go.mod": "module example.com/m\n\ngo 1.26\n", "main.go": mainGo, "Gopherfile": "version: 1\n# mine\n"})

	code, _, stderr := gopherfile(t, "init", dir)
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	for _, want := range []string{"already exists", "--force"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not contain %q:\n%s", want, stderr)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "Gopherfile")); string(data) != "version: 1\n# mine\n" {
		t.Errorf("the Gopherfile was changed:\n%s", data)
	}

	code, stdout, stderr := gopherfile(t, "init", "--force", dir)
	if code != 0 {
		t.Fatalf("--force: exit status %d: %s", code, stderr)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "Gopherfile"))
	if !strings.Contains(string(data), "  - name: m\n    main: .\n") {
		t.Errorf("--force did not write the root main package:\n%s", data)
	}
	if !strings.Contains(stdout, "m (.)") {
		t.Errorf("stdout: %s", stdout)
	}
}

func TestInitErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no go.mod", map[string]string{"main.go": mainGo}, "no go.mod in"},
		{"bad go.mod", map[string]string{"go.mod": "modul x\n"}, "go.mod:1: unknown directive: modul"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tt.files)
			code, _, stderr := gopherfile(t, "init", dir)
			if code != 1 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit status %d, stderr %q; want 1 and %q", code, stderr, tt.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "Gopherfile")); err == nil {
				t.Error("a Gopherfile was written")
			}
		})
	}
}

func TestInitNoMainPackage(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"go.mod": "module example.com/lib\n", "lib.go": "package lib\n"})
	code, stdout, stderr := gopherfile(t, "init", dir)
	if code != 0 {
		t.Fatalf("exit status %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "no main package found") || !strings.Contains(stderr, "has no go line") {
		t.Errorf("stdout %q, stderr %q", stdout, stderr)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "Gopherfile"))
	s, _, err := spec.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Builds) != 0 {
		t.Errorf("builds %v", s.Builds)
	}
}

func TestInitBuilds(t *testing.T) {
	tests := []struct {
		name   string
		module string
		dirs   []string
		want   []initBuild
	}{
		{"root", "github.com/acme/tool/v2", []string{"."}, []initBuild{{"tool", "."}}},
		{"clashing names", "example.com/m", []string{"cmd/a", "tools/a", "x/tools/a"},
			[]initBuild{{"a", "./cmd/a"}, {"tools-a", "./tools/a"}, {"x-tools-a", "./x/tools/a"}}},
		{"root and dir with its name", "example.com/srv", []string{".", "cmd/srv"},
			[]initBuild{{"srv", "."}, {"cmd-srv", "./cmd/srv"}}},
		{"odd directory names", "example.com/m", []string{"cmd/my+tool", "cmd/~x"},
			[]initBuild{{"my-tool", "./cmd/my+tool"}, {"x", "./cmd/~x"}}},
		{"directories go cannot build are skipped", "example.com/m", []string{"cmd/my tool", "cmd/ünï", "cmd/ok"},
			[]initBuild{{"ok", "./cmd/ok"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := initBuilds(tt.module, tt.dirs)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("initBuilds = %v, want %v", got, tt.want)
			}
			// Whatever the names, the Gopherfile parses and names the same packages.
			s, _, err := spec.Parse([]byte(renderGopherfile(tt.module, got)))
			if err != nil {
				t.Fatal(err)
			}
			for i, b := range s.Builds {
				if b.Name != got[i].name || b.Main != got[i].main {
					t.Errorf("build %d parsed as %q %q, want %q %q", i, b.Name, b.Main, got[i].name, got[i].main)
				}
			}
		})
	}
}

func TestIgnoredBy(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"//go:build ignore", true},
		{"// +build ignore", true},
		{"//go:build ignore && linux", true},
		{"//go:build linux", false},
		{"//go:build !windows", false},
		{"//go:build !ignore", false},
		{"// ignore", false},
		{"//go:build (", false},
	}
	for _, tt := range tests {
		if got := ignoredBy(tt.line); got != tt.want {
			t.Errorf("ignoredBy(%q) = %v, want %v", tt.line, got, tt.want)
		}
	}
}

func TestYAMLString(t *testing.T) {
	for _, s := range []string{"a", "./cmd/a", ".", "null", "True", "~", "my tool", "a: b", "#x", "-x", "ünï", `q"uote`} {
		text := "version: 1\nbuilds:\n  - main: " + yamlString(s) + "\n"
		sp, _, err := spec.Parse([]byte(text))
		if err != nil && !strings.Contains(err.Error(), "builds[0].main") {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if err == nil && sp.Builds[0].Main != s {
			t.Errorf("%q written as %s reads back as %q", s, yamlString(s), sp.Builds[0].Main)
		}
	}
}
