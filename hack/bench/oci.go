package main

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/util/attestation"
	"github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// imageSizes reads an OCI image layout (a directory, as ko writes it, or a tar,
// as BuildKit's oci exporter writes it) and returns, per platform, the sum of
// the compressed layer sizes of its manifest: what a registry stores and a
// runner pulls.
func imageSizes(path string) (map[string]int64, error) {
	blobs := map[digest.Digest][]byte{} // small JSON blobs: index and manifests
	var index []byte
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	read := func(name string, r io.Reader, size int64) error {
		name = strings.TrimPrefix(filepath.ToSlash(name), "./")
		if name == "index.json" {
			dt, err := io.ReadAll(r)
			index = dt
			return err
		}
		if strings.HasPrefix(name, "blobs/") && size < 1<<20 {
			dt, err := io.ReadAll(r)
			if err != nil {
				return err
			}
			parts := strings.Split(name, "/")
			if len(parts) == 3 {
				blobs[digest.NewDigestFromEncoded(digest.Algorithm(parts[1]), parts[2])] = dt
			}
		}
		return nil
	}
	if fi.IsDir() {
		err = filepath.Walk(path, func(p string, fi os.FileInfo, err error) error {
			if err != nil || fi.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(path, p)
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			return read(rel, f, fi.Size())
		})
	} else {
		var f *os.File
		f, err = os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		tr := tar.NewReader(f)
		for {
			h, e := tr.Next()
			if e == io.EOF {
				break
			}
			if e != nil {
				return nil, e
			}
			if h.Typeflag == tar.TypeReg {
				if err = read(h.Name, tr, h.Size); err != nil {
					break
				}
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if index == nil {
		return nil, fmt.Errorf("%s: no index.json", path)
	}
	out := map[string]int64{}
	var walk func(dt []byte, plat string, depth int) error
	walk = func(dt []byte, plat string, depth int) error {
		if depth > 4 {
			return fmt.Errorf("%s: index nesting too deep", path)
		}
		// An image manifest has a config; an index has manifests.
		var m ocispecs.Manifest
		if err := json.Unmarshal(dt, &m); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if len(m.Layers) > 0 || m.Config.Digest != "" {
			var sum int64
			for _, l := range m.Layers {
				sum += l.Size
			}
			if plat == "" {
				plat = "linux/amd64"
			}
			out[plat] += sum
			return nil
		}
		var idx ocispecs.Index
		if err := json.Unmarshal(dt, &idx); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for _, d := range idx.Manifests {
			if isAttestation(d) {
				continue
			}
			p := plat
			if d.Platform != nil {
				p = platforms.Format(*d.Platform)
			}
			child, ok := blobs[d.Digest]
			if !ok {
				return fmt.Errorf("%s: blob %s not in the layout", path, d.Digest)
			}
			if err := walk(child, p, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(index, "", 0); err != nil {
		return out, err
	}
	return out, nil
}

// isAttestation reports whether an index entry is an attestation manifest
// (BuildKit's provenance and SBOM records), not an image: its platform is
// unknown/unknown and its reference-type annotation says so.
func isAttestation(d ocispecs.Descriptor) bool {
	if d.Platform != nil && d.Platform.OS == "unknown" {
		return true
	}
	return d.Annotations[attestation.DockerAnnotationReferenceType] == attestation.DockerAnnotationReferenceTypeDefault
}
