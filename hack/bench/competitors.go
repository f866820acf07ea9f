package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// competitor is one way to build the image.
type competitor struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	// Short is the label in the chart legend.
	Short string `json:"short"`
	// buildkit: runs on a buildkitd (cold means a pruned builder).
	buildkit bool
	// Default competitors run unless -competitors says otherwise.
	Default bool `json:"-"`
	// Full competitors run by default only with -full: they tell little that
	// the default ones do not.
	Full bool `json:"-"`
	// BuildArgs are extra build args (KEY=VALUE) for the Gopherfile
	// competitors: --opt build-arg:KEY=VALUE for buildctl, --build-arg for
	// the CLI.
	BuildArgs []string `json:"buildArgs,omitempty"`
}

var competitors = []competitor{
	{Key: "host", Label: "host `go build` (floor, no image)", Short: "host go build", Default: true},
	{Key: "ko", Label: "`ko build`", Short: "ko build", Default: true},
	{Key: "naive", Label: "Dockerfile, naive", Short: "Dockerfile naive", buildkit: true, Default: true},
	{Key: "bp", Label: "Dockerfile, best practice", Short: "Dockerfile best practice", buildkit: true, Default: true},
	{Key: "gf", Label: "Gopherfile (frontend image)", Short: "Gopherfile frontend", buildkit: true, Default: true},
	// The CLI solves the same graph as the frontend image on the same
	// buildkitd; it only skips starting the frontend container (0.1 s).
	{Key: "gfcli", Label: "gopherfile CLI", Short: "gopherfile CLI", buildkit: true, Full: true},
	// gf builds with the default cache: auto, which is "layer" when the build
	// imports a cache; gf-mount forces cache mounts, to show what auto saves
	// (-full only: it adds two minutes to the default run).
	{Key: "gf-mount", Label: "Gopherfile, caches forced to cache mounts", Short: "Gopherfile cache: mount", buildkit: true, Full: true,
		BuildArgs: []string{"GOPHERFILE_MODULE_CACHE=mount", "GOPHERFILE_BUILD_CACHE=mount"}},
	{Key: "gf-notidy", Label: "Gopherfile, `tidy: off`", Short: "Gopherfile tidy: off", buildkit: true},
}

func competitorKeys() []string {
	var k []string
	for _, c := range competitors {
		k = append(k, c.Key)
	}
	return k
}

func competitorByKey(k string) competitor {
	for _, c := range competitors {
		if c.Key == k {
			return c
		}
	}
	panic("unknown competitor " + k)
}

// scenario is one situation a build is measured in.
type scenario struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

var scenarios = []scenario{
	{Key: "cold", Label: "cold: empty caches"},
	{Key: "noop", Label: "no-op rebuild"},
	{Key: "edit", Label: "one .go file edited"},
	{Key: "dep", Label: "one dependency added"},
	{Key: "multi", Label: "cold, linux/amd64 + linux/arm64"},
	{Key: "cacheexport", Label: "warm rebuild + registry cache export"},
	{Key: "registry", Label: "fresh builder, registry cache, .go edited"},
	{Key: "coldproject", Label: "new project: the builder has just built another Go project (-other) with the same Go"},
}

// extraScenarios are measured apart from the subjects' tables and only when
// -scenarios names them: they answer questions about the product (issue 13),
// not about the competitors (see extras.go).
var extraScenarios = []scenario{
	{Key: "proxy", Label: "gf cold download from a local module proxy, healthy vs. the first 2 requests of every path answered 503"},
	{Key: "stepcost", Label: "what the step helper adds to a go step: gf's go build step vs. the same go build in a Dockerfile RUN"},
}

// scenarioKeys are the keys -scenarios accepts by default: the build
// scenarios (cacheexport runs with registry).
func scenarioKeys() []string {
	var k []string
	for _, s := range scenarios {
		if s.Key != "cacheexport" {
			k = append(k, s.Key)
		}
	}
	return k
}

// extraScenarioKeys are the keys of extraScenarios.
func extraScenarioKeys() []string {
	var k []string
	for _, s := range extraScenarios {
		k = append(k, s.Key)
	}
	return k
}

// buildReq is one build.
type buildReq struct {
	p         *prepared
	c         competitor
	addr      string   // buildkitd address (buildkit competitors)
	platforms []string // nil: linux/amd64
	cacheTo   string   // registry cache ref to export to
	cacheFrom string   // registry cache ref to import
	name      string   // for the log file
	goproxy   string   // GOPROXY build arg ("": the bench's, b.env.goproxy)
	filename  string   // the Dockerfile or Gopherfile in p.files ("": the competitor's)
	// cachesOf, when set, is the subject whose host and ko caches the build
	// uses (the other project of the coldproject scenario).
	cachesOf *prepared
}

// caches is the subject whose host and ko caches r uses.
func (r buildReq) caches() *prepared {
	if r.cachesOf != nil {
		return r.cachesOf
	}
	return r.p
}

// proxy is the request's GOPROXY, def when it sets none.
func (r buildReq) proxy(def string) string {
	if r.goproxy != "" {
		return r.goproxy
	}
	return def
}

// file is the request's build file name, def when it sets none.
func (r buildReq) file(def string) string {
	if r.filename != "" {
		return r.filename
	}
	return def
}

// buildResult is what one build measured.
type buildResult struct {
	seconds    float64
	err        error
	imageBytes int64
	platBytes  map[string]int64
	phases     map[string]float64
	log        string
}

// hostDirs are the host competitors' own caches (removed for cold builds).
func (b *bench) hostDirs(p *prepared, key string) (gocache, gomodcache string) {
	d := filepath.Join(p.dir, key+"-caches")
	return filepath.Join(d, "gocache"), filepath.Join(d, "gomodcache")
}

// makeCold empties the competitor's caches: prune the bench buildkitd, or new
// GOCACHE/GOMODCACHE directories for the host and ko.
func (b *bench) makeCold(ctx context.Context, p *prepared, c competitor) error {
	start := time.Now()
	defer func() { b.coldPrep += time.Since(start) }()
	if c.buildkit {
		return b.bk.prune(ctx)
	}
	return removeTree(filepath.Join(p.dir, c.Key+"-caches"))
}

// build runs one build and measures its wall time, export included.
func (b *bench) build(ctx context.Context, r buildReq) buildResult {
	if len(r.platforms) == 0 {
		r.platforms = []string{"linux/amd64"}
	}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.timeout)
	defer cancel()
	logPath := filepath.Join(b.logDir, fmt.Sprintf("%03d-%s-%s-%s.log", b.seq(), r.p.Name, r.c.Key, r.name))
	res := buildResult{log: logPath}
	logf, err := os.Create(logPath)
	if err != nil {
		res.err = err
		return res
	}
	defer logf.Close()

	var cmds []*exec.Cmd
	var output string // the OCI tar or layout to measure
	switch {
	case r.c.Key == "host":
		gocache, gomodcache := b.hostDirs(r.caches(), r.c.Key)
		for _, pl := range r.platforms {
			arch := strings.TrimPrefix(pl, "linux/")
			bin := filepath.Join(r.p.out, "host-"+arch)
			os.Remove(bin)
			cmd := exec.Command(b.hostGo, "build", "-trimpath", "-o", bin, r.p.Main)
			cmd.Env = b.goEnv("GOCACHE="+gocache, "GOMODCACHE="+gomodcache, "GOOS=linux", "GOARCH="+arch)
			cmds = append(cmds, cmd)
		}
	case r.c.Key == "ko":
		gocache, gomodcache := b.hostDirs(r.caches(), r.c.Key)
		output = filepath.Join(r.p.out, "ko-layout")
		removeTree(output)
		cmd := exec.Command(b.ko, "build", "--bare", "--push=false", "--sbom=none", "--oci-layout-path", output,
			"--platform", strings.Join(r.platforms, ","), "--insecure-registry", r.p.Main)
		cmd.Env = b.goEnv("GOCACHE="+gocache, "GOMODCACHE="+gomodcache,
			"KO_GO_PATH="+b.hostGo, "KO_DOCKER_REPO="+b.env.registry+"/bench/"+r.p.Name,
			"KO_DEFAULTBASEIMAGE="+b.env.registry+"/distroless/static-debian12:nonroot")
		cmds = append(cmds, cmd)
	case r.c.Key == "gfcli":
		output = filepath.Join(r.p.out, r.c.Key+".tar")
		os.Remove(output)
		args := []string{"build", "--addr", r.addr, "--progress", "rawjson", "-f", filepath.Join(r.p.files, r.file("Gopherfile")),
			"--build-arg", "GO_VERSION=" + b.cfg.goVersion, "--build-arg", "GOPROXY=" + r.proxy(b.env.goproxy),
			"-o", "type=oci,dest=" + output, "--platform", strings.Join(r.platforms, ",")}
		for _, a := range r.c.BuildArgs {
			args = append(args, "--build-arg", a)
		}
		if b.env.cacert != "" {
			args = append(args, "--secret", "id=cacert,src="+b.env.cacert)
		}
		if r.cacheTo != "" {
			args = append(args, "--cache-to", "type=registry,ref="+r.cacheTo+",mode=max,registry.insecure=true")
		}
		if r.cacheFrom != "" {
			args = append(args, "--cache-from", "type=registry,ref="+r.cacheFrom+",registry.insecure=true")
		}
		cmds = append(cmds, exec.Command(b.cli, append(args, r.p.src)...))
	default: // buildctl: naive, bp, gf, gf-mount, gf-notidy
		output = filepath.Join(r.p.out, r.c.Key+".tar")
		os.Remove(output)
		args := []string{"--addr", r.addr, "build", "--progress", "rawjson",
			"--local", "context=" + r.p.src, "--local", "dockerfile=" + r.p.files,
			"--opt", "build-arg:GOPROXY=" + r.proxy(b.env.goproxy),
			"--opt", "platform=" + strings.Join(r.platforms, ","),
			"--output", "type=oci,dest=" + output}
		switch r.c.Key {
		case "naive":
			args = append(args, "--frontend", "dockerfile.v0", "--opt", "filename="+r.file("Dockerfile.naive"))
		case "bp":
			args = append(args, "--frontend", "dockerfile.v0", "--opt", "filename="+r.file("Dockerfile.bp"))
		default:
			file := "Gopherfile"
			if r.c.Key == "gf-notidy" {
				file = "Gopherfile.notidy"
			}
			file = r.file(file)
			args = append(args, "--frontend", "gateway.v0", "--opt", "source="+b.frontendRef, "--opt", "filename="+file,
				"--opt", "build-arg:GO_VERSION="+b.cfg.goVersion)
			for _, a := range r.c.BuildArgs {
				args = append(args, "--opt", "build-arg:"+a)
			}
		}
		if b.env.cacert != "" {
			args = append(args, "--secret", "id=cacert,src="+b.env.cacert)
		}
		if r.cacheTo != "" {
			args = append(args, "--export-cache", "type=registry,ref="+r.cacheTo+",mode=max,registry.insecure=true")
		}
		if r.cacheFrom != "" {
			args = append(args, "--import-cache", "type=registry,ref="+r.cacheFrom+",registry.insecure=true")
		}
		cmds = append(cmds, exec.Command("buildctl", args...))
	}

	fmt.Fprintf(logf, "# %s %s %s platforms=%v cacheTo=%s cacheFrom=%s\n", r.p.Name, r.c.Key, r.name, r.platforms, r.cacheTo, r.cacheFrom)
	start := time.Now()
	for _, cmd := range cmds {
		fmt.Fprintf(logf, "$ %s\n", strings.Join(cmd.Args, " "))
		if cmd.Dir == "" {
			cmd.Dir = r.p.src
		}
		if cmd.Env == nil {
			cmd.Env = os.Environ()
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := startWithContext(ctx, cmd); err != nil {
			res.err = err
			break
		}
	}
	res.seconds = time.Since(start).Seconds()
	if res.err != nil {
		logf.Sync()
		dt, _ := os.ReadFile(logPath)
		res.err = fmt.Errorf("%w: %s", res.err, lastErrorLines(string(dt)))
		return res
	}
	// Sizes and phases: after the clock stopped.
	switch {
	case r.c.Key == "host":
		res.platBytes = map[string]int64{}
		for _, pl := range r.platforms {
			if fi, err := os.Stat(filepath.Join(r.p.out, "host-"+strings.TrimPrefix(pl, "linux/"))); err == nil {
				res.platBytes[pl] = fi.Size()
			}
		}
		res.imageBytes = res.platBytes["linux/amd64"]
	case output != "":
		sizes, err := imageSizes(output)
		if err != nil {
			fmt.Fprintf(logf, "# measuring the image: %v\n", err)
		}
		res.platBytes = sizes
		res.imageBytes = sizes["linux/amd64"]
		if fi, err := os.Stat(output); err == nil && !fi.IsDir() {
			os.Remove(output)
		} else {
			removeTree(output)
		}
	}
	if r.c.buildkit {
		logf.Sync()
		if ph, err := phasesFromLog(logPath); err == nil {
			res.phases = ph
			res.phases["total"] = res.seconds
		}
	}
	return res
}

func startWithContext(ctx context.Context, cmd *exec.Cmd) error {
	// exec.CommandContext semantics on an existing Cmd.
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		cmd.Process.Kill()
		<-done
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("timed out")
		}
		return ctx.Err()
	}
}

// lastErrorLines picks the lines of a failed build's log that say why.
func lastErrorLines(log string) string {
	var keep []string
	for _, l := range strings.Split(log, "\n") {
		if strings.HasPrefix(l, "{") {
			// rawjson: keep vertex errors and the last logs only.
			if i := strings.Index(l, `"error":"`); i >= 0 {
				e := l[i+9:]
				if j := strings.Index(e, `"`); j >= 0 {
					e = e[:j]
				}
				keep = append(keep, "vertex error: "+e)
			}
			continue
		}
		if strings.TrimSpace(l) != "" && !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "$") {
			keep = append(keep, l)
		}
	}
	if len(keep) > 6 {
		keep = keep[len(keep)-6:]
	}
	return tail(strings.Join(keep, " | "), 700)
}
