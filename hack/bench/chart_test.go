package main

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestFont(t *testing.T) {
	for _, r := range "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz .,:;-+()[]/%_='\"!?#*&<>@~|" {
		if _, ok := glyphs[r]; !ok {
			t.Errorf("no glyph for %q", r)
		}
	}
}

// TestChart renders a chart from made-up figures; with GFBENCH_CHART=path it
// keeps the PNG there to look at.
func TestChart(t *testing.T) {
	panels := []chartPanel{{title: "demo (small)  example.com/demo@v1.0.0", groups: []chartGroup{
		{label: "cold", bars: []chartBar{{comp: "host", median: 11, min: 10, max: 12}, {comp: "naive", median: 80, min: 70, max: 95}, {comp: "bp", median: 40, min: 38, max: 44}, {comp: "gf", median: 42, min: 40, max: 47}}},
		{label: "no-op rebuild", bars: []chartBar{{comp: "bp", median: 1.2, min: 1.1, max: 1.3}, {comp: "gf", failed: true}}},
	}}}
	path := filepath.Join(t.TempDir(), "chart.png")
	if p := os.Getenv("GFBENCH_CHART"); p != "" {
		path = p
	}
	if err := writeChart(path, panels, "Demo chart, seconds (median; whiskers min-max)"); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() < 1000 {
		t.Errorf("chart is %v", img.Bounds())
	}
}

func TestPhaseOf(t *testing.T) {
	for name, want := range map[string]string{
		"[build 1/6] FROM docker.io/library/golang:1.26@sha256:4c1a":            "pull",
		"[internal] load build context":                                         "context",
		"[build 6/6] RUN --mount=type=cache,target=/go/pkg/mod go build .":      "compile",
		"[build 4/6] RUN --mount=type=cache,target=/go/pkg/mod go mod download": "download",
		"exporting to oci image format":                                         "export",
		"[internal] load metadata for docker.io/library/golang:1.26":            "frontend",
		"[stage-1 2/2] COPY --from=build /out/app /usr/local/bin/app":           "image",
		"importing cache manifest from 127.0.0.1:5055/bench-cache/x":            "cache-import",
	} {
		if got := phaseOf(name); got != want {
			t.Errorf("phaseOf(%q) = %s, want %s", name, got, want)
		}
	}
}

func TestPhaseOfGopherfile(t *testing.T) {
	for name, want := range map[string]string{
		"[internal] docker.io/library/golang:1.26":                        "pull",
		"[internal] gcr.io/distroless/static-debian12:nonroot":            "pull",
		"docker-image://localhost:5055/gopherfile/frontend@sha256:b25d5f": "frontend",
		"[internal] load go.mod, vendor/modules.txt, go.work":             "frontend",
		"[internal] load go.mod and go.sum":                               "context",
		"[deps] go mod download":                                          "download",
		"[tidy] go mod tidy -diff":                                        "tidy",
		"[build fzf linux/amd64] go build -trimpath -o /out/fzf .":        "compile",
		"[image] add fzf":                                                 "image",
		"[internal] build-fzf.sh":                                         "other",
	} {
		if got := phaseOf(name); got != want {
			t.Errorf("phaseOf(%q) = %s, want %s", name, got, want)
		}
	}
}
