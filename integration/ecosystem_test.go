//go:build integration

package integration

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func frontendArgs(args ...string) []string {
	return append([]string{"--progress", "plain", "-f", "Gopherfile", "--build-arg", "BUILDKIT_SYNTAX=" + frontImg}, args...)
}

// TestCallSubrequests: docker buildx build --call targets/outline/check answer
// like the Dockerfile frontend does.
func TestCallSubrequests(t *testing.T) {
	dir := copyDir(t, "examples/hello")
	writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\nmodules:\n  netrc: required\n  ssh: optional\n  private: [github.com/acme/*]\nimage:\n  user: root\n")

	r := buildx(t, dir, frontendArgs("--call", "targets", ".")...)
	mustOK(t, r)
	for _, want := range []string{"image", "(default)", "binaries", "tidy", "test"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("--call targets lacks %q:\n%s", want, r.out)
		}
	}

	r = buildx(t, dir, frontendArgs("--call", "outline", ".")...)
	mustOK(t, r)
	for _, want := range []string{"GO_VERSION", "GOPROXY", "HTTPS_PROXY", "GIT_AUTH_TOKEN.github.com", "SSH"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("--call outline lacks %q:\n%s", want, r.out)
		}
	}
	if !regexp.MustCompile(`netrc\s+true`).MatchString(r.out) {
		t.Errorf("--call outline does not mark the netrc secret required:\n%s", r.out)
	}

	r = buildx(t, dir, frontendArgs("--call", "check", ".")...)
	if !strings.Contains(r.out, "root-user") {
		t.Errorf("--call check does not report the root user:\n%s", r.out)
	}
}

// TestNamedContextReplacesBase: --build-context NAME=docker-image://... replaces
// the runtime base, as for a Dockerfile FROM.
func TestNamedContextReplacesBase(t *testing.T) {
	dir := copyDir(t, "examples/hello")
	tarball := filepath.Join(t.TempDir(), "hello.tar")
	mustOK(t, buildx(t, dir, frontendArgs(
		"--build-context", "gcr.io/distroless/static-debian12:nonroot=docker-image://"+registry+"/distroless/base-debian12:nonroot",
		"-o", "type=oci,dest="+tarball, ".")...))
	img := loadOCI(t, tarball)
	if _, err := os.Stat(filepath.Join(img.Rootfs["linux/amd64"], "lib/x86_64-linux-gnu/libc.so.6")); err != nil {
		t.Errorf("the named context did not replace the base (no glibc from base-debian12): %v", err)
	}
}

// TestSBOMAndProvenance: --sbom=true attaches an SPDX document written from the
// binaries' Go build info (no scanner image needed), --provenance=mode=max the
// SLSA provenance; neither leaks into the image itself.
func TestSBOMAndProvenance(t *testing.T) {
	dir := copyDir(t, "examples/multi")
	tarball := filepath.Join(t.TempDir(), "multi.tar")
	mustOK(t, buildx(t, dir, frontendArgs("--sbom=true", "--provenance=mode=max", "--platform", "linux/amd64", "-o", "type=oci,dest="+tarball, ".")...))
	img := loadOCI(t, tarball)
	var sbom, prov bool
	filepath.Walk(filepath.Join(img.Dir, "blobs"), func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		dt, _ := os.ReadFile(p)
		s := string(dt)
		if strings.Contains(s, `"predicateType":"https://spdx.dev/Document"`) || strings.Contains(s, "SPDX-2.3") {
			if strings.Contains(s, "pkg:golang/github.com/gopherfile/gopherfile/examples/multi") && strings.Contains(s, "pkg:golang/stdlib@") {
				sbom = true
			}
		}
		if strings.Contains(s, "https://slsa.dev/provenance") {
			prov = true
		}
		return nil
	})
	if !sbom {
		t.Errorf("no SPDX SBOM listing the Go modules in the image index")
	}
	if !prov {
		t.Errorf("no SLSA provenance in the image index")
	}
}
