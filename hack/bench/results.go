package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// The run's outputs in -out: results.json (every record, the summary and the
// setup), results.md and chart.svg; -render rewrites the last two from a
// results.json.

// meta describes the run, for results.json and the header of results.md.
func (b *bench) meta() map[string]any {
	cmd := strings.Join(os.Args[1:], " ")
	return map[string]any{
		"started":     b.started.UTC().Format(time.RFC3339),
		"finished":    time.Now().UTC().Format(time.RFC3339),
		"duration":    time.Since(b.started).Round(time.Second).String(),
		"cpus":        runtime.NumCPU(),
		"memory":      memTotal(),
		"runs":        b.cfg.runs,
		"quick":       b.cfg.quick,
		"full":        b.cfg.full,
		"goVersion":   b.cfg.goVersion,
		"goproxy":     b.env.goproxy,
		"tools":       b.tools,
		"meanLoad1":   b.meanLoad(),
		"commandLine": cmd,
	}
}

// meanLoad is the mean 1-minute load average at the start of the builds.
func (b *bench) meanLoad() float64 {
	sum, n := 0.0, 0
	for _, r := range b.records {
		sum += r.Load1
		n++
	}
	for _, r := range b.extras.runs() {
		sum += r.Load1
		n++
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// writeResults writes results.json, results.md and chart.svg.
func (b *bench) writeResults() error {
	if err := os.MkdirAll(b.cfg.out, 0o755); err != nil {
		return err
	}
	stats := b.stats()
	meta := b.meta()
	doc := map[string]any{
		"meta":        meta,
		"subjects":    b.prepared,
		"competitors": competitors,
		"scenarios":   scenarios,
		"summary":     stats,
		"records":     b.records,
		"extras":      b.extras,
	}
	dt, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(b.cfg.out, "results.json"), dt, 0o644); err != nil {
		return err
	}
	return b.writeReport(stats, meta)
}

// writeReport writes results.md and chart.svg.
func (b *bench) writeReport(stats []stat, meta map[string]any) error {
	if err := os.MkdirAll(b.cfg.out, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(b.cfg.out, "results.md"), []byte(b.markdown(stats, meta, b.meanLoad())), 0o644); err != nil {
		return err
	}
	if len(stats) == 0 {
		// Only extra scenarios ran: they have no bars.
		return nil
	}
	return writeChart(filepath.Join(b.cfg.out, "chart.svg"), b.chartData(stats), "Go image build times, seconds", chartSubtitle(b.cfg.runs, cpus(meta), b.meanLoad()))
}

// render rewrites results.md and chart.svg in -out from a results.json,
// without building anything (after a change to the report or the chart).
func render(cfg *config) error {
	dt, err := os.ReadFile(cfg.render)
	if err != nil {
		return err
	}
	var doc struct {
		Meta     map[string]any `json:"meta"`
		Subjects []*prepared    `json:"subjects"`
		Records  []record       `json:"records"`
		Extras   extras         `json:"extras"`
	}
	if err := json.Unmarshal(dt, &doc); err != nil {
		return fmt.Errorf("%s: %w", cfg.render, err)
	}
	str := func(k string) string { s, _ := doc.Meta[k].(string); return s }
	b := &bench{cfg: cfg, env: &env{goproxy: str("goproxy")}, records: doc.Records, prepared: doc.Subjects, extras: doc.Extras,
		comps: map[string]bool{}, tools: map[string]string{}}
	if runs, ok := doc.Meta["runs"].(float64); ok {
		cfg.runs = int(runs)
	}
	cfg.full, _ = doc.Meta["full"].(bool)
	if t, ok := doc.Meta["tools"].(map[string]any); ok {
		for k, v := range t {
			b.tools[k], _ = v.(string)
		}
	}
	b.frontendRef = b.tools["frontend"]
	b.extras.reparse()
	for _, r := range b.records {
		b.comps[r.Competitor] = true
	}
	return b.writeReport(b.stats(), doc.Meta)
}

// chartSubtitle says what the chart's figures are.
func chartSubtitle(runs, cpus int, load float64) string {
	return fmt.Sprintf("median of %d runs, whiskers min–max; ×: ratio to the best-practice Dockerfile (bp) in the same scenario; %d cores, mean load %.1f", runs, cpus, load)
}

// cpus is the machine's core count from the run's meta (an int when
// measured, a float64 when read back from results.json).
func cpus(meta map[string]any) int {
	switch v := meta["cpus"].(type) {
	case int:
		return v
	case float64:
		return int(v)
	}
	return runtime.NumCPU()
}

// memTotal is the machine's memory, from /proc/meminfo.
func memTotal() string {
	dt, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(dt), "\n")
	return strings.Join(strings.Fields(line)[1:], " ")
}
