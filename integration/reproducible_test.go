//go:build integration

package integration

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// layerEntries reads the names and times of a gzipped layer's entries.
func layerEntries(t *testing.T, path string) map[string]time.Time {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]time.Time{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = h.ModTime
	}
}

// checkLayerTimes checks that every file and directory of the layer
// Gopherfile adds (the image's last) carries want.
func checkLayerTimes(t *testing.T, img *ociImage, want time.Time) {
	t.Helper()
	for pl, layers := range img.Layers {
		entries := layerEntries(t, layers[len(layers)-1])
		if len(entries) == 0 {
			t.Errorf("%s: empty layer", pl)
		}
		for name, mt := range entries {
			if !mt.Equal(want) {
				t.Errorf("%s: %s is dated %s, want %s", pl, name, mt.UTC(), want)
			}
		}
	}
}

// TestReproducibleSourceDateEpoch: with SOURCE_DATE_EPOCH and no exporter
// option, a multi-binary image has the same digest across --no-cache, on a
// fresh buildkitd with no cache at all, on the older BuildKit and on Docker
// Engine; every file and directory Gopherfile writes carries that time.
func TestReproducibleSourceDateEpoch(t *testing.T) {
	t.Parallel() // a long test of its own (see parallelTests)
	requireOldBuildKit(t)
	const epoch = 1700000000
	dir := copyDir(t, "examples/multi")
	build := func(a string, extra ...string) *ociImage {
		t.Helper()
		tarball := filepath.Join(t.TempDir(), "multi.tar")
		args := append([]string{"--platform", "linux/amd64", "--build-arg", "SOURCE_DATE_EPOCH=1700000000", "-o", "type=oci,dest=" + tarball}, extra...)
		mustOK(t, cliAt(t, a, dir, append(args, ".")...))
		return loadOCI(t, tarball)
	}
	first := build(addr)
	want := first.Index.Manifests[0].Digest
	checkLayerTimes(t, first, time.Unix(epoch, 0))
	if c := first.Configs["linux/amd64"].Created; c == nil || !c.Equal(time.Unix(epoch, 0)) {
		t.Errorf("config created %v, want SOURCE_DATE_EPOCH", c)
	}
	for _, b := range []struct {
		name  string
		addr  func() string
		extra []string
	}{
		{"--no-cache", func() string { return addr }, []string{"--no-cache"}},
		{"a fresh buildkitd", func() string { return startBuildkitd(t, "buildkitd") }, nil},
		// (Its cache may hold this build from an earlier run: still its own result.)
		{"buildkitd " + oldVersion, func() string { return oldAddr }, nil},
	} {
		start := time.Now()
		img := build(b.addr(), b.extra...)
		got := img.Index.Manifests[0].Digest
		if got != want {
			t.Errorf("%s: image digest %s, want %s (the first build's)", b.name, got, want)
		}
		t.Logf("%s: %s in %s", b.name, got, time.Since(start).Round(time.Second))
	}

	// Docker Engine's BuildKit, through the frontend image. docker build adds
	// a provenance attestation with the build's start time to the index by
	// default; without it the digest is the same.
	requireDocker(t)
	src := readFile(t, filepath.Join(dir, "Gopherfile"))
	syntaxLine(t, dir, src[strings.Index(src, "\n")+1:])
	tarball := filepath.Join(t.TempDir(), "multi.tar")
	mustOK(t, docker(t, dir, "build", "--provenance=false", "--platform", "linux/amd64", "--build-arg", "SOURCE_DATE_EPOCH=1700000000",
		"-f", "Gopherfile", "-o", "type=oci,dest="+tarball, "."))
	if got := loadOCI(t, tarball).Index.Manifests[0].Digest; got != want {
		t.Errorf("Docker Engine: image digest %s, want %s", got, want)
	}
}

// TestReproducibleWithoutEpoch: without SOURCE_DATE_EPOCH the layer
// Gopherfile writes is still byte-identical across rebuilds (every file dated
// 1970-01-01), so registries store it once.
func TestReproducibleWithoutEpoch(t *testing.T) {
	t.Parallel() // a long test of its own (see parallelTests)
	dir := copyDir(t, "examples/hello")
	layer := func(extra ...string) (string, *ociImage) {
		t.Helper()
		tarball := filepath.Join(t.TempDir(), "hello.tar")
		mustOK(t, cli(t, dir, append(extra, "-o", "type=oci,dest="+tarball, ".")...))
		img := loadOCI(t, tarball)
		layers := img.Layers["linux/amd64"]
		return filepath.Base(layers[len(layers)-1]), img
	}
	a, img := layer()
	checkLayerTimes(t, img, time.Unix(0, 0))
	b, _ := layer("--no-cache")
	if a != b {
		t.Errorf("the binaries layer differs across rebuilds: %s vs %s", a, b)
	}
}
