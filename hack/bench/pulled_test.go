package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/moby/buildkit/client"
	digest "github.com/opencontainers/go-digest"
)

// TestPulledFromLog: the layers a build downloaded count once each, at
// their total, with the image they belong to; the toolchain zip the step
// helper fetched counts too.
func TestPulledFromLog(t *testing.T) {
	img := digest.FromString("image")
	step := digest.FromString("step")
	msgs := []client.SolveStatus{
		{Vertexes: []*client.Vertex{{Digest: img, Name: "[internal] docker.io/library/golang:1.26"}, {Digest: step, Name: "[toolchain] fetch"}}},
		{Statuses: []*client.VertexStatus{{ID: "sha256:aaa", Vertex: img, Current: 10, Total: 1000}}},
		{Statuses: []*client.VertexStatus{{ID: "sha256:aaa", Vertex: img, Current: 1000, Total: 1000}, {ID: "sha256:bbb", Vertex: img, Total: 500}, {ID: "extracting", Vertex: img, Total: 7}}},
		{Logs: []*client.VertexLog{{Vertex: step, Data: []byte("gopherfile: Go toolchain golang.org/toolchain@v0.0.1-go1.26.11.linux-amd64 (71.8 MB) fetched and verified (h1:x) in 9s\n")}}},
	}
	p := filepath.Join(t.TempDir(), "build.log")
	f, _ := os.Create(p)
	enc := json.NewEncoder(f)
	for _, m := range msgs {
		enc.Encode(m)
	}
	f.Close()
	n, names := pulledFromLog(p)
	if want := int64(1500 + 71_800_000); n != want {
		t.Errorf("pulled %d bytes, want %d", n, want)
	}
	if len(names) != 2 || names[0] != "[internal] docker.io/library/golang:1.26" || names[1] != "golang.org/toolchain@v0.0.1-go1.26.11.linux-amd64 (module proxy)" {
		t.Errorf("pulled %q", names)
	}
}
