//go:build integration

package integration

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/testproxy"
)

// Module layouts other than "go.mod at the context root": vendor/, a go.work
// workspace, a module in a subdirectory, a local replace outside the context,
// and the private-proxy example.

// stepNames lists the build steps of a rawjson progress stream.
func stepNames(vs map[string]*vertex) string {
	var names []string
	for n := range vs {
		names = append(names, n)
	}
	return strings.Join(names, "\n")
}

// TestVendorNoDownload: examples/vendor has vendor/modules.txt, so the build
// has no go mod download step (and no tidy step: the example sets tidy: off),
// builds with GOPROXY=off, and the binary was compiled with -mod=vendor: its
// build info lists the dependency without a go.sum hash, which only vendor
// mode leaves out.
func TestVendorNoDownload(t *testing.T) {
	dir := copyDir(t, "examples/vendor")
	out := t.TempDir()
	r := cli(t, dir, "--progress", "rawjson", "--build-arg", "GOPROXY=off", "--target", "binaries", "-o", "type=local,dest="+out, ".")
	mustOK(t, r)
	vs := vertices(t, r.out)
	for name := range vs {
		if strings.Contains(name, "go mod download") || strings.Contains(name, "go mod tidy") {
			t.Errorf("a vendored build has the step %q; steps:\n%s", name, stepNames(vs))
		}
	}
	build := step(t, vs, "go build -trimpath")
	if !build.Completed || build.Error != "" {
		t.Errorf("the compile step did not complete: %+v", build)
	}
	bin := filepath.Join(out, "vendor")
	if got := runBinary(t, bin, "gopher"); !strings.Contains(got, "sha256(gopher) = 9cc1ee455a3363ff") {
		t.Errorf("vendor printed %q", got)
	}
	info, err := exec.Command("go", "version", "-m", bin).CombinedOutput()
	if err != nil {
		t.Fatalf("go version -m: %v\n%s", err, info)
	}
	var dep string
	for _, l := range strings.Split(string(info), "\n") {
		if f := strings.Fields(l); len(f) >= 3 && f[0] == "dep" && f[1] == "golang.org/x/sync" {
			dep = l
			if len(f) != 3 {
				t.Errorf("the dependency has a go.sum hash in the build info, so it was not built with -mod=vendor: %q", l)
			}
		}
	}
	if dep == "" {
		t.Errorf("no build info line for golang.org/x/sync:\n%s", info)
	}
	// go vet and go test read vendor/ too (no module cache, no network).
	mustOK(t, cli(t, dir, "--progress", "plain", "--build-arg", "GOPROXY=off", "--target", "vet", "."))
}

// TestWorkspaceBuildAndCache: examples/workspace, built from the workspace
// root with module: app, resolves lib through go.work and runs, with GOPROXY=off
// (nothing needs downloading) and no tidy step (go mod tidy ignores go.work and
// would look lib up on the proxy). Editing lib/*.go changes the binary but keeps
// go mod download cached: the download step sees only go.work and the
// go.mod/go.sum files.
func TestWorkspaceBuildAndCache(t *testing.T) {
	dir := copyDir(t, "examples/workspace")
	out := t.TempDir()
	build := func(out string) map[string]*vertex {
		r := cli(t, dir, "--progress", "rawjson", "--build-arg", "GOPROXY=off", "--target", "binaries", "-o", "type=local,dest="+out, ".")
		mustOK(t, r)
		vs := vertices(t, r.out)
		for name := range vs {
			if strings.Contains(name, "go mod tidy") {
				t.Errorf("a workspace build has the tidy step %q", name)
			}
		}
		return vs
	}
	vs := build(out)
	if d := step(t, vs, "go mod download"); !d.Completed {
		t.Errorf("the download step did not complete: %+v", d)
	}
	if got := runBinary(t, filepath.Join(out, "app"), "-name", "ws"); !strings.Contains(got, "Hello, ws, from the workspace module lib!") {
		t.Errorf("app printed %q", got)
	}

	src := filepath.Join(dir, "lib", "greet.go")
	dt, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	// A new text every run, so that no earlier run has the compile step cached.
	edited := fmt.Sprintf("from the edited lib %08x!", rand.Uint32())
	writeFile(t, src, strings.Replace(string(dt), "from the workspace module lib!", edited, 1))
	out2 := t.TempDir()
	vs = build(out2)
	if d := step(t, vs, "go mod download"); !d.Cached {
		t.Errorf("editing lib/greet.go re-ran go mod download: %+v", d)
	}
	if b := step(t, vs, "go build -trimpath"); b.Cached {
		t.Errorf("editing lib/greet.go did not rebuild the binary")
	}
	if got := runBinary(t, filepath.Join(out2, "app"), "-name", "ws"); !strings.Contains(got, "Hello, ws, "+edited) {
		t.Errorf("app after the edit printed %q", got)
	}
}

// TestReplaceOutsideContext: a local replace to ../lib, built with the module
// directory as the context, fails before any step runs, naming the directory
// and the fix (row 16: build from a directory that contains it).
func TestReplaceOutsideContext(t *testing.T) {
	root := t.TempDir()
	app := filepath.Join(root, "app")
	writeFile(t, filepath.Join(root, "lib", "go.mod"), "module example.com/lib\n\ngo 1.26\n")
	writeFile(t, filepath.Join(root, "lib", "lib.go"), "package lib\n\nfunc Name() string { return \"lib\" }\n")
	writeFile(t, filepath.Join(app, "go.mod"), "module example.com/app\n\ngo 1.26\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../lib\n")
	writeFile(t, filepath.Join(app, "main.go"), "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/lib\"\n)\n\nfunc main() { fmt.Println(lib.Name()) }\n")
	writeFile(t, filepath.Join(app, "Gopherfile"), "version: 1\n")

	r := cli(t, app, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	if r.err == nil {
		t.Fatalf("built although ../lib is outside the build context:\n%s", tail(r.out, 30))
	}
	for _, want := range []string{"../lib", "outside the build context", "build from a directory that contains it", "module:"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, tail(r.out, 30))
		}
	}
	if strings.Contains(r.out, "go mod download") {
		t.Errorf("the download step ran; the error should come before it:\n%s", tail(r.out, 30))
	}

	// The fix the message gives: build from the parent with module: app.
	writeFile(t, filepath.Join(app, "Gopherfile"), "version: 1\nmodule: app\n")
	out := t.TempDir()
	mustOK(t, cli(t, root, "--progress", "plain", "-f", filepath.Join(app, "Gopherfile"), "--target", "binaries", "-o", "type=local,dest="+out, "."))
	if got := runBinary(t, filepath.Join(out, "app")); strings.TrimSpace(got) != "lib" {
		t.Errorf("app printed %q", got)
	}
}

// TestMonorepoSubdirModule: a module in services/api of a monorepo, with its
// Gopherfile next to its go.mod and module: services/api, built from the
// repository root; it replaces a library with ../../libs/greet, which is in
// the context.
func TestMonorepoSubdirModule(t *testing.T) {
	t.Parallel() // a long test of its own (see parallelTests)
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "libs", "greet", "go.mod"), "module example.com/mono/libs/greet\n\ngo 1.26\n")
	writeFile(t, filepath.Join(root, "libs", "greet", "greet.go"), "package greet\n\nfunc Hello() string { return \"hello from libs/greet\" }\n")
	api := filepath.Join(root, "services", "api")
	writeFile(t, filepath.Join(api, "go.mod"), "module example.com/mono/services/api\n\ngo 1.26\n\nrequire example.com/mono/libs/greet v0.0.0\n\nreplace example.com/mono/libs/greet => ../../libs/greet\n")
	writeFile(t, filepath.Join(api, "main.go"), "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/mono/libs/greet\"\n)\n\nfunc main() { fmt.Println(\"api:\", greet.Hello()) }\n")
	writeFile(t, filepath.Join(api, "Gopherfile"), "version: 1\nmodule: services/api\n")
	writeFile(t, filepath.Join(root, "README.md"), "a monorepo\n")

	tarball := filepath.Join(t.TempDir(), "api.tar")
	mustOK(t, cli(t, root, "--progress", "plain", "-f", filepath.Join(api, "Gopherfile"), "-o", "type=oci,dest="+tarball, "."))
	img := loadOCI(t, tarball)
	if got := runBinary(t, filepath.Join(img.Rootfs["linux/amd64"], "usr/local/bin/api")); strings.TrimSpace(got) != "api: hello from libs/greet" {
		t.Errorf("api printed %q", got)
	}
}

// TestExamplePrivate builds with examples/private/Gopherfile as it is, except
// for the proxy URL: a TLS proxy with its own CA that wants basic auth serves
// a module under the example's private pattern. Without a secret the build
// stops at once naming the flag; with both it builds, and the password is in
// no blob of the image.
func TestExamplePrivate(t *testing.T) {
	const exampleProxy = "https://goproxy.acme.internal"
	src, err := os.ReadFile(filepath.Join(repoRoot, "examples", "private", "Gopherfile"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(src), exampleProxy); n != 1 {
		t.Fatalf("examples/private/Gopherfile names %s %d times, want once", exampleProxy, n)
	}
	path := fmt.Sprintf("git.acme.internal/gf%08x/greeting", rand.Uint32())
	mod := testproxy.Module{Path: path, Version: "v1.4.0", Files: map[string]string{
		"greeting.go": "package greeting\n\n// Hello greets.\nfunc Hello() string { return \"hello from " + path + "\" }\n",
	}}
	p, caPEM, err := testproxy.StartTLSWithNewCA(mod)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	password := fmt.Sprintf("pw-%016x", rand.Uint64())
	p.RequireBasicAuth("ci", password)

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Gopherfile"), strings.Replace(string(src), exampleProxy, p.URL(), 1))
	writeFile(t, filepath.Join(dir, "go.mod"), fmt.Sprintf("module example.com/app\n\ngo 1.26\n\nrequire %s %s\n", mod.Path, mod.Version))
	writeFile(t, filepath.Join(dir, "go.sum"), strings.Join(p.GoSum(mod.Path, mod.Version), "\n")+"\n")
	writeFile(t, filepath.Join(dir, "main.go"), fmt.Sprintf("package main\n\nimport (\n\t\"fmt\"\n\n\t%q\n)\n\nfunc main() { fmt.Println(greeting.Hello()) }\n", mod.Path))

	secrets := t.TempDir()
	ca := filepath.Join(secrets, "ca.pem")
	writeFile(t, ca, string(caPEM))
	netrc := filepath.Join(secrets, "netrc")
	writeFile(t, netrc, fmt.Sprintf("machine %s login ci password %s\n", p.Addr(), password))

	r := cli(t, dir, "--progress", "plain", "--secret", "id=cacert,src="+ca, "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	if r.err == nil || !strings.Contains(r.out, "needs the secret netrc") || !strings.Contains(r.out, "--secret id=netrc") {
		t.Errorf("without netrc: want the netrc: required message:\n%s", tail(r.out, 20))
	}
	r = cli(t, dir, noHostCA, "--progress", "plain", "--secret", "id=netrc,src="+netrc, "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	if r.err == nil || !strings.Contains(r.out, "needs the secret cacert") || !strings.Contains(r.out, "--secret id=cacert") {
		t.Errorf("without cacert: want the cacert: required message:\n%s", tail(r.out, 20))
	}
	if n := p.Requests(); n != 0 {
		t.Errorf("the proxy saw %d requests from builds that lacked a required secret", n)
	}

	tarball := filepath.Join(t.TempDir(), "app.tar")
	r = cli(t, dir, "--progress", "plain", "--secret", "id=netrc,src="+netrc, "--secret", "id=cacert,src="+ca, "-o", "type=oci,dest="+tarball, ".")
	mustOK(t, r)
	if strings.Contains(r.out, password) {
		t.Errorf("the password appears in the build output")
	}
	if p.PathRequests("/"+mod.Path+"/@v/"+mod.Version+".zip") == 0 {
		t.Errorf("the module zip was not fetched through the proxy; it saw:\n%s", strings.Join(p.Log(), "\n"))
	}
	img := loadOCI(t, tarball)
	if got := runBinary(t, filepath.Join(img.Rootfs["linux/amd64"], "usr/local/bin/app")); !strings.Contains(got, "hello from "+mod.Path) {
		t.Errorf("app printed %q", got)
	}
	scanForSecret(t, img.Dir, password)
}
