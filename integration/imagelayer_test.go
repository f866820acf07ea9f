//go:build integration

package integration

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// layerHeaders reads the tar headers of a gzipped layer, by name.
func layerHeaders(t *testing.T, path string) map[string]*tar.Header {
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
	out := map[string]*tar.Header{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = h
	}
}

// TestImageLayerModes: the owners and modes of what Gopherfile writes (in
// every layer of the image). On
// scratch, /tmp is sticky and world-writable, /home is root's and the nonroot
// home the nonroot user's; the directories made for image.files are root's
// and traversable whatever the file's own mode; on distroless, a file under
// the nonroot home leaves that directory as the base has it.
func TestImageLayerModes(t *testing.T) {
	type want struct {
		mode     int64
		uid, gid int
	}
	for _, tt := range []struct {
		name, gopherfile string
		want             map[string]want
	}{
		{"scratch", "version: 1\nimage:\n  base: scratch\n  files:\n    - {src: app.yaml, dst: /etc/hello/app.yaml, mode: \"0640\", owner: \"65532:65532\"}\n", map[string]want{
			"tmp/":                {0o1777, 0, 0},
			"home/":               {0o755, 0, 0},
			"home/nonroot/":       {0o700, 65532, 65532},
			"etc/hello/":          {0o755, 0, 0},
			"etc/hello/app.yaml":  {0o640, 65532, 65532},
			"usr/local/bin/hello": {0o755, 0, 0},
			"etc/passwd":          {0o644, 0, 0},
			"etc/ssl/certs/":      {0o755, 0, 0},
			"usr/share/zoneinfo/": {0o755, 0, 0},
		}},
		{"distroless", "version: 1\nimage:\n  files:\n    - {src: app.yaml, dst: /home/nonroot/.config/app.yaml}\n", map[string]want{
			"home/nonroot/":                 {0o700, 65532, 65532},
			"home/nonroot/.config/":         {0o755, 0, 0},
			"home/nonroot/.config/app.yaml": {0o644, 0, 0},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyDir(t, "examples/hello")
			writeFile(t, filepath.Join(dir, "app.yaml"), "greeting: hi\n")
			writeFile(t, filepath.Join(dir, "Gopherfile"), tt.gopherfile)
			tarball := filepath.Join(t.TempDir(), "img.tar")
			mustOK(t, cli(t, dir, "-o", "type=oci,dest="+tarball, "."))
			// What Gopherfile writes may span layers (the built-in base's
			// files, then the binaries and files): the later layer wins.
			hs := map[string]*tar.Header{}
			for _, l := range loadOCI(t, tarball).Layers["linux/amd64"] {
				for name, h := range layerHeaders(t, l) {
					hs[name] = h
				}
			}
			for name, w := range tt.want {
				h, ok := hs[name]
				if !ok {
					t.Errorf("the layer lacks %s", name)
					continue
				}
				if got := h.Mode & 0o7777; got != w.mode || h.Uid != w.uid || h.Gid != w.gid {
					t.Errorf("%s: mode %04o owner %d:%d, want %04o %d:%d", name, got, h.Uid, h.Gid, w.mode, w.uid, w.gid)
				}
			}
		})
	}
}
