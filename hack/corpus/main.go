// Command corpus checks `gopherfile init` on real, widely used Go programs:
// for each repository of the corpus (repos.go, pinned versions fetched from
// the Go module proxy) it runs gopherfile init, builds the Gopherfile init
// wrote with the frontend image through docker buildx, runs the image's
// entrypoint with its version flag, and builds a best-practice Dockerfile of
// the same program on the same builder for comparison. It writes the results
// as JSON and as the table of docs/corpus.md.
//
// Run it with `make corpus` (hack/corpus.sh sets up the environment):
//
//	go run ./hack/corpus [-repos a,b] [-dockerfile=false] [-json FILE] [-md docs/corpus.md]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// buildTimeout is the deadline of each docker buildx build (-build-timeout).
var buildTimeout = 30 * time.Minute

// env is the test environment (hack/env.sh).
type env struct {
	builder, frontend, registry string
	cacert, goproxy, gopherfile string
	repoRoot, work              string
	// bare also builds each eligible program with `version: 1` alone;
	// bareOnly does only that, keeping the rest of the row from kept.
	bare, bareOnly bool
	kept           map[string]*result
}

// result is one repository's row.
type result struct {
	Name     string   `json:"name"`
	Module   string   `json:"module"`
	Version  string   `json:"version"`
	Covers   string   `json:"covers"`
	Fetched  string   `json:"fetched,omitempty"`
	Builds   []string `json:"builds"`
	Chosen   string   `json:"chosen"`
	Builder  string   `json:"builder"`
	Why      string   `json:"builderWhy"`
	CGO      bool     `json:"cgo"`
	GoFrom   string   `json:"goFrom,omitempty"`
	InitOut  string   `json:"initOutput"`
	Stage    string   `json:"stage"` // the stage that failed: fetch, init, build, run; "" when it worked
	Error    string   `json:"error,omitempty"`
	Output   string   `json:"versionOutput,omitempty"`
	BuildSec float64  `json:"buildSeconds"`
	DockerOK bool     `json:"dockerfileOK"`
	DockSec  float64  `json:"dockerfileSeconds,omitempty"`
	DockErr  string   `json:"dockerfileError,omitempty"`
	Retried  string   `json:"retried,omitempty"`
	// Bare is the result of building with a Gopherfile of `version: 1`
	// alone: "ok: <version output>", "build failed: …", "run failed: …",
	// "not eligible: …" (the program is not at the root or cmd/<module
	// name>) or "" (not run).
	Bare    string  `json:"bare,omitempty"`
	BareSec float64 `json:"bareSeconds,omitempty"`
}

// OK reports whether init → build → run worked with no edits.
func (r *result) OK() bool { return r.Stage == "" }

func main() {
	log.SetFlags(log.Ltime)
	log.SetPrefix("[corpus] ")
	only := flag.String("repos", "", "comma-separated names of the repositories to run (default: all); \"subset\" for the make test subset")
	dockerfile := flag.Bool("dockerfile", true, "also build the best-practice Dockerfile of each, for the time comparison")
	jsonOut := flag.String("json", "", "write the results as JSON to this file")
	mdOut := flag.String("md", "", "write the table to this markdown file (docs/corpus.md)")
	work := flag.String("work", "", "work directory (default: a temp dir, removed at the end)")
	list := flag.Bool("list", false, "print the corpus and exit")
	keep := flag.String("keep", "", "results JSON of an earlier run: the repositories not run now keep their rows from it in the table")
	render := flag.String("render", "", "write the table (-md) of the results in this JSON file (of one run or several merged) and exit")
	bare := flag.Bool("bare", true, "also build each program at the root or cmd/<module name> with a Gopherfile of `version: 1` alone, and run it")
	bareOnly := flag.Bool("bare-only", false, "only the `version: 1` builds; the rest of each row comes from -keep's results")
	flag.DurationVar(&buildTimeout, "build-timeout", buildTimeout, "the deadline of each docker buildx build (a large program on a loaded builder takes longer)")
	flag.Parse()

	repos, err := selectRepos(*only)
	if err != nil {
		log.Fatal(err)
	}
	if *list {
		for _, r := range repos {
			fmt.Printf("%-16s %s@%s\t%s\n", r.Name, r.Module, r.Version, r.Covers)
		}
		return
	}
	if *render != "" {
		var results []*result
		if err := readJSONFile(*render, &results); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(*mdOut, []byte(report(results, nil, 0, *dockerfile)), 0o644); err != nil {
			log.Fatal(err)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e, err := loadEnv(*work)
	if err != nil {
		log.Fatal(err)
	}
	if *work == "" {
		defer os.RemoveAll(e.work)
	}
	e.bare, e.bareOnly = *bare || *bareOnly, *bareOnly
	if e.bareOnly {
		if *keep == "" {
			log.Fatal("-bare-only needs -keep: the results of the run whose rows it completes")
		}
		var old []*result
		if err := readJSONFile(*keep, &old); err != nil {
			log.Fatal(err)
		}
		e.kept = map[string]*result{}
		for _, r := range old {
			e.kept[r.Name] = r
		}
	}
	runID := time.Now().UTC().Format("20060102-150405")
	start := time.Now()
	var results []*result
	// write saves the results so far (merged with -keep's), after each
	// repository, so that an interrupted run keeps what it did.
	write := func() []*result {
		all := results
		if *keep != "" {
			var err error
			if all, err = merge(*keep, results); err != nil {
				log.Fatal(err)
			}
		}
		if *jsonOut != "" {
			data, _ := json.MarshalIndent(all, "", "  ")
			if err := os.WriteFile(*jsonOut, data, 0o644); err != nil {
				log.Fatal(err)
			}
		}
		if *mdOut != "" {
			if err := os.WriteFile(*mdOut, []byte(report(all, e, time.Since(start), *dockerfile)), 0o644); err != nil {
				log.Fatal(err)
			}
		}
		return all
	}
	for _, r := range repos {
		res := e.run(ctx, r, runID, *dockerfile)
		results = append(results, res)
		status := "ok"
		if !res.OK() {
			status = res.Stage + " failed: " + firstLine(res.Error)
		}
		log.Printf("%s: %s (build %.0fs)", r.Name, status, res.BuildSec)
		write()
		if ctx.Err() != nil {
			break
		}
	}
	took := time.Since(start)
	results = write()
	ok := 0
	for _, r := range results {
		if r.OK() {
			ok++
		}
	}
	log.Printf("%d of %d built and ran from the Gopherfile init wrote, in %s", ok, len(results), took.Round(time.Second))
	if ok < len(results) {
		os.Exit(1)
	}
}

func readJSONFile(file string, v any) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

// merge puts this run's results in place of the rows of an earlier run's,
// in corpus order.
func merge(file string, now []*result) ([]*result, error) {
	var old []*result
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &old); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	by := map[string]*result{}
	for _, r := range old {
		by[r.Name] = r
	}
	for _, r := range now {
		by[r.Name] = r
	}
	var out []*result
	for _, r := range corpus {
		if res, ok := by[r.Name]; ok {
			out = append(out, res)
		}
	}
	return out, nil
}

func selectRepos(only string) ([]repo, error) {
	if only == "" {
		return corpus, nil
	}
	var out []repo
	for _, name := range strings.Split(only, ",") {
		found := false
		for _, r := range corpus {
			if r.Name == name || (name == "subset" && r.Subset) {
				out = append(out, r)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("no repository %q in the corpus (go run ./hack/corpus -list)", name)
		}
	}
	return out, nil
}

func loadEnv(work string) (*env, error) {
	e := &env{
		builder:  os.Getenv("GF_BUILDX_BUILDER"),
		frontend: os.Getenv("GF_FRONTEND_IMAGE"),
		registry: os.Getenv("GF_REGISTRY"),
		cacert:   "/etc/ssl/certs/ca-certificates.crt",
		work:     work,
	}
	if e.builder == "" || e.frontend == "" || e.registry == "" {
		return nil, fmt.Errorf("run it with `make corpus` (hack/corpus.sh sources hack/env.sh)")
	}
	out, err := exec.Command("go", "env", "GOPROXY").Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOPROXY: %w", err)
	}
	var proxies []string
	for _, p := range strings.FieldsFunc(strings.TrimSpace(string(out)), func(r rune) bool { return r == ',' || r == '|' }) {
		if p != "direct" && p != "off" {
			proxies = append(proxies, p)
		}
	}
	e.goproxy = strings.Join(proxies, ",")
	root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return nil, fmt.Errorf("run it from the gopherfile repository: %w", err)
	}
	e.repoRoot = strings.TrimSpace(string(root))
	if e.work == "" {
		if e.work, err = os.MkdirTemp("", "gopherfile-corpus-"); err != nil {
			return nil, err
		}
	}
	e.gopherfile = filepath.Join(e.work, "bin", "gopherfile")
	cmd := exec.Command("go", "build", "-o", e.gopherfile, "./cmd/gopherfile")
	cmd.Dir = e.repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the CLI: %v\n%s", err, out)
	}
	return e, nil
}

// run does one repository: fetch, init, build, run, Dockerfile build.
func (e *env) run(ctx context.Context, r repo, runID string, dockerfile bool) *result {
	res := &result{Name: r.Name, Module: r.Module, Version: r.Version, Covers: r.Covers}
	base := filepath.Join(e.work, r.Name)
	src := filepath.Join(base, "src")
	os.MkdirAll(base, 0o755)
	fail := func(stage string, err error) *result {
		res.Stage, res.Error = stage, err.Error()
		return res
	}

	log.Printf("%s: fetching %s@%s", r.Name, r.Module, r.Version)
	notes, err := fetch(ctx, r, src)
	if err != nil {
		return fail("fetch", err)
	}
	res.Fetched = notes

	ir := runCmd(ctx, 5*time.Minute, src, filepath.Join(base, "init.log"), e.gopherfile, "init", ".")
	res.InitOut = strings.TrimSpace(ir.out)
	if ir.err != nil {
		return fail("init", fmt.Errorf("gopherfile init: %v: %s", ir.err, lastLines(ir.out, 5)))
	}
	p, err := planOf(src)
	if err != nil {
		return fail("init", fmt.Errorf("planning the Gopherfile init wrote: %w", err))
	}
	for _, b := range p.Binaries {
		res.Builds = append(res.Builds, b.Name+" ("+b.Main+")")
	}
	res.Builder, res.Why, res.CGO = p.Builder, p.BuilderReason, p.CGO
	if m := regexp.MustCompile(`(?m)^  chosen: (.*)$`).FindStringSubmatch(ir.out); m != nil {
		res.Chosen = m[1]
	}
	if m := regexp.MustCompile(`(?m)^  go: \S+ \(from (.*)\)$`).FindStringSubmatch(ir.out); m != nil {
		res.GoFrom = m[1]
	}
	if err := e.ensureBuilder(ctx, p.Builder); err != nil {
		return fail("build", err)
	}
	if e.bareOnly {
		row, ok := e.kept[r.Name]
		if !ok {
			return fail("build", fmt.Errorf("-bare-only: no row for %s in the -keep results", r.Name))
		}
		e.buildBare(ctx, r, row, src, base, runID)
		return row
	}

	log.Printf("%s: building with the Gopherfile (builder %s)", r.Name, p.Builder)
	tarball := filepath.Join(base, "gf.tar")
	br := e.buildx(ctx, src, "Gopherfile", tarball, filepath.Join(base, "build.log"),
		"--build-arg", "BUILDKIT_SYNTAX="+e.frontend, "--build-arg", "BUILDKIT_CACHE_MOUNT_NS=corpus-"+r.Name+"-"+runID)
	res.BuildSec = br.took.Seconds()
	if br.err != nil && strings.Contains(br.out, "module lookup disabled by GOPROXY=off") {
		// The compile found modules missing that the download step had
		// fetched: the shared builder's module cache mount changed between
		// the steps. Say so and try once more.
		log.Printf("%s: modules missing from the module cache mount after the download step; building once more", r.Name)
		res.Retried = "the first build found modules missing from the module cache mount that its download step had fetched (the shared test builder's cache changed between the steps); the second passed: " + buildError(br.out)
		br = e.buildx(ctx, src, "Gopherfile", tarball, filepath.Join(base, "build.log"),
			"--build-arg", "BUILDKIT_SYNTAX="+e.frontend, "--build-arg", "BUILDKIT_CACHE_MOUNT_NS=corpus-"+r.Name+"-"+runID)
		res.BuildSec = br.took.Seconds()
	}
	if br.err != nil {
		return fail("build", fmt.Errorf("docker buildx build: %v: %s", br.err, buildError(br.out)))
	}
	root := filepath.Join(base, "rootfs")
	cfg, err := unpack(tarball, root)
	os.Remove(tarball)
	if err != nil {
		return fail("run", fmt.Errorf("unpacking the image: %w", err))
	}
	rr := runEntrypoint(ctx, root, cfg, r.Args)
	res.Output = strings.TrimSpace(lastLines(rr.out, 3))
	os.RemoveAll(root)
	if rr.err != nil {
		return fail("run", fmt.Errorf("%s %s: %v: %s", strings.Join(cfg.Config.Entrypoint, " "), strings.Join(r.Args, " "), rr.err, lastLines(rr.out, 5)))
	}
	if !regexp.MustCompile(r.Expect).MatchString(rr.out) {
		return fail("run", fmt.Errorf("the output of %s %s does not match %q: %s", strings.Join(cfg.Config.Entrypoint, " "), strings.Join(r.Args, " "), r.Expect, lastLines(rr.out, 5)))
	}

	if dockerfile {
		log.Printf("%s: building the best-practice Dockerfile", r.Name)
		df := filepath.Join(base, "Dockerfile.best-practice")
		os.WriteFile(df, []byte(bestPractice(p, runID+"-"+r.Name, src, hasWork(src))), 0o644)
		tb := filepath.Join(base, "df.tar")
		dr := e.buildx(ctx, src, df, tb, filepath.Join(base, "dockerfile.log"))
		os.Remove(tb)
		res.DockSec = dr.took.Seconds()
		res.DockerOK = dr.err == nil
		if dr.err != nil {
			res.DockErr = buildError(dr.out)
		}
	}
	if e.bare {
		e.buildBare(ctx, r, res, src, base, runID)
	}
	return res
}

func hasWork(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "go.work"))
	return err == nil
}

// ensureBuilder makes sure the local registry has a golang:X builder image
// (hack/images-go.sh pushes it: a Debian rootfs plus that Go release from the
// module proxy), as Docker Hub has every golang:X.Y.Z and golang:X.Y tag.
func (e *env) ensureBuilder(ctx context.Context, ref string) error {
	tag, ok := strings.CutPrefix(ref, "golang:")
	if !ok {
		return nil
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodHead, "http://"+e.registry+"/v2/library/golang/manifests/"+tag, nil)
	req.Header.Set("Accept", "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
	}
	log.Printf("pushing the builder %s to the local registry (hack/images-go.sh)", ref)
	r := runCmd(ctx, 15*time.Minute, e.repoRoot, "", "bash", "hack/images-go.sh", tag)
	if r.err != nil {
		return fmt.Errorf("hack/images-go.sh %s: %v: %s", tag, r.err, lastLines(r.out, 5))
	}
	return nil
}

// buildError picks the lines of a failed build that say why: the step
// helper's diagnosis ("… (row N, …)"), once, then BuildKit's ERROR lines.
func buildError(out string) string {
	var why, keep []string
	seen := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(progressPrefix.ReplaceAllString(l, ""))
		switch {
		case strings.Contains(l, "(row ") && !seen[l]:
			seen[l] = true
			why = append(why, l)
		case strings.Contains(l, "ERROR") || strings.Contains(l, "error:") || strings.Contains(l, "Gopherfile line"):
			keep = append(keep, l)
		}
	}
	if len(why)+len(keep) == 0 {
		return lastLines(out, 8)
	}
	if len(keep) > 4 {
		keep = keep[len(keep)-4:]
	}
	return strings.Join(append(why, keep...), "\n")
}

// progressPrefix is the step number and time BuildKit's plain progress puts
// before a step's output line ("#14 1.773 "; "1.773 " in the summary of a failed step).
var progressPrefix = regexp.MustCompile(`^(#[0-9]+ )?[0-9]+\.[0-9]+ `)

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	if len(l) > 200 {
		l = l[:200] + "…"
	}
	return l
}
