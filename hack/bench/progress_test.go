package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
	"github.com/opencontainers/go-digest"
)

// TestPhasesFromLog feeds a log of `--progress rawjson` lines (BuildKit's
// client.SolveStatus) with overlapping vertices, a repeated report, a cache
// hit and non-JSON lines.
func TestPhasesFromLog(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) *time.Time { v := t0.Add(time.Duration(s * float64(time.Second))); return &v }
	vx := func(name string, a, b float64, cached bool) *client.Vertex {
		return &client.Vertex{Digest: digest.FromString(name), Name: name, Started: at(a), Completed: at(b), Cached: cached}
	}
	statuses := []client.SolveStatus{
		{Vertexes: []*client.Vertex{{Digest: digest.FromString("[deps] go mod download"), Name: "[deps] go mod download", Started: at(1)}}},
		{Vertexes: []*client.Vertex{vx("[deps] go mod download", 1, 3, false), vx("[tidy] go mod tidy -diff", 3, 4, false)}},
		{Vertexes: []*client.Vertex{vx("[build app linux/amd64] go build -o /out/app .", 3.5, 6, false)}},
		// Reported again: counted once.
		{Vertexes: []*client.Vertex{vx("[build app linux/amd64] go build -o /out/app .", 3.5, 6, false)}},
		{Vertexes: []*client.Vertex{vx("[image] add app", 6, 6.5, true), vx("exporting to oci image format", 6.5, 7, false)}},
	}
	var log strings.Builder
	log.WriteString("#1 plain progress line\n\n")
	for _, s := range statuses {
		dt, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		log.Write(dt)
		log.WriteString("\n")
	}
	log.WriteString("{not json\n")
	path := filepath.Join(t.TempDir(), "build.log")
	if err := os.WriteFile(path, []byte(log.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := phasesFromLog(path)
	if err != nil {
		t.Fatal(err)
	}
	for ph, want := range map[string]float64{
		"download":     2,
		"tidy":         1,
		"compile":      2.5,
		"cache-load":   0.5, // a cache hit that took time
		"export":       0.5,
		"vertices":     6,
		"span":         6,
		"compile_wait": 0.5,
	} {
		if math.Abs(got[ph]-want) > 1e-9 {
			t.Errorf("%s = %g, want %g (all: %v)", ph, got[ph], want, got)
		}
	}
}

func TestUnion(t *testing.T) {
	t0 := time.Unix(0, 0)
	s := func(a, b int) interval {
		return interval{t0.Add(time.Duration(a) * time.Second), t0.Add(time.Duration(b) * time.Second)}
	}
	for _, tc := range []struct {
		in   []interval
		want float64
	}{
		{nil, 0},
		{[]interval{s(0, 2)}, 2},
		{[]interval{s(0, 2), s(1, 3)}, 3},
		{[]interval{s(5, 6), s(0, 2), s(1, 2)}, 3},
	} {
		if got := union(tc.in); got != tc.want {
			t.Errorf("union(%v) = %g, want %g", tc.in, got, tc.want)
		}
	}
}
