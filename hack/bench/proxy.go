package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// proxyFailFirst is how many requests of every path the flaky proxy answers
// with 503 before it serves the path.
const proxyFailFirst = 2

// proxyScenario is the flaky-proxy scenario: gf builds the small subject with
// an empty builder (so go mod download really downloads) from a local module
// proxy, healthy and flaky in alternating order.
type proxyScenario struct {
	Subject   string `json:"subject"`
	Module    string `json:"module"`
	Version   string `json:"version"`
	FailFirst int    `json:"failFirst"`
	// Modules is the number of module zips the local proxy holds.
	Modules   int        `json:"modules"`
	BuildArgs []string   `json:"buildArgs"`
	Runs      []extraRun `json:"runs"`
}

// runProxy runs the flaky-proxy scenario.
func (b *bench) runProxy(ctx context.Context) error {
	p, err := b.smallSubject(ctx)
	if err != nil {
		return err
	}
	cache := filepath.Join(b.cfg.work, "proxy-modcache")
	if err := b.fillProxyCache(ctx, p, cache); err != nil {
		return err
	}
	dir := filepath.Join(cache, "cache", "download")
	px, err := startFaultProxy(dir)
	if err != nil {
		return err
	}
	defer px.close()
	c := competitorByKey("gf")
	// sum.golang.org is not the point here (and need not be reachable from the
	// steps): go.sum has every hash, the checksum database is off.
	c.BuildArgs = append(append([]string(nil), c.BuildArgs...), "GOSUMDB=off")
	sc := &proxyScenario{Subject: p.Name, Module: p.Module, Version: p.Version, FailFirst: proxyFailFirst,
		Modules: countZips(dir), BuildArgs: append([]string{"GOPROXY=" + px.URL()}, c.BuildArgs...)}
	b.extras.Proxy = sc
	b.logf("== proxy: gf cold-download builds of %s from %s (%d modules), healthy and with the first %d requests of every path answered 503; %d run(s)",
		p.Name, px.URL(), sc.Modules, proxyFailFirst, b.cfg.runs)
	if err := p.resetSrc(); err != nil {
		return err
	}
	for round := 0; round < b.cfg.runs; round++ {
		for _, variant := range order([]string{"healthy", "flaky"}, round) {
			if err := ctx.Err(); err != nil {
				return err
			}
			// An empty builder: the module cache mount is gone, so the
			// download step fetches every module.
			if err := b.makeCold(ctx, p, c); err != nil {
				return err
			}
			n := 0
			if variant == "flaky" {
				n = proxyFailFirst
			}
			px.reset(n)
			load := loadavg()
			res := b.build(ctx, buildReq{p: p, c: c, addr: b.bk.addr, name: "proxy-" + variant, goproxy: px.URL()})
			run := extraRun{Variant: variant, Round: round, OK: res.err == nil, Seconds: res.seconds, Log: res.log, Load1: load}
			run.ProxyRequests, run.ProxyFaults = px.counts()
			if res.err != nil {
				run.Error = res.err.Error()
			}
			run.Step, run.Tidy = res.phases["download"], res.phases["tidy"]
			if lines, err := stepLogLines(res.log); err == nil {
				run.Retried, run.ByReason = retriedTotal(lines)
			}
			sc.Runs = append(sc.Runs, run)
			status := "ok"
			if !run.OK {
				status = "FAILED: " + run.Error
			}
			b.logf("proxy r%d %-8s %6.1fs  download %.1fs  retried %d (%s); proxy: %d requests, %d injected 503s  %s",
				round+1, variant, run.Seconds, run.Step, run.Retried, reasonList(run.ByReason), run.ProxyRequests, run.ProxyFaults, status)
		}
	}
	return nil
}

// fillProxyCache downloads what the subject's build needs into a module
// cache on the host, once: go mod download (the build list) and go mod tidy
// -diff (which also loads the test dependencies of the dependencies, as the
// tidy check step does).
func (b *bench) fillProxyCache(ctx context.Context, p *prepared, cache string) error {
	stamp := filepath.Join(cache, "gfbench-filled")
	want := p.Module + "@" + p.Version
	if got, _ := os.ReadFile(stamp); string(got) == want {
		return nil
	}
	b.logf("proxy: filling %s with the modules of %s from %s", cache, want, b.env.goproxy)
	env := b.goEnv("GOMODCACHE=" + cache)
	if _, err := b.goCmd(ctx, p.pristine, env, "mod", "download"); err != nil {
		return fmt.Errorf("filling the local module proxy: %w", err)
	}
	// tidy -diff exits 1 when go.mod or go.sum would change; only a failure
	// to load the modules is an error here.
	if out, err := b.goCmd(ctx, p.pristine, env, "mod", "tidy", "-diff"); err != nil && !strings.HasPrefix(string(out), "diff ") {
		return fmt.Errorf("filling the local module proxy: %w", err)
	}
	if err := os.WriteFile(stamp, []byte(want), 0o644); err != nil {
		return fmt.Errorf("filling the local module proxy: %w", err)
	}
	return nil
}

// countZips counts the module zips under a cache/download directory.
func countZips(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(d.Name(), ".zip") {
			n++
		}
		return nil
	})
	return n
}

// section writes the flaky-proxy section of results.md.
func (s *proxyScenario) section(w *strings.Builder) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	healthy := func(fig func(extraRun) float64) summary { return summarize(s.Runs, "healthy", fig) }
	flaky := func(fig func(extraRun) float64) summary { return summarize(s.Runs, "flaky", fig) }
	total := func(r extraRun) float64 { return r.Seconds }
	download := func(r extraRun) float64 { return r.Step }
	tidy := func(r extraRun) float64 { return r.Tidy }
	p("## Flaky module proxy (proxy)\n\n")
	p("gf builds `%s@%s` on an empty builder (`buildctl prune --all` before each build, so `go mod download` fetches every module) from a module proxy on 127.0.0.1 "+
		"that serves %d module zips from a module cache filled on the host. **healthy**: every request is answered; **flaky**: the first %d requests of every URL path are answered 503, then the path is served. "+
		"The step helper's proxy in front of the GOPROXY entry retries them (the first two retries at once, then 0.2 s doubling, with jitter). Build args: %s (the checksum database is off for this scenario only: go.sum has every hash, and sum.golang.org need not be reachable from the steps). "+
		"Seconds: median [min–max] of %d run(s) per variant, alternating order.\n\n",
		s.Module, s.Version, s.Modules, s.FailFirst, buildArgList(s.BuildArgs), rounds(s.Runs))
	p("| | healthy | flaky | flaky − healthy |\n| --- | ---: | ---: | ---: |\n")
	for _, row := range []struct {
		label string
		fig   func(extraRun) float64
	}{{"whole build (wall)", total}, {"`go mod download` step", download}, {"`go mod tidy -diff` step", tidy}} {
		h, f := healthy(row.fig), flaky(row.fig)
		p("| %s | %s | %s | %s |\n", row.label, h.cell(), f.cell(), diffCell(h, f))
	}
	p("| requests retried (step logs) | %s | %s | |\n", s.retriedCell("healthy"), s.retriedCell("flaky"))
	p("| requests to the local proxy / 503s injected | %s | %s | |\n", s.proxyCell("healthy"), s.proxyCell("flaky"))
	p("\nTarget (issue 13): the flaky proxy costs at most 2 s more than the healthy one. Whole build: %s; download step: %s.\n",
		verdict(healthy(total), flaky(total), 2), verdict(healthy(download), flaky(download), 2))
	extraFailures(w, s.Runs)
	p("\n")
}

// retriedCell is the median retried count of a variant's good runs and the
// reasons of its first good run: "72 (503 x72)".
func (s *proxyScenario) retriedCell(variant string) string {
	sm := summarize(s.Runs, variant, func(r extraRun) float64 { return float64(r.Retried) })
	if sm.N == 0 {
		return "—"
	}
	for _, r := range s.Runs {
		if r.Variant == variant && r.OK && len(r.ByReason) > 0 {
			return fmt.Sprintf("%.0f (%s)", sm.Median, reasonList(r.ByReason))
		}
	}
	return fmt.Sprintf("%.0f", sm.Median)
}

// proxyCell is the median requests / injected faults of a variant's good runs.
func (s *proxyScenario) proxyCell(variant string) string {
	req := summarize(s.Runs, variant, func(r extraRun) float64 { return float64(r.ProxyRequests) })
	flt := summarize(s.Runs, variant, func(r extraRun) float64 { return float64(r.ProxyFaults) })
	if req.N == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f / %.0f", req.Median, flt.Median)
}
