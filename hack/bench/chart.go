package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
)

// A horizontal grouped bar chart: one panel per subject, one group per
// scenario, one bar per competitor (median, with a min–max whisker).

type chartBar struct {
	comp             string
	median, min, max float64
	failed           bool
}

type chartGroup struct {
	label string
	bars  []chartBar
}

type chartPanel struct {
	title  string
	groups []chartGroup
}

var shortScenario = map[string]string{
	"cold":        "cold",
	"noop":        "no-op rebuild",
	"edit":        ".go file edited",
	"dep":         "dependency added",
	"multi":       "cold, 2 platforms",
	"cacheexport": "cache export",
	"registry":    "fresh builder+cache",
}

var compColor = map[string]color.RGBA{
	"host":      {0x80, 0x80, 0x80, 0xff},
	"ko":        {0x1b, 0x9e, 0x9e, 0xff},
	"naive":     {0xd6, 0x45, 0x3d, 0xff},
	"bp":        {0x2c, 0x6f, 0xbb, 0xff},
	"gf":        {0x2e, 0x9d, 0x4a, 0xff},
	"gfcli":     {0x9c, 0xcf, 0x5c, 0xff},
	"gf-mount":  {0x8a, 0x5a, 0xc2, 0xff},
	"gf-notidy": {0xe6, 0xa1, 0x1c, 0xff},
}

func (b *bench) chartData(stats []stat) []chartPanel {
	var panels []chartPanel
	for _, p := range b.prepared {
		panel := chartPanel{title: fmt.Sprintf("%s (%s)  %s@%s", p.Name, p.Class, p.Module, p.Version)}
		for _, sc := range b.scenarioRows(stats, p.Name) {
			g := chartGroup{label: shortScenario[sc.Key]}
			for _, c := range competitors {
				st := findStat(stats, p.Name, sc.Key, c.Key)
				if st == nil {
					continue
				}
				g.bars = append(g.bars, chartBar{comp: c.Key, median: st.Median, min: st.Min, max: st.Max, failed: st.N == 0})
			}
			if len(g.bars) > 0 {
				panel.groups = append(panel.groups, g)
			}
		}
		if len(panel.groups) > 0 {
			panels = append(panels, panel)
		}
	}
	return panels
}

// niceStep picks a tick step (1, 2 or 5 × 10^k) for about 8 ticks up to max.
func niceStep(max float64) float64 {
	if max <= 0 {
		return 1
	}
	raw := max / 8
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

func writeChart(path string, panels []chartPanel, title string) error {
	const (
		W       = 1500
		scale   = 2
		lineH   = glyphH * scale
		margin  = 20
		labelW  = 250
		valueW  = 100
		barH    = 16
		barGap  = 3
		groupGp = 14
	)
	plotX := margin + labelW
	plotW := W - plotX - valueW - margin

	// Legend entries: competitors that appear anywhere.
	var legend []competitor
	for _, c := range competitors {
		found := false
		for _, p := range panels {
			for _, g := range p.groups {
				for _, bar := range g.bars {
					if bar.comp == c.Key {
						found = true
					}
				}
			}
		}
		if found {
			legend = append(legend, c)
		}
	}
	// Layout pass: legend rows.
	legendRows := 1
	x := margin
	for _, c := range legend {
		w := 24 + textWidth(c.Short, scale) + 28
		if x+w > W-margin {
			legendRows++
			x = margin
		}
		x += w
	}
	H := margin + lineH + 16 + legendRows*(lineH+10) + 10
	for _, p := range panels {
		H += lineH + 14 + lineH + 10 // title, axis labels
		for _, g := range p.groups {
			H += len(g.bars)*(barH+barGap) + groupGp
		}
		H += 20
	}
	H += lineH + margin

	img := image.NewRGBA(image.Rect(0, 0, W, H))
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	black := color.RGBA{0x20, 0x20, 0x20, 0xff}
	grey := color.RGBA{0x66, 0x66, 0x66, 0xff}
	grid := color.RGBA{0xe4, 0xe4, 0xe4, 0xff}
	fillRect(img, 0, 0, W, H, white)

	y := margin
	drawText(img, margin, y, title, scale, black)
	y += lineH + 16
	x = margin
	for _, c := range legend {
		w := 24 + textWidth(c.Short, scale) + 28
		if x+w > W-margin {
			x = margin
			y += lineH + 10
		}
		fillRect(img, x, y, 18, lineH, compColor[c.Key])
		drawText(img, x+24, y, c.Short, scale, black)
		x += w
	}
	y += lineH + 20

	for _, p := range panels {
		maxV := 0.0
		for _, g := range p.groups {
			for _, bar := range g.bars {
				maxV = math.Max(maxV, bar.max)
			}
		}
		step := niceStep(maxV)
		top := math.Ceil(maxV/step) * step
		if top <= 0 {
			top = 1
		}
		px := func(v float64) int { return plotX + int(v/top*float64(plotW)) }

		fillRect(img, margin, y-6, W-2*margin, 2, grey)
		drawText(img, margin, y, p.title, scale, black)
		y += lineH + 14
		// Axis labels.
		for v := 0.0; v <= top+step/2; v += step {
			lbl := fmt.Sprintf("%gs", v)
			drawText(img, px(v)-textWidth(lbl, scale)/2, y, lbl, scale, grey)
		}
		y += lineH + 10
		panelTop := y
		panelH := 0
		for _, g := range p.groups {
			panelH += len(g.bars)*(barH+barGap) + groupGp
		}
		for v := 0.0; v <= top+step/2; v += step {
			fillRect(img, px(v), panelTop-4, 1, panelH, grid)
		}
		for _, g := range p.groups {
			gh := len(g.bars) * (barH + barGap)
			drawText(img, margin, y+(gh-lineH)/2, g.label, scale, black)
			for _, bar := range g.bars {
				c := compColor[bar.comp]
				if bar.failed {
					drawText(img, plotX+4, y+(barH-lineH)/2, "FAILED", scale, color.RGBA{0xc0, 0x20, 0x20, 0xff})
					y += barH + barGap
					continue
				}
				w := px(bar.median) - plotX
				if w < 2 {
					w = 2
				}
				fillRect(img, plotX, y, w, barH, c)
				// Whisker min–max.
				mid := y + barH/2
				if bar.max > bar.min {
					fillRect(img, px(bar.min), mid-1, px(bar.max)-px(bar.min)+1, 2, black)
					fillRect(img, px(bar.min), mid-4, 2, 8, black)
					fillRect(img, px(bar.max)-1, mid-4, 2, 8, black)
				}
				lbl := secs(bar.median)
				drawText(img, px(math.Max(bar.max, bar.median))+6, y+(barH-lineH)/2, lbl, scale, black)
				y += barH + barGap
			}
			y += groupGp
		}
		fillRect(img, plotX, panelTop-4, 1, panelH, grey)
		y += 20
	}
	drawText(img, margin, y, "github.com/gopherfile/gopherfile hack/bench; details in results.md", scale, grey)

	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
