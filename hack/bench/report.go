package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

// stat is the summary of one cell: subject × scenario × competitor.
type stat struct {
	Subject    string             `json:"subject"`
	Scenario   string             `json:"scenario"`
	Competitor string             `json:"competitor"`
	N          int                `json:"n"`
	Failed     int                `json:"failed"`
	Median     float64            `json:"median"`
	Min        float64            `json:"min"`
	Max        float64            `json:"max"`
	ImageBytes int64              `json:"imageBytes,omitempty"`
	PlatBytes  map[string]int64   `json:"platformBytes,omitempty"`
	Phases     map[string]float64 `json:"phases,omitempty"`
	Error      string             `json:"error,omitempty"`
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (b *bench) stats() []stat {
	type key struct{ s, sc, c string }
	groups := map[key][]record{}
	var keys []key
	for _, r := range b.records {
		k := key{r.Subject, r.Scenario, r.Competitor}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], r)
	}
	var out []stat
	for _, k := range keys {
		rs := groups[k]
		st := stat{Subject: k.s, Scenario: k.sc, Competitor: k.c}
		var secs, imgs []float64
		phases := map[string][]float64{}
		for _, r := range rs {
			if !r.OK {
				st.Failed++
				if st.Error == "" {
					st.Error = r.Error
				}
				continue
			}
			st.N++
			secs = append(secs, r.Seconds)
			if r.ImageBytes > 0 {
				imgs = append(imgs, float64(r.ImageBytes))
			}
			if r.PlatBytes != nil {
				st.PlatBytes = r.PlatBytes
			}
			for ph, v := range r.Phases {
				phases[ph] = append(phases[ph], v)
			}
		}
		if len(secs) > 0 {
			st.Median = median(secs)
			st.Min, st.Max = secs[0], secs[0]
			for _, v := range secs {
				st.Min = min(st.Min, v)
				st.Max = max(st.Max, v)
			}
		}
		st.ImageBytes = int64(median(imgs))
		if len(phases) > 0 {
			st.Phases = map[string]float64{}
			for ph, v := range phases {
				// Phases a run did not have count as 0.
				for len(v) < len(secs) {
					v = append(v, 0)
				}
				st.Phases[ph] = median(v)
			}
		}
		out = append(out, st)
	}
	return out
}

func findStat(stats []stat, subj, scen, comp string) *stat {
	for i := range stats {
		if stats[i].Subject == subj && stats[i].Scenario == scen && stats[i].Competitor == comp {
			return &stats[i]
		}
	}
	return nil
}

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

func (b *bench) meanLoad() float64 {
	sum := 0.0
	for _, r := range b.records {
		sum += r.Load1
	}
	if len(b.records) == 0 {
		return 0
	}
	return sum / float64(len(b.records))
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
	}
	if err := json.Unmarshal(dt, &doc); err != nil {
		return fmt.Errorf("%s: %w", cfg.render, err)
	}
	str := func(k string) string { s, _ := doc.Meta[k].(string); return s }
	b := &bench{cfg: cfg, env: &env{goproxy: str("goproxy")}, records: doc.Records, prepared: doc.Subjects,
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

func memTotal() string {
	dt, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(dt), "\n")
	return strings.Join(strings.Fields(line)[1:], " ")
}

// columns of the tables, in order, limited to what ran.
func (b *bench) columns(stats []stat, subj string) []competitor {
	var out []competitor
	for _, c := range competitors {
		for _, s := range stats {
			if s.Subject == subj && s.Competitor == c.Key {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

func (b *bench) scenarioRows(stats []stat, subj string) []scenario {
	var out []scenario
	for _, sc := range scenarios {
		for _, s := range stats {
			if s.Subject == subj && s.Scenario == sc.Key {
				out = append(out, sc)
				break
			}
		}
	}
	return out
}

func secs(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%.1f", v)
	}
}

func mb(n int64) string {
	if n <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

// notRun explains an empty cell.
func notRun(scen, comp string) string {
	switch {
	case scen == "multi" && comp == "naive":
		return "n/a¹"
	case (scen == "registry" || scen == "cacheexport") && (comp == "host" || comp == "ko"):
		return "n/a²"
	case scen == "multi" && (comp == "host" || comp == "ko"):
		return "—⁴"
	case comp == "gf-mount":
		return "·"
	case scen == "dep" && comp == "naive":
		return "= edit³"
	}
	return "—"
}

func (b *bench) markdown(stats []stat, meta map[string]any, meanLoad float64) string {
	var w strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&w, format, a...) }
	p("# Gopherfile benchmark\n\n")
	cmd := "bash hack/bench.sh"
	if args, _ := meta["commandLine"].(string); args != "" {
		cmd += " " + args
	}
	p("Generated by `%s`, finished %s, took %s.\n\n", cmd, meta["finished"], meta["duration"])
	p("- Machine: %d cores, %s memory; %s; %s; ko %s.\n", cpus(meta), meta["memory"], b.tools["go"], b.tools["buildkitd"], b.tools["ko"])
	p("- Frontend image: `%s`; the CLI built from this tree.\n", b.frontendRef)
	p("- Every figure is the median of %d run(s), [min–max], in seconds of wall time of the whole command (client start to exit), image export to an OCI tar in /var/tmp included.\n", b.cfg.runs)
	p("- Competitors alternate their order every run. BuildKit competitors share the bench's own buildkitd; \"cold\" prunes it (`buildctl prune --all`, cache mounts included) and so re-pulls the base images from the local registry (127.0.0.1:5055, a loopback mirror: a real registry is slower); the host and ko get new GOCACHE/GOMODCACHE directories.\n")
	p("- Modules come from the public module proxy for everyone (`GOPROXY=%s`).\n", b.env.goproxy)
	if meanLoad > float64(runtime.NumCPU())*0.75 {
		p("- **Noise:** the mean 1-minute load average at the start of the builds was %.1f on %d cores: other work shared the machine, so absolute times are inflated and the spread is wide; compare within a row (same conditions, alternating order) rather than across runs.\n", meanLoad, runtime.NumCPU())
	} else {
		p("- Mean 1-minute load average at the start of the builds: %.1f.\n", meanLoad)
	}
	p("\nCompetitors:\n\n")
	p("| key | what runs |\n| --- | --- |\n")
	p("| host | `go build -trimpath` on the host, own GOCACHE/GOMODCACHE: the floor (no image, no container) |\n")
	p("| ko | `ko build --bare --push=false --sbom=none --oci-layout-path DIR` (ko %s), base `distroless/static-debian12:nonroot` from the local registry |\n", b.tools["ko"])
	p("| naive | Dockerfile: `FROM golang`, `COPY . .`, `go mod download`, `go build`; no cache mounts, one stage |\n")
	p("| bp | Dockerfile: go.mod/go.sum first, `go mod download` on a cache mount, `COPY . .`, `go build` with module and build cache mounts, `--platform=$BUILDPLATFORM` + TARGETOS/TARGETARCH, distroless static base |\n")
	p("| gf | Gopherfile `version: 1` + `builds: [{main: …}]` (tidy check on, the default), `buildctl --frontend gateway.v0 --opt source=<frontend image>` |\n")
	if b.comps["gfcli"] {
		p("| gfcli | the same Gopherfile with `gopherfile build` (frontend in-process) |\n")
	}
	if b.comps["gf-mount"] {
		layer := competitorByKey("gf-mount")
		p("| gf-mount | the same with %s: the module cache and the compiled packages stay on cache mounts, which a registry cache does not carry, so a fresh builder downloads and compiles everything again; plain gf uses the default `auto`, which keeps both in layers when the build imports a cache (registry-cache scenarios only) |\n", buildArgList(layer.BuildArgs))
	}
	if b.comps["gf-notidy"] {
		p("| gf-notidy | the Gopherfile with `tidy: \"off\"` |\n")
	}
	p("\nScenarios: **cold** empty caches; **noop** the same build again; **edit** a function appended to a main-package file; **dep** one new module required (go.mod, go.sum and a file importing it, precomputed on the host); **multi** cold, `linux/amd64,linux/arm64` (compare with cold); **cacheexport** the warm builder rebuilds the dep state with `--export-cache type=registry,mode=max` and `--import-cache` of the same ref (as a CI job does from its first run on; for gf that switches the caches to layers, so this build compiles the dependencies once more); **registry** then a .go file is edited and a second, fresh buildkitd builds with `--import-cache` of that ref (an ephemeral CI runner).\n\n")
	p("¹ The naive Dockerfile runs `go build` in a `golang` container of the target platform: arm64 needs QEMU emulation (and an arm64 golang image), which this machine does not have.  \n")
	p("² ko and the host have no BuildKit cache to export; on a fresh runner they are \"cold\".  \n")
	p("³ For the naive Dockerfile a dependency change is the same full rebuild as an edit (`COPY . .` comes before everything), so it is not run by default (`-full` runs it).  \n")
	p("⁴ The host and ko compile the second platform from scratch (about twice their cold time, nothing new): `-full` runs them.  \n")
	if b.comps["gf-mount"] {
		p("· gf-mount runs only in the registry-cache scenarios.  \n")
	}
	p("— not run (see -full / -competitors / -scenarios).\n\n")
	b.matrix(&w, stats)

	for _, sp := range b.prepared {
		cols := b.columns(stats, sp.Name)
		rows := b.scenarioRows(stats, sp.Name)
		if len(cols) == 0 {
			continue
		}
		p("## %s (%s)\n\n", sp.Name, sp.Class)
		p("`%s@%s`, main `%s`; %d requirements in go.mod, %d non-std packages linked. Edit: `%s`; dependency added: `%s`.\n\n",
			sp.Module, sp.Version, sp.Main, sp.Requires, sp.Packages, sp.MainFile, sp.DepAdded)
		if !sp.Extended && !b.cfg.full {
			p("Two platforms and the registry cache are measured on the small subject only by default (`-full` or `-scenarios multi,registry` adds them here).\n\n")
		}
		if missing := b.leftOut(stats, sp); len(missing) > 0 {
			p("Not run here by default: %s (they run on the small subject; `-full` or `-competitors` adds them here).\n\n", strings.Join(missing, ", "))
		}
		header := func(title string) {
			p("| %s |", title)
			for _, c := range cols {
				p(" %s |", c.Key)
			}
			p("\n| --- |")
			for range cols {
				p(" ---: |")
			}
			p("\n")
		}
		p("### Seconds: median [min–max]\n\n")
		header("scenario")
		for _, sc := range rows {
			p("| %s |", sc.Label)
			for _, c := range cols {
				st := findStat(stats, sp.Name, sc.Key, c.Key)
				switch {
				case st == nil:
					p(" %s |", notRun(sc.Key, c.Key))
				case st.N == 0:
					p(" FAIL (%d/%d) |", st.Failed, st.Failed)
				default:
					cell := fmt.Sprintf("**%s** [%s–%s]", secs(st.Median), secs(st.Min), secs(st.Max))
					if st.Failed > 0 {
						cell += fmt.Sprintf(" (%d failed)", st.Failed)
					}
					p(" %s |", cell)
				}
			}
			p("\n")
		}
		ratio := func(title, base string) {
			p("\n### %s\n\n", title)
			header("scenario")
			for _, sc := range rows {
				p("| %s |", sc.Label)
				bs := findStat(stats, sp.Name, sc.Key, base)
				if bs == nil || bs.N == 0 {
					// Host and bp have no registry figure: compare with their cold build.
					if sc.Key == "registry" && base == "host" {
						bs = findStat(stats, sp.Name, "cold", base)
					}
				}
				for _, c := range cols {
					st := findStat(stats, sp.Name, sc.Key, c.Key)
					if st == nil || st.N == 0 || bs == nil || bs.N == 0 || bs.Median == 0 {
						p(" |")
						continue
					}
					p(" ×%.2f |", st.Median/bs.Median)
				}
				p("\n")
			}
		}
		ratio("Ratio to the best-practice Dockerfile (bp = 1)", "bp")
		ratio("Ratio to host go build (the floor; for registry: to a cold host build)", "host")

		p("\n### Image size (compressed layers, linux/amd64; host: binary)\n\n")
		p("| |")
		for _, c := range cols {
			p(" %s |", c.Key)
		}
		p("\n| --- |")
		for range cols {
			p(" ---: |")
		}
		p("\n| cold build |")
		for _, c := range cols {
			st := findStat(stats, sp.Name, "cold", c.Key)
			if st == nil {
				st = findStat(stats, sp.Name, "registry", c.Key)
			}
			if st == nil {
				p(" — |")
			} else {
				p(" %s |", mb(st.ImageBytes))
			}
		}
		p("\n")

		// Where the time goes.
		for _, sc := range []string{"cold", "edit", "dep", "registry"} {
			var pc []competitor
			for _, c := range cols {
				if st := findStat(stats, sp.Name, sc, c.Key); st != nil && st.Phases != nil {
					pc = append(pc, c)
				}
			}
			if len(pc) == 0 {
				continue
			}
			p("\n### Where the time goes: %s (median seconds per phase, from `--progress rawjson` vertex times)\n\n", sc)
			p("| phase |")
			for _, c := range pc {
				p(" %s |", c.Key)
			}
			p("\n| --- |")
			for range pc {
				p(" ---: |")
			}
			p("\n")
			for _, ph := range append([]string{"total"}, phaseOrder...) {
				any := false
				for _, c := range pc {
					if findStat(stats, sp.Name, sc, c.Key).Phases[ph] >= 0.05 {
						any = true
					}
				}
				if !any {
					continue
				}
				label := phaseLabels[ph]
				if ph == "total" {
					label = "**total (wall)**"
				}
				p("| %s |", label)
				for _, c := range pc {
					p(" %s |", secs(findStat(stats, sp.Name, sc, c.Key).Phases[ph]))
				}
				p("\n")
			}
		}
		// Failures.
		var fails []string
		for _, st := range stats {
			if st.Subject == sp.Name && st.Failed > 0 {
				fails = append(fails, fmt.Sprintf("- %s / %s: %d of %d failed: `%s`", st.Scenario, st.Competitor, st.Failed, st.Failed+st.N, strings.ReplaceAll(tail(st.Error, 400), "`", "'")))
			}
		}
		if len(fails) > 0 {
			p("\n### Failures\n\n%s\n", strings.Join(fails, "\n"))
		}
		p("\n")
	}
	p("Phases: %s. Phases overlap (BuildKit runs vertices in parallel), so they need not add up to the total; \"no vertex running\" is wall time when no vertex ran (client start, context scan, frontend start, solve scheduling, writing the tar).\n", phaseList())
	return w.String()
}

// buildArgList renders build args as `--build-arg K=V` and `--build-arg ...`.
func buildArgList(args []string) string {
	var s []string
	for _, a := range args {
		s = append(s, "`--build-arg "+a+"`")
	}
	return strings.Join(s, " and ")
}

// leftOut lists the default sequence competitors that a subject with its own
// competitor list did not run (and that ran on another subject).
func (b *bench) leftOut(stats []stat, sp *prepared) []string {
	if len(sp.Competitors) == 0 {
		return nil
	}
	var out []string
	for _, c := range competitors {
		if (!c.Default && !c.Full) || c.Key == "gf-mount" || contains(sp.Competitors, c.Key) {
			continue
		}
		here, elsewhere := false, false
		for _, st := range stats {
			if st.Competitor == c.Key {
				if st.Subject == sp.Name {
					here = true
				} else {
					elsewhere = true
				}
			}
		}
		if !here && elsewhere {
			out = append(out, c.Key)
		}
	}
	return out
}

// matrix writes which scenarios and competitors ran on which subject (the
// default set runs everything on the small subject only, to stay under 30
// minutes on 2 cores).
func (b *bench) matrix(w *strings.Builder, stats []stat) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("What ran where (figures per cell: median of %d run(s)):\n\n", b.cfg.runs)
	p("| subject | scenarios | competitors |\n| --- | --- | --- |\n")
	for _, sp := range b.prepared {
		var scens, comps []string
		for _, sc := range b.scenarioRows(stats, sp.Name) {
			scens = append(scens, sc.Key)
		}
		for _, c := range b.columns(stats, sp.Name) {
			comps = append(comps, c.Key)
		}
		if len(scens) == 0 {
			continue
		}
		p("| %s (%s) | %s | %s |\n", sp.Name, sp.Class, strings.Join(scens, ", "), strings.Join(comps, ", "))
	}
	if !b.cfg.full {
		p("\nThe default matrix (no -full, -subjects, -competitors or -scenarios) keeps the run under 30 minutes on 2 cores, every figure still a median of 3 runs: the small subject runs every scenario, the sequence (cold, no-op, edit, dep) with host, ko, naive, bp and gf, two platforms with bp and gf, the registry cache with bp and gf; the mid and large subjects run the sequence with host, bp and gf only. Left out by default because they would add minutes and tell nothing new: gf-mount (the caches forced to cache mounts on the fresh builder: a full download and compile, about 40 s on the small subject), the gopherfile CLI (the same solve as gf on the same buildkitd, minus the frontend container start: within 2%% of gf cold and 0.2 s incremental when last measured), the host and ko on two platforms (they compile the second platform from scratch, about twice their cold time), and on the bigger subjects the naive Dockerfile (an edit is a full rebuild, as on the small subject) and ko (the host build plus a layer). `-full` runs every cell.\n")
	}
	p("\n")
}

func phaseList() string {
	var s []string
	for _, ph := range phaseOrder {
		s = append(s, "*"+phaseLabels[ph]+"*")
	}
	return strings.Join(s, ", ")
}
