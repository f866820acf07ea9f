package main

import (
	"context"
	"fmt"
	"strings"
)

// The extra scenarios (-scenarios proxy,stepcost) measure the product rather
// than compare it: a build against a flaky module proxy (proxy.go) and what
// the step helper adds to one go step (stepcost.go). They run only when
// -scenarios names them, after the build scenarios, and have a section each
// in results.md (not bars in the chart).

// extras are the extra scenarios' results, in results.json.
type extras struct {
	Proxy    *proxyScenario    `json:"proxy,omitempty"`
	StepCost *stepCostScenario `json:"stepCost,omitempty"`
}

// extraRun is one measured build of an extra scenario.
type extraRun struct {
	Variant string `json:"variant"`
	Round   int    `json:"round"`
	OK      bool   `json:"ok"`
	Error   string `json:"error,omitempty"`
	// Seconds is the wall time of the whole build (buildctl start to exit).
	Seconds float64 `json:"seconds"`
	// Step is the measured step, from its vertex times: go mod download
	// (proxy) or go build (stepcost).
	Step float64 `json:"step"`
	// Tidy is the tidy check step (proxy).
	Tidy float64 `json:"tidy,omitempty"`
	// Retried is the requests the step helper retried, from the steps'
	// "retried N requests (...) on HOST" lines, by reason.
	Retried  int            `json:"retried"`
	ByReason map[string]int `json:"byReason,omitempty"`
	// ProxyRequests and ProxyFaults are what the local proxy saw: requests
	// received and 503s injected.
	ProxyRequests int    `json:"proxyRequests,omitempty"`
	ProxyFaults   int    `json:"proxyFaults,omitempty"`
	Log           string `json:"log"`
	// Load1 is the 1-minute load average when the build started.
	Load1 float64 `json:"load1"`
}

// runs are the runs of every extra scenario.
func (x extras) runs() []extraRun {
	var out []extraRun
	if x.Proxy != nil {
		out = append(out, x.Proxy.Runs...)
	}
	if x.StepCost != nil {
		out = append(out, x.StepCost.Runs...)
	}
	return out
}

// reparse counts the retried requests of the flaky-proxy runs again from
// their build logs, where those are still on disk (-render after a change
// to the parser).
func (x extras) reparse() {
	if x.Proxy == nil {
		return
	}
	for i, r := range x.Proxy.Runs {
		if lines, err := stepLogLines(r.Log); err == nil {
			x.Proxy.Runs[i].Retried, x.Proxy.Runs[i].ByReason = retriedTotal(lines)
		}
	}
}

// onlyExtras says whether every selected scenario is an extra one (and at
// least one is selected).
func onlyExtras(scens []string) bool {
	if len(scens) == 0 {
		return false
	}
	for _, s := range scens {
		if !contains(extraScenarioKeys(), s) {
			return false
		}
	}
	return true
}

// anyBuildScenario says whether a scenario of the subjects' tables is
// selected.
func (b *bench) anyBuildScenario() bool {
	for _, k := range scenarioKeys() {
		if b.scens[k] {
			return true
		}
	}
	return false
}

// runExtras runs the selected extra scenarios and writes the results after
// each.
func (b *bench) runExtras(ctx context.Context) error {
	if b.scens["proxy"] {
		if err := b.runProxy(ctx); err != nil {
			return err
		}
		if err := b.writeResults(); err != nil {
			return err
		}
	}
	if b.scens["stepcost"] {
		if err := b.runStepCost(ctx); err != nil {
			return err
		}
		if err := b.writeResults(); err != nil {
			return err
		}
	}
	return nil
}

// smallSubject is the prepared small subject (fzf), prepared now if the
// selected subjects did not include it.
func (b *bench) smallSubject(ctx context.Context) (*prepared, error) {
	for _, p := range b.prepared {
		if p.Class == "small" {
			return p, nil
		}
	}
	s, err := selectSubjects([]string{"small"})
	if err != nil {
		return nil, err
	}
	return b.prepare(ctx, s[0])
}

// summary is the median, min and max of one figure of a variant's good runs.
type summary struct {
	N, Failed          int
	Median, Min, Max   float64
	firstErr, firstLog string
}

// summarize sums up the runs of one variant, fig picking the figure.
func summarize(runs []extraRun, variant string, fig func(extraRun) float64) summary {
	var s summary
	var v []float64
	for _, r := range runs {
		if r.Variant != variant {
			continue
		}
		if !r.OK {
			s.Failed++
			if s.firstErr == "" {
				s.firstErr, s.firstLog = r.Error, r.Log
			}
			continue
		}
		x := fig(r)
		if len(v) == 0 || x < s.Min {
			s.Min = x
		}
		if x > s.Max {
			s.Max = x
		}
		v = append(v, x)
	}
	s.N = len(v)
	s.Median = median(v)
	return s
}

// rounds is the number of rounds the runs cover.
func rounds(runs []extraRun) int {
	n := 0
	for _, r := range runs {
		n = max(n, r.Round+1)
	}
	return n
}

// cell renders a summary as "**median** [min–max]", "FAIL" when no run
// succeeded, "—" when none ran.
func (s summary) cell() string {
	switch {
	case s.N == 0 && s.Failed == 0:
		return "—"
	case s.N == 0:
		return fmt.Sprintf("FAIL (%d/%d)", s.Failed, s.Failed)
	}
	c := fmt.Sprintf("**%.2f** [%.2f–%.2f]", s.Median, s.Min, s.Max)
	if s.Failed > 0 {
		c += fmt.Sprintf(" (%d failed)", s.Failed)
	}
	return c
}

// diffCell renders b − a of two medians with a sign, "—" unless both ran.
func diffCell(a, b summary) string {
	if a.N == 0 || b.N == 0 {
		return "—"
	}
	return fmt.Sprintf("%+.2f", b.Median-a.Median)
}

// verdict says whether the median difference b − a is within limit seconds.
func verdict(a, b summary, limit float64) string {
	if a.N == 0 || b.N == 0 {
		return "not measured"
	}
	d := b.Median - a.Median
	if d <= limit {
		return fmt.Sprintf("**met** (%+.2f s ≤ %.1f s)", d, limit)
	}
	return fmt.Sprintf("**not met** (%+.2f s > %.1f s)", d, limit)
}

// extraFailures lists the failed runs of an extra scenario.
func extraFailures(w *strings.Builder, runs []extraRun) {
	var fails []string
	for _, r := range runs {
		if !r.OK {
			fails = append(fails, fmt.Sprintf("- %s, run %d: `%s` (log %s)", r.Variant, r.Round+1, strings.ReplaceAll(tail(r.Error, 400), "`", "'"), r.Log))
		}
	}
	if len(fails) > 0 {
		fmt.Fprintf(w, "\nFailures:\n\n%s\n", strings.Join(fails, "\n"))
	}
}

// extrasMarkdown is the extra scenarios' sections of results.md, "" if none
// ran.
func (x extras) markdown() string {
	var w strings.Builder
	if x.Proxy != nil {
		x.Proxy.section(&w)
	}
	if x.StepCost != nil {
		x.StepCost.section(&w)
	}
	return w.String()
}
