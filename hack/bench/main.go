// Command bench measures how long Go image builds take with Gopherfile and with
// its alternatives, on real open-source Go projects, in the scenarios users
// live in: a cold builder, a no-op rebuild, one .go file edited, one dependency
// added, two platforms instead of one, and a fresh (CI) builder that imports a
// registry cache.
//
// The bench is a Go module of its own (hack/bench/go.mod), so the product's
// `go vet ./...` and `go test ./...` do not compile it. Usage (from the
// repository root; hack/bench.sh brings the test environment up, builds the
// frontend image, builds this command and runs it):
//
//	bash hack/bench.sh [-quick] [-runs N] [-subjects fzf,statsd_exporter,nats-server] [-out bench/results] [-full]
//
// The default set is three subjects (small, mid, large), 3 runs each, under 30
// minutes on 2 cores: the small one runs every scenario with every default
// competitor, the mid and large ones the everyday scenarios with host, bp and
// gf (-full runs every cell, the gopherfile CLI included; see subjects in
// subject.go).
//
// It starts its own buildkitd (own --root and socket under /var/tmp, the test
// environment's config and registry mirrors), so it can prune freely without
// disturbing the tests, and stops it at the end. The projects are fetched with
// `go mod download -json MODULE@VERSION` into /var/tmp; none of their code is
// committed. Results go to OUT/results.md, OUT/results.json and OUT/chart.svg.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"golang.org/x/mod/modfile"
)

// config is the command line.
type config struct {
	quick       bool
	runs        int
	subjects    []string
	competitors []string
	scenarios   []string
	out         string
	work        string
	full        bool
	keep        bool
	goVersion   string
	// other is the subject built first in the coldproject scenario.
	other   string
	timeout time.Duration
	render  string
}

func parseFlags() *config {
	c := &config{}
	var subjects, competitors, scenarios string
	flag.BoolVar(&c.quick, "quick", false, "one run of the small subject (a smoke test of the bench, ~6 min)")
	flag.IntVar(&c.runs, "runs", 3, "runs (rounds) per figure; the tables show the median, min and max")
	flag.StringVar(&subjects, "subjects", "", "subjects by name or class, comma-separated (default: the default subjects; \"all\" for every one): "+subjectNames())
	flag.StringVar(&competitors, "competitors", "", "competitors, comma-separated (default: all but gfcli, which -full adds, and gf-notidy): "+strings.Join(competitorKeys(), ","))
	flag.StringVar(&scenarios, "scenarios", "", "scenarios, comma-separated (default: all of "+strings.Join(scenarioKeys(), ",")+"); the extra scenarios "+strings.Join(extraScenarioKeys(), ",")+" run only when named (alone: on the small subject only)")
	flag.StringVar(&c.out, "out", "bench/results", "directory for results.md, results.json and chart.svg")
	flag.StringVar(&c.work, "work", "/var/tmp/gfbench", "work directory (sources, caches, logs, buildkitd roots)")
	flag.BoolVar(&c.full, "full", false, "also run the cells left out by default: the gopherfile CLI, every competitor and scenario on the mid and large subjects, the naive Dockerfile on the fresh builder and after a dependency change, host, ko and the CLI on two platforms")
	flag.BoolVar(&c.keep, "keep", false, "keep the bench buildkitd root and the work files afterwards")
	flag.StringVar(&c.goVersion, "go", "1.26", "Go version for the builder images (GO_VERSION, golang:<go>); an exact release (1.27.4) is also the host and ko builds' Go")
	flag.StringVar(&c.other, "other", "statsd_exporter", "the project the coldproject scenario builds first, on the emptied builder")
	flag.DurationVar(&c.timeout, "timeout", 20*time.Minute, "limit for one build")
	flag.StringVar(&c.render, "render", "", "only rewrite results.md and chart.svg in -out from this results.json (no builds)")
	flag.Parse()
	if flag.NArg() > 0 {
		log.Fatalf("unexpected arguments %q (flags only)", flag.Args())
	}
	if c.quick {
		if !isFlagSet("runs") {
			c.runs = 1
		}
		if subjects == "" {
			subjects = "small"
		}
	}
	if c.runs < 1 {
		log.Fatal("-runs must be at least 1")
	}
	c.subjects = splitList(subjects)
	c.competitors = splitList(competitors)
	c.scenarios = splitList(scenarios)
	return c
}

func isFlagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// env is the test environment (hack/env.sh), with its defaults.
type env struct {
	state, bin, registry, frontend string
	cacert                         string
	goproxy                        string
	repo                           string // the gopherfile repository root
}

func getenv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func loadEnv() (*env, error) {
	home, _ := os.UserHomeDir()
	port := getenv("GF_REGISTRY_PORT", "5055")
	e := &env{
		state:    getenv("GF_STATE", "/var/lib/gopherfile-dev"),
		bin:      getenv("GF_BIN", filepath.Join(getenv("GF_CACHE", filepath.Join(home, ".cache/gopherfile")), "bin")),
		registry: getenv("GF_REGISTRY", "127.0.0.1:"+port),
		frontend: getenv("GF_FRONTEND_IMAGE", "localhost:"+port+"/gopherfile/frontend:dev"),
		cacert:   "/etc/ssl/certs/ca-certificates.crt",
	}
	// Tools of the test environment, and runc/iptables for buildkitd.
	os.Setenv("PATH", e.bin+":"+os.Getenv("PATH")+":/usr/local/sbin:/usr/sbin:/sbin")
	if _, err := os.Stat(e.cacert); err != nil {
		e.cacert = ""
	}
	out, err := exec.Command("go", "env", "GOPROXY").Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOPROXY: %w", err)
	}
	e.goproxy = proxyOnly(strings.TrimSpace(string(out)))
	if e.repo, err = findRepo(); err != nil {
		return nil, err
	}
	return e, nil
}

// productModule is the module path of the repository the bench measures.
const productModule = "github.com/gopherfile/gopherfile"

// findRepo returns the gopherfile repository root: the nearest directory,
// from the working directory up, whose go.mod declares productModule. The
// bench is a module of its own (hack/bench/go.mod), so `go list -m` would
// name that one.
func findRepo() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the gopherfile repository: %w", err)
	}
	for {
		dt, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && modfile.ModulePath(dt) == productModule {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("run the bench inside the gopherfile repository: no go.mod of %s above the working directory", productModule)
		}
		dir = parent
	}
}

// proxyOnly drops "direct" and "off" from a GOPROXY list, so that every
// competitor reaches the module proxy and nothing else.
func proxyOnly(p string) string {
	var keep []string
	for _, f := range strings.FieldsFunc(p, func(r rune) bool { return r == ',' || r == '|' }) {
		if f != "direct" && f != "off" && f != "" {
			keep = append(keep, f)
		}
	}
	if len(keep) == 0 {
		return p
	}
	return strings.Join(keep, ",")
}

func main() {
	log.SetFlags(log.Ltime)
	log.SetPrefix("[bench] ")
	cfg := parseFlags()
	if cfg.render != "" {
		if err := render(cfg); err != nil {
			log.Fatal(err)
		}
		return
	}
	if runtime.GOOS != "linux" {
		log.Fatal("the bench runs buildkitd and needs Linux")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e, err := loadEnv()
	if err != nil {
		log.Fatal(err)
	}
	b, err := newBench(cfg, e)
	if err != nil {
		log.Fatal(err)
	}
	err = b.run(ctx)
	b.close()
	if err != nil {
		log.Fatal(err)
	}
}
