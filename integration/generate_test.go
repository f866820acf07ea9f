//go:build integration

package integration

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// proxyCAArgs trust the host's CA bundle in the download and tidy steps,
// which fetch from the real module proxy (reached here through a
// TLS-intercepting proxy, as hack/frontend-image.sh does).
func proxyCAArgs() []string {
	const bundle = "/etc/ssl/certs/ca-certificates.crt"
	if _, err := os.Stat(bundle); err != nil {
		return nil
	}
	return []string{"--secret", "id=cacert,src=" + bundle}
}

// TestGenerateStringer: the generate example has no color_string.go; the
// generate: step runs stringer, a go.mod tool from the module proxy, offline
// from the modules the download step fetched, and the binary prints the
// generated String().
func TestGenerateStringer(t *testing.T) {
	dir := copyDir(t, "examples/generate")
	os.Remove(filepath.Join(dir, "color_string.go"))
	tarball := filepath.Join(t.TempDir(), "generate.tar")
	r := buildx(t, dir, syntaxArgs(append(proxyCAArgs(), "--platform", "linux/amd64", "-o", "type=oci,dest="+tarball, ".")...)...)
	mustOK(t, r)
	if !strings.Contains(r.out, "[generate] go generate ./...") {
		t.Errorf("no generate step in the progress:\n%s", r.out)
	}
	img := loadOCI(t, tarball)
	out := runBinary(t, filepath.Join(img.Rootfs["linux/amd64"], "usr/local/bin/generate"))
	if want := "color: Red\ncolor: Green\ncolor: Blue\n"; out != want {
		t.Errorf("generate printed %q, want %q", out, want)
	}

	// The step is cached by the source tree: the same sources do not run it again.
	r = buildx(t, dir, syntaxArgs(append(proxyCAArgs(), "--platform", "linux/amd64", "-o", "type=oci,dest="+tarball, ".")...)...)
	mustOK(t, r)
	if !regexp.MustCompile(`(?m)^#(\d+) \[generate\] go generate \./\.\.\.\n#\d+ CACHED`).MatchString(r.out) {
		t.Errorf("the second build ran go generate again:\n%s", r.out)
	}

	// The tests see the generated files too.
	mustOK(t, buildx(t, dir, syntaxArgs(append(proxyCAArgs(), "--target", "test", "-o", "type=local,dest="+t.TempDir(), ".")...)...))
}

// TestGenerateNeedsNetwork: a generator that fetches a module at a version
// (go run PKG@VERSION) fails with the paragraph that says go generate runs
// offline and how to declare the tool.
func TestGenerateNeedsNetwork(t *testing.T) {
	dir := copyDir(t, "examples/generate")
	writeFile(t, filepath.Join(dir, "net.go"), "package main\n\n//go:generate go run golang.org/x/tools/cmd/stringer@v0.30.0 -type=Color\n")
	r := buildx(t, dir, syntaxArgs(append(proxyCAArgs(), "--platform", "linux/amd64", "-o", "type=oci,dest="+filepath.Join(t.TempDir(), "x.tar"), ".")...)...)
	if r.err == nil {
		t.Fatalf("the build succeeded:\n%s", r.out)
	}
	for _, want := range []string{"go generate failed", "runs offline", "go get -tool"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.out)
		}
	}
}

// TestSourcesNamedContext: main.go embeds web/message.txt, which exists only
// in the named context web; without it the build names the flag to add.
func TestSourcesNamedContext(t *testing.T) {
	dir := copyDir(t, "examples/embed")
	web := t.TempDir()
	writeFile(t, filepath.Join(web, "message.txt"), "Hello from a named context!\n")

	tarball := filepath.Join(t.TempDir(), "embed.tar")
	mustOK(t, buildx(t, dir, syntaxArgs("--platform", "linux/amd64", "--build-context", "web="+web, "-o", "type=oci,dest="+tarball, ".")...))
	img := loadOCI(t, tarball)
	if out := runBinary(t, filepath.Join(img.Rootfs["linux/amd64"], "usr/local/bin/embed")); out != "Hello from a named context!\n" {
		t.Errorf("embed printed %q", out)
	}

	// The CLI takes a directory as a named context too.
	tarball = filepath.Join(t.TempDir(), "embed-cli.tar")
	mustOK(t, cli(t, dir, "--progress", "plain", "--platform", "linux/amd64", "--build-context", "web="+filepath.Join(dir, "ui"), "-o", "type=oci,dest="+tarball, "."))
	img = loadOCI(t, tarball)
	if out := runBinary(t, filepath.Join(img.Rootfs["linux/amd64"], "usr/local/bin/embed")); out != "Hello from the web build!\n" {
		t.Errorf("embed (CLI) printed %q", out)
	}

	r := buildx(t, dir, syntaxArgs("--platform", "linux/amd64", "-o", "type=oci,dest="+filepath.Join(t.TempDir(), "x.tar"), ".")...)
	if r.err == nil {
		t.Fatalf("the build without the context succeeded:\n%s", r.out)
	}
	for _, want := range []string{"Gopherfile line 6", `build context "web"`, "--build-context web="} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.out)
		}
	}
}

// TestSourcesBakeChain: the embed example's bake file hands the output of a
// Dockerfile target (web) to the Gopherfile's sources: (contexts = { web =
// "target:web" }).
func TestSourcesBakeChain(t *testing.T) {
	dir := copyDir(t, "examples/embed")
	tarball := filepath.Join(t.TempDir(), "app.tar")
	r := run(t, dir, nil, "docker", "buildx", "bake", "--builder", builder, "--progress", "plain", "--allow", "fs.write="+filepath.Dir(tarball),
		"-f", "docker-bake.hcl", "--set", "app.args.BUILDKIT_SYNTAX="+frontImg, "--set", "app.platform=linux/amd64",
		"--set", "app.output=type=oci,dest="+tarball, "app")
	mustOK(t, r)
	img := loadOCI(t, tarball)
	if out := runBinary(t, filepath.Join(img.Rootfs["linux/amd64"], "usr/local/bin/embed")); out != "Hello from the web build!\n" {
		t.Errorf("embed printed %q", out)
	}
}

// TestBakeMultiImages: the repository's bake matrix builds one image per
// binary of the multi example.
func TestBakeMultiImages(t *testing.T) {
	out := t.TempDir()
	r := run(t, repoRoot, nil, "docker", "buildx", "bake", "--builder", builder, "--progress", "plain", "--allow", "fs.write="+out,
		"-f", "docker-bake.hcl", "--set", "multi-*.args.BUILDKIT_SYNTAX="+frontImg, "--set", "multi-*.platform=linux/amd64",
		"--set", "multi-api.output=type=oci,dest="+filepath.Join(out, "api.tar"),
		"--set", "multi-worker.output=type=oci,dest="+filepath.Join(out, "worker.tar"), "multi-images")
	mustOK(t, r)
	for bin, path := range map[string]string{"api": "/usr/local/bin/api", "worker": "/app/worker"} {
		img := loadOCI(t, filepath.Join(out, bin+".tar"))
		cfg := img.Configs["linux/amd64"]
		if cfg == nil || strings.Join(cfg.Config.Entrypoint, " ") != path {
			t.Errorf("%s image config %+v", bin, cfg)
			continue
		}
		if got := runBinary(t, filepath.Join(img.Rootfs["linux/amd64"], path)); !strings.Contains(got, bin) {
			t.Errorf("%s printed %q", bin, got)
		}
	}
}

// TestGenerateFollowsGoLine is the stringer case of issue 22: a module with
// go 1.25 and the stringer of x/tools v0.30.0 as a go.mod tool. On the Go
// the frontend knew as the newest (1.27.4) stringer fails with "internal
// error: package "fmt" without types was imported"; the builder's Go now
// follows the go line (the newest 1.25 release), and generate: builds.
func TestGenerateFollowsGoLine(t *testing.T) {
	dir := copyDir(t, "examples/generate")
	os.Remove(filepath.Join(dir, "color_string.go"))
	os.Remove(filepath.Join(dir, "go.sum"))
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/stringer125\n\ngo 1.25\n\ntool golang.org/x/tools/cmd/stringer\n\nrequire golang.org/x/tools v0.30.0\n")
	mustOK(t, run(t, dir, []string{"GOFLAGS=-mod=mod", "GOTOOLCHAIN=local"}, "go", "mod", "tidy"))
	if dt, _ := os.ReadFile(filepath.Join(dir, "go.mod")); !strings.Contains(string(dt), "golang.org/x/tools v0.30.0") {
		t.Fatalf("go mod tidy moved x/tools:\n%s", dt)
	}
	tarball := filepath.Join(t.TempDir(), "img.tar")
	r := cli(t, dir, "--progress", "rawjson", "-o", "type=oci,dest="+tarball, ".")
	mustOK(t, r)
	if tc := step(t, vertices(t, r.out), "[toolchain] go1.25.14"); tc == nil {
		t.Errorf("the build did not run with Go 1.25.14")
	}
	img := loadOCI(t, tarball)
	out := runBinary(t, filepath.Join(img.Rootfs["linux/amd64"], "usr/local/bin/stringer125"))
	if want := "color: Red\ncolor: Green\ncolor: Blue\n"; out != want {
		t.Errorf("the binary printed %q, want %q", out, want)
	}
	// The same module on the newest Go fails as the issue says: the test
	// above proves the choice of Go, not a stringer that works anywhere.
	r = cli(t, dir, "--progress", "plain", "--build-arg", "GO_VERSION=1.27.4", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	if r.err == nil || !strings.Contains(r.out, "without types was imported") {
		t.Errorf("with Go 1.27.4: want stringer's internal error:\n%s", tail(r.out, 20))
	}
}
