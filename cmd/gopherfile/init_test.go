package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/lint"
	"github.com/gopherfile/gopherfile/internal/spec"
)

const mainGo = "package main\n\nfunc main() {}\n"

// testModule is a module with two main packages, a library, and main packages
// init must skip.
var testModule = map[string]string{
	"go.mod":                  "module github.com/acme/tool\n\ngo 1.26\n",
	"cmd/tool/main.go":        mainGo,
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
	for _, want := range []string{"with 1 build(s): tool (./cmd/tool)\n", "chosen: cmd/tool, named like the module github.com/acme/tool", "5 other main package(s) listed commented out"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout does not contain %q:\n%s", want, stdout)
		}
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
	if len(s.Builds) != 1 || s.Builds[0].Name != "tool" || s.Builds[0].Main != "./cmd/tool" {
		t.Errorf("builds %+v", s.Builds)
	}
	// The other main packages are listed, commented out; those that are not
	// main packages for linux are not.
	for _, want := range []string{`# - main: "./cmd/a" `, `# - main: "./cmd/b" `, `# - main: "./cmd/linuxonly" `, `# - main: "./cmd/notwindows" `, `# - main: "./cmd/commented" `} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the Gopherfile does not list %q", want)
		}
	}
	for _, not := range []string{"./cmd/mixed", "./nested", "./vendor", "./testdata", "./tools/gen", "./tools/old", "./_attic", "./broken"} {
		if strings.Contains(string(data), not) {
			t.Errorf("the Gopherfile names %s", not)
		}
	}
	facts, err := gomod.Parse("go.mod", []byte(testModule["go.mod"]))
	if err != nil {
		t.Fatal(err)
	}
	if ws := lint.Check(s, pos, &gomod.Module{Facts: facts}, lint.Options{BuilderGo: "1.26.8", Tree: os.DirFS(dir)}); len(ws) > 0 {
		t.Errorf("lint.Check warns about the new Gopherfile:\n%v", ws)
	}

	// gopherfile lint agrees, in one line.
	code, stdout, stderr = gopherfile(t, "lint", dir)
	if code != 0 || !strings.HasSuffix(stdout, fmt.Sprintf("Gopherfile: no problems found (%d checks)\n", len(lint.Rules))) || strings.Count(stdout, "\n") != 1 || stderr != "" {
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
	if !strings.Contains(string(data), "  - name: \"m\"\n    main: \".\"\n") {
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
		{"bad go.work", map[string]string{"go.work": "go 1.26\nuse (\n"}, "go.work"},
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
	if code != 1 {
		t.Fatalf("exit status %d, want 1 (lint finds no program to build): %s", code, stderr)
	}
	if !strings.Contains(stdout, "no main package found") || !strings.Contains(stderr, "[main-not-a-main-package]") {
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

// TestInitProjects: what init writes for the kinds of trees real projects have.
func TestInitProjects(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string
		want   []string // in the Gopherfile
		not    []string // not in the Gopherfile
		stdout []string
		stderr []string
		code   int
	}{
		{
			name: "go.work workspace: module: and the replaced modules in the context",
			files: map[string]string{
				"go.work":         "go 1.24\n\nuse (\n\t./api\n\t./etcdctl\n)\n",
				"api/go.mod":      "module example.com/api\n\ngo 1.24\n",
				"api/api.go":      "package api\n",
				"etcdctl/go.mod":  "module example.com/etcdctl\n\ngo 1.24\n\nrequire example.com/api v0.0.0\n\nreplace example.com/api => ../api\n",
				"etcdctl/main.go": "package main\n\nimport _ \"example.com/api\"\n\nfunc main() {}\n",
			},
			want:   []string{"\nmodule: \"etcdctl\"\n", "  - name: \"etcdctl\"\n    main: \".\"\n"},
			stdout: []string{"module: etcdctl (of the go.work workspace)"},
		},
		{
			name: "cgo SQLite driver in vendor/",
			files: map[string]string{
				"go.mod":             "module example.com/app\n\ngo 1.24\n\nrequire github.com/mattn/go-sqlite3 v1.14.22\n",
				"main.go":            "package main\n\nimport _ \"example.com/app/store\"\n\nfunc main() {}\n",
				"store/store.go":     "package store\n\nimport _ \"github.com/mattn/go-sqlite3\"\n",
				"vendor/modules.txt": "# github.com/mattn/go-sqlite3 v1.14.22\n## explicit\ngithub.com/mattn/go-sqlite3\n",
				"vendor/github.com/mattn/go-sqlite3/a.go": "package sqlite3\n",
			},
			want:   []string{"\ncgo: true\n", "github.com/mattn/go-sqlite3 is C code"},
			stdout: []string{"cgo: the SQLite driver github.com/mattn/go-sqlite3"},
		},
		{
			name: "a package of the module that needs cgo",
			files: map[string]string{
				"go.mod":        "module example.com/app\n\ngo 1.24\n",
				"main.go":       "package main\n\nimport _ \"example.com/app/ns\"\n\nfunc main() {}\n",
				"ns/ns.go":      "package ns\n\n// void f() {}\nimport \"C\"\n",
				"ns/ns_test.go": "package ns\n",
				"cmd/x/main.go": mainGo,
			},
			want: []string{"\ncgo: true\n", "example.com/app/ns has Go files only with cgo"},
		},
		{
			name: "cgo with a pure Go fallback is not needed",
			files: map[string]string{
				"go.mod":         "module example.com/app\n\ngo 1.24\n",
				"main.go":        "package main\n\nimport _ \"example.com/app/ns\"\n\nfunc main() {}\n",
				"ns/ns.go":       "package ns\n\nimport \"C\"\n",
				"ns/ns_nocgo.go": "//go:build !cgo\n\npackage ns\n",
			},
			not: []string{"\ncgo: true"},
		},
		{
			name: ".go-version",
			files: map[string]string{
				"go.mod": "module example.com/app\n\ngo 1.24\n", "main.go": mainGo, ".go-version": "1.25.3\n",
				"Dockerfile": "FROM golang:1.24-bookworm AS build\n",
			},
			want:   []string{"# .go-version says the project builds with Go 1.25.3.\ngo: \"1.25.3\"\n"},
			stdout: []string{"go: 1.25.3 (from .go-version)"},
		},
		{
			name: "a Dockerfile's Go older than the tidy check: not used",
			files: map[string]string{
				"go.mod": "module example.com/app\n\ngo 1.21\n", "main.go": mainGo,
				"Dockerfile": "FROM golang:1.21.3 as builder\n",
			},
			want: []string{"# Dockerfile says Go 1.21.3, not used: the tidy check needs Go 1.23 or newer", "# go: \""},
			not:  []string{"\ngo: "},
		},
		{
			name: "a toolchain line picks the builder: no go: from files",
			files: map[string]string{
				"go.mod": "module example.com/app\n\ngo 1.24\n\ntoolchain go1.25.3\n", "main.go": mainGo, ".go-version": "1.24.1\n",
			},
			want: []string{"# Default: Go 1.25.3, go.mod's toolchain line go1.25.3."},
			not:  []string{"\ngo: "},
		},
		{
			name: "a CI workflow's go-version",
			files: map[string]string{
				"go.mod": "module example.com/app\n\ngo 1.24\n", "main.go": mainGo,
				".github/workflows/ci.yml": "jobs:\n  test:\n    steps:\n      - uses: actions/setup-go@v5\n        with:\n          go-version: '1.25.x'\n",
			},
			want: []string{"go: \"1.25\"\n", ".github/workflows/ci.yml says"},
		},
		{
			name:   "a module older than Go 1.17: the tidy check is off",
			files:  map[string]string{"go.mod": "module example.com/app\n\ngo 1.13\n", "main.go": mainGo},
			want:   []string{"\ntidy: \"off\"\n", "# The go mod tidy check is off: go.mod says go 1.13"},
			stdout: []string{"tidy: off (go.mod says go 1.13, older than Go 1.17)"},
		},
		{
			name:  "Go 1.17 keeps the tidy check",
			files: map[string]string{"go.mod": "module example.com/app\n\ngo 1.17\n", "main.go": mainGo},
			not:   []string{"tidy:"},
		},
		{
			name: "a .dockerignore for a prebuilt binary",
			files: map[string]string{
				"go.mod": "module example.com/app\n\ngo 1.24\n", "main.go": mainGo, ".dockerignore": "*\n!app\n",
			},
			want:   []string{"# Note: .dockerignore leaves go.mod out of the build context, so init"},
			stdout: []string{"wrote ", "Gopherfile.dockerignore: the project's .dockerignore leaves the sources out"},
		},
		{
			name: "a .dockerignore that keeps the sources",
			files: map[string]string{
				"go.mod": "module example.com/app\n\ngo 1.24\n", "main.go": mainGo, ".dockerignore": ".git\nbin/\n*.md\n",
			},
			not: []string{"Gopherfile.dockerignore"},
		},
		{
			name: "a replace outside the directory is said",
			files: map[string]string{
				"go.mod":  "module example.com/app\n\ngo 1.24\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../lib\n",
				"main.go": mainGo,
			},
			want:   []string{"# Note: go.mod replaces a module with ../lib, which is outside this directory"},
			stderr: []string{"note: go.mod replaces a module with ../lib", "error: [plan-error] go.mod replaces a module with the directory ../lib, which is outside the build context"},
			code:   1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tt.files)
			code, stdout, stderr := gopherfile(t, "init", dir)
			if code != tt.code {
				t.Fatalf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			data, _ := os.ReadFile(filepath.Join(dir, "Gopherfile"))
			for _, w := range tt.want {
				if !strings.Contains(string(data), w) {
					t.Errorf("the Gopherfile does not contain %q:\n%s", w, data)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(string(data), w) {
					t.Errorf("the Gopherfile contains %q:\n%s", w, data)
				}
			}
			for _, w := range tt.stdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout does not contain %q:\n%s", w, stdout)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not contain %q:\n%s", w, stderr)
				}
			}
		})
	}
}
