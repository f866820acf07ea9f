package step

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/step/diagnose"
	"github.com/gopherfile/gopherfile/internal/step/retryproxy"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// progressEvery is how often a long download reports progress.
const progressEvery = 5 * time.Second

// moduleStep runs a networked module step: go mod download, go mod tidy
// -diff or go mod tidy.
func (h *helper) moduleStep(ctx context.Context) int {
	n := h.cfg.Net
	if n == nil {
		h.printf("gopherfile: the %s step has no network configuration", h.cfg.Stage)
		return 2
	}
	timeout := time.Duration(n.TimeoutSeconds) * time.Second
	deadline := time.Now().Add(timeout)
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if err := h.netSetup(); err != nil {
		h.printf("gopherfile: %v", err)
		return 1
	}
	eff := h.goEnv(ctx, append(goenv.Names(), "GOVERSION")...)
	if eff == nil {
		return h.noGo(ctx)
	}
	goproxy := eff["GOPROXY"]
	origin := h.proxySource
	if origin == "" {
		if s, ok := h.cfg.Diag.Setting("GOPROXY"); ok {
			origin = s.Origin
		} else {
			origin = "the builder's go env"
		}
	}
	h.noteURLCredentials(goproxy, origin)

	prefix := ""
	for _, d := range h.cfg.LocalProxies {
		if err := os.MkdirAll(d, 0o755); err == nil {
			prefix += "file://" + d + ","
		}
	}
	var set *retryproxy.Set
	rewrite := func(s string) string { return s }
	if loopbackOK(eff["GOAUTH"]) && goproxy != "off" {
		var err error
		set, err = retryproxy.Start(goproxy, retryproxy.Options{
			Retries:     n.Retries,
			Deadline:    deadline,
			RootCAs:     h.rootCAs,
			Credentials: h.proxyCredentials,
			TempDir:     n.Home,
			Logf:        h.printf,
		})
		if err != nil {
			h.printf("gopherfile: %v", err)
			return 1
		}
		defer set.Close()
		rewrite = set.Unrewrite
		h.setenv("GOPROXY", prefix+set.GOPROXY())
	} else if prefix != "" {
		h.setenv("GOPROXY", prefix+goproxy)
	}

	start := time.Now()
	stopProgress := h.progress(ctx, set, start)
	var res goResult
	for attempt := 0; ; attempt++ {
		res = h.runGo(ctx, goRun{args: h.cfg.Args, rewrite: rewrite})
		if res.ok() {
			break
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			msg := fmt.Sprintf("gopherfile: %s did not finish within %s (modules.timeout): i/o timeout: a proxy or git server stopped answering, or the download is larger than the deadline allows", h.cfg.Stage, timeout)
			h.printf("%s", msg)
			res.output += msg + "\n"
			break
		}
		wait := min(time.Second<<attempt, 8*time.Second)
		wait += rand.N(wait/2 + 1)
		line, again := h.wholeRetry(res.output, set)
		if !again || attempt >= n.Retries || time.Until(deadline) < wait {
			break
		}
		h.printf("gopherfile: transient failure outside the module proxies (%s); running %s again in %.1fs (attempt %d of %d)",
			line, h.cfg.Stage, wait.Seconds(), attempt+2, n.Retries+1)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
	}
	stopProgress()
	if set != nil {
		if s := summary(h.cfg.Stage, set.Stats(), time.Since(start)); s != "" {
			h.printf("%s", s)
		}
	}
	if !res.ok() {
		eff["GOPROXY"] = goproxy
		h.explain(ctx, retryproxy.Unwrap(res.output), eff)
		return exitCode(res)
	}
	switch h.cfg.Kind {
	case stepconfig.Download:
		if h.cfg.ShareDownloads != "" {
			if gmc, ok := h.getenv("GOMODCACHE"); ok {
				shareDownloads(filepath.Join(gmc, "cache", "download"), h.cfg.ShareDownloads)
				// The module cache is this step's layer, which --cache-to
				// mode=max exports: version control clones (whole private
				// repositories, with history) stay out of it; the extracted
				// modules and zips are all the later steps need.
				if err := os.RemoveAll(filepath.Join(gmc, "cache", "vcs")); err != nil {
					h.printf("gopherfile: removing the version control clones from the module cache layer: %v", err)
					return 1
				}
			}
		}
		if h.cfg.Record != nil {
			if err := writeRecord(h.cfg.Record); err != nil {
				h.printf("gopherfile: %v", err)
				return 1
			}
		}
	case stepconfig.TidyFix:
		if err := copyTidied(h.cfg.OutDir); err != nil {
			h.printf("gopherfile: %v", err)
			return 1
		}
	}
	return 0
}

// loopbackOK reports whether the loopback proxies can stand in for GOPROXY:
// with a GOAUTH command the go command would ask it for credentials for the
// loopback URL, so then GOPROXY is left alone.
func loopbackOK(goauth string) bool {
	for _, f := range strings.Split(goauth, ";") {
		switch strings.TrimSpace(f) {
		case "", "netrc", "off":
		default:
			return false
		}
	}
	return true
}

// wholeRetry decides whether to run the go command again: only for
// transient failures the loopback proxies could not retry themselves
// (direct version-control fetches, a checksum database reached directly).
func (h *helper) wholeRetry(output string, set *retryproxy.Set) (string, bool) {
	fs := diagnose.Classify(retryproxy.Unwrap(output))
	if len(fs) == 0 {
		return "", false
	}
	proxied := map[string]bool{}
	if set != nil {
		for _, host := range set.Hosts() {
			proxied[host] = true
		}
	}
	for _, f := range fs {
		if !f.Class.Transient() || proxied[f.Host] {
			return "", false
		}
	}
	line := fs[0].Line
	if len(line) > 200 {
		line = line[:200]
	}
	return line, true
}

// progress prints a line every few seconds while the go command runs.
func (h *helper) progress(ctx context.Context, set *retryproxy.Set, start time.Time) func() {
	if set == nil {
		return func() {}
	}
	total := goSumModules()
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				st := set.Stats()
				of := ""
				if total > 0 {
					of = fmt.Sprintf(" of ~%d", total)
				}
				h.printf("gopherfile: %s: %d%s modules (%s) in %s, %d requests retried",
					h.cfg.Stage, st.Zips, of, mb(st.Bytes), time.Since(start).Round(time.Second), st.Retries)
			}
		}
	}()
	return func() { close(done) }
}

// summary is the closing line of a module step that fetched something.
func summary(stage string, st retryproxy.Snapshot, d time.Duration) string {
	if st.Requests == 0 {
		return ""
	}
	s := fmt.Sprintf("gopherfile: %s: %s, %s (%s) in %s", stage, plural(st.Requests, "request"), plural(st.Zips, "module"), mb(st.Bytes), d.Round(100*time.Millisecond))
	if st.Retries > 0 {
		s += "; " + st.Summary()
	}
	return s
}

func mb(n int64) string {
	if n < 1e6 {
		return fmt.Sprintf("%.0f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// goSumModules counts the module zips go.sum lists (an estimate of what go
// mod download fetches).
func goSumModules() int {
	f, err := os.Open("go.sum")
	if err != nil {
		return 0
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) == 3 && !strings.HasSuffix(fs[1], "/go.mod") {
			seen[fs[0]+" "+fs[1]] = true
		}
	}
	return len(seen)
}

// shareDownloads copies the files of src (a module cache's cache/download)
// that dst lacks.
func shareDownloads(src, dst string) {
	filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			os.MkdirAll(target, 0o755)
			return nil
		}
		if strings.HasSuffix(p, ".lock") || strings.HasSuffix(p, ".partial") {
			return nil
		}
		if _, err := os.Lstat(target); err == nil {
			return nil
		}
		copyFile(p, target, 0o644)
		return nil
	})
}

// copyFile copies src to dst through a temporary file, so that a reader
// never sees half a file.
func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".gopherfile-*")
	if err != nil {
		return err
	}
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	os.Chmod(tmp.Name(), mode)
	return os.Rename(tmp.Name(), dst)
}

// copyTidied copies the tidied go.mod and go.sum to out.
func copyTidied(out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("writing the tidied go.mod: %w", err)
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		if _, err := os.Stat(f); os.IsNotExist(err) {
			continue
		}
		if err := copyFile(f, filepath.Join(out, f), 0o644); err != nil {
			return fmt.Errorf("writing the tidied %s: %w", f, err)
		}
	}
	return nil
}

// noGo explains a builder without a usable go command.
func (h *helper) noGo(ctx context.Context) int {
	path, _ := h.getenv("PATH")
	h.printf("gopherfile: the builder image has no go command on its PATH (%s): use a Go builder image (builder:, --build-arg BUILDER_IMAGE) such as golang:%s", path, or(h.cfg.Diag.GoVersion, "1.26"))
	return 1
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func exitCode(r goResult) int {
	if r.code > 0 {
		return r.code
	}
	return 1
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
