package modview

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/testproxy"
)

var (
	tested = testproxy.Module{Path: "example.com/tested", Version: "v1.0.0", Files: map[string]string{
		"tested.go":               "package tested\n\nfunc Hello() string { return \"hello from tested\" }\n",
		"tested_test.go":          "package tested\n\nimport \"testing\"\n\nfunc TestHello(t *testing.T) {\n\tif Hello() == \"\" {\n\t\tt.Fatal(\"empty\")\n\t}\n}\n",
		"testdata/golden.txt":     "hello\n",
		"sub/sub.go":              "package sub\n",
		"sub/testdata/deep/x.txt": "x\n",
	}}
	embedder = testproxy.Module{Path: "example.com/embedder", Version: "v1.0.0", Files: map[string]string{
		"embedder.go":         "package embedder\n\nimport _ \"embed\"\n\n//go:embed testdata/banner.txt\nvar Banner string\n",
		"embedder_test.go":    "package embedder\n",
		"testdata/banner.txt": "banner from testdata\n",
	}}
)

// partFixture is a shared module cache holding tested and embedder, and
// a project that uses both.
func partFixture(t *testing.T) (f *fixture, app string) {
	t.Helper()
	p, err := testproxy.Start(tested, embedder)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	root := t.TempDir()
	f = &fixture{shared: filepath.Join(root, "shared"), proxy: p}
	app = filepath.Join(root, "app")
	files := map[string]string{
		"go.mod":  "module example.com/app\n\ngo 1.22\n\nrequire (\n\texample.com/embedder v1.0.0\n\texample.com/tested v1.0.0\n)\n",
		"go.sum":  strings.Join(append(p.GoSum(tested.Path, tested.Version), p.GoSum(embedder.Path, embedder.Version)...), "\n") + "\n",
		"main.go": "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/embedder\"\n\t\"example.com/tested\"\n)\n\nfunc main() { fmt.Print(tested.Hello(), \" \", embedder.Banner) }\n",
	}
	os.MkdirAll(app, 0o755)
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(app, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f.goCmd(t, app, f.shared, "GOPROXY="+p.URL(), "mod", "download")
	return f, app
}

func buildPart(t *testing.T, f *fixture, app, dst string, part Part) (Stats, error) {
	t.Helper()
	return Build(context.Background(), Config{Src: f.shared, Dst: dst, SumFiles: []string{filepath.Join(app, "go.sum")}, Part: part})
}

// listFiles returns the files under dir, slash-separated and sorted.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(out)
	return out
}

// TestBuildPart: the build part holds every file of the whole view but
// the dependencies' test files (and keeps the testdata an embed directive
// may name); the go command builds from it offline.
func TestBuildPart(t *testing.T) {
	f, app := partFixture(t)
	root := t.TempDir()
	all, build := filepath.Join(root, "all"), filepath.Join(root, "build")
	for _, v := range []struct {
		dst  string
		part Part
	}{{all, PartAll}, {build, PartBuild}} {
		if _, err := buildPart(t, f, app, v.dst, v.part); err != nil {
			t.Fatalf("part %d: %v", v.part, err)
		}
	}
	left := []string{
		"example.com/embedder@v1.0.0/embedder_test.go",
		"example.com/tested@v1.0.0/sub/testdata/deep/x.txt",
		"example.com/tested@v1.0.0/testdata/golden.txt",
		"example.com/tested@v1.0.0/tested_test.go",
	}
	b, a := listFiles(t, build), listFiles(t, all)
	if want := slices.DeleteFunc(slices.Clone(a), func(s string) bool { return slices.Contains(left, s) }); !slices.Equal(b, want) {
		t.Errorf("the build part holds\n%s\nwant\n%s", strings.Join(b, "\n"), strings.Join(want, "\n"))
	}
	for _, want := range append(left, "example.com/embedder@v1.0.0/testdata/banner.txt") {
		if !slices.Contains(a, want) {
			t.Errorf("the whole view lacks %s", want)
		}
	}
	if out := f.goCmd(t, app, build, "GOPROXY=off", "run", "."); out != "hello from tested banner from testdata\n" {
		t.Errorf("go run from the build part printed %q", out)
	}
	if out := f.goCmd(t, app, all, "GOPROXY=off", "test", "example.com/tested"); !strings.Contains(out, "ok") {
		t.Errorf("go test of a dependency from the whole view printed %q", out)
	}
}

// TestPartsVerifyTheWholeModule: a changed test file stops the build
// part too (the hash covers every file it reads).
func TestPartsVerifyTheWholeModule(t *testing.T) {
	for _, tt := range []struct {
		file string
		part Part
	}{{"tested_test.go", PartBuild}, {"testdata/golden.txt", PartBuild}, {"tested.go", PartBuild}, {"tested_test.go", PartAll}} {
		t.Run(fmt.Sprintf("%s-%d", tt.file, tt.part), func(t *testing.T) {
			f, app := partFixture(t)
			p := filepath.Join(f.shared, "example.com", "tested@v1.0.0", filepath.FromSlash(tt.file))
			os.Chmod(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte("package tested\n\nfunc init() { panic(1) }\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(t.TempDir(), "view")
			_, err := buildPart(t, f, app, dst, tt.part)
			var me *MismatchError
			if !errors.As(err, &me) || me.Module != "example.com/tested@v1.0.0" {
				t.Fatalf("got %v, want a mismatch of example.com/tested@v1.0.0", err)
			}
			if _, err := os.Stat(filepath.Join(dst, "example.com", "tested@v1.0.0")); err == nil {
				t.Error("the changed module is in the view")
			}
		})
	}
}

func TestParsePart(t *testing.T) {
	for name, want := range map[string]Part{"": PartAll, "all": PartAll, "build": PartBuild} {
		if got, err := ParsePart(name); err != nil || got != want {
			t.Errorf("ParsePart(%q) = %v, %v", name, got, err)
		}
	}
	if _, err := ParsePart("tests"); err == nil {
		t.Error("an unknown part was accepted")
	}
}
