//go:build integration

package integration

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
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
// a runtime base the Gopherfile names, as for a Dockerfile FROM. (The default,
// built-in static base has no name: nothing is pulled for it.)
func TestNamedContextReplacesBase(t *testing.T) {
	dir := copyDir(t, "examples/hello")
	writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\nimage:\n  base: gcr.io/distroless/static-debian12:nonroot\n")
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

// TestFrontendImage: the frontend image is an index for amd64 and arm64, small,
// and labelled with the frontend caps BuildKit reads.
func TestFrontendImage(t *testing.T) {
	get := func(path, accept string, v any) int64 {
		req, _ := http.NewRequest("GET", "http://"+registry+path, nil)
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		dt, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		if v != nil {
			if err := json.Unmarshal(dt, v); err != nil {
				t.Fatal(err)
			}
		}
		return int64(len(dt))
	}
	var idx ocispecs.Index
	get("/v2/gopherfile/frontend/manifests/1", ocispecs.MediaTypeImageIndex, &idx)
	plats := map[string]ocispecs.Descriptor{}
	for _, m := range idx.Manifests {
		if m.Platform != nil {
			plats[m.Platform.OS+"/"+m.Platform.Architecture] = m
		}
	}
	for _, want := range []string{"linux/amd64", "linux/arm64"} {
		d, ok := plats[want]
		if !ok {
			t.Errorf("the frontend image index lacks %s: %v", want, plats)
			continue
		}
		var m ocispecs.Manifest
		get("/v2/gopherfile/frontend/manifests/"+d.Digest.String(), d.MediaType, &m)
		var size int64
		for _, l := range m.Layers {
			size += l.Size
		}
		if size > 40<<20 {
			t.Errorf("%s frontend image is %d MB; it should be small", want, size>>20)
		}
		var cfg ocispecs.Image
		get("/v2/gopherfile/frontend/blobs/"+m.Config.Digest.String(), m.Config.MediaType, &cfg)
		if caps := cfg.Config.Labels["moby.buildkit.frontend.caps"]; !strings.Contains(caps, "moby.buildkit.frontend.subrequests") {
			t.Errorf("%s: caps label %q", want, caps)
		}
		t.Logf("%s frontend image: %.1f MB compressed", want, float64(size)/(1<<20))
	}
}
