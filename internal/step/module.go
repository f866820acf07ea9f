package step

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/gosum"
	"github.com/gopherfile/gopherfile/internal/safefile"
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
	if h.cfg.Untrusted {
		h.env = allowedEnv(h.env, goenv.UntrustedStepEnv)
	}
	if _, set := h.getenv(goenv.GOMAXPROCS); h.cfg.Kind.FetchesModules() && !set {
		// go fetches GOMAXPROCS modules at a time: stepconfig.FetchProcs.
		h.setenv(goenv.GOMAXPROCS, strconv.Itoa(stepconfig.FetchProcs))
	}
	timeout := time.Duration(n.TimeoutSeconds) * time.Second
	deadline := time.Now().Add(timeout)
	parent := ctx
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if err := h.netSetup(); err != nil {
		h.printf("gopherfile: %v", err)
		return 1
	}
	if h.agent != nil {
		defer h.agent.close()
	}
	eff, code := h.guardGo(ctx)
	if eff == nil {
		return code
	}
	if _, set := h.getenv(goenv.GOMAXPROCS); !set && h.tidyFetches() {
		h.setenv(goenv.GOMAXPROCS, strconv.Itoa(stepconfig.FetchProcs))
	}
	goproxy := eff[goenv.GOPROXY]
	set, rewrite, err := h.startProxies(eff, deadline)
	if err != nil {
		h.printf("gopherfile: %v", err)
		return 1
	}
	if set != nil {
		defer set.Close()
	}

	start := time.Now()
	stopProgress := h.progress(ctx, set, start)
	res, jsonOut := h.runWithRetries(ctx, set, rewrite, timeout, deadline)
	stopProgress()
	if set != nil {
		if s := summary(h.cfg.Stage, set.Stats(), time.Since(start)); s != "" {
			h.printf("%s", s)
		}
	}
	if code, ok := h.orImage(parent, res); ok {
		return code
	}
	if !res.ok() {
		if run := h.cfg.Kind == stepconfig.VulnTool; run {
			fmt.Fprint(h.stdout, lastLines(res.output, 30))
		}
		eff[goenv.GOPROXY] = goproxy
		h.explain(ctx, retryproxy.Unwrap(res.output), eff)
		return exitCode(res)
	}
	return h.finishModuleStep(parent, goproxy, jsonOut.Bytes())
}

// runWithRetries runs the step's go command, and again (the whole command)
// after a transient failure outside the module proxies, within the
// step's deadline; it returns the last result and, for the vulnerability
// database, go's JSON output.
func (h *helper) runWithRetries(ctx context.Context, set *retryproxy.Set, rewrite func(string) string, timeout time.Duration, deadline time.Time) (goResult, *bytes.Buffer) {
	n := h.cfg.Net
	var res goResult
	jsonOut := &bytes.Buffer{}
	for attempt := 0; ; attempt++ {
		run := goRun{args: h.cfg.Args, rewrite: rewrite}
		switch h.cfg.Kind {
		case stepconfig.VulnDB:
			jsonOut.Reset()
			run.stdout = jsonOut // go mod download -json
		case stepconfig.VulnTool:
			run.quiet = true // go install -n: the build script, hundreds of lines
		}
		res = h.runGo(ctx, run)
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
	return res, jsonOut
}

// finishModuleStep does what a step kind does after its go command
// succeeded: the download record and layer, govulncheck's build, the
// vulnerability database, the tidied files.
func (h *helper) finishModuleStep(parent context.Context, goproxy string, jsonOut []byte) int {
	switch h.cfg.Kind {
	case stepconfig.Download:
		if h.cfg.ShareDownloads != "" {
			if gmc, ok := h.getenv(goenv.GOMODCACHE); ok {
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
	case stepconfig.VulnTool:
		// go install -n fetched what the build needs (within the deadline);
		// the build runs from the module cache, as long as it takes.
		return h.installTool(parent, goproxy)
	case stepconfig.VulnDB:
		if err := h.convertVulnDB(jsonOut); err != nil {
			h.printf("gopherfile: the vulnerability database: %v", err)
			return 1
		}
	case stepconfig.TidyFix:
		if err := copyTidied(h.cfg.OutDir); err != nil {
			h.printf("gopherfile: %v", err)
			return 1
		}
	}
	return 0
}

// guardGo makes the go command of a step that holds secrets unable to read
// them (from here on it runs without privileges, and the helper is not
// dumpable), checks the tree it will read, and returns go's effective
// settings; nil and the exit code when the step cannot go on.
func (h *helper) guardGo(ctx context.Context) (map[string]string, int) {
	if err := protectSelf(); err != nil {
		h.printf("gopherfile: %v", err)
		return nil, 1
	}
	h.unprivileged = true
	if err := h.checkTree(); err != nil {
		h.printf("gopherfile: %v", err)
		return nil, 1
	}
	eff, failed := h.goEnvErr(ctx, append(goenv.Names(), goenv.GOVERSION)...)
	if eff == nil {
		return nil, h.noGo(ctx, failed)
	}
	h.goAuthSetup(eff[goenv.GOAUTH], eff[goenv.GOVERSION])
	origin := h.proxySource
	if origin == "" {
		if s, ok := h.cfg.Diag.Setting(goenv.GOPROXY); ok {
			origin = s.Origin
		} else {
			origin = "the builder's go env"
		}
	}
	h.noteURLCredentials(eff[goenv.GOPROXY], origin)
	return eff, 0
}

// startProxies points the go command's GOPROXY at the local module caches
// (LocalProxies) and the loopback proxies, and returns those proxies (nil
// when GOPROXY stays as it is) and the rewrite of go's output.
func (h *helper) startProxies(eff map[string]string, deadline time.Time) (*retryproxy.Set, func(string) string, error) {
	n := h.cfg.Net
	goproxy := eff[goenv.GOPROXY]
	prefix := ""
	for _, d := range h.cfg.LocalProxies {
		if err := os.MkdirAll(d, 0o755); err == nil {
			prefix += "file://" + d + ","
		}
	}
	if loopbackOK(eff[goenv.GOAUTH]) && goproxy != "off" {
		set, err := retryproxy.Start(goproxy, retryproxy.Options{
			Retries:     n.Retries,
			Deadline:    deadline,
			RootCAs:     h.rootCAs,
			Credentials: h.proxyCredentials,
			TempDir:     n.TempDir,
			HostOnly:    goenv.FromSecret(h.proxySource),
			Logf:        h.printf,
		})
		if err != nil {
			return nil, nil, err
		}
		h.setenv(goenv.GOPROXY, prefix+set.GOPROXY())
		return set, set.Unrewrite, nil
	}
	if prefix != "" {
		h.setenv(goenv.GOPROXY, prefix+goproxy)
	}
	if goenv.FromSecret(h.proxySource) {
		// go talks to the secret's URLs itself (a GOAUTH command): what it
		// prints shows their hosts only.
		return nil, hideURLs(h.proxyValue), nil
	}
	return nil, func(s string) string { return s }, nil
}

// hideURLs returns a rewrite that shows each URL of a GOPROXY list as its
// scheme and host only, and hides its path and query wherever they appear.
func hideURLs(goproxy string) func(string) string {
	var pairs []string
	for _, e := range strings.FieldsFunc(goproxy, func(r rune) bool { return r == ',' || r == '|' }) {
		u, err := url.Parse(e)
		if err != nil || u.Host == "" {
			continue
		}
		shown := goenv.HostOnly(e)
		bare := *u
		bare.User = nil
		noQuery := bare
		noQuery.RawQuery, noQuery.Fragment = "", ""
		pairs = append(pairs, bare.String(), shown, u.Redacted(), shown, noQuery.String(), shown)
		for _, s := range []string{strings.Trim(u.EscapedPath(), "/"), strings.Trim(u.Path, "/"), u.RawQuery} {
			if len(s) >= 4 {
				pairs = append(pairs, s, "xxxxx")
			}
		}
	}
	r := strings.NewReplacer(pairs...)
	return r.Replace
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
	entries, _ := gosum.ReadFiles("go.sum")
	n := 0
	for _, e := range entries {
		if e.Zip != "" {
			n++
		}
	}
	return n
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

// copyTidied copies the tidied go.mod and go.sum to out, as regular files
// only: the tidy target is exported with -o . into the user's checkout, and
// a link there (or its target's content) must never be.
func copyTidied(out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("writing the tidied go.mod: %w", err)
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		if _, err := os.Lstat(f); os.IsNotExist(err) {
			continue
		}
		if err := safefile.CopyRegular(f, filepath.Join(out, f), 0o644); err != nil {
			return fmt.Errorf("writing the tidied %s: %w", f, err)
		}
	}
	return nil
}

// noGo explains a go command that cannot start: for this module (a go
// line newer than the builder, a toolchain switch it cannot make: row 12),
// or at all (no go command). failed is go env's error output.
func (h *helper) noGo(ctx context.Context, failed string) int {
	if len(diagnose.Classify(failed)) > 0 {
		h.printf("%s", strings.TrimRight(failed, "\n"))
		h.explain(ctx, failed, h.envSettings())
		return 1
	}
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
