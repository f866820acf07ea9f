//go:build integration

package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
)

// startSecondBuildkitd starts a fresh buildkitd (empty state, same registry
// mirrors) for the test and returns its address.
func startSecondBuildkitd(t *testing.T) string {
	t.Helper()
	return startBuildkitdWith(t, nil)
}

// startBuildkitdWith starts a fresh buildkitd whose config is the test
// buildkitd's with edit applied (nil: as it is).
func startBuildkitdWith(t *testing.T, edit func(string) string) string {
	t.Helper()
	cfg, err := os.ReadFile(filepath.Join(os.Getenv("GF_STATE"), "buildkitd.toml"))
	if err != nil {
		t.Fatalf("reading the test buildkitd config: %v", err)
	}
	dir, err := os.MkdirTemp("/var/tmp", "gf-bk2-")
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "buildkitd.sock")
	root := filepath.Join(dir, "root")
	conf := regexp.MustCompile(`(?m)^root = .*$`).ReplaceAllString(string(cfg), fmt.Sprintf("root = %q", root))
	conf = regexp.MustCompile(`(?m)^\s*address = \[.*\]$`).ReplaceAllString(conf, fmt.Sprintf("  address = [%q]", "unix://"+sock))
	if edit != nil {
		conf = edit(conf)
	}
	writeFile(t, filepath.Join(dir, "buildkitd.toml"), conf)
	logf, _ := os.Create(filepath.Join(dir, "buildkitd.log"))
	cmd := exec.Command("buildkitd", "--config", filepath.Join(dir, "buildkitd.toml"), "--root", root, "--addr", "unix://"+sock, "--oci-worker-net=host")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
		}
		logf.Close()
		exec.Command("umount", "-R", root).Run()
		os.RemoveAll(dir)
	})
	a := "unix://" + sock
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		c, err := client.New(context.Background(), a)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			_, err = c.ListWorkers(ctx)
			cancel()
			c.Close()
			if err == nil {
				return a
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "buildkitd.log"))
	t.Fatalf("second buildkitd did not start:\n%s", log)
	return ""
}

// TestModuleCacheTravelsInLayers: with cache.modules: layer, a build on a fresh
// buildkitd that imports the registry cache runs no go mod download (the module
// proxy is down by then) and still compiles a changed .go file.
func TestModuleCacheTravelsInLayers(t *testing.T) {
	mod := privateModule(t)
	p := startProxy(t, mod)
	// No cache: section: cache.modules and cache.build default to auto, which
	// is layer when the build imports a cache, as CI builds do from the first
	// run on (--cache-from of a ref that does not exist yet is fine).
	// GOFLAGS=-v: go build names every package it compiles (not the cached ones).
	dir := moduleUsing(t, p, mod, fmt.Sprintf("  proxy: %s\n  nosumdb: [example.com/*]\nenv:\n  GOFLAGS: -v\n", p.URL()))
	ref := fmt.Sprintf("%s/gopherfile-test/cache:%08x", registry, rand.Uint32())
	out := t.TempDir()
	mustOK(t, cli(t, dir, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+out,
		"--cache-from", "type=registry,ref="+ref+",registry.insecure=true",
		"--cache-to", "type=registry,ref="+ref+",mode=max,registry.insecure=true", "."))

	p.Down() // the second builder cannot download anything
	main := filepath.Join(dir, "main.go")
	src, _ := os.ReadFile(main)
	writeFile(t, main, strings.Replace(string(src), "fmt.Println(greeting.Hello())", "fmt.Println(\"v2:\", greeting.Hello())", 1))

	addr2 := startSecondBuildkitd(t)
	r := run(t, dir, nil, cliBin, "build", "--addr", addr2, "--progress", "rawjson", "--target", "binaries", "-o", "type=local,dest="+out,
		"--cache-from", "type=registry,ref="+ref+",registry.insecure=true", ".")
	mustOK(t, r)
	vs := vertices(t, r.out)
	if dl := step(t, vs, "go mod download"); !dl.Cached {
		t.Errorf("on the fresh builder, go mod download ran; it must come from the imported cache")
	}
	if gb := step(t, vs, "go build -trimpath"); gb.Cached {
		t.Errorf("go build was cached although main.go changed")
	}
	// cache.build: layer: the standard library and the dependency were
	// compiled on the first builder; the fresh one reuses them.
	if d := step(t, vs, "go build (standard library and dependencies)"); !d.Cached {
		t.Errorf("on the fresh builder the dependencies were compiled again; they must come from the imported cache")
	}
	log := vertexLogs(t, r.out, "go build -trimpath")
	// The compile reads the dependency layer through the step helper as
	// GOCACHEPROG (Go 1.24 and newer; an older Go has it copied into GOCACHE:
	// "build cache seeded with the compiled dependencies").
	if !regexp.MustCompile(`hits: ([1-9][0-9]*) in /gopherfile/depcache`).MatchString(log) {
		t.Errorf("the compile step did not read the dependency layer:\n%s", log)
	}
	for _, l := range strings.Split(log, "\n") {
		switch l = strings.TrimSpace(l); {
		case strings.HasPrefix(l, mod.Path), l == "fmt", l == "runtime", l == "os":
			t.Errorf("the compile step compiled %s again on the fresh builder:\n%s", l, log)
		}
	}
	if !strings.Contains(log, "example.com/app") {
		t.Errorf("the compile step's go build -v did not name the edited main package:\n%s", log)
	}
	if got := runBinary(t, filepath.Join(out, "app")); !strings.Contains(got, "v2: hello from "+mod.Path) {
		t.Errorf("app printed %q", got)
	}
}

// TestMountModeWithRegistryCache: with the module cache on a cache mount
// (cache.modules: mount, chosen explicitly) and tidy off, a fresh builder importing a registry cache must still
// have the modules when it compiles: the download step runs again.
func TestMountModeWithRegistryCache(t *testing.T) {
	mod := privateModule(t)
	p := startProxy(t, mod)
	dir := moduleUsing(t, p, mod, fmt.Sprintf("  proxy: %s\n  nosumdb: [example.com/*]\ntidy: off\ncache: {modules: mount, build: mount}\n", p.URL()))
	ref := fmt.Sprintf("%s/gopherfile-test/cache:%08x", registry, rand.Uint32())
	out := t.TempDir()
	mustOK(t, cli(t, dir, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+out,
		"--cache-to", "type=registry,ref="+ref+",mode=max,registry.insecure=true", "."))
	main := filepath.Join(dir, "main.go")
	src, _ := os.ReadFile(main)
	writeFile(t, main, strings.Replace(string(src), "fmt.Println(greeting.Hello())", "fmt.Println(\"v3:\", greeting.Hello())", 1))
	addr2 := startSecondBuildkitd(t)
	mustOK(t, run(t, dir, nil, cliBin, "build", "--addr", addr2, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+out,
		"--cache-from", "type=registry,ref="+ref+",registry.insecure=true", "."))
	if got := runBinary(t, filepath.Join(out, "app")); !strings.Contains(got, "v3: hello from "+mod.Path) {
		t.Errorf("app printed %q", got)
	}
}
