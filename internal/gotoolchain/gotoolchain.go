// Package gotoolchain fetches Go toolchains the way the go command does for
// a GOTOOLCHAIN switch: the module golang.org/toolchain at
// v0.0.1-go<version>.linux-<arch>, from the module proxies of GOPROXY (Go's
// list semantics), verified against a known h1 hash or, for a version this
// frontend does not know, against the checksum database (GOSUMDB), and
// unpacked into a GOROOT. It is the code of the step helper's toolchain
// steps and of hack/goreleases, which refreshes the release table.
package gotoolchain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopherfile/gopherfile/internal/goenv"
)

// Module is the module path of the Go toolchains.
const Module = "golang.org/toolchain"

// Arch is the toolchain's name for a GOARCH: the module names 32-bit arm
// armv6l, as the release archives do.
func Arch(goarch string) string {
	if goarch == "arm" {
		return "armv6l"
	}
	return goarch
}

// Version is the module version of Go goVersion ("1.25.14") for linux on
// goarch.
func Version(goVersion, goarch string) string {
	return "v0.0.1-go" + strings.TrimPrefix(goVersion, "go") + ".linux-" + Arch(goarch)
}

// ErrNotFound is returned when no proxy has the toolchain.
var ErrNotFound = errors.New("not found on the module proxies")

// SecurityError is a hash that does not match: the zip is not the toolchain
// the checksum (the frontend's table or the checksum database) names.
type SecurityError struct{ Version, Got, Want, Source string }

func (e *SecurityError) Error() string {
	return fmt.Sprintf("SECURITY ERROR: %s@%s has hash %s, but %s says %s: the module proxy served a different file. Do not work around this; report it to whoever runs the proxy",
		Module, e.Version, e.Got, e.Source, e.Want)
}

// entry is one GOPROXY list element and the separator before it.
type entry struct{ sep, value string }

// proxyList splits a GOPROXY value ("," falls through on 404/410, "|" on
// any error), as the go command does.
func proxyList(goproxy string) []entry {
	var out []entry
	sep := ""
	start := 0
	for i := 0; i <= len(goproxy); i++ {
		if i == len(goproxy) || goproxy[i] == ',' || goproxy[i] == '|' {
			if v := strings.TrimSpace(goproxy[start:i]); v != "" {
				out = append(out, entry{sep, v})
			}
			if i < len(goproxy) {
				sep = string(goproxy[i])
			}
			start = i + 1
		}
	}
	return out
}

// HasProxy reports whether goproxy names a module proxy (an http(s) or file
// URL) before a "direct" or "off": where a toolchain can come from.
func HasProxy(goproxy string) bool {
	for _, e := range proxyList(goproxy) {
		if e.value == "direct" || e.value == "off" {
			return false
		}
		if u, err := url.Parse(e.value); err == nil && (u.Scheme == "https" || u.Scheme == "http" || u.Scheme == "file") {
			return true
		}
	}
	return false
}

// Download fetches the toolchain zip of module version vers through the
// proxies of goproxy into dst (written through a temporary file). It
// returns ErrNotFound (wrapped) when every proxy said 404/410.
func Download(ctx context.Context, client *http.Client, goproxy, vers, dst string) error {
	var errs []string
	for i, e := range proxyList(goproxy) {
		if e.value == "direct" || e.value == "off" {
			break
		}
		if i > 0 && e.sep == "," && len(errs) > 0 && !strings.HasSuffix(errs[len(errs)-1], "(not found)") {
			break
		}
		err := downloadFrom(ctx, client, e.value, vers, dst)
		if err == nil {
			return nil
		}
		errs = append(errs, err.Error())
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 0 {
		return fmt.Errorf("%s@%s: GOPROXY=%s names no module proxy (the Go toolchain comes from one, not from version control)", Module, vers, goproxy)
	}
	for _, e := range errs {
		if !strings.HasSuffix(e, "(not found)") {
			return fmt.Errorf("%s@%s: %s", Module, vers, strings.Join(errs, "; "))
		}
	}
	return fmt.Errorf("%s@%s: %s: %w", Module, vers, strings.Join(errs, "; "), ErrNotFound)
}

func downloadFrom(ctx context.Context, client *http.Client, proxy, vers, dst string) error {
	u := strings.TrimSuffix(proxy, "/") + "/" + Module + "/@v/" + vers + ".zip"
	if f, ok := strings.CutPrefix(u, "file://"); ok {
		return copyTo(ctx, func() (io.ReadCloser, error) { return os.Open(f) }, dst)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("reading %s: %w", goenv.RedactURL(u), err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return fmt.Errorf("reading %s: %s (not found)", goenv.RedactURL(u), resp.Status)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("reading %s: %s", goenv.RedactURL(u), resp.Status)
	}
	return copyTo(ctx, func() (io.ReadCloser, error) { return resp.Body, nil }, dst)
}

func copyTo(ctx context.Context, open func() (io.ReadCloser, error), dst string) error {
	in, err := open()
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".toolchain-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return fmt.Errorf("downloading the toolchain: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}
