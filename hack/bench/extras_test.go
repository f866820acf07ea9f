package main

import (
	"strings"
	"testing"
)

func TestOnlyExtras(t *testing.T) {
	tests := []struct {
		scens []string
		want  bool
	}{
		{nil, false},
		{[]string{"proxy"}, true},
		{[]string{"proxy", "stepcost"}, true},
		{[]string{"cold", "proxy"}, false},
		{[]string{"cold"}, false},
	}
	for _, tt := range tests {
		if got := onlyExtras(tt.scens); got != tt.want {
			t.Errorf("onlyExtras(%q) = %v, want %v", tt.scens, got, tt.want)
		}
	}
}

// proxyRuns are three rounds of healthy and flaky builds.
func proxyRuns(flakyExtra float64, failFlaky bool) []extraRun {
	var runs []extraRun
	for round, base := range []float64{30, 31, 29} {
		runs = append(runs,
			extraRun{Variant: "healthy", Round: round, OK: true, Seconds: base, Step: 2, Tidy: 1, ProxyRequests: 100},
			extraRun{Variant: "flaky", Round: round, OK: !failFlaky, Seconds: base + flakyExtra, Step: 2 + flakyExtra, Tidy: 1.5,
				Retried: 200, ByReason: map[string]int{"503": 200}, ProxyRequests: 300, ProxyFaults: 200, Error: map[bool]string{true: "exit status 1: boom"}[failFlaky]})
	}
	return runs
}

func TestProxySection(t *testing.T) {
	tests := []struct {
		name string
		runs []extraRun
		want []string
		not  []string
	}{
		{
			name: "within the target",
			runs: proxyRuns(1.5, false),
			want: []string{
				"## Flaky module proxy (proxy)",
				"| whole build (wall) | **30.00** [29.00–31.00] | **31.50** [30.50–32.50] | +1.50 |",
				"| `go mod download` step | **2.00** [2.00–2.00] | **3.50** [3.50–3.50] | +1.50 |",
				"| `go mod tidy -diff` step | **1.00** [1.00–1.00] | **1.50** [1.50–1.50] | +0.50 |",
				"| requests retried (step logs) | 0 | 200 (503 x200) | |",
				"| requests to the local proxy / 503s injected | 100 / 0 | 300 / 200 | |",
				"Whole build: **met** (+1.50 s ≤ 2.0 s); download step: **met**",
				"median [min–max] of 3 run(s)",
				"`--build-arg GOSUMDB=off`",
			},
			not: []string{"Failures"},
		},
		{
			name: "over the target",
			runs: proxyRuns(4, false),
			want: []string{"Whole build: **not met** (+4.00 s > 2.0 s)", "| +4.00 |"},
		},
		{
			name: "flaky builds failed",
			runs: proxyRuns(0, true),
			want: []string{"| FAIL (3/3) |", "Whole build: not measured", "Failures:", "- flaky, run 1: `exit status 1: boom`"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &proxyScenario{Module: "github.com/junegunn/fzf", Version: "v0.65.2", FailFirst: 2, Modules: 20,
				BuildArgs: []string{"GOPROXY=http://127.0.0.1:1", "GOSUMDB=off"}, Runs: tt.runs}
			got := extras{Proxy: s}.markdown()
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("section lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(got, w) {
					t.Errorf("section has %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestStepCostSection(t *testing.T) {
	runs := func(gf, df []float64) []extraRun {
		var out []extraRun
		for i := range gf {
			out = append(out, extraRun{Variant: "gf", Round: i, OK: true, Step: gf[i], Seconds: gf[i] + 3},
				extraRun{Variant: "dockerfile", Round: i, OK: true, Step: df[i], Seconds: df[i] + 1})
		}
		return out
	}
	tests := []struct {
		name string
		runs []extraRun
		want []string
	}{
		{
			name: "within the target",
			runs: runs([]float64{0.9, 0.8, 1.0, 0.85, 0.95}, []float64{0.8, 0.75, 0.9, 0.8, 0.85}),
			want: []string{
				"## Step helper cost (stepcost)",
				"| `go build` step (vertex) | **0.90** [0.80–1.00] | **0.80** [0.75–0.90] | +0.10 |",
				"| whole build (wall) | **3.90** [3.80–4.00] | **1.80** [1.75–1.90] | +2.10 |",
				"adds at most 0.1 s to a step: **met**",
				"of 5 run(s)",
				stepCostGoBuild,
			},
		},
		{
			name: "over the target",
			runs: runs([]float64{1.2, 1.3, 1.1}, []float64{0.8, 0.8, 0.8}),
			want: []string{"**not met** (+0.40 s > 0.1 s)"},
		},
		{
			name: "nothing ran",
			want: []string{"| — | — | — |", "not measured"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := extras{StepCost: &stepCostScenario{Command: stepCostGoBuild, Gopherfile: stepCostGopherfile, Runs: tt.runs}}.markdown()
			if strings.Contains(got, "tidy check was on") {
				t.Errorf("section says the tidy check was on:\n%s", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("section lacks %q:\n%s", w, got)
				}
			}
		})
	}
	if got := (extras{StepCost: &stepCostScenario{}}).markdown(); !strings.Contains(got, "tidy check was on") {
		t.Errorf("results without a Gopherfile: the section does not say the tidy check was on:\n%s", got)
	}
	if got := (extras{}).markdown(); got != "" {
		t.Errorf("no extra scenario: markdown %q, want empty", got)
	}
}
