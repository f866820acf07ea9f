//go:build integration

package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// checkHello checks an exported hello image: config and the binary's output.
func checkHello(t *testing.T, tarball string) {
	t.Helper()
	img := loadOCI(t, tarball)
	cfg := img.Configs["linux/amd64"]
	if cfg == nil {
		t.Fatalf("no linux/amd64 image in %v", img.Configs)
	}
	if got := strings.Join(cfg.Config.Entrypoint, " "); got != "/usr/local/bin/hello" {
		t.Errorf("entrypoint %q", got)
	}
	if cfg.Config.User != "65532" && cfg.Config.User != "nonroot" {
		t.Errorf("user %q, want the nonroot user", cfg.Config.User)
	}
	out := runBinary(t, filepath.Join(img.Rootfs["linux/amd64"], "usr/local/bin/hello"), "-name", "CI")
	if !strings.Contains(out, "Hello, CI! (built by Gopherfile, linux/amd64") {
		t.Errorf("hello printed %q", out)
	}
	if _, err := os.Stat(filepath.Join(img.Rootfs["linux/amd64"], "etc/ssl/certs/ca-certificates.crt")); err != nil {
		t.Errorf("the runtime base (distroless) is missing: %v", err)
	}
}

func TestHelloCLI(t *testing.T) {
	dir := copyDir(t, "examples/hello")
	tarball := filepath.Join(t.TempDir(), "hello.tar")
	mustOK(t, cli(t, dir, "--progress", "plain", "-o", "type=oci,dest="+tarball, "."))
	checkHello(t, tarball)
}

func TestHelloBuildxSyntaxLine(t *testing.T) {
	dir := copyDir(t, "examples/hello")
	tarball := filepath.Join(t.TempDir(), "hello.tar")
	r := buildx(t, dir, "--progress", "plain", "-f", "Gopherfile", "-o", "type=oci,dest="+tarball, ".")
	mustOK(t, r)
	if !strings.Contains(r.out, "resolve image config for docker-image://docker.io/gopherfile/frontend:1") && !strings.Contains(r.out, "gopherfile/frontend") {
		t.Errorf("the build did not go through the frontend image:\n%s", r.out)
	}
	checkHello(t, tarball)
}

func TestHelloBuildxSyntaxBuildArg(t *testing.T) {
	dir := copyDir(t, "examples/hello")
	writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\n")
	tarball := filepath.Join(t.TempDir(), "hello.tar")
	mustOK(t, buildx(t, dir, "--progress", "plain", "-f", "Gopherfile", "--build-arg", "BUILDKIT_SYNTAX="+frontImg, "-o", "type=oci,dest="+tarball, "."))
	checkHello(t, tarball)
}

func TestHelloBake(t *testing.T) {
	tarball := filepath.Join(t.TempDir(), "hello.tar")
	r := run(t, repoRoot, nil, "docker", "buildx", "bake", "--builder", builder, "--progress", "plain", "--allow", "fs.write="+filepath.Dir(tarball),
		"-f", "docker-bake.hcl", "--set", "hello.output=type=oci,dest="+tarball, "hello")
	mustOK(t, r)
	checkHello(t, tarball)
}

func TestHelloBinariesTarget(t *testing.T) {
	dir := copyDir(t, "examples/hello")
	out := t.TempDir()
	mustOK(t, cli(t, dir, "--target", "binaries", "-o", "type=local,dest="+out, "."))
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 || entries[0].Name() != "hello" {
		t.Fatalf("binaries target wrote %v, want just hello", entries)
	}
	if got := runBinary(t, filepath.Join(out, "hello")); !strings.Contains(got, "Hello, gopher!") {
		t.Errorf("hello printed %q", got)
	}
}

// TestDownloadStepCaching proves the core promise: a .go edit keeps go mod
// download cached and recompiles; a go.mod edit runs the download again.
func TestDownloadStepCaching(t *testing.T) {
	dir := copyDir(t, "examples/hello")
	// A cache namespace of its own, so other tests do not warm this one.
	ns := "--build-arg=BUILDKIT_CACHE_MOUNT_NS=" + t.Name()
	bin := t.TempDir()
	build := func() map[string]*vertex {
		r := cli(t, dir, "--progress", "rawjson", ns, "--target", "binaries", "-o", "type=local,dest="+bin, ".")
		mustOK(t, r)
		return vertices(t, r.out)
	}
	build()

	main := filepath.Join(dir, "main.go")
	src, _ := os.ReadFile(main)
	// A greeting of its own per run, so that no earlier run cached this source.
	greeting := fmt.Sprintf("Howdy%d", time.Now().UnixNano())
	writeFile(t, main, strings.Replace(string(src), "Hello, %s!", greeting+", %s!", 1))
	vs := build()
	if dl := step(t, vs, "go mod download"); !dl.Cached {
		t.Errorf("after a .go edit, go mod download ran again; it must be cached")
	}
	if gb := step(t, vs, "go build"); gb.Cached {
		t.Errorf("after a .go edit, go build was cached; it must run")
	}
	if got := runBinary(t, filepath.Join(bin, "hello")); !strings.Contains(got, greeting+", gopher!") {
		t.Errorf("the rebuilt binary printed %q", got)
	}

	mod := filepath.Join(dir, "go.mod")
	gomod, _ := os.ReadFile(mod)
	writeFile(t, mod, string(gomod)+fmt.Sprintf("\n// edited %d\n", time.Now().UnixNano()))
	vs = build()
	if dl := step(t, vs, "go mod download"); dl.Cached {
		t.Errorf("after a go.mod edit, go mod download was cached; it must run again")
	}
}

// TestCompileHasNoNetwork runs go build with a -toolexec wrapper that tries to
// reach the local registry: the build succeeds only if the step has no network.
func TestCompileHasNoNetwork(t *testing.T) {
	dir := copyDir(t, "examples/hello")
	writeFile(t, filepath.Join(dir, "netprobe.sh"), `#!/bin/sh
if curl -s -m 5 -o /dev/null http://`+registry+`/v2/; then
  echo "NETWORK REACHABLE FROM THE COMPILE STEP" >&2
  exit 1
fi
exec "$@"
`)
	os.Chmod(filepath.Join(dir, "netprobe.sh"), 0o755)
	// The probe is a shell script that runs curl: it needs the golang image
	// (the minimal root of the toolchain from the module proxy has neither;
	// its go steps get the same network mode, see TestModuleNetwork).
	writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\nbuilder: golang:1.26.11\nbuilds:\n  - flags: [-toolexec=/src/netprobe.sh]\n")
	r := cli(t, dir, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	mustOK(t, r)

	// Control: the same probe in a step with network (the tidy/deps steps have
	// it) does reach the registry, so the probe itself works.
	probe := run(t, dir, nil, "curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}", "http://"+registry+"/v2/")
	if probe.err != nil || !strings.Contains(probe.out, "200") {
		t.Fatalf("control probe could not reach the registry: %v %s", probe.err, probe.out)
	}
}

// TestBakeLintAndTest: the bake file's lint (--call check) and test targets.
func TestBakeLintAndTest(t *testing.T) {
	r := run(t, repoRoot, nil, "docker", "buildx", "bake", "--builder", builder, "--progress", "plain", "-f", "docker-bake.hcl", "lint")
	mustOK(t, r)
	out := t.TempDir()
	r = run(t, repoRoot, nil, "docker", "buildx", "bake", "--builder", builder, "--progress", "plain", "--allow", "fs.write="+out,
		"-f", "docker-bake.hcl", "--set", "test.output=type=local,dest="+out, "test")
	mustOK(t, r)
	if _, err := os.Stat(filepath.Join(out, "junit.xml")); err != nil {
		t.Errorf("bake test did not export junit.xml: %v", err)
	}
}
