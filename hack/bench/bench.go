package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// koVersion is the ko the bench builds from the module proxy (Go 1.26 builds it).
const koVersion = "v0.19.1"

// record is one measured build.
type record struct {
	Subject    string  `json:"subject"`
	Scenario   string  `json:"scenario"`
	Competitor string  `json:"competitor"`
	Round      int     `json:"round"`
	Seconds    float64 `json:"seconds"`
	OK         bool    `json:"ok"`
	Error      string  `json:"error,omitempty"`
	ImageBytes int64   `json:"imageBytes,omitempty"`
	// PulledBytes is what the build downloaded: image layers (BuildKit's
	// layer download statuses) and, for gf, the Go toolchain zip; Pulled
	// names what.
	PulledBytes int64              `json:"pulledBytes,omitempty"`
	Pulled      []string           `json:"pulled,omitempty"`
	PlatBytes   map[string]int64   `json:"platformBytes,omitempty"`
	Load1       float64            `json:"load1"`
	Phases      map[string]float64 `json:"phases,omitempty"`
	Log         string             `json:"log"`
	At          time.Time          `json:"at"`
}

type bench struct {
	cfg     *config
	env     *env
	bk      *daemon
	ko, cli string
	// hostGo is the go command of the host and ko builds: the machine's, or
	// the toolchain of -go fetched once from the module proxy (hostgo.go).
	hostGo        string
	frontendRef   string
	fetchModCache string
	// other is the project the coldproject scenario builds first.
	other    *prepared
	logDir   string
	n        int
	subjects []subject
	prepared []*prepared
	comps    map[string]bool
	scens    map[string]bool
	records  []record
	started  time.Time
	tools    map[string]string
	// coldPrep is the time spent emptying caches before cold builds (prunes),
	// outside the measured figures.
	coldPrep time.Duration
	// extras are the results of the extra scenarios (extras.go).
	extras extras
}

func newBench(cfg *config, e *env) (*bench, error) {
	b := &bench{cfg: cfg, env: e, comps: map[string]bool{}, scens: map[string]bool{}, started: time.Now(), tools: map[string]string{}}
	var err error
	names := cfg.subjects
	if len(names) == 0 && onlyExtras(cfg.scenarios) {
		// The extra scenarios need the small subject only.
		names = []string{"small"}
	}
	if b.subjects, err = selectSubjects(names); err != nil {
		return nil, err
	}
	if len(cfg.competitors) == 0 {
		for _, c := range competitors {
			b.comps[c.Key] = c.Default || (cfg.full && c.Full)
		}
	}
	for _, k := range cfg.competitors {
		if !contains(competitorKeys(), k) {
			return nil, fmt.Errorf("unknown competitor %q (have %s)", k, strings.Join(competitorKeys(), ", "))
		}
		b.comps[k] = true
	}
	if len(cfg.scenarios) == 0 {
		for _, s := range scenarioKeys() {
			b.scens[s] = true
		}
	}
	for _, k := range cfg.scenarios {
		if known := append(scenarioKeys(), extraScenarioKeys()...); !contains(known, k) {
			return nil, fmt.Errorf("unknown scenario %q (have %s)", k, strings.Join(known, ", "))
		}
		b.scens[k] = true
	}
	b.fetchModCache = filepath.Join(cfg.work, "fetch-modcache")
	b.logDir = filepath.Join(cfg.work, "logs", b.started.Format("20060102-150405"))
	if err := os.MkdirAll(b.logDir, 0o755); err != nil {
		return nil, err
	}
	return b, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (b *bench) seq() int { b.n++; return b.n }

func (b *bench) logf(format string, args ...any) {
	log.Printf("%6s  %s", time.Since(b.started).Round(time.Second), fmt.Sprintf(format, args...))
}

// run is the whole bench.
func (b *bench) run(ctx context.Context) error {
	if err := b.preflight(ctx); err != nil {
		return err
	}
	for _, s := range b.subjects {
		p, err := b.prepare(ctx, s)
		if err != nil {
			return err
		}
		b.prepared = append(b.prepared, p)
	}
	if b.scens["coldproject"] {
		s, err := selectSubjects([]string{b.cfg.other})
		if err != nil {
			return fmt.Errorf("-other: %w", err)
		}
		if b.other, err = b.prepare(ctx, s[0]); err != nil {
			return err
		}
	}
	var err error
	b.logf("starting the bench buildkitd")
	if b.bk, err = startBuildkitd(ctx, b.env.state, filepath.Join(b.cfg.work, "bk-main")); err != nil {
		return err
	}
	b.logf("bench buildkitd on %s; %d subject(s), %d run(s); logs in %s", b.bk.addr, len(b.prepared), b.cfg.runs, b.logDir)
	for _, p := range b.prepared {
		if !b.anyBuildScenario() {
			break
		}
		start, prep, measured := time.Now(), b.coldPrep, b.measuredSeconds()
		if err := b.runSubject(ctx, p); err != nil {
			b.writeResults()
			return err
		}
		b.logf("%s took %s: %.0fs measured, %.0fs emptying caches, the rest starting/stopping builders and copying sources", p.Name,
			time.Since(start).Round(time.Second), b.measuredSeconds()-measured, (b.coldPrep - prep).Seconds())
		if err := b.writeResults(); err != nil {
			return err
		}
	}
	if err := b.runExtras(ctx); err != nil {
		b.writeResults()
		return err
	}
	b.logf("done in %s; results in %s", time.Since(b.started).Round(time.Second), b.cfg.out)
	return nil
}

func (b *bench) measuredSeconds() float64 {
	sum := 0.0
	for _, r := range b.records {
		sum += r.Seconds
	}
	return sum
}

func (b *bench) close() {
	if b.bk != nil {
		b.bk.stop(b.cfg.keep)
	}
	removeTree(filepath.Join(b.cfg.work, "bk-fresh"))
}

// preflight checks the environment and builds the CLI and ko.
func (b *bench) preflight(ctx context.Context) error {
	for _, t := range []string{"buildctl", "buildkitd", "runc", "go"} {
		if _, err := exec.LookPath(t); err != nil {
			return fmt.Errorf("%s not found: run bash hack/bench.sh (it runs hack/up.sh first)", t)
		}
	}
	if _, err := os.Stat(filepath.Join(b.env.state, "buildkitd.toml")); err != nil {
		return fmt.Errorf("no test environment (%w): run bash hack/bench.sh", err)
	}
	resp, err := http.Get("http://" + b.env.registry + "/v2/")
	if err != nil {
		return fmt.Errorf("the test registry %s does not answer (%w): run bash hack/bench.sh", b.env.registry, err)
	}
	resp.Body.Close()
	if b.frontendRef, err = b.resolveFrontend(); err != nil {
		return err
	}
	b.logf("frontend image %s", b.frontendRef)
	b.tools["frontend"] = b.frontendRef

	b.cli = filepath.Join(b.cfg.work, "bin", "gopherfile")
	b.logf("building the gopherfile CLI from %s", b.env.repo)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", b.cli, "./cmd/gopherfile")
	cmd.Dir = b.env.repo
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the gopherfile CLI: %w\n%s", err, out)
	}
	if err := b.ensureHostGo(ctx); err != nil {
		return err
	}
	// ko builds only in the build scenarios, not in the extra ones.
	if b.comps["ko"] && b.anyBuildScenario() {
		if err := b.ensureKo(ctx); err != nil {
			return err
		}
	}
	for name, args := range map[string][]string{"buildkitd": {"buildkitd", "--version"}, "go": {b.hostGo, "version"}} {
		if out, err := exec.Command(args[0], args[1:]...).Output(); err == nil {
			b.tools[name] = strings.TrimSpace(string(out))
		}
	}
	return nil
}

// resolveFrontend pins the frontend image by digest, so that a re-push of the
// :dev tag during the run does not change what is measured.
func (b *bench) resolveFrontend() (string, error) {
	ref := b.env.frontend
	slash := strings.Index(ref, "/")
	host, rest := ref[:slash], ref[slash+1:]
	repo, tag, _ := strings.Cut(rest, ":")
	if tag == "" {
		tag = "latest"
	}
	req, _ := http.NewRequest(http.MethodHead, "http://"+b.env.registry+"/v2/"+repo+"/manifests/"+tag, nil)
	req.Header.Set("Accept", "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	dg := resp.Header.Get("Docker-Content-Digest")
	if resp.StatusCode != http.StatusOK || dg == "" {
		return "", fmt.Errorf("the frontend image %s is not in the registry (HTTP %d): run bash hack/bench.sh (it runs hack/frontend-image.sh)", ref, resp.StatusCode)
	}
	return host + "/" + repo + "@" + dg, nil
}

// ensureKo builds ko from the module proxy into GF_BIN, once.
func (b *bench) ensureKo(ctx context.Context) error {
	b.ko = filepath.Join(b.env.bin, "ko")
	if out, err := exec.Command("go", "version", "-m", b.ko).Output(); err == nil && strings.Contains(string(out), "github.com/google/ko\t"+koVersion) {
		b.tools["ko"] = koVersion
		return nil
	}
	b.logf("building ko %s from the module proxy into %s", koVersion, b.env.bin)
	cmd := exec.CommandContext(ctx, "go", "install", "github.com/google/ko@"+koVersion)
	cmd.Env = b.goEnv("GOBIN=" + b.env.bin)
	cmd.Dir = os.TempDir()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go install github.com/google/ko@%s: %w\n%s", koVersion, err, out)
	}
	b.tools["ko"] = koVersion
	return nil
}

// order alternates the competitors' order per round.
func order(keys []string, round int) []string {
	out := append([]string(nil), keys...)
	if round%2 == 1 {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out
}

// selected returns the keys of the competitors that run on p, in order: the
// selected ones (-competitors, or the default ones), and by default only the
// subject's own list if it has one.
func (b *bench) selected(p *prepared, keys ...string) []string {
	var out []string
	for _, k := range keys {
		if b.comps[k] && b.runsOn(p, k) {
			out = append(out, k)
		}
	}
	return out
}

// runsOn: a subject with a competitor list runs only those by default; -full
// or an explicit -competitors runs every selected competitor on it.
func (b *bench) runsOn(p *prepared, key string) bool {
	return len(p.Competitors) == 0 || b.cfg.full || len(b.cfg.competitors) > 0 || contains(p.Competitors, key)
}

// Which competitors run which scenarios. The sequence scenarios (cold, noop,
// edit, dep) run for all; two platforms and the fresh builder run for fewer
// by default, to keep the default run under 30 minutes (-full adds the rest).
func (b *bench) sequenceCompetitors(p *prepared) []string {
	return b.selected(p, "host", "ko", "naive", "bp", "gf", "gfcli", "gf-notidy")
}

// extended says whether the two-platform and registry scenarios run for p.
func (b *bench) extended(p *prepared, scen string) bool {
	if !b.scens[scen] {
		return false
	}
	return p.Extended || b.cfg.full || contains(b.cfg.scenarios, scen)
}

// skipNaiveDep: for the naive Dockerfile a dependency change is the same
// full rebuild as an edit (COPY . . comes first), so by default it is left out.
func (b *bench) skipNaiveDep(c competitor) bool {
	return c.Key == "naive" && !b.cfg.full && !contains(b.cfg.scenarios, "dep")
}

// multiCompetitors: by default the two Dockerfile-free contenders are left
// out of the two-platform scenario: the host builds the second platform from
// scratch (about twice its cold time, nothing new), ko the same plus layers.
func (b *bench) multiCompetitors(p *prepared) []string {
	if b.cfg.full {
		return b.selected(p, "host", "ko", "bp", "gf", "gfcli")
	}
	return b.selected(p, "bp", "gf")
}

// registryCompetitors: the CLI would build what gf builds (same solve, same
// cache), so it is left out of the fresh-builder scenario.
func (b *bench) registryCompetitors(p *prepared) []string {
	if b.cfg.full {
		return b.selected(p, "naive", "bp", "gf", "gf-mount", "gf-notidy")
	}
	return b.selected(p, "bp", "gf", "gf-mount", "gf-notidy")
}

func (b *bench) runSubject(ctx context.Context, p *prepared) error {
	seqComps := b.sequenceCompetitors(p)
	regComps := b.registryCompetitors(p)
	b.logf("== %s %s@%s (%s), main %s, edit %s, adds %s@%s; competitors %s", p.Name, p.Module, p.Version, p.Class, p.Main, p.MainFile, p.dep.Module, p.dep.Version, strings.Join(seqComps, ","))
	for round := 0; round < b.cfg.runs; round++ {
		for _, k := range order(seqComps, round) {
			if err := b.sequence(ctx, p, competitorByKey(k), round, regComps); err != nil {
				return err
			}
		}
		if err := b.coldProject(ctx, p, round); err != nil {
			return err
		}
		if b.extended(p, "multi") {
			for _, k := range order(b.multiCompetitors(p), round) {
				c := competitorByKey(k)
				if err := p.resetSrc(); err != nil {
					return err
				}
				if err := b.makeCold(ctx, p, c); err != nil {
					return err
				}
				b.measure(ctx, "multi", round, buildReq{p: p, c: c, addr: b.addr(c), platforms: []string{"linux/amd64", "linux/arm64"}, name: "multi"})
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) addr(c competitor) string {
	if c.buildkit {
		return b.bk.addr
	}
	return ""
}

func nonce(c competitor, round int, tag string) string {
	return fmt.Sprintf("%s%d%s%d", strings.ReplaceAll(c.Key, "-", ""), round, tag, time.Now().UnixNano()%1_000_000_000)
}

// sequence is one competitor's run through cold, no-op, edit and dep (and,
// for the registry competitors, the cache export and the fresh builder).
func (b *bench) sequence(ctx context.Context, p *prepared, c competitor, round int, regComps []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := p.resetSrc(); err != nil {
		return err
	}
	if err := b.makeCold(ctx, p, c); err != nil {
		return err
	}
	req := buildReq{p: p, c: c, addr: b.addr(c)}
	if b.scens["cold"] {
		req.name = "cold"
		b.measure(ctx, "cold", round, req)
	} else {
		req.name = "warmup"
		b.build(ctx, req)
	}
	if b.scens["noop"] {
		req.name = "noop"
		b.measure(ctx, "noop", round, req)
	}
	if b.scens["edit"] {
		if err := p.edit(nonce(c, round, "e")); err != nil {
			return err
		}
		req.name = "edit"
		b.measure(ctx, "edit", round, req)
	}
	if b.scens["dep"] {
		if err := p.addDep(); err != nil {
			return err
		}
		if !b.skipNaiveDep(c) {
			req.name = "dep"
			b.measure(ctx, "dep", round, req)
		}
	}
	if !b.extended(p, "registry") {
		return nil
	}
	var regs []competitor
	if contains(regComps, c.Key) {
		regs = append(regs, c)
	}
	if c.Key == "gf" && contains(regComps, "gf-mount") {
		regs = append(regs, competitorByKey("gf-mount"))
	}
	for _, rc := range regs {
		// Export the cache of the current state from the warm bench builder,
		// edit a .go file, and build on a fresh builder that imports it.
		ref := fmt.Sprintf("%s/bench-cache/%s-%s:r%d-%s", b.env.registry, p.Name, rc.Key, round, nonce(rc, round, "c"))
		// A CI job imports and exports the same ref from its first run on.
		b.measure(ctx, "cacheexport", round, buildReq{p: p, c: rc, addr: b.bk.addr, cacheTo: ref, cacheFrom: ref, name: "cacheexport"})
		if err := p.edit(nonce(rc, round, "r")); err != nil {
			return err
		}
		fresh, err := startBuildkitd(ctx, b.env.state, filepath.Join(b.cfg.work, "bk-fresh"))
		if err != nil {
			return err
		}
		b.measure(ctx, "registry", round, buildReq{p: p, c: rc, addr: fresh.addr, cacheFrom: ref, name: "registry"})
		fresh.stop(false)
	}
	return nil
}

func (b *bench) measure(ctx context.Context, scen string, round int, r buildReq) {
	if ctx.Err() != nil {
		return
	}
	load := loadavg()
	res := b.build(ctx, r)
	rec := record{Subject: r.p.Name, Scenario: scen, Competitor: r.c.Key, Round: round, Seconds: res.seconds, OK: res.err == nil,
		ImageBytes: res.imageBytes, PlatBytes: res.platBytes, Load1: load, Phases: res.phases, Log: res.log, At: time.Now()}
	if r.c.buildkit {
		rec.PulledBytes, rec.Pulled = pulledFromLog(res.log)
	}
	if rec.Phases != nil {
		if v := res.seconds - rec.Phases["vertices"]; v > 0 {
			rec.Phases["overhead"] = v
		}
	}
	status := "ok"
	if res.err != nil {
		rec.Error = res.err.Error()
		status = "FAILED: " + rec.Error
	}
	if ctx.Err() != nil {
		return
	}
	b.records = append(b.records, rec)
	b.logf("%-16s r%d %-12s %-10s %7.1fs  load %.1f  %s", r.p.Name, round+1, scen, r.c.Key, res.seconds, load, status)
}

func loadavg() float64 {
	dt, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(dt))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
