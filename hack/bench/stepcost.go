package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// stepCostMinRuns is the least number of measured builds per variant of the
// step-cost scenario (each is a few seconds).
const stepCostMinRuns = 7

// stepCostGoBuild is the go build of gf's build step for the hello module
// (llb compileOne: go build -trimpath -o /out/NAME -ldflags=-s -w MAIN, with
// GOFLAGS=-mod=readonly -buildvcs=false and CGO_ENABLED=0), which the
// Dockerfile variant runs in a plain RUN.
const stepCostGoBuild = `CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" go build -trimpath -o /out/hello "-ldflags=-s -w" .`

// stepCostScenario is the step-helper-cost scenario: the same go build of a
// tiny module, with a warm build cache, as gf's build step (the step helper
// runs go) and as a Dockerfile RUN (BuildKit runs go), on the same builder.
type stepCostScenario struct {
	Command string `json:"command"`
	// Gopherfile is gf's build file ("" in results of before it was
	// recorded: the default tidy check was on).
	Gopherfile string     `json:"gopherfile,omitempty"`
	Runs       []extraRun `json:"runs"`
}

// stepCostGopherfile is gf's build file for the hello module. The tidy
// check is off: it runs in parallel with the build step and, on a small
// machine, would slow it down by sharing the CPU, which is not the step
// helper's cost.
const stepCostGopherfile = "version: 1\ntidy: \"off\"\nbuilds:\n  - main: .\n"

// helloModule is the tiny module of the scenario: no dependencies, one file.
var helloModule = map[string]string{
	"go.mod":  "module example.com/hello\n\ngo 1.26\n",
	"main.go": "// Command hello is the tiny program of the bench's step-cost scenario.\npackage main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n",
}

// prepareHello writes the hello module and its two build files.
func (b *bench) prepareHello() (*prepared, error) {
	p := &prepared{subject: subject{Name: "hello", Class: "tiny", Module: "example.com/hello", Version: "(local)", Main: "."},
		dir: filepath.Join(b.cfg.work, "subjects", "stepcost-hello"), MainFile: "main.go"}
	p.pristine = filepath.Join(p.dir, "pristine")
	p.src = filepath.Join(p.dir, "src")
	p.files = filepath.Join(p.dir, "files")
	p.out = filepath.Join(p.dir, "out")
	if err := removeTree(p.dir); err != nil {
		return nil, err
	}
	for _, d := range []string{p.pristine, p.files, p.out} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("step cost: %w", err)
		}
	}
	// The Dockerfile does what gf's build step does around go build: the
	// module at /src, GOCACHE on a cache mount, no network.
	dockerfile := fmt.Sprintf(`FROM golang:%s AS build
WORKDIR /src
COPY . .
RUN --network=none --mount=type=cache,id=gfbench-stepcost-gocache,target=/root/.cache/go-build \
    %s

FROM scratch
COPY --from=build /out/hello /hello
`, b.cfg.goVersion, stepCostGoBuild)
	files := map[string]string{
		filepath.Join(p.files, "Gopherfile.stepcost"): stepCostGopherfile,
		filepath.Join(p.files, "Dockerfile.stepcost"): dockerfile,
	}
	for name, text := range helloModule {
		files[filepath.Join(p.pristine, name)] = text
	}
	for name, text := range files {
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			return nil, fmt.Errorf("step cost: %w", err)
		}
	}
	return p, p.resetSrc()
}

// runStepCost runs the step-cost scenario: one warm-up build per variant,
// then per round a function appended to main.go (so that the go build step
// runs again, compiles one small package and links, every other package from
// the warm build cache) and one build of each variant, in alternating order.
func (b *bench) runStepCost(ctx context.Context) error {
	p, err := b.prepareHello()
	if err != nil {
		return err
	}
	sc := &stepCostScenario{Command: stepCostGoBuild, Gopherfile: stepCostGopherfile}
	b.extras.StepCost = sc
	n := max(stepCostMinRuns, b.cfg.runs)
	b.logf("== stepcost: gf's go build step vs. a Dockerfile RUN of the same go build, hello module, warm caches; %d run(s)", n)
	reqs := map[string]buildReq{
		"gf":         {p: p, c: competitorByKey("gf"), addr: b.bk.addr, filename: "Gopherfile.stepcost"},
		"dockerfile": {p: p, c: competitorByKey("bp"), addr: b.bk.addr, filename: "Dockerfile.stepcost"},
	}
	variants := []string{"gf", "dockerfile"}
	for _, v := range variants {
		r := reqs[v]
		r.name = "stepcost-warmup-" + v
		if res := b.build(ctx, r); res.err != nil {
			return fmt.Errorf("step cost: warm-up build (%s): %w", v, res.err)
		}
	}
	for round := 0; round < n; round++ {
		for _, v := range order(variants, round) {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := p.edit(nonce(reqs[v].c, round, "s")); err != nil {
				return fmt.Errorf("step cost: %w", err)
			}
			r := reqs[v]
			r.name = "stepcost-" + v
			load := loadavg()
			res := b.build(ctx, r)
			run := extraRun{Variant: v, Round: round, OK: res.err == nil, Seconds: res.seconds, Step: res.phases["compile"], Log: res.log, Load1: load}
			if res.err != nil {
				run.Error = res.err.Error()
			} else if run.Step == 0 {
				run.OK, run.Error = false, "no go build step ran (cached?)"
			}
			sc.Runs = append(sc.Runs, run)
			b.logf("stepcost r%d %-10s %5.2fs  go build step %.2fs  %s", round+1, v, run.Seconds, run.Step, map[bool]string{true: "ok", false: "FAILED: " + run.Error}[run.OK])
		}
	}
	return nil
}

// section writes the step-cost section of results.md.
func (s *stepCostScenario) section(w *strings.Builder) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	step := func(r extraRun) float64 { return r.Step }
	total := func(r extraRun) float64 { return r.Seconds }
	p("## Step helper cost (stepcost)\n\n")
	p("What the step helper adds to one go step. A tiny module (one file, no dependencies) is built with a warm build cache two ways on the same builder: **gf**, whose build step runs the frontend's binary as the step helper, which runs go; "+
		"**dockerfile**, a Dockerfile `RUN --network=none` with the build cache on a cache mount that runs the same go command directly:\n\n```sh\n%s\n```\n\n"+
		"Before each build a function is appended to main.go, so the step runs again: go compiles one small package and links, every other package comes from the build cache. "+
		"The step is timed by its vertex (started to completed, from `--progress rawjson`), so the frontend, the context upload and the export are left out. Seconds: median [min–max] of %d run(s) per variant, alternating order.\n\n",
		s.Command, rounds(s.Runs))
	if s.Gopherfile != "" {
		p("gf's Gopherfile:\n\n```yaml\n%s```\n\n", s.Gopherfile)
	}
	if !strings.Contains(s.Gopherfile, "tidy: \"off\"") {
		p("The tidy check was on: it runs in parallel with the build step and shares the CPU with it, so the gf figure includes that contention.\n\n")
	}
	p("| | gf | dockerfile | gf − dockerfile |\n| --- | ---: | ---: | ---: |\n")
	for _, row := range []struct {
		label string
		fig   func(extraRun) float64
	}{{"`go build` step (vertex)", step}, {"whole build (wall)", total}} {
		g, d := summarize(s.Runs, "gf", row.fig), summarize(s.Runs, "dockerfile", row.fig)
		p("| %s | %s | %s | %s |\n", row.label, g.cell(), d.cell(), diffCell(d, g))
	}
	p("\nTarget (issue 13): the step helper adds at most 0.1 s to a step: %s. The whole build differs by more than the step: gf also runs its frontend container and writes the image's files in steps of its own.\n",
		verdict(summarize(s.Runs, "dockerfile", step), summarize(s.Runs, "gf", step), 0.1))
	extraFailures(w, s.Runs)
	p("\n")
}
