package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/moby/buildkit/util/attestation"
	"github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// writeBlob stores v as JSON in the layout's blobs/sha256 and returns its
// descriptor.
func writeBlob(t *testing.T, dir, mediaType string, v any) ocispecs.Descriptor {
	t.Helper()
	dt, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	d := digest.FromBytes(dt)
	p := filepath.Join(dir, "blobs", d.Algorithm().String(), d.Encoded())
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, dt, 0o644); err != nil {
		t.Fatal(err)
	}
	return ocispecs.Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(dt))}
}

func manifest(t *testing.T, dir string, layers ...int64) ocispecs.Descriptor {
	t.Helper()
	m := ocispecs.Manifest{MediaType: ocispecs.MediaTypeImageManifest,
		Config: ocispecs.Descriptor{MediaType: ocispecs.MediaTypeImageConfig, Digest: digest.FromString("config"), Size: 2}}
	m.SchemaVersion = 2
	for i, n := range layers {
		m.Layers = append(m.Layers, ocispecs.Descriptor{MediaType: ocispecs.MediaTypeImageLayerGzip, Digest: digest.FromString(string(rune('a' + i))), Size: n})
	}
	return writeBlob(t, dir, ocispecs.MediaTypeImageManifest, m)
}

func writeIndex(t *testing.T, dir string, manifests ...ocispecs.Descriptor) {
	t.Helper()
	idx := ocispecs.Index{MediaType: ocispecs.MediaTypeImageIndex, Manifests: manifests}
	idx.SchemaVersion = 2
	dt, err := json.Marshal(idx)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.json"), dt, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestImageSizes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		layout func(t *testing.T, dir string)
		want   map[string]int64
	}{{
		name: "single manifest, no platform",
		layout: func(t *testing.T, dir string) {
			writeIndex(t, dir, manifest(t, dir, 100, 23))
		},
		want: map[string]int64{"linux/amd64": 123},
	}, {
		name: "nested index with two platforms and an attestation",
		layout: func(t *testing.T, dir string) {
			amd := manifest(t, dir, 1000)
			amd.Platform = &ocispecs.Platform{OS: "linux", Architecture: "amd64"}
			arm := manifest(t, dir, 900, 9)
			arm.Platform = &ocispecs.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
			att := manifest(t, dir, 5)
			att.Platform = &ocispecs.Platform{OS: "unknown", Architecture: "unknown"}
			att.Annotations = map[string]string{attestation.DockerAnnotationReferenceType: attestation.DockerAnnotationReferenceTypeDefault}
			inner := writeBlob(t, dir, ocispecs.MediaTypeImageIndex, ocispecs.Index{MediaType: ocispecs.MediaTypeImageIndex, Manifests: []ocispecs.Descriptor{amd, arm, att}})
			writeIndex(t, dir, inner)
		},
		want: map[string]int64{"linux/amd64": 1000, "linux/arm64/v8": 909},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.layout(t, dir)
			got, err := imageSizes(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s: got %d, want %d (all: %v)", k, got[k], v, got)
				}
			}
		})
	}
	if _, err := imageSizes(t.TempDir()); err == nil {
		t.Error("a directory without index.json: no error")
	}
}
