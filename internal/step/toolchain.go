package step

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/gotoolchain"
	"github.com/gopherfile/gopherfile/internal/step/retryproxy"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// The toolchain steps. The fetch step is networked and carries the module
// settings; it writes the verified zip into the toolchain cache mount. The
// toolchain step carries only the module version and hash: it unpacks the
// zip from the cache mount after checking its hash again (any build on the
// builder may write to a cache mount), so its output, the GOROOT every go
// step mounts, is cached by what it is, never by how it was fetched.

// zipPath is where the toolchain cache mount keeps a verified zip.
func zipPath(t *stepconfig.ToolchainOpts) string {
	return filepath.Join(t.Cache, t.Version+".zip")
}

// unpackToolchain is the toolchain step.
func (h *helper) unpackToolchain() int {
	t := h.cfg.Toolchain
	if t == nil || t.Hash == "" || h.cfg.OutDir == "" {
		h.printf("gopherfile: the toolchain step has no toolchain version, hash or output")
		return 2
	}
	zip := zipPath(t)
	if _, err := os.Stat(zip); err != nil {
		h.printf("gopherfile: the toolchain cache mount has no %s@%s (BuildKit garbage-collected or pruned it after the fetch step's result was cached): fetching it again", gotoolchain.Module, t.Version)
		return stepconfig.ExitToolchainMissing
	}
	start := time.Now()
	n, err := gotoolchain.Extract(zip, t.Version, h.cfg.OutDir, t.Hash, "the build plan")
	var se *gotoolchain.SecurityError
	if errors.As(err, &se) {
		// Any build on the builder may write the cache mount: the fetch
		// step replaces what is not the toolchain.
		h.printf("gopherfile: the toolchain cache mount holds a zip of %s@%s that is not the toolchain (%v): fetching it again", gotoolchain.Module, t.Version, err)
		return stepconfig.ExitToolchainMissing
	}
	if err != nil {
		h.printf("gopherfile: unpacking %s@%s: %v", gotoolchain.Module, t.Version, err)
		return 1
	}
	h.printf("gopherfile: Go toolchain %s@%s (%s) unpacked: %d files (the standard library's tests left out) in %s", gotoolchain.Module, t.Version, t.Hash, n, time.Since(start).Round(100*time.Millisecond))
	return 0
}

// fetchToolchain is the fetch step: the zip through the loopback retrying
// proxies (the download step's proxies, credentials and retries), verified
// against the plan's hash or the checksum database, into the cache mount.
func (h *helper) fetchToolchain(ctx context.Context) int {
	t, n := h.cfg.Toolchain, h.cfg.Net
	if t == nil || n == nil || h.cfg.OutDir == "" {
		h.printf("gopherfile: the toolchain fetch step has no toolchain, network configuration or output")
		return 2
	}
	deadline := time.Now().Add(time.Duration(n.TimeoutSeconds) * time.Second)
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if err := h.netSetup(); err != nil {
		h.printf("gopherfile: %v", err)
		return 1
	}
	eff := h.effectiveEnv()
	goproxy := eff[goenv.GOPROXY]
	set, err := retryproxy.Start(goproxy, retryproxy.Options{
		Retries: n.Retries, Deadline: deadline, RootCAs: h.rootCAs,
		Credentials: h.proxyCredentials, TempDir: n.Home, Logf: h.printf,
	})
	if err != nil {
		h.printf("gopherfile: %v", err)
		return 1
	}
	defer set.Close()
	start := time.Now()
	sum, fetched, err := h.fetchVerified(ctx, set, eff)
	if err != nil {
		// A connection error reaches the client as the loopback proxy's
		// 502 with the error in the body: unwrapped, as for go's output.
		text := set.Unrewrite(retryproxy.Unwrap(err.Error()))
		h.printf("gopherfile: fetching the Go toolchain failed: %s", text)
		var se *gotoolchain.SecurityError
		switch {
		case errors.Is(err, gotoolchain.ErrNotFound):
			h.printf("gopherfile: no module proxy of GOPROXY=%s serves %s@%s: a proxy that serves only some modules (a private one, or a mirror without golang.org/toolchain) needs to pass golang.org/toolchain on, as Athens, Artifactory and goproxy.io do; or add https://proxy.golang.org to GOPROXY (modules.proxy), or set builder: golang:%s to build in the golang image.",
				goenv.Redact(goenv.GOPROXY, goproxy), gotoolchain.Module, t.Version, h.cfg.Diag.GoVersion)
		case !errors.As(err, &se):
			h.explain(ctx, "go: "+text+"\n", eff)
			h.printf("gopherfile: the go steps run with the Go toolchain from the module proxy (%s@%s); to build in an image instead, set builder: golang:%s in the Gopherfile.", gotoolchain.Module, t.Version, h.cfg.Diag.GoVersion)
		}
		return 1
	}
	if err := os.MkdirAll(h.cfg.OutDir, 0o755); err == nil {
		err = os.WriteFile(filepath.Join(h.cfg.OutDir, stepconfig.ToolchainSum), []byte(sum+"\n"), 0o644)
	}
	if err != nil {
		h.printf("gopherfile: writing the toolchain hash: %v", err)
		return 1
	}
	if !fetched {
		return 0
	}
	st := set.Stats()
	fi, _ := os.Stat(zipPath(t))
	size := int64(0)
	if fi != nil {
		size = fi.Size()
	}
	h.printf("gopherfile: Go toolchain %s@%s (%s) fetched and verified (%s) in %s", gotoolchain.Module, t.Version, mb(size), sum, time.Since(start).Round(100*time.Millisecond))
	if st.Retries > 0 {
		h.printf("gopherfile: fetching the toolchain: %s", st.Summary())
	}
	return 0
}

// fetchVerified downloads the zip unless the cache holds it, verifies it
// and returns its hash and whether it was downloaded.
func (h *helper) fetchVerified(ctx context.Context, set *retryproxy.Set, eff map[string]string) (string, bool, error) {
	t := h.cfg.Toolchain
	zip := zipPath(t)
	client := &http.Client{Transport: h.transport()}
	want, source := t.Hash, "the frontend's release table"
	if want == "" {
		// A version the table does not know: the checksum database vouches
		// for it, every time (a hash kept in the cache mount could have been
		// written by any build on the builder).
		sum, err := gotoolchain.LookupSum(ctx, client, set.GOPROXY(), eff[goenv.GOSUMDB], t.Version)
		if err != nil {
			return "", false, fmt.Errorf("go%s is not in this frontend's release table, so the checksum database must vouch for it: %w", h.cfg.Diag.GoVersion, err)
		}
		want, source = sum, "the checksum database ("+eff[goenv.GOSUMDB]+")"
	}
	// With the table's hash, a zip in the cache is enough here: the
	// toolchain step checks the hash as it unpacks (and on a mismatch the
	// frontend runs this step again with a nonce, which checks it here).
	if fi, err := os.Stat(zip); err == nil && fi.Size() > 0 {
		if (t.Hash != "" && h.cfg.Nonce == "") || gotoolchain.Verify(zip, t.Version, want, source) == nil {
			h.printf("gopherfile: the toolchain cache mount holds %s@%s (%s): nothing to fetch", gotoolchain.Module, t.Version, want)
			return want, false, nil
		}
	}
	tmp := zip + ".download"
	defer os.Remove(tmp)
	if err := gotoolchain.Download(ctx, client, set.GOPROXY(), t.Version, tmp); err != nil {
		return "", false, err
	}
	if err := gotoolchain.Verify(tmp, t.Version, want, source); err != nil {
		return "", false, err
	}
	return want, true, os.Rename(tmp, zip)
}

// transport reaches the loopback proxies and, for a GOSUMDB with a URL of
// its own, the checksum database (with the cacert secret's roots and the
// HTTP proxies of the build).
func (h *helper) transport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: h.rootCAs},
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: time.Minute,
	}
}

// effectiveEnv is the module settings of a step without a go command: the
// step's env, else the go command's defaults.
func (h *helper) effectiveEnv() map[string]string {
	eff := map[string]string{goenv.GOVERSION: "go" + h.cfg.Diag.GoVersion}
	for _, name := range goenv.Names() {
		v, ok := h.getenv(name)
		if !ok || v == "" {
			v = goenv.Default(name)
		}
		eff[name] = v
	}
	return eff
}

// needsImage ends a step on the minimal root that found the build needs a
// C compiler or git: the frontend builds again in the builder image.
func (h *helper) needsImage(what, why string) int {
	h.printf("gopherfile: %s needs %s (%s), which the minimal root of the toolchain from the module proxy does not have: building in the golang image instead (builder: golang:%s in the Gopherfile starts there, or names another image).", h.cfg.Stage, what, strings.TrimSuffix(why, "."), or(h.cfg.Diag.GoVersion, "<go>"))
	return stepconfig.ExitNeedsImage
}

var notFound = regexp.MustCompile(`exec: "([^"]+)": executable file not found in \$PATH`)

// imageNeeded says, for a failed go command on the minimal root, what the
// build needs that only a builder image has, "" when nothing (or when the
// step runs in an image: it then fails as it is).
func (h *helper) imageNeeded(ctx context.Context, output string) (what, why string) {
	if !h.cfg.MinimalRoot {
		return "", ""
	}
	// A binary the Gopherfile builds with cgo: false (Build without Cgo)
	// stays: the golang image would fail the same way, and the compile
	// step explains row 21 here.
	if b := h.cfg.Build; b == nil || b.Cgo != nil {
		if why := h.cgoByBuildOutput(ctx, output); why != "" {
			return "a C compiler", why
		}
	}
	if strings.Contains(output, "missing Git command") {
		return "git", "a module is fetched from version control"
	}
	if m := notFound.FindStringSubmatch(output); m != nil {
		switch prog := filepath.Base(m[1]); prog {
		case "gcc", "cc", "clang", "g++", "c++":
			return "a C compiler", prog + " is run"
		case "git", "hg", "svn", "bzr", "fossil":
			return prog, "a module is fetched from version control"
		default:
			return "the program " + prog, "it is run and the minimal root has only the go command"
		}
	}
	return "", ""
}

// orImage returns ExitNeedsImage, after saying why, when the failed go
// command needs the builder image.
func (h *helper) orImage(ctx context.Context, res goResult) (int, bool) {
	if res.ok() || res.err != nil {
		return 0, false
	}
	what, why := h.imageNeeded(ctx, res.output)
	if what == "" {
		return 0, false
	}
	return h.needsImage(what, why), true
}
