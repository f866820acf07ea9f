package step

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/dirhash"

	"github.com/gopherfile/gopherfile/internal/gotoolchain"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// TestToolchainSteps runs the fetch step and the toolchain step in-process
// against a module proxy that serves a small toolchain zip: the fetch puts
// the verified zip into the cache, a second fetch finds it there, the
// toolchain step unpacks it; a zip with another hash is refused, a proxy
// without the toolchain gets its own advice, and a cache without the zip
// makes the toolchain step say so (ExitToolchainMissing).
func TestToolchainSteps(t *testing.T) {
	vers := gotoolchain.Version("1.99.0", "amd64")
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create(gotoolchain.Module + "@" + vers + "/bin/go")
	w.Write([]byte("go"))
	zw.Close()
	zpath := filepath.Join(t.TempDir(), "z.zip")
	os.WriteFile(zpath, zb.Bytes(), 0o644)
	hash, _ := dirhash.HashZip(zpath, dirhash.Hash1)
	requests := 0
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/"+gotoolchain.Module+"/@v/"+vers+".zip" {
			http.NotFound(w, r)
			return
		}
		requests++
		w.Write(zb.Bytes())
	}))
	defer proxy.Close()
	cache := t.TempDir()
	run := func(kind stepconfig.Kind, hash, goproxy string) (int, string) {
		root := t.TempDir()
		cfg := &stepconfig.Config{Kind: kind, Stage: string(kind), OutDir: filepath.Join(root, "out"),
			Toolchain: &stepconfig.ToolchainOpts{Version: vers, Hash: hash, Cache: cache}}
		cfg.Diag.GoVersion = "1.99.0"
		if kind == stepconfig.FetchToolchain {
			cfg.Net = &stepconfig.Net{Retries: 1, TimeoutSeconds: 30, SecretDir: filepath.Join(root, "secrets"), Home: filepath.Join(root, "home"),
				Netrc: "optional", CACert: "optional", SSH: "off"}
		}
		var out bytes.Buffer
		h := &helper{cfg: cfg, stdout: &out, stderr: &out, env: []string{"GOPROXY=" + goproxy, "GOSUMDB=off", "PATH=" + os.Getenv("PATH")}}
		code := h.run(context.Background())
		return code, out.String()
	}
	if code, out := run(stepconfig.Toolchain, hash, ""); code != stepconfig.ExitToolchainMissing {
		t.Errorf("toolchain step on an empty cache: exit %d\n%s", code, out)
	}
	if code, out := run(stepconfig.FetchToolchain, hash, proxy.URL); code != 0 || requests != 1 || !strings.Contains(out, "fetched and verified") {
		t.Fatalf("fetch: exit %d, %d requests\n%s", code, requests, out)
	}
	if code, out := run(stepconfig.FetchToolchain, hash, proxy.URL); code != 0 || requests != 1 || !strings.Contains(out, "nothing to fetch") {
		t.Errorf("second fetch: exit %d, %d requests\n%s", code, requests, out)
	}
	if code, out := run(stepconfig.Toolchain, hash, ""); code != 0 || !strings.Contains(out, "unpacked: 1 files (the standard library") {
		t.Errorf("toolchain step: exit %d\n%s", code, out)
	}
	if code, out := run(stepconfig.Toolchain, "h1:AAAA", ""); code != stepconfig.ExitToolchainMissing || !strings.Contains(out, "not the toolchain") {
		t.Errorf("toolchain step with another hash: exit %d\n%s", code, out)
	}
	os.Remove(filepath.Join(cache, vers+".zip"))
	if code, out := run(stepconfig.FetchToolchain, "h1:AAAA", proxy.URL); code == 0 || !strings.Contains(out, "SECURITY ERROR") {
		t.Errorf("fetch of a zip with another hash: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(cache, vers+".zip")); err == nil {
		t.Error("a zip that failed the check is in the cache")
	}
	empty := httptest.NewServer(http.NotFoundHandler())
	defer empty.Close()
	if code, out := run(stepconfig.FetchToolchain, hash, empty.URL); code == 0 || !strings.Contains(out, "needs to pass golang.org/toolchain on") {
		t.Errorf("a proxy without the toolchain: exit %d\n%s", code, out)
	}
	// A proxy that is down: the loopback proxy answers go's client 502 with
	// the connection error, which the diagnosis must see (row 1), not a
	// server error of the proxy (row 3).
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	if code, out := run(stepconfig.FetchToolchain, hash, downURL); code == 0 || !strings.Contains(out, "connection refused") ||
		!strings.Contains(out, "(row 1,") || strings.Contains(out, "(row 3,") {
		t.Errorf("a proxy that is down: exit %d, want connection refused explained as row 1\n%s", code, out)
	}
	if code, out := run(stepconfig.FetchToolchain, "", proxy.URL); code == 0 || !strings.Contains(out, "GOSUMDB=off") {
		t.Errorf("an unknown version with GOSUMDB=off: exit %d\n%s", code, out)
	}
}
