//go:build integration

package integration

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// isolatedBuildkitd starts a buildkitd that reaches the Go module proxy and
// the frontend's registry and nothing else: its docker.io and gcr.io
// mirrors point at a port where nothing listens, so a pull of golang or
// distroless fails.
func isolatedBuildkitd(t *testing.T) string {
	t.Helper()
	return startBuildkitdWith(t, func(conf string) string {
		return regexp.MustCompile(`(?m)^\s*mirrors = \[.*\]$`).ReplaceAllString(conf, `  mirrors = ["127.0.0.1:9"]`)
	})
}

// TestPureGoPullsNoImage: a pure-Go program with a module dependency builds
// and runs on a buildkitd that reaches only the module proxy and the
// frontend's registry, through the frontend image and through the CLI: the
// go steps run with the Go toolchain from the module proxy on the minimal
// root, and the image is the built-in static base. The log names the
// toolchain, and the image has the base's files.
func TestPureGoPullsNoImage(t *testing.T) {
	a := isolatedBuildkitd(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/isolated\n\ngo 1.25.0\n\nrequire golang.org/x/sync v0.10.0\n")
	writeFile(t, filepath.Join(dir, "main.go"), `package main

import (
	"fmt"
	"runtime"
	"time"

	"golang.org/x/sync/errgroup"
)

func main() {
	var g errgroup.Group
	g.Go(func() error { return nil })
	loc, err := time.LoadLocation("Europe/Paris")
	fmt.Println("isolated", runtime.Version(), g.Wait(), loc, err)
}
`)
	writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\n")
	mustOK(t, run(t, dir, []string{"GOFLAGS=-mod=mod"}, "go", "mod", "tidy"))

	check := func(t *testing.T, r result, tarball string) {
		t.Helper()
		mustOK(t, r)
		vs := vertices(t, r.out)
		var sawToolchain bool
		for name := range vs {
			if strings.Contains(name, "golang:") || strings.Contains(name, "distroless") || strings.Contains(name, "docker.io/library") {
				t.Errorf("the build pulled an image: %s", name)
			}
			if strings.HasPrefix(name, "[toolchain] go1.25.14 linux/amd64 (h1:") {
				sawToolchain = true
			}
		}
		if !sawToolchain {
			t.Errorf("no [toolchain] go1.25.14 step (go.mod's go line 1.25.0 picks the newest 1.25 release):\n%s", tail(relLogs(r.out), 30))
		}
		img := loadOCI(t, tarball)
		root := img.Rootfs["linux/amd64"]
		out := runBinary(t, filepath.Join(root, "usr/local/bin/isolated"))
		if !strings.Contains(out, "isolated go1.25.14 <nil> Europe/Paris <nil>") {
			t.Errorf("the binary printed %q", out)
		}
		for _, f := range []string{"etc/ssl/certs/ca-certificates.crt", "usr/share/zoneinfo/Europe/Paris", "etc/passwd", "etc/group", "tmp", "home/nonroot"} {
			if _, err := os.Stat(filepath.Join(root, f)); err != nil {
				t.Errorf("the built-in base lacks %s: %v", f, err)
			}
		}
		cfg := img.Configs["linux/amd64"]
		if cfg.Config.User != "65532" || cfg.Config.WorkingDir != "/home/nonroot" {
			t.Errorf("user %q, workdir %q: want the nonroot user and its home, as distroless static nonroot", cfg.Config.User, cfg.Config.WorkingDir)
		}
		var history string
		for _, h := range cfg.History {
			history += h.CreatedBy + "\n"
		}
		if !strings.Contains(history, "gopherfile: built-in static base: CA certificates (golang.org/x/crypto/x509roots/fallback v") {
			t.Errorf("the image history does not name the base's sources:\n%s", history)
		}
	}

	t.Run("frontend image", func(t *testing.T) {
		tarball := filepath.Join(t.TempDir(), "img.tar")
		r := run(t, dir, nil, "buildctl", "--addr", a, "build", "--progress", "rawjson", "--frontend", "gateway.v0", "--opt", "source="+frontImg,
			"--local", "context=.", "--local", "dockerfile=.", "--opt", "filename=Gopherfile", "--output", "type=oci,dest="+tarball)
		check(t, r, tarball)
	})
	t.Run("CLI", func(t *testing.T) {
		tarball := filepath.Join(t.TempDir(), "img.tar")
		r := run(t, dir, nil, cliBin, "build", "--addr", a, "--progress", "rawjson", "-o", "type=oci,dest="+tarball, ".")
		check(t, r, tarball)
		// Built again after a change of the proxy settings (a password):
		// the fetch step runs, the toolchain step stays cached.
		writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\nmodules:\n  retries: 3\n")
		r = run(t, dir, nil, cliBin, "build", "--addr", a, "--progress", "rawjson", "-o", "type=oci,dest="+tarball, ".")
		mustOK(t, r)
		if tc := step(t, vertices(t, r.out), "[toolchain] go1.25.14"); !tc.Cached {
			t.Errorf("the toolchain step ran again after a change of the module settings")
		}
	})
}
