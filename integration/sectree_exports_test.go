//go:build integration

package integration

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopherfile/gopherfile/internal/testproxy"
)

// TestTestReportExportsRegularFiles: issue 21 item 9. A test plants a link
// to /etc/passwd in the report folder and replaces test.json by a link;
// --target test -o DIR exports the report files only, as regular files.
func TestTestReportExportsRegularFiles(t *testing.T) {
	dir := copyDir(t, "examples/hello")
	writeFile(t, filepath.Join(dir, "plant_test.go"), `package main

import (
	"os"
	"testing"
)

func TestPlant(t *testing.T) {
	os.Symlink("/etc/passwd", "/out/passwd")
	os.Remove("/out/test.json")
	os.Symlink("/etc/hostname", "/out/test.json")
}
`)
	out := t.TempDir()
	mustOK(t, cli(t, dir, "--progress", "plain", "--target", "test", "-o", "type=local,dest="+out, "."))
	var names []string
	ents, _ := os.ReadDir(out)
	for _, e := range ents {
		names = append(names, e.Name())
		if fi, _ := os.Lstat(filepath.Join(out, e.Name())); !fi.Mode().IsRegular() {
			t.Errorf("the export holds %s, a %s", e.Name(), fi.Mode().Type())
		}
	}
	if strings.Contains(strings.Join(names, " "), "passwd") {
		t.Errorf("the planted link was exported: %q", names)
	}
	if dt := readFile(t, filepath.Join(out, "test.json")); !strings.Contains(dt, `"Test":"TestPlant"`) {
		t.Errorf("test.json is not the report: %.200q", dt)
	}
}

// helperListeners returns the loopback ports the running step helpers whose
// environment holds mark listen on (the step runs in the host's network on
// the test buildkitd, which other builds share).
func helperListeners(t *testing.T, mark string) []int {
	var ports []int
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		cmd, _ := os.ReadFile(filepath.Join(p, "cmdline"))
		args := strings.Split(strings.TrimRight(string(cmd), "\x00"), "\x00")
		if len(args) != 2 || args[1] != "step" || !strings.HasPrefix(args[0], "/gopherfile/helper/") {
			continue
		}
		if env, _ := os.ReadFile(filepath.Join(p, "environ")); !strings.Contains(string(env), mark) {
			continue
		}
		inodes := map[string]bool{}
		fds, _ := filepath.Glob(filepath.Join(p, "fd", "*"))
		for _, fd := range fds {
			if l, err := os.Readlink(fd); err == nil && strings.HasPrefix(l, "socket:[") {
				inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
			}
		}
		tcp, _ := os.ReadFile(filepath.Join(p, "net", "tcp"))
		for _, line := range strings.Split(string(tcp), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" || !inodes[f[9]] || !strings.HasPrefix(f[1], "0100007F:") {
				continue
			}
			if port, err := strconv.ParseUint(strings.TrimPrefix(f[1], "0100007F:"), 16, 16); err == nil {
				ports = append(ports, int(port))
			}
		}
	}
	return ports
}

// requested reports whether the proxy has received a request for a path of
// module path.
func requested(p *testproxy.Proxy, path string) bool {
	for _, u := range p.Paths() {
		if strings.HasPrefix(u, "/"+path+"/@v/") {
			return true
		}
	}
	return false
}

// TestLoopbackProxyServesItsStepOnly: issue 21 item 5. While a download
// step waits on a stalled proxy, another process on the host finds the
// step's loopback proxy and asks it for the module, without and with a
// "..": 403 each time, and the upstream never sees those requests.
func TestLoopbackProxyServesItsStepOnly(t *testing.T) {
	mod := privateModule(t)
	p := startProxy(t, mod)
	p.SetMaxStall(20 * time.Second)
	p.FailFirstPerPath(1, testproxy.Stall)
	dir := moduleUsing(t, p, mod, fmt.Sprintf("  proxy: %s\n  nosumdb: [example.com/*]\n", p.URL()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	b := relStartCLI(ctx, t, dir, "--no-cache", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	// The toolchain fetch step runs with the same GOPROXY and may open (and
	// close at once) its own loopback proxies first: wait until the
	// download step's first request for the module is held by the stall,
	// so the helpers found are the download step's, alive for 20 s.
	var ports []int
	if !b.waitUntil(5*time.Minute, func() bool {
		if !requested(p, mod.Path) {
			return false
		}
		ports = helperListeners(t, "GOPROXY="+p.URL())
		return len(ports) > 0
	}) {
		t.Fatalf("no step helper listened on the loopback:\n%s", tail(relNonJSON(b.out.String()), 20))
	}
	before := p.Requests()
	for _, port := range ports {
		for _, path := range []string{"/" + mod.Path + "/@v/list", "/0123456789abcdef0123456789abcdef/" + mod.Path + "/@v/list", "/x/../" + mod.Path + "/@v/list"} {
			res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", port, path))
			if err != nil {
				t.Errorf("port %d %s: %v", port, path, err)
				continue
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("a request without the step's prefix, %s on port %d, got %d, want 403", path, port, res.StatusCode)
			}
		}
	}
	if after := p.Requests(); after != before {
		t.Logf("the upstream saw %d requests while the helper was probed (the step's own)", after-before)
	}
	<-b.done
	if b.err != nil {
		t.Fatalf("the build failed: %v\n%s", b.err, tail(relNonJSON(b.out.String()), 30))
	}
	t.Logf("probed %d loopback proxies", len(ports))
}

// TestProxyRedirectToHTTP: issue 21 item 6. A TLS proxy (with a password
// in GOPROXY) redirects to http on the same host; the loopback proxy
// refuses, as the go command does, and the http server never sees the
// credentials.
func TestProxyRedirectToHTTP(t *testing.T) {
	var leaked atomic.Int32
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(plain.Close)
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+r.URL.Path, http.StatusFound)
	}))
	t.Cleanup(secure.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	writeFile(t, ca, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: secure.Certificate().Raw})))
	pass := fmt.Sprintf("pw-%016x", rand.Uint64())
	mod := privateModule(t)
	p := startProxy(t, mod)
	dir := moduleUsing(t, p, mod, "  nosumdb: [example.com/*]\n")
	r := cli(t, dir, "--progress", "plain", "--secret", "id=cacert,src="+ca, "--build-arg", "GOPROXY="+strings.Replace(secure.URL, "https://", "https://ci:"+pass+"@", 1),
		"--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	if r.err == nil {
		t.Fatal("the build followed the redirect to http")
	}
	if !strings.Contains(r.out, "redirected from secure URL") {
		t.Errorf("the output does not name the refused redirect:\n%s", tail(r.out, 30))
	}
	if n := leaked.Load(); n != 0 {
		t.Errorf("the credentials reached the http server %d times", n)
	}
	noSecret(t, "the build output", r.out, pass)
}

// TestProxyTokensNotPrinted: issue 21 item 12. A GOPROXY from the secret
// with a token in its path, and one from a build arg with a token in its
// query: the failure (the module is not there) names the proxy without
// either token.
func TestProxyTokensNotPrinted(t *testing.T) {
	p := startProxy(t) // serves nothing
	mod := privateModule(t)
	dir := moduleUsing(t, p, mod, "  nosumdb: [example.com/*]\n")
	writeFile(t, filepath.Join(dir, "go.sum"), "")
	pathTok := fmt.Sprintf("ptok%016x", rand.Uint64())
	queryTok := fmt.Sprintf("qtok%016x", rand.Uint64())
	t.Setenv("GF_TEST_GOPROXY", p.URL()+"/api/"+pathTok)
	r := cli(t, dir, "--progress", "plain", "--secret", "id=GOPROXY,env=GF_TEST_GOPROXY", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	if r.err == nil {
		t.Fatal("built without the module")
	}
	if !strings.Contains(r.out, p.URL()) {
		t.Errorf("the output does not name the proxy %s:\n%s", p.URL(), tail(r.out, 20))
	}
	noSecret(t, "the output (GOPROXY secret)", r.out, pathTok)
	r = cli(t, dir, "--progress", "plain", "--build-arg", "GOPROXY="+p.URL()+"/?token="+queryTok, "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	if r.err == nil {
		t.Fatal("built without the module")
	}
	noSecret(t, "the output (GOPROXY build arg with a query)", r.out, queryTok)
}
