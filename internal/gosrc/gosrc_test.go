package gosrc

import (
	"strings"
	"testing"
	"testing/fstest"
)

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

var tree = Tree{FS: fstest.MapFS{
	"go.mod":                   file("module example.com/m\n\ngo 1.24\n"),
	"main.go":                  file("package main\n\nimport _ \"example.com/m/lib\"\n\nfunc main() {}\n"),
	"gen.go":                   file("//go:build ignore\n\npackage main\n"),
	"lib/lib.go":               file("package lib\n\nimport \"C\"\n"),
	"lib/lib_nocgo.go":         file("//go:build !cgo\n\npackage lib\n\nimport \"os\"\n\nvar _ = os.Args\n"),
	"plugins/plugins.go":       file("//go:build plugins\n\npackage main\n\nfunc main() {}\n"),
	"windows/main.go":          file("//go:build windows\n\npackage main\n\nfunc main() {}\n"),
	"win/main_windows.go":      file("package main\n\nfunc main() {}\n"),
	"lib2/a.go":                file("package a\n"),
	"lib2/b.go":                file("package b\n"),
	"empty/README.md":          file("# nothing\n"),
	"nested/go.mod":            file("module example.com/nested\n"),
	"nested/main.go":           file("package main\n"),
	"vendor/x/y/main.go":       file("package main\n"),
	"testdata/main.go":         file("package main\n"),
	"cmd/tool/main.go":         file("package main\n\nfunc main() {}\n"),
	"cmd/tool/main_test.go":    file("package main\n\nimport \"testing\"\n"),
	"cmd/tool/internal/x/x.go": file("package x\n"),
}}

func TestLoadAndWhyNotMain(t *testing.T) {
	tests := []struct {
		dir  string
		cfg  Config
		why  string // "" for a main package
		name string
	}{
		{".", Config{}, "", "main"},
		{"cmd/tool", Config{}, "", "main"},
		{"plugins", Config{}, "build constraints exclude plugins.go", ""},
		{"plugins", Config{Tags: []string{"plugins"}}, "", "main"},
		{"windows", Config{}, "no Go file in windows builds for linux with no build tags", ""},
		{"win", Config{}, "build constraints exclude main_windows.go", ""},
		{"win", Config{GOOS: "windows"}, "", "main"},
		{"lib", Config{}, "is package lib, not a main package", "lib"},
		{"lib2", Config{}, "found packages a (a.go) and b (b.go)", ""},
		{"empty", Config{}, "empty has no Go files", ""},
		{"missing", Config{}, "there is no directory missing", ""},
	}
	for _, tt := range tests {
		t.Run(tt.dir+strings.Join(tt.cfg.Tags, ","), func(t *testing.T) {
			why := tree.WhyNotMain(tt.dir, tt.cfg)
			if (tt.why == "") != (why == "") || !strings.Contains(why, tt.why) {
				t.Errorf("WhyNotMain(%s) = %q, want %q", tt.dir, why, tt.why)
			}
			if tt.dir == "missing" || tt.dir == "lib2" {
				return
			}
			p, err := tree.Load(tt.dir, tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != tt.name {
				t.Errorf("name %q, want %q", p.Name, tt.name)
			}
		})
	}
}

func TestCgoFiles(t *testing.T) {
	p, err := tree.Load("lib", Config{CGO: true})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(p.CgoFiles, ",") != "lib.go" || strings.Join(p.Files, ",") != "lib.go" {
		t.Errorf("with cgo: files %v, cgo files %v", p.Files, p.CgoFiles)
	}
	p, err = tree.Load("lib", Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.CgoFiles) != 0 || strings.Join(p.Files, ",") != "lib_nocgo.go" || strings.Join(p.Imports, ",") != "os" {
		t.Errorf("without cgo: %+v", p)
	}
	m, err := tree.Load(".", Config{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(m.Imports, ",") != "example.com/m/lib" || strings.Join(m.Ignored, ",") != "gen.go" {
		t.Errorf("root: %+v", m)
	}
}

func TestDirs(t *testing.T) {
	dirs, err := tree.Dirs(".")
	if err != nil {
		t.Fatal(err)
	}
	want := ". cmd cmd/tool cmd/tool/internal cmd/tool/internal/x empty lib lib2 plugins win windows"
	if got := strings.Join(dirs, " "); got != want {
		t.Errorf("Dirs = %s\nwant   %s", got, want)
	}
}

func TestDefaultMain(t *testing.T) {
	tests := []struct {
		files map[string]string
		want  string
	}{
		{map[string]string{"main.go": "package main\n", "cmd/tool/main.go": "package main\n"}, "."},
		{map[string]string{"lib.go": "package tool\n", "cmd/tool/main.go": "package main\n"}, "./cmd/tool"},
		{map[string]string{"build.go": "//go:build ignore_build_go\n\npackage main\n", "cmd/tool/main.go": "package main\n"}, "./cmd/tool"},
		{map[string]string{"lib.go": "package tool\n", "cmd/other/main.go": "package main\n"}, "."},
		{map[string]string{"lib.go": "package tool\n", "cmd/tool/doc.go": "package tool\n"}, "."},
	}
	for _, tt := range tests {
		fsys := fstest.MapFS{}
		for k, v := range tt.files {
			fsys[k] = file(v)
		}
		if got := (Tree{FS: fsys}).DefaultMain(".", "tool"); got != tt.want {
			t.Errorf("%v: DefaultMain = %q, want %q", tt.files, got, tt.want)
		}
	}
}
