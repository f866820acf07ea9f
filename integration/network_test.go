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

// TestNetworkHostCompileOffline: with --network host the compile step still
// has no network (a -toolexec probe that reaches the registry fails it). The
// probe is a static Go program: the go steps run on a minimal root, with no
// shell and no curl.
func TestNetworkHostCompileOffline(t *testing.T) {
	dir := copyDir(t, "examples/hello")
	probe := t.TempDir()
	writeFile(t, filepath.Join(probe, "go.mod"), "module netprobe\n\ngo 1.24\n")
	writeFile(t, filepath.Join(probe, "main.go"), `package main

import (
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
)

func main() {
	if c, err := net.DialTimeout("tcp", "`+registry+`", 5*time.Second); err == nil {
		c.Close()
		fmt.Fprintln(os.Stderr, "NETWORK REACHABLE FROM THE COMPILE STEP")
		os.Exit(1)
	}
	if err := syscall.Exec(os.Args[1], os.Args[1:], os.Environ()); err != nil {
		fmt.Fprintln(os.Stderr, "netprobe:", err)
		os.Exit(2)
	}
}
`)
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "netprobe"), ".")
	build.Dir = probe
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOFLAGS=", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the probe: %v\n%s", err, out)
	}
	writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\nbuilds:\n  - flags: [-toolexec=/src/netprobe]\n")
	r := cli(t, dir, "--progress", "plain", "--network", "host", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	mustOK(t, r)
	if strings.Contains(r.out, "NETWORK REACHABLE") {
		t.Error("the compile step reached the network under --network host")
	}
}

// TestNetworkNone: --network none gives the module steps no network and
// GOPROXY=off. A module that is not in the module cache is named at once, with
// the flag; once the cache holds it (a build with the network), the same
// build works offline; a vendored module needs nothing.
func TestNetworkNone(t *testing.T) {
	mod := privateModule(t)
	p := startProxy(t, mod)
	dir := moduleUsing(t, p, mod, fmt.Sprintf("  proxy: %s\n  nosumdb: [example.com/*]\n", p.URL()))
	none := frontendArgs("--network", "none", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")

	r := buildx(t, dir, none...)
	if r.err == nil {
		t.Fatalf("--network none downloaded a module that is in no cache:\n%s", tail(r.out, 20))
	}
	for _, want := range []string{"module lookup disabled by GOPROXY=off", "GOPROXY=off (from --network none)", mod.Path} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, tail(r.out, 30))
		}
	}
	if strings.Contains(r.out, "retry 1 of") {
		t.Errorf("a build without network must not retry:\n%s", tail(r.out, 30))
	}
	before := p.Requests()
	if before != 0 {
		t.Errorf("the proxy saw %d requests from a build with --network none", before)
	}

	mustOK(t, buildx(t, dir, frontendArgs("--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")...))
	warm := p.Requests()
	out := t.TempDir()
	none = frontendArgs("--network", "none", "--target", "binaries", "-o", "type=local,dest="+out, ".")
	mustOK(t, buildx(t, dir, none...))
	if got := runBinary(t, filepath.Join(out, "app")); !strings.Contains(got, "hello from "+mod.Path) {
		t.Errorf("app printed %q", got)
	}
	if p.Requests() != warm {
		t.Errorf("the offline build made %d proxy requests", p.Requests()-warm)
	}

	vendored := copyDir(t, "examples/vendor")
	mustOK(t, buildx(t, vendored, frontendArgs("--network", "none", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")...))
}

// TestNetworkHostEntitlement: BuildKit runs a step in the host's network only
// with the network.host entitlement, and each way of missing it says so.
func TestNetworkHostEntitlement(t *testing.T) {
	requireOldBuildKit(t)
	dir := copyDir(t, "examples/hello")

	// buildctl without --allow network.host: the frontend names the flags.
	r := run(t, dir, nil, "buildctl", "--addr", addr, "build", "--frontend", "gateway.v0", "--opt", "source="+frontImg,
		"--opt", "force-network-mode=host", "--local", "context=.", "--local", "dockerfile=.", "--opt", "filename=Gopherfile")
	if r.err == nil {
		t.Fatal("--network host without the entitlement succeeded")
	}
	for _, want := range []string{"gopherfile: --network host", "--allow network.host", "--allow-insecure-entitlement network.host", "network.host is not allowed"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("buildctl output lacks %q:\n%s", want, tail(r.out, 15))
		}
	}

	// A buildkitd that does not grant it (the older one is started so).
	r = cliAt(t, oldAddr, dir, "--network", "host", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	if r.err == nil || !strings.Contains(r.out, "--network host: the buildkitd at "+oldAddr+" does not grant the network.host entitlement") {
		t.Errorf("gopherfile build --network host on a buildkitd without the entitlement:\n%s", tail(r.out, 15))
	}
	r = buildxOn(t, oldBuilder, dir, frontendArgs("--network", "host", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")...)
	if r.err == nil || !strings.Contains(r.out, "granting entitlement network.host is not allowed by build daemon configuration") {
		t.Errorf("docker buildx build --network host on a buildkitd without the entitlement:\n%s", tail(r.out, 15))
	}
}
