//go:build integration

package integration

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gopherfile/gopherfile/internal/testproxy"
)

// Cache trust levels (docs/caches.md): a pull request's tests may run any
// code, the release build of the same module on the same builder must not
// link or report anything they planted.

// cacheNS is a namespace of cache mount ids of its own for a test: the
// shared builder's caches of other tests and other builds stay out.
func cacheNS(kind string) string {
	return fmt.Sprintf("gf-it-%08x/%s", rand.Uint32(), kind)
}

// cacheNotes are the "gopherfile: build cache: this step ..." lines of the
// steps whose names contain s.
func cacheNotes(t *testing.T, out, s string) string {
	t.Helper()
	var notes []string
	for _, l := range strings.Split(vertexLogs(t, out, s), "\n") {
		if strings.Contains(l, "gopherfile: build cache:") {
			notes = append(notes, strings.TrimSpace(l))
		}
	}
	return strings.Join(notes, "\n")
}

// TestCachePoisoningBlocked: a pull request's test (integration/testdata/
// poison-pr) plants an object file for greet and a cached PASS for a test
// that fails in every build cache it can reach, and proves in its own
// report that each plant works where it lands. Then:
//   - the image built in the pull request's namespace still links the real
//     greet: the plants landed in the test step's own cache, and the shared
//     compile cache (the image compile's) was mounted read-only;
//   - the trusted branch's test run (its own namespace) reports the failing
//     test as failing, not as a cached PASS;
//   - the trusted image links the real greet.
func TestCachePoisoningBlocked(t *testing.T) {
	run := fmt.Sprintf("gf-it-%08x", rand.Uint32())
	pr, trusted := run+"/pr", run+"/trusted"
	trustedDir := copyDir(t, "integration/testdata/poison")
	prDir := copyDir(t, "integration/testdata/poison")
	evil, err := os.ReadFile(filepath.Join(repoRoot, "integration/testdata/poison-pr/evil/plant_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(prDir, "evil", "plant_test.go"), string(evil))
	build := func(dir, ns string, args ...string) result {
		t.Helper()
		return cli(t, dir, append([]string{"--progress", "rawjson", "--build-arg", "BUILDKIT_CACHE_MOUNT_NS=" + ns}, append(args, ".")...)...)
	}
	binary := func(dir, ns string) (string, result) {
		t.Helper()
		out := t.TempDir()
		r := build(dir, ns, "--target", "binaries", "-o", "type=local,dest="+out)
		mustOK(t, r)
		return strings.TrimSpace(runBinary(t, filepath.Join(out, "poisoned"))), r
	}

	// The pull request's image first: the shared compile cache of its
	// namespace then holds the real greet, the entry the attack replaces.
	if got, _ := binary(prDir, pr); got != "hello, trusted" {
		t.Fatalf("before the attack the program printed %q", got)
	}

	// The attack.
	r := build(prDir, pr, "--target", "test")
	if r.err == nil {
		t.Fatalf("the pull request's tests passed; the attacker's test always fails with its report:\n%s", tail(r.out, 40))
	}
	report := r.out
	t.Logf("the attacker's report:\n%s", grepLines(report, "PLANT-|MODULES "))
	for _, want := range []string{
		// Control: the plants work where they land (the test step's own cache).
		`PLANT-OBJECT /gopherfile/gocache: planted; a build from this cache prints "PWNED"`,
		`PLANT-PASS /gopherfile/gocache: planted; go test from this cache says cached pass: true`,
		// The shared compile cache is mounted read-only; the module view too.
		`PLANT-OBJECT /gopherfile/gocache-shared: failed`,
		`PLANT-MODULE /gopherfile/gomodcache: failed`,
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the attacker's report lacks %q:\n%s", want, grepLines(report, "PLANT-|MODULES "))
		}
	}
	if strings.Contains(report, `PLANT-OBJECT /gopherfile/gocache-shared: planted`) {
		t.Errorf("the attacker wrote the shared compile cache")
	}
	notes := cacheNotes(t, r.out, "[test]")
	if !strings.Contains(notes, "writes its own cache "+pr+"/gopherfile/gocache/test/") || !strings.Contains(notes, "reads the shared compile cache "+pr+"/gopherfile/gocache/compile/") {
		t.Errorf("the test step's caches:\n%s", notes)
	}

	// Control, in the pull request's namespace: its next test run finds the
	// planted PASS (its own cache is the attacker's to spoil). main.go
	// changes so that the step runs again; mustfail's test does not.
	editComment(t, filepath.Join(prDir, "main.go"))
	r = build(prDir, pr, "--target", "test")
	if r.err == nil || !strings.Contains(r.out, "TestPlant") || strings.Contains(failures(r.out), "TestMustFail") {
		t.Errorf("in the pull request's own namespace the planted PASS should be found (the control of the attack):\n%s", tail(r.out, 30))
	}

	// The image of the pull request, compiled again (main.go changed):
	// the compile reads the shared compile cache, which the tests could not
	// write.
	got, r := binary(prDir, pr)
	if got != "hello, trusted" {
		t.Errorf("the image compile linked the planted object: the program printed %q", got)
	}
	if gb := step(t, vertices(t, r.out), "go build -trimpath"); gb.Cached {
		t.Errorf("the compile step did not run again after main.go changed")
	}
	if notes := cacheNotes(t, r.out, "go build -trimpath"); !strings.Contains(notes, "writes the shared compile cache "+pr+"/gopherfile/gocache/compile/") {
		t.Errorf("the compile step's caches:\n%s", notes)
	}

	// The trusted branch: its own namespace.
	r = build(trustedDir, trusted, "--target", "test")
	if r.err == nil || !strings.Contains(r.out, "this test must fail") || strings.Contains(r.out, "(cached)") {
		t.Errorf("the trusted test run must report TestMustFail failing, not a cached PASS:\n%s", tail(r.out, 30))
	}
	if got, _ := binary(trustedDir, trusted); got != "hello, trusted" {
		t.Errorf("the trusted image printed %q", got)
	}
}

// failures is the part of a failed test target's output that lists the
// failing tests.
func failures(out string) string {
	var b strings.Builder
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "--- FAIL") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func grepLines(s, pattern string) string {
	re := regexp.MustCompile(pattern)
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, `\n`, "\n"), "\n") {
		if re.MatchString(l) {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return strings.Join(out, "\n")
}

func editComment(t *testing.T, p string) {
	t.Helper()
	dt, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, p, string(dt)+fmt.Sprintf("\n// edited %08x\n", rand.Uint32()))
}

// TestModuleViewIsolation: project A fetches a private-looking module into
// the builder's module cache; project B's test lists GOMODCACHE and tries
// to read A's module, and sees only B's own modules. Then a plain
// Dockerfile build on the same builder, with the same cache mount id,
// changes B's dependency in the shared module cache: B's next build (its
// module view is cached) links the real code, and a build that makes the
// view again (--no-cache) stops and names the module.
func TestModuleViewIsolation(t *testing.T) {
	ns := cacheNS("view")
	lib := privateModule(t)
	secret := testproxy.Module{Path: fmt.Sprintf("example.com/gf%08x/private", rand.Uint32()), Version: "v1.0.0", Files: map[string]string{
		"secret.go": "package private\n\n// Key is project A's.\nconst Key = \"project A's secret\"\n",
	}}
	p := startProxy(t, lib, secret)
	modules := fmt.Sprintf("  proxy: %s\n  nosumdb: [example.com/*]\n", p.URL())
	build := func(dir string, args ...string) result {
		t.Helper()
		return cli(t, dir, append([]string{"--progress", "rawjson", "--build-arg", "BUILDKIT_CACHE_MOUNT_NS=" + ns}, append(args, ".")...)...)
	}

	aDir := t.TempDir()
	writeFile(t, filepath.Join(aDir, "go.mod"), fmt.Sprintf("module example.com/a\n\ngo 1.26\n\nrequire (\n\t%s %s\n\t%s %s\n)\n", lib.Path, lib.Version, secret.Path, secret.Version))
	writeFile(t, filepath.Join(aDir, "go.sum"), strings.Join(append(p.GoSum(lib.Path, lib.Version), p.GoSum(secret.Path, secret.Version)...), "\n")+"\n")
	writeFile(t, filepath.Join(aDir, "main.go"), fmt.Sprintf("package main\n\nimport (\n\t\"fmt\"\n\n\t%q\n\t%q\n)\n\nfunc main() { fmt.Println(greeting.Hello(), private.Key) }\n", lib.Path, secret.Path))
	writeFile(t, filepath.Join(aDir, "Gopherfile"), "version: 1\ntidy: \"off\"\nmodules:\n"+modules)
	mustOK(t, build(aDir, "--target", "binaries", "-o", "type=local,dest="+t.TempDir()))

	bDir := moduleUsing(t, p, lib, modules)
	writeFile(t, filepath.Join(bDir, "view_test.go"), fmt.Sprintf(`package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestModuleCache(t *testing.T) {
	mc := os.Getenv("GOMODCACHE")
	var seen []string
	filepath.WalkDir(mc, func(p string, d os.DirEntry, err error) error {
		if err == nil && p != mc {
			rel, _ := filepath.Rel(mc, p)
			seen = append(seen, rel)
		}
		return nil
	})
	_, err := os.ReadFile(filepath.Join(mc, %q, "secret.go"))
	t.Logf("VIEW %%s", strings.Join(seen, " "))
	t.Logf("READ-SECRET %%v", err)
}
`, filepath.FromSlash(secret.Path)+"@"+secret.Version))
	out := t.TempDir()
	mustOK(t, build(bDir, "--target", "test", "-o", "type=local,dest="+out))
	report := readFile(t, filepath.Join(out, "test.json"))
	view := regexp.MustCompile(`VIEW [^"\\]*`).FindString(report)
	read := regexp.MustCompile(`READ-SECRET [^"\\]*`).FindString(report)
	t.Logf("project B's test:\n%s\n%s", view, read)
	if !strings.Contains(view, lib.Path+"@v1.0.0/greeting.go") {
		t.Fatalf("the test did not list its own module:\n%s", view)
	}
	for _, bad := range []string{strings.TrimSuffix(secret.Path, "/private"), "cache/vcs", "gopherfile/records", ".zip "} {
		if strings.Contains(view+" ", bad) {
			t.Errorf("project B's test sees %q:\n%s", bad, view)
		}
	}
	if !strings.HasPrefix(read, "READ-SECRET open ") || !strings.Contains(read, "no such file or directory") {
		t.Errorf("project B's test read project A's module: %s", read)
	}
	// B's image build: its compile steps' view (without the modules'
	// tests) is made now, from the untouched shared cache.
	mustOK(t, build(bDir, "--target", "binaries", "-o", "type=local,dest="+t.TempDir()))

	// A plain Dockerfile build with the same cache mount id writes a changed
	// lib into the shared module cache, with the files the go command
	// checks (go.mod, .ziphash) as they should be: the go command would
	// build it without a word. (It writes the whole module: the builder's
	// garbage collection may have removed the cache mount since.)
	df := t.TempDir()
	mv := lib.Path + "@" + lib.Version
	dl := "cache/download/" + lib.Path + "/@v/" + lib.Version
	gomod := httpGet(t, p.URL()+"/"+lib.Path+"/@v/"+lib.Version+".mod")
	var ziphash string
	for _, l := range p.GoSum(lib.Path, lib.Version) {
		if f := strings.Fields(l); len(f) == 3 && f[1] == lib.Version {
			ziphash = f[2]
		}
	}
	writeFile(t, filepath.Join(df, "planted", mv, "go.mod"), gomod)
	writeFile(t, filepath.Join(df, "planted", mv, "greeting.go"), "package greeting\n\n// Hello greets.\nfunc Hello() string { return \"PWNED by a Dockerfile\" }\n")
	writeFile(t, filepath.Join(df, "planted", dl+".mod"), gomod)
	writeFile(t, filepath.Join(df, "planted", dl+".ziphash"), ziphash+"\n")
	writeFile(t, filepath.Join(df, "Dockerfile"), fmt.Sprintf("FROM golang:1.26\nCOPY planted /planted\nRUN --mount=type=cache,id=gomodcache,target=/m cp -r /planted/. /m/ && grep -q PWNED /m/%s/greeting.go\n", mv))
	dout, err := exec.Command("buildctl", "--addr", addr, "build", "--frontend", "dockerfile.v0", "--local", "context="+df, "--local", "dockerfile="+df,
		"--opt", "build-arg:BUILDKIT_CACHE_MOUNT_NS="+ns+"/gopherfile", "--no-cache").CombinedOutput()
	if err != nil {
		t.Fatalf("the Dockerfile that tampers with the module cache (%s/gopherfile/gomodcache) failed: %v\n%s", ns, err, tail(string(dout), 20))
	}

	// B again after an edit: its module views are cached, the tampered
	// file is never read.
	editComment(t, filepath.Join(bDir, "main.go"))
	bins := t.TempDir()
	r := build(bDir, "--target", "binaries", "-o", "type=local,dest="+bins)
	mustOK(t, r)
	if got := runBinary(t, filepath.Join(bins, "app")); !strings.Contains(got, "hello from "+lib.Path) {
		t.Errorf("after the tampering B printed %q", got)
	}
	if v := step(t, vertices(t, r.out), "module view"); !v.Cached {
		t.Errorf("the module view ran again although go.mod and go.sum did not change")
	}
	// B with --no-cache: the view is made again from the shared cache, and
	// the change is found.
	r = build(bDir, "--no-cache", "--target", "binaries", "-o", "type=local,dest="+t.TempDir())
	if r.err == nil {
		t.Fatalf("B built from a tampered module cache:\n%s", tail(r.out, 20))
	}
	logs := relLogs(r.out) + r.out
	for _, want := range []string{lib.Path + "@v1.0.0 in the shared module cache does not match go.sum", "Nothing of it was used"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the failure lacks %q:\n%s", want, tail(logs, 20))
		}
	}
}

// TestCompileCacheSharedAcrossProjects: project B, which the builder has
// never built, compiles none of the standard library and none of the
// dependency that project A's image build compiled: both compile steps
// write the one compile cache of the toolchain and platform (go build -v
// names every package it compiles).
func TestCompileCacheSharedAcrossProjects(t *testing.T) {
	ns := cacheNS("shared")
	lib := privateModule(t)
	p := startProxy(t, lib)
	modules := fmt.Sprintf("  proxy: %s\n  nosumdb: [example.com/*]\nenv:\n  GOFLAGS: -v\n", p.URL())
	aDir := moduleUsing(t, p, lib, modules)
	bDir := moduleUsing(t, p, lib, modules)
	gm := readFile(t, filepath.Join(bDir, "go.mod"))
	writeFile(t, filepath.Join(bDir, "go.mod"), strings.Replace(gm, "module example.com/app", "module example.com/other", 1))
	build := func(dir string) result {
		t.Helper()
		r := cli(t, dir, "--progress", "rawjson", "--build-arg", "BUILDKIT_CACHE_MOUNT_NS="+ns, "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
		mustOK(t, r)
		return r
	}
	ra := build(aDir)
	rb := build(bDir)
	logA, logB := vertexLogs(t, ra.out, "go build -trimpath"), vertexLogs(t, rb.out, "go build -trimpath")
	for _, pkg := range []string{"runtime", "fmt", "os"} {
		if !strings.Contains("\n"+logA, "\n"+pkg+"\n") {
			t.Errorf("project A's compile did not compile %s (a cold namespace):\n%s", pkg, logA)
		}
	}
	for _, l := range strings.Split(logB, "\n") {
		switch l = strings.TrimSpace(l); {
		case l == "runtime", l == "fmt", l == "os", l == "internal/abi", l == lib.Path:
			t.Errorf("project B compiled %s again:\n%s", l, logB)
		}
	}
	if !strings.Contains(logB, "example.com/other") {
		t.Errorf("project B's go build -v did not name its own package:\n%s", logB)
	}
	na, nb := cacheNotes(t, ra.out, "go build -trimpath"), cacheNotes(t, rb.out, "go build -trimpath")
	id := regexp.MustCompile(`writes the shared compile cache (\S+):`)
	ma, mb := id.FindStringSubmatch(na), id.FindStringSubmatch(nb)
	if ma == nil || mb == nil || ma[1] != mb[1] || !strings.HasPrefix(ma[1], ns+"/gopherfile/gocache/compile/") {
		t.Errorf("the two compiles do not write one shared compile cache:\n%s\n%s", na, nb)
	}
	t.Logf("compile steps: A %s, B %s", stepTime(t, ra.out, "go build -trimpath"), stepTime(t, rb.out, "go build -trimpath"))
}

// stepTime is how long the step whose name contains s ran.
func stepTime(t *testing.T, out, s string) string {
	t.Helper()
	for _, st := range relSteps(out) {
		if strings.Contains(st.Name, s) && st.Started != nil && st.Completed != nil {
			return st.Completed.Sub(*st.Started).Round(10 * time.Millisecond).String()
		}
	}
	return "?"
}

// TestModuleLayerKeepsVCSOut: with cache.modules: layer, a private module
// fetched from git travels in the download step's layer (a registry cache
// exports it), so the build warns, at the Gopherfile line; its git clone
// (cache/vcs) stays out of the layer.
func TestModuleLayerKeepsVCSOut(t *testing.T) {
	mod := gitModule()
	s := startGit(t, mod)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	writeFile(t, ca, string(s.CACertPEM()))
	dir := gitApp(t, s, mod, fmt.Sprintf("  private: [%s]\ncache:\n  modules: layer\n", mod.Path))
	cache := t.TempDir()
	out := t.TempDir()
	r := buildx(t, dir, "--progress", "rawjson", "-f", "Gopherfile", "--build-arg", "BUILDKIT_SYNTAX="+frontImg,
		"--build-arg", "GOPROXY=off", "--build-arg", "BUILDKIT_CACHE_MOUNT_NS="+cacheNS("vcs"),
		"--secret", "id=cacert,src="+ca, "--target", "binaries", "-o", "type=local,dest="+out,
		"--cache-to", "type=local,dest="+cache+",mode=max", ".")
	mustOK(t, r)
	if got := runBinary(t, filepath.Join(out, "app")); !strings.Contains(got, "hello over git from "+mod.Path) {
		t.Errorf("app printed %q", got)
	}
	var warned []string
	for _, st := range statuses(r.out) {
		for _, w := range st.Warnings {
			line := 0
			if len(w.Range) > 0 {
				line = int(w.Range[0].Start.Line)
			}
			warned = append(warned, fmt.Sprintf("line %d: %s", line, w.Short))
		}
	}
	want := "line 5: cache.modules is layer (set, or auto with --cache-from), so the private modules " + mod.Path + " are in the download step's layer"
	if !strings.Contains(strings.Join(warned, "\n"), want) {
		t.Errorf("no warning at the cache.modules line (5) that a private module travels in the layer; the warnings:\n%s", strings.Join(warned, "\n"))
	}
	// The exported cache has the module's source, and no git clone.
	found, vcs := scanLayers(t, cache, mod.Path+"@v1.0.0/lib.go"), scanLayers(t, cache, "gomodcache/cache/vcs/")
	if !found {
		t.Errorf("the exported cache lacks the module: the test does not see the layer")
	}
	if vcs {
		t.Errorf("a git clone (cache/vcs) is in the exported cache")
	}
}

// scanLayers reports whether a string is in any blob of an exported cache
// or image, gzip layers decompressed.
func scanLayers(t *testing.T, dir, s string) bool {
	t.Helper()
	found := false
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || found {
			return nil
		}
		dt, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		if bytes.Contains(dt, []byte(s)) {
			found = true
		}
		if len(dt) > 2 && dt[0] == 0x1f && dt[1] == 0x8b {
			if zr, err := gzip.NewReader(bytes.NewReader(dt)); err == nil {
				raw, _ := io.ReadAll(zr)
				found = found || bytes.Contains(raw, []byte(s))
			}
		}
		return nil
	})
	return found
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	dt, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	return string(dt)
}
