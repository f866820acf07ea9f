package step

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// The test binary is also the step helper (TestMain in step_test.go), as
// the frontend's binary is: a go command started by a test finds the cache
// program in it.

func (f *fixture) view(dst string) (int, string) {
	f.t.Helper()
	return f.run(stepconfig.Config{Kind: stepconfig.ModView, Stage: stepconfig.StageModView, Record: f.record(),
		ModView: &stepconfig.ModViewOpts{Src: f.mc, Dst: dst, SumFiles: []string{"go.sum"}}})
}

// TestModuleViewStep: the view step copies the build's modules, and an
// offline compile builds from the view alone.
func TestModuleViewStep(t *testing.T) {
	f := newFixture(t)
	f.fetch()
	view := filepath.Join(t.TempDir(), "view")
	code, out := f.view(view)
	if code != 0 || !strings.Contains(out, "module view: 1 modules") {
		t.Fatalf("view: %d\n%s", code, out)
	}
	code, out = f.run(stepconfig.Config{Kind: stepconfig.Build, Stage: "go build", Args: []string{"build", "-o", filepath.Join(f.out, "app"), "."},
		Record: &stepconfig.Record{Files: []string{"go.mod", "go.sum"}, SrcDir: f.dir, Dir: f.download},
		Build:  &stepconfig.BuildOpts{Name: "app", Main: ".", Output: filepath.Join(f.out, "app")}}, "GOPROXY=off", "GOMODCACHE="+view)
	if code != 0 {
		t.Fatalf("build from the view: %d\n%s", code, out)
	}
}

// TestModuleViewTampered: a changed module in the shared cache stops the
// step with what happened and what to do.
func TestModuleViewTampered(t *testing.T) {
	f := newFixture(t)
	f.fetch()
	src := filepath.Join(f.mc, "example.com", "lib@v1.0.0", "lib.go")
	os.Chmod(filepath.Dir(src), 0o755)
	os.Chmod(src, 0o644)
	if err := os.WriteFile(src, []byte("package lib\n\nfunc Hello() string { return \"pwned\" }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := f.view(filepath.Join(t.TempDir(), "view"))
	if code != 1 {
		t.Fatalf("got %d:\n%s", code, out)
	}
	for _, want := range []string{"example.com/lib@v1.0.0 in the shared module cache does not match go.sum", "Nothing of it was used", "BUILDKIT_CACHE_MOUNT_NS", "prune"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestModuleViewCacheLost: the view step is the offline step that reads
// the shared module cache mount, so it checks the download marker.
func TestModuleViewCacheLost(t *testing.T) {
	f := newFixture(t)
	f.fetch()
	os.RemoveAll(f.markers)
	if code, out := f.view(filepath.Join(t.TempDir(), "view")); code != stepconfig.ExitCacheLost {
		t.Errorf("got %d:\n%s", code, out)
	}
}

// TestCacheProgStep: a step with a cache of its own and a read-only one
// runs the go command with the helper as GOCACHEPROG: it reads the
// read-only cache, writes its own, and says so.
func TestCacheProgStep(t *testing.T) {
	f := newFixture(t)
	f.fetch()
	f.write("a_test.go", "package main\n\nimport \"testing\"\n\nfunc TestOK(t *testing.T) {}\n")
	private := t.TempDir()
	cfg := stepconfig.Config{Kind: stepconfig.Test, Stage: "go test", Args: []string{"test", "-json", "./..."}, OutDir: f.out,
		Record: f.record(), Test: &stepconfig.TestOpts{},
		Cache: &stepconfig.Cache{Dir: private, Read: []string{f.gc}, Note: "writes its own cache"}}
	code, out := f.run(cfg, "GOPROXY=off", "GOCACHE="+private)
	if code != 0 {
		t.Fatalf("test step: %d\n%s", code, out)
	}
	for _, want := range []string{"build cache: this step writes its own cache", "in " + f.gc, "entries written to " + private, "0 errors"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if ents, _ := filepath.Glob(filepath.Join(private, "*", "*-a")); len(ents) == 0 {
		t.Error("nothing was written to the step's own cache")
	}
}

// TestSeedThroughCacheProg: a compile step with a dependency build cache
// reads it through the helper (Go 1.24 and newer) instead of copying it
// into GOCACHE.
func TestSeedThroughCacheProg(t *testing.T) {
	f := newFixture(t)
	f.fetch()
	seed, gocache := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(seed, seedPrefix+"0123"), nil, 0o644)
	os.MkdirAll(filepath.Join(seed, "ab"), 0o755)
	os.WriteFile(filepath.Join(seed, "ab", "abcd-a"), []byte("not an entry"), 0o644)
	code, out := f.run(stepconfig.Config{Kind: stepconfig.Build, Stage: "go build", Args: []string{"build", "-o", filepath.Join(f.out, "app"), "."},
		Record: f.record(), Cache: &stepconfig.Cache{Dir: gocache, Read: []string{f.gc}},
		Build: &stepconfig.BuildOpts{Name: "app", Main: ".", Output: filepath.Join(f.out, "app"), Seed: seed}}, "GOPROXY=off", "GOCACHE="+gocache)
	if code != 0 {
		t.Fatalf("build: %d\n%s", code, out)
	}
	if strings.Contains(out, "seeded") || !strings.Contains(out, "lookups") {
		t.Errorf("the seed was copied, or not read through the helper:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(gocache, "ab", "abcd-a")); err == nil {
		t.Error("the seed's files were copied into GOCACHE")
	}
}
