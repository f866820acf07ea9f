package main

import (
	_ "embed"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"text/template"
)

// The chart is a horizontal grouped bar chart written as SVG: one panel per
// subject, one group per scenario, one bar per competitor (the median, with a
// min–max whisker), labelled with its seconds and its ratio to the
// best-practice Dockerfile (bp) of the same scenario. Every figure is text in
// the SVG (labels, a <title> per bar, the chart's <title> and <desc>), so a
// screen reader or a search finds what the picture shows.

// chartBar is one competitor's figure in one scenario.
type chartBar struct {
	comp             string
	median, min, max float64
	failed           bool
	// ratio is median / the bp median of the scenario; 0 when there is none.
	ratio float64
}

// chartGroup is one scenario of a subject.
type chartGroup struct {
	label string
	bars  []chartBar
}

// chartPanel is one subject.
type chartPanel struct {
	title  string
	groups []chartGroup
}

// ratioBase is the competitor the chart's ratios are relative to.
const ratioBase = "bp"

var shortScenario = map[string]string{
	"cold":        "cold",
	"noop":        "no-op rebuild",
	"edit":        ".go file edited",
	"dep":         "dependency added",
	"multi":       "cold, 2 platforms",
	"cacheexport": "cache export",
	"registry":    "fresh builder+cache",
}

var compColor = map[string]string{
	"host":      "#808080",
	"ko":        "#1b9e9e",
	"naive":     "#d6453d",
	"bp":        "#2c6fbb",
	"gf":        "#2e9d4a",
	"gfcli":     "#9ccf5c",
	"gf-mount":  "#8a5ac2",
	"gf-notidy": "#e6a11c",
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
			setRatios(&g)
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

// setRatios sets each bar's ratio to the group's ratioBase bar, if that one
// has a figure.
func setRatios(g *chartGroup) {
	base := 0.0
	for _, bar := range g.bars {
		if bar.comp == ratioBase && !bar.failed {
			base = bar.median
		}
	}
	for i := range g.bars {
		g.bars[i].ratio = 0
		if base > 0 && !g.bars[i].failed {
			g.bars[i].ratio = g.bars[i].median / base
		}
	}
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

// Layout, in SVG user units (px).
const (
	chartW      = 1100
	chartMargin = 16
	labelW      = 170 // scenario labels
	valueW      = 150 // room right of the longest bar for its label
	barH        = 14
	barGap      = 3
	groupGap    = 12
	lineH       = 18
	legendSwW   = 14 // legend swatch
)

// svgChart is the laid-out chart the template draws.
type svgChart struct {
	W, H    int
	RuleX2  int // right end of the panel rules
	Title   string
	Sub     string // the line under the title
	Desc    string
	Legend  []svgLegend
	Panels  []svgPanel
	Footer  string
	FooterY int
}

type svgLegend struct {
	X, Y  int
	Color string
	Text  string
}

type svgPanel struct {
	Title          string
	Y              int // title baseline
	RuleY          int
	TickY          int
	Ticks          []svgTick
	PlotX          int
	GridY0, GridY1 int
	Groups         []svgGroup
}

type svgTick struct {
	X     string
	Label string
}

type svgGroup struct {
	Label  string
	LabelY int
	Bars   []svgBar
}

type svgBar struct {
	Comp   string
	Color  string
	Y      int
	X, W   string
	Failed bool
	// Whisker from WMin to WMax at WY, when the runs differed.
	Whisker        bool
	WMin, WMax, WY string
	WY0, WY1       string
	Label          string
	LabelX         string
	LabelY         int
	// Title is the bar's accessible description.
	Title string
}

// num formats a coordinate: at most one decimal, no trailing zeros.
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// tickLabel formats an axis value with as many decimals as the step has
// (0.2 s steps: "0.6 s", not the float sum "0.6000000000000001 s").
func tickLabel(v, step float64) string {
	decimals := max(0, int(-math.Floor(math.Log10(step))))
	return strconv.FormatFloat(v, 'f', decimals, 64) + " s"
}

// textW estimates the width of a text in the chart's 13px sans-serif font
// (for the legend's flow only; the SVG viewer measures the real text).
func textW(s string) int { return len([]rune(s)) * 7 }

// barLabel is the text right of a bar: seconds, and the ratio to bp (×1 on
// bp's own bar).
func barLabel(bar chartBar) string {
	if bar.failed {
		return "FAILED"
	}
	s := secs(bar.median) + " s"
	switch {
	case bar.ratio > 0 && bar.comp == ratioBase:
		s += "  ×1"
	case bar.ratio > 0:
		s += fmt.Sprintf("  ×%.2f", bar.ratio)
	}
	return s
}

// layout places every element of the chart.
func layout(panels []chartPanel, title, sub string) svgChart {
	c := svgChart{W: chartW, RuleX2: chartW - chartMargin, Title: title, Sub: sub}
	plotX := chartMargin + labelW
	plotW := chartW - plotX - valueW - chartMargin

	// Legend: the competitors that appear, in the competitors' order, flowed
	// into rows.
	y := chartMargin + 2*lineH + 12
	x := chartMargin
	for _, comp := range competitors {
		if !inPanels(panels, comp.Key) {
			continue
		}
		w := legendSwW + 6 + textW(comp.Short) + 24
		if x+w > chartW-chartMargin {
			x = chartMargin
			y += lineH + 4
		}
		c.Legend = append(c.Legend, svgLegend{X: x, Y: y, Color: compColor[comp.Key], Text: comp.Short})
		x += w
	}
	y += lineH + 24

	var desc []string
	for _, p := range panels {
		maxV := 0.0
		for _, g := range p.groups {
			for _, bar := range g.bars {
				maxV = math.Max(maxV, math.Max(bar.max, bar.median))
			}
		}
		step := niceStep(maxV)
		top := math.Ceil(maxV/step) * step
		if top <= 0 {
			top = 1
		}
		px := func(v float64) float64 { return float64(plotX) + v/top*float64(plotW) }

		sp := svgPanel{Title: p.title, RuleY: y - lineH, Y: y, PlotX: plotX}
		y += lineH + 4
		sp.TickY = y
		for i := 0; float64(i)*step <= top+step/2; i++ {
			v := float64(i) * step
			sp.Ticks = append(sp.Ticks, svgTick{X: num(px(v)), Label: tickLabel(v, step)})
		}
		y += 8
		sp.GridY0 = y
		for _, g := range p.groups {
			sg := svgGroup{Label: g.label, LabelY: y + len(g.bars)*(barH+barGap)/2 + 4}
			for _, bar := range g.bars {
				sb := svgBar{Comp: bar.comp, Color: compColor[bar.comp], Y: y, Failed: bar.failed, Label: barLabel(bar), LabelY: y + barH - 3}
				name := competitorShort(bar.comp)
				if bar.failed {
					sb.LabelX = num(float64(plotX) + 4)
					sb.Title = fmt.Sprintf("%s, %s: failed", g.label, name)
				} else {
					w := math.Max(px(bar.median)-float64(plotX), 2)
					sb.X, sb.W = num(float64(plotX)), num(w)
					sb.LabelX = num(px(math.Max(bar.max, bar.median)) + 6)
					if bar.max > bar.min {
						mid := float64(y) + barH/2
						sb.Whisker = true
						sb.WMin, sb.WMax = num(px(bar.min)), num(px(bar.max))
						sb.WY, sb.WY0, sb.WY1 = num(mid), num(mid-4), num(mid+4)
					}
					sb.Title = fmt.Sprintf("%s, %s: %s s median (%s–%s)", g.label, name, secs(bar.median), secs(bar.min), secs(bar.max))
					if bar.ratio > 0 && bar.comp != ratioBase {
						sb.Title += fmt.Sprintf(", ×%.2f of the best-practice Dockerfile's time", bar.ratio)
					}
				}
				sg.Bars = append(sg.Bars, sb)
				y += barH + barGap
			}
			sp.Groups = append(sp.Groups, sg)
			y += groupGap
		}
		sp.GridY1 = y - groupGap/2
		c.Panels = append(c.Panels, sp)
		desc = append(desc, fmt.Sprintf("%s: %d scenarios", p.title, len(p.groups)))
		y += lineH + 24
	}
	c.FooterY = y - lineH
	c.Footer = "github.com/gopherfile/gopherfile hack/bench; ×: ratio to the best-practice Dockerfile; details in results.md"
	c.H = c.FooterY + chartMargin
	c.Desc = "Horizontal bars of build seconds per scenario and tool. " + strings.Join(desc, "; ") + "."
	return c
}

func inPanels(panels []chartPanel, comp string) bool {
	for _, p := range panels {
		for _, g := range p.groups {
			for _, bar := range g.bars {
				if bar.comp == comp {
					return true
				}
			}
		}
	}
	return false
}

func competitorShort(key string) string {
	for _, c := range competitors {
		if c.Key == key {
			return c.Short
		}
	}
	return key
}

//go:embed chart.svg.tmpl
var chartTemplate string

// xmlText escapes s for XML text and attribute values.
func xmlText(s string) (string, error) {
	var b strings.Builder
	if err := xml.EscapeText(&b, []byte(s)); err != nil {
		return "", fmt.Errorf("escaping %q: %w", s, err)
	}
	return b.String(), nil
}

var chartTmpl = template.Must(template.New("chart.svg").Funcs(template.FuncMap{"x": xmlText}).Parse(chartTemplate))

// renderChart writes the SVG chart of panels to w, with a title and a line
// under it (what the figures are).
func renderChart(w io.Writer, panels []chartPanel, title, sub string) error {
	if err := chartTmpl.Execute(w, layout(panels, title, sub)); err != nil {
		return fmt.Errorf("rendering the chart: %w", err)
	}
	return nil
}

// writeChart writes the SVG chart of panels to the file at path.
func writeChart(path string, panels []chartPanel, title, sub string) error {
	var b strings.Builder
	if err := renderChart(&b, panels, title, sub); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("writing the chart: %w", err)
	}
	return nil
}
