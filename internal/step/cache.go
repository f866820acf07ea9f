package step

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"go/version"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/step/cacheprog"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// cacheProgMain is `<helper> step cacheprog`: the go command's GOCACHEPROG
// (package cacheprog) on stdin and stdout, configured by flags. With
// -stats, it appends its counts to that file as one JSON line.
func cacheProgMain(args []string) int {
	fs := flag.NewFlagSet("cacheprog", flag.ContinueOnError)
	var cfg cacheprog.Config
	var read multiFlag
	var stats string
	fs.StringVar(&cfg.Dir, "dir", "", "the cache the go command writes")
	fs.Var(&read, "read", "a cache that is only read (repeatable)")
	fs.BoolVar(&cfg.Copy, "copy", false, "copy entries found in -read caches into -dir")
	fs.StringVar(&cfg.Also, "also", "", "a cache every put is written to as well")
	fs.StringVar(&stats, "stats", "", "a file to append the counts to")
	if err := fs.Parse(args); err != nil || cfg.Dir == "" {
		fmt.Fprintln(os.Stderr, "gopherfile: cacheprog needs -dir: it runs as GOCACHEPROG inside a Gopherfile build step")
		return 2
	}
	cfg.Read = read
	st, err := cacheprog.Serve(context.Background(), os.Stdin, os.Stdout, cfg)
	if stats != "" {
		if f, ferr := os.OpenFile(stats, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644); ferr == nil {
			dt, _ := json.Marshal(st)
			f.Write(append(dt, '\n'))
			f.Close()
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gopherfile: cacheprog:", err)
		return 1
	}
	return 0
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// cacheProgMinGo is the first Go whose go command runs GOCACHEPROG without
// an experiment; older ones ignore it and use GOCACHE alone.
const cacheProgMinGo = "go1.24"

// setupCache prepares the step's build cache (Config.Cache): it says in
// the log which caches the step writes and reads, and when the step reads
// caches it does not write, makes the helper the go command's GOCACHEPROG.
// A compile step's dependency build cache (cache.build: layer) is read
// through it too, or copied into GOCACHE for a Go without GOCACHEPROG. The
// returned func prints what the cache did, after the go command.
func (h *helper) setupCache(ctx context.Context) func() {
	c := h.cfg.Cache
	if c == nil {
		return func() {}
	}
	if c.Note != "" {
		h.printf("gopherfile: build cache: this step %s", c.Note)
	}
	read := append([]string(nil), c.Read...)
	if b := h.cfg.Build; b != nil && b.Seed != "" {
		if h.goHasCacheProg(ctx) {
			read = append(read, b.Seed)
		} else {
			h.seed(b.Seed)
		}
	}
	if len(read) == 0 && c.Also == "" {
		return func() {}
	}
	self, err := os.Executable()
	if err != nil {
		h.printf("gopherfile: build cache: %v; the step uses %s alone", err, c.Dir)
		return func() {}
	}
	tmp, err := os.MkdirTemp("", "gopherfile-cacheprog-")
	if err != nil {
		h.printf("gopherfile: build cache: %v; the step uses %s alone", err, c.Dir)
		return func() {}
	}
	stats := filepath.Join(tmp, "stats.jsonl")
	args := []string{self, Arg, stepconfig.CacheProgArg, "-dir", c.Dir, "-stats", stats}
	for _, r := range read {
		args = append(args, "-read", r)
	}
	if c.Copy {
		args = append(args, "-copy")
	}
	if c.Also != "" {
		args = append(args, "-also", c.Also)
	}
	for _, a := range args {
		if strings.ContainsAny(a, " \t\n'\"") {
			h.printf("gopherfile: build cache: the path %q cannot be passed in GOCACHEPROG; the step uses %s alone", a, c.Dir)
			os.RemoveAll(tmp)
			return func() {}
		}
	}
	h.setenv(goenv.GOCACHEPROG, strings.Join(args, " "))
	return func() {
		defer os.RemoveAll(tmp)
		h.printCacheStats(stats, c.Dir)
	}
}

// goHasCacheProg reports whether the step's go command runs GOCACHEPROG.
func (h *helper) goHasCacheProg(ctx context.Context) bool {
	eff := h.goEnv(ctx, goenv.GOVERSION)
	v := eff[goenv.GOVERSION]
	return version.IsValid(v) && version.Compare(v, cacheProgMinGo) >= 0
}

// printCacheStats sums the counts the go commands' cache programs wrote
// and prints them.
func (h *helper) printCacheStats(file, dir string) {
	f, err := os.Open(file)
	if err != nil {
		h.printf("gopherfile: build cache: the go command did not run GOCACHEPROG (Go before 1.24): the step used %s alone", dir)
		return
	}
	defer f.Close()
	var sum cacheprog.Stats
	sum.Hits = map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var st cacheprog.Stats
		if json.Unmarshal(sc.Bytes(), &st) != nil {
			continue
		}
		sum.Gets += st.Gets
		sum.Misses += st.Misses
		sum.Puts += st.Puts
		sum.Errors += st.Errors
		for k, v := range st.Hits {
			sum.Hits[k] += v
		}
	}
	var hits []string
	var dirs []string
	for d := range sum.Hits {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		hits = append(hits, fmt.Sprintf("%d in %s", sum.Hits[d], d))
	}
	if len(hits) == 0 {
		hits = []string{"none"}
	}
	h.printf("gopherfile: build cache: %d lookups, hits: %s; %d misses; %d entries written to %s; %d errors",
		sum.Gets, strings.Join(hits, ", "), sum.Misses, sum.Puts, dir, sum.Errors)
}
