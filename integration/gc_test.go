//go:build integration

package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSurvivesCacheMountGC: BuildKit's garbage collection deletes cache
// mounts first (and `docker builder prune --filter type=exec.cachemount`
// does it by hand) while the download step's cached result stays. After
// such a prune, an edit and a rebuild with no flags succeed: the offline
// steps read the module view, a layer of its own that holds this build's
// modules, so nothing is lost. When the view went too (BuildKit's GC
// removes it later, after the cache mounts), the view step notices the lost
// modules, the download step runs again, the compile stays offline, and the
// image runs. The same for the test target, the module cache in layers, a
// vendored module and a workspace. With GOPROXY=off the build cannot
// recover and says so (row 18).
func TestSurvivesCacheMountGC(t *testing.T) {
	addr := startSecondBuildkitd(t)
	// prune empties the module cache mount, as BuildKit's GC does after days
	// of use. The build cache mounts go too in the first prune (pruneAll);
	// the later ones keep them, so that each rebuild does not compile the
	// standard library again (what is tested is the lost module cache).
	pruneFilter := "type==exec.cachemount,description~=gopherfile/gomodcache"
	// The module view's layers ("mount /gopherfile/modview from exec ...").
	viewFilter := "description~=gopherfile/modview"
	pruneAll := func() {
		t.Helper()
		out, err := exec.Command("buildctl", "--addr", addr, "prune", "--filter", "type==exec.cachemount").CombinedOutput()
		if err != nil {
			t.Fatalf("buildctl prune: %v\n%s", err, out)
		}
	}
	prune := func() {
		t.Helper()
		for _, f := range []string{pruneFilter, viewFilter} {
			out, err := exec.Command("buildctl", "--addr", addr, "prune", "--filter", f).CombinedOutput()
			if err != nil {
				t.Fatalf("buildctl prune: %v\n%s", err, out)
			}
		}
	}
	build := func(dir string, args ...string) result {
		t.Helper()
		return run(t, dir, nil, cliBin, append([]string{"build", "--addr", addr, "--progress", "rawjson"}, args...)...)
	}
	edit := func(dir, file, old, new string) {
		t.Helper()
		p := filepath.Join(dir, file)
		src, _ := os.ReadFile(p)
		if !strings.Contains(string(src), old) {
			t.Fatalf("%s has no %q", file, old)
		}
		writeFile(t, p, strings.Replace(string(src), old, new, 1))
	}

	mod := privateModule(t)
	p := startProxy(t, mod)
	for _, tc := range []struct {
		name, extra string
	}{
		{"mount", ""},
		{"layer", "cache:\n  modules: layer\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := moduleUsing(t, p, mod, fmt.Sprintf("  proxy: %s\n  nosumdb: [example.com/*]\n", p.URL())+tc.extra)
			out := t.TempDir()
			mustOK(t, build(dir, "--target", "binaries", "-o", "type=local,dest="+out, "."))
			if tc.name == "mount" {
				// Only the cache mounts: the module view still holds the
				// modules, and the offline steps read nothing else.
				pruneAll()
				edit(dir, "main.go", "fmt.Println(greeting.Hello())", `fmt.Println("view:", greeting.Hello())`)
				r := build(dir, "--target", "binaries", "-o", "type=local,dest="+out, ".")
				mustOK(t, r)
				if logs := relLogs(r.out); strings.Contains(logs, "row 18") {
					t.Errorf("with the module view cached, the lost module cache mount does not matter, yet:\n%s", tail(logs, 20))
				}
				if v := step(t, vertices(t, r.out), "module view"); !v.Cached {
					t.Errorf("the module view ran again")
				}
				edit(dir, "main.go", `fmt.Println("view:", greeting.Hello())`, "fmt.Println(greeting.Hello())")
			}
			prune()
			edit(dir, "main.go", "fmt.Println(greeting.Hello())", `fmt.Println("after gc:", greeting.Hello())`)
			r := build(dir, "--target", "binaries", "-o", "type=local,dest="+out, ".")
			mustOK(t, r)
			if got := runBinary(t, filepath.Join(out, "app")); !strings.Contains(got, "after gc: hello from "+mod.Path) {
				t.Errorf("app printed %q", got)
			}
			logs := relLogs(r.out)
			if tc.name == "mount" && !strings.Contains(logs, "row 18") {
				t.Errorf("the lost module cache was not noticed:\n%s", tail(logs, 20))
			}
			if tc.name == "layer" && strings.Contains(logs, "row 18") {
				t.Errorf("with the modules in the layer nothing is lost, yet:\n%s", tail(logs, 20))
			}
			// The test target after another prune.
			writeFile(t, filepath.Join(dir, "main_test.go"), "package main\n\nimport \"testing\"\n\nfunc TestOK(t *testing.T) {}\n")
			prune()
			mustOK(t, build(dir, "--target", "test", "-o", "type=local,dest="+t.TempDir(), "."))
			// Nothing pruned: nothing is downloaded twice.
			edit(dir, "main.go", "after gc:", "again:")
			r = build(dir, "--target", "binaries", "-o", "type=local,dest="+out, ".")
			mustOK(t, r)
			if dl := step(t, vertices(t, r.out), "go mod download"); !dl.Cached {
				t.Errorf("nothing was pruned, yet go mod download ran again")
			}
		})
	}

	t.Run("vendor", func(t *testing.T) {
		dir := copyDir(t, "examples/vendor")
		out := t.TempDir()
		mustOK(t, build(dir, "--target", "binaries", "-o", "type=local,dest="+out, "."))
		prune()
		edit(dir, "main.go", "func main() {", "func main() {\n\t_ = 1")
		mustOK(t, build(dir, "--target", "binaries", "-o", "type=local,dest="+out, "."))
	})

	t.Run("workspace", func(t *testing.T) {
		dir := copyDir(t, "examples/workspace")
		out := t.TempDir()
		mustOK(t, build(dir, "--target", "binaries", "-o", "type=local,dest="+out, "."))
		prune()
		var main string
		filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			if err == nil && main == "" && filepath.Base(p) == "main.go" {
				main = p
			}
			return nil
		})
		rel, _ := filepath.Rel(dir, main)
		edit(dir, rel, "func main() {", "func main() {\n\t_ = 1")
		mustOK(t, build(dir, "--target", "binaries", "-o", "type=local,dest="+out, "."))
	})

	t.Run("unrecoverable", func(t *testing.T) {
		// A build with a proxy fills the module cache mount (a module of
		// its own, so that it really downloads); then a build with
		// GOPROXY=off succeeds from it, until the mount is pruned.
		mod := privateModule(t)
		p := startProxy(t, mod)
		dir := moduleUsing(t, p, mod, fmt.Sprintf("  proxy: %s\n  nosumdb: [example.com/*]\n", p.URL()))
		mustOK(t, build(dir, "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), "."))
		writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\nmodules:\n  proxy: \"off\"\n  nosumdb: [example.com/*]\n")
		mustOK(t, build(dir, "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), "."))
		prune()
		edit(dir, "main.go", "fmt.Println(greeting.Hello())", `fmt.Println("x", greeting.Hello())`)
		r := build(dir, "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
		if r.err == nil {
			t.Fatal("built without modules and without a proxy")
		}
		logs := relLogs(r.out)
		for _, want := range []string{"row 18", "GOPROXY=off", "garbage-collected"} {
			if !strings.Contains(logs, want) {
				t.Errorf("output lacks %q:\n%s", want, tail(logs, 30))
			}
		}
	})
}
