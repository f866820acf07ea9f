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

// TestDependencyTestsAfterBuildPart: project A's image build takes the
// module view without the dependencies' tests, and its compile writes the
// go command's module index (keyed by the module's directory) into the
// shared compile cache. Project B, on the same builder, tests that
// dependency (a pattern outside its tree): its view holds the tests, and
// the dependency's test runs instead of "no test files". A's dependency
// embeds a testdata file, which the build part keeps; A's own test reads
// another of the dependency's testdata files at run time, which its test
// step's view holds.
func TestDependencyTestsAfterBuildPart(t *testing.T) {
	ns := cacheNS("viewpart")
	path := fmt.Sprintf("example.com/gf%08x/tested", rand.Uint32())
	dep := testproxy.Module{Path: path, Version: "v1.0.0", Files: map[string]string{
		"tested.go":           "package tested\n\nimport _ \"embed\"\n\n//go:embed testdata/banner.txt\nvar Banner string\n\nfunc Hello() string { return \"hello from tested\" }\n",
		"tested_test.go":      "package tested\n\nimport \"testing\"\n\nfunc TestDependencyHello(t *testing.T) {\n\tif Hello() != \"hello from tested\" {\n\t\tt.Fatal(Hello())\n\t}\n}\n",
		"testdata/banner.txt": "banner from testdata\n",
		"testdata/golden.txt": "golden\n",
	}}
	// A module without an embed directive: the build part leaves its
	// testdata out, the test step's view holds it.
	fix := testproxy.Module{Path: path + "fixtures", Version: "v1.0.0", Files: map[string]string{
		"golden.go":           "package fixtures\n\nimport (\n\t\"os\"\n\t\"path/filepath\"\n\t\"runtime\"\n)\n\n// Golden reads testdata/golden.txt beside this file, as test helpers do.\nfunc Golden() (string, error) {\n\t_, file, _, _ := runtime.Caller(0)\n\tb, err := os.ReadFile(filepath.Join(filepath.Dir(file), \"testdata\", \"golden.txt\"))\n\treturn string(b), err\n}\n",
		"testdata/golden.txt": "golden\n",
	}}
	p := startProxy(t, dep, fix)
	modules := fmt.Sprintf("  proxy: %s\n  nosumdb: [example.com/*]\n", p.URL())
	main := fmt.Sprintf("package main\n\nimport (\n\t\"fmt\"\n\n\t%q\n)\n\nfunc main() { fmt.Print(tested.Hello(), \" \", tested.Banner) }\n", path)
	aDir := moduleUsing(t, p, dep, modules)
	writeFile(t, filepath.Join(aDir, "main.go"), main)
	writeFile(t, filepath.Join(aDir, "go.mod"), fmt.Sprintf("module example.com/app\n\ngo 1.26\n\nrequire (\n\t%s v1.0.0\n\t%s v1.0.0\n)\n", dep.Path, fix.Path))
	writeFile(t, filepath.Join(aDir, "go.sum"), strings.Join(append(p.GoSum(dep.Path, dep.Version), p.GoSum(fix.Path, fix.Version)...), "\n")+"\n")
	writeFile(t, filepath.Join(aDir, "main_test.go"), fmt.Sprintf("package main\n\nimport (\n\t\"testing\"\n\n\tfixtures %q\n)\n\nfunc TestGolden(t *testing.T) {\n\tif g, err := fixtures.Golden(); g != \"golden\\n\" {\n\t\tt.Fatalf(\"%%q, %%v\", g, err)\n\t}\n}\n", fix.Path))
	bDir := moduleUsing(t, p, dep, modules+fmt.Sprintf("test:\n  packages: [./..., %s]\n", path))
	writeFile(t, filepath.Join(bDir, "main.go"), main)
	gm := readFile(t, filepath.Join(bDir, "go.mod"))
	writeFile(t, filepath.Join(bDir, "go.mod"), strings.Replace(gm, "module example.com/app", "module example.com/other", 1))
	build := func(dir string, args ...string) result {
		t.Helper()
		r := cli(t, dir, append([]string{"--progress", "rawjson", "--build-arg", "BUILDKIT_CACHE_MOUNT_NS=" + ns}, args...)...)
		mustOK(t, r)
		return r
	}
	bins := t.TempDir()
	ra := build(aDir, "--target", "binaries", "-o", "type=local,dest="+bins, ".")
	if got := runBinary(t, filepath.Join(bins, "app")); got != "hello from tested banner from testdata\n" {
		t.Errorf("A's binary printed %q", got)
	}
	if notes := vertexLogs(t, ra.out, "module view"); !strings.Contains(notes, "without their tests") {
		t.Errorf("A's module view is not the build part:\n%s", notes)
	}
	aOut := t.TempDir()
	build(aDir, "--target", "test", "-o", "type=local,dest="+aOut, ".")
	if report := readFile(t, filepath.Join(aOut, "test.json")); !strings.Contains(report, `"TestGolden"`) {
		t.Errorf("A's test did not run:\n%s", tail(report, 10))
	}
	out := t.TempDir()
	rb := build(bDir, "--target", "test", "-o", "type=local,dest="+out, ".")
	report := readFile(t, filepath.Join(out, "test.json"))
	passed := false
	for _, l := range strings.Split(report, "\n") {
		passed = passed || strings.Contains(l, `"TestDependencyHello"`) && strings.Contains(l, `"pass"`) && strings.Contains(l, path)
	}
	if !passed {
		t.Errorf("B's test of the dependency did not run its test:\n%s\n%s", tail(report, 10), vertexLogs(t, rb.out, "go test"))
	}
}
