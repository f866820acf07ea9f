package main

import (
	"encoding/xml"
	"io"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/golden"
)

// TestChart renders charts from made-up figures and compares them with
// testdata/*.svg (go test -update rewrites them; open them in a browser to
// look).
func TestChart(t *testing.T) {
	for _, tc := range []struct {
		name   string
		panels []chartPanel
	}{{
		name: "one-subject",
		panels: []chartPanel{{title: "demo (small)  example.com/demo@v1.0.0", groups: []chartGroup{
			{label: "cold", bars: []chartBar{{comp: "host", median: 11, min: 10, max: 12}, {comp: "naive", median: 80, min: 70, max: 95}, {comp: "bp", median: 40, min: 38, max: 44}, {comp: "gf", median: 42, min: 40, max: 47}}},
			{label: "no-op rebuild", bars: []chartBar{{comp: "bp", median: 1.2, min: 1.1, max: 1.3}, {comp: "gf", failed: true}}},
		}}},
	}, {
		name: "two-subjects-no-bp",
		panels: []chartPanel{
			{title: "a & b (small)  example.com/a<b>@v0.1.0", groups: []chartGroup{
				{label: ".go file edited", bars: []chartBar{{comp: "host", median: 0.4, min: 0.4, max: 0.4}, {comp: "ko", median: 0.6, min: 0.5, max: 0.9}}},
			}},
			{title: "big (large)  example.com/big@v2.0.0", groups: []chartGroup{
				{label: "cold", bars: []chartBar{{comp: "bp", median: 144, min: 130, max: 151}, {comp: "gf", median: 120, min: 118, max: 125}, {comp: "gf-notidy", median: 117, min: 117, max: 117}}},
			}},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			for i := range tc.panels {
				for j := range tc.panels[i].groups {
					setRatios(&tc.panels[i].groups[j])
				}
			}
			var b strings.Builder
			if err := renderChart(&b, tc.panels, "Demo chart, seconds", "median; whiskers min–max; <escaped> & ×"); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			// Well-formed XML, so that browsers and GitHub draw it.
			dec := xml.NewDecoder(strings.NewReader(got))
			for {
				if _, err := dec.Token(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("not well-formed: %v", err)
				}
			}
			golden.Check(t, filepath.Join("testdata", tc.name+".svg"), got)
		})
	}
}

func TestSetRatios(t *testing.T) {
	for _, tc := range []struct {
		name string
		bars []chartBar
		want []float64
	}{
		{"bp present", []chartBar{{comp: "host", median: 10}, {comp: "bp", median: 20}, {comp: "gf", median: 15}}, []float64{0.5, 1, 0.75}},
		{"no bp", []chartBar{{comp: "host", median: 10}, {comp: "gf", median: 15}}, []float64{0, 0}},
		{"bp failed", []chartBar{{comp: "bp", failed: true}, {comp: "gf", median: 15}}, []float64{0, 0}},
		{"failed bar", []chartBar{{comp: "bp", median: 10}, {comp: "gf", failed: true}}, []float64{1, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := chartGroup{bars: tc.bars}
			setRatios(&g)
			for i, bar := range g.bars {
				if bar.ratio != tc.want[i] {
					t.Errorf("%s: ratio %g, want %g", bar.comp, bar.ratio, tc.want[i])
				}
			}
		})
	}
}

func TestTickLabel(t *testing.T) {
	for _, tc := range []struct {
		v, step float64
		want    string
	}{{0, 10, "0 s"}, {3 * 0.2, 0.2, "0.6 s"}, {150, 50, "150 s"}, {0.05 * 3, 0.05, "0.15 s"}} {
		if got := tickLabel(tc.v, tc.step); got != tc.want {
			t.Errorf("tickLabel(%g, %g) = %q, want %q", tc.v, tc.step, got, tc.want)
		}
	}
}

func TestNiceStep(t *testing.T) {
	for _, tc := range []struct{ max, want float64 }{{0, 1}, {8, 1}, {9, 2}, {47, 10}, {95, 20}, {151, 20}, {1.3, 0.2}} {
		if got := niceStep(tc.max); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("niceStep(%g) = %g, want %g", tc.max, got, tc.want)
		}
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
