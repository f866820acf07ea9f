package testproxy

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// These tests run the real go command against the proxy.

var libReq = [][2]string{{"example.com/lib", "v1.0.0"}}

func TestGoDownloadAndVerify(t *testing.T) {
	p := startProxy(t, libV1, libV11, upper)
	reqs := [][2]string{{"example.com/lib", "v1.1.0"}, {"github.com/Acme/Upper", "v0.3.0-beta.1"}}
	sums := append(p.GoSum("example.com/lib", "v1.1.0"), p.GoSum("github.com/Acme/Upper", "v0.3.0-beta.1")...)
	g := newGoRun(t, p.URL(), reqs, sums)
	if out, err := g.goCmd("mod", "download"); err != nil {
		t.Fatalf("go mod download: %v\n%s", err, out)
	}
	out, err := g.goCmd("mod", "verify")
	if err != nil || !strings.Contains(out, "all modules verified") {
		t.Fatalf("go mod verify: %v\n%s", err, out)
	}
	// The go command fetched every file of both modules, case-encoded.
	for _, path := range []string{
		"/example.com/lib/@v/v1.1.0.mod", "/example.com/lib/@v/v1.1.0.zip",
		"/github.com/!acme/!upper/@v/v0.3.0-beta.1.mod", "/github.com/!acme/!upper/@v/v0.3.0-beta.1.zip",
	} {
		if p.PathRequests(path) != 1 {
			t.Errorf("%s requested %d times; log %q", path, p.PathRequests(path), p.Log())
		}
	}
	// go.sum is unchanged: GoSum wrote exactly what go computes.
	b, err := os.ReadFile(filepath.Join(g.dir, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != strings.Join(sums, "\n")+"\n" {
		t.Errorf("go rewrote go.sum:\n%s\nwant\n%s", b, strings.Join(sums, "\n"))
	}
	// @latest and list work through go list -m.
	out, err = g.goCmd("list", "-m", "-versions", "example.com/lib")
	if err != nil || strings.TrimSpace(out) != "example.com/lib v1.0.0 v1.1.0" {
		t.Errorf("go list -m -versions: %v %q", err, out)
	}
	out, err = g.goCmd("list", "-m", "example.com/lib@latest")
	if err != nil || strings.TrimSpace(out) != "example.com/lib v1.1.0" {
		t.Errorf("go list -m @latest: %v %q", err, out)
	}
}

// TestGoDoesNotRetry shows that the go command gives up on the first 503:
// with FailFirstPerPath(2, Status503), every file (.mod, .info, .zip) must
// fail twice, and go fetches them one after the other, keeping what it got,
// so the download succeeds only on attempt 2*3+1 = 7.
func TestGoDoesNotRetry(t *testing.T) {
	p := startProxy(t, libV1)
	g := newGoRun(t, p.URL(), libReq, p.GoSum("example.com/lib", "v1.0.0"))
	p.FailFirstPerPath(2, Status503)
	attempts := 0
	var out string
	var err error
	for attempts < 10 {
		attempts++
		out, err = g.goCmd("mod", "download")
		if err == nil {
			break
		}
		if !strings.Contains(out, "503 Service Unavailable") {
			t.Fatalf("attempt %d failed without a 503:\n%s", attempts, out)
		}
		if attempts == 1 && !strings.Contains(out, "go: example.com/lib@v1.0.0: reading "+p.URL()+"/example.com/lib/@v/v1.0.0.mod: 503 Service Unavailable") {
			t.Errorf("first failure:\n%s", out)
		}
	}
	if err != nil {
		t.Fatalf("still failing after %d attempts:\n%s", attempts, out)
	}
	paths := p.Paths()
	if len(paths) != 3 {
		t.Fatalf("paths %q, want .mod, .info and .zip", paths)
	}
	if want := 2*len(paths) + 1; attempts != want {
		t.Errorf("succeeded on attempt %d, want %d; log:\n%s", attempts, want, strings.Join(p.Log(), "\n"))
	}
	for _, path := range paths {
		if n := p.PathRequests(path); n != 3 {
			t.Errorf("%s requested %d times, want 3 (go retries nothing)", path, n)
		}
	}
	if p.Failures() != 6 {
		t.Errorf("Failures() = %d, want 6", p.Failures())
	}
}

func TestGoFaults(t *testing.T) {
	tests := []struct {
		name  string
		setup func(p *Proxy)
		want  []string // any of these in go's output
	}{
		{"500", func(p *Proxy) { p.FailNext(1, Status500) }, []string{"500 Internal Server Error"}},
		{"502", func(p *Proxy) { p.FailNext(1, Status502) }, []string{"502 Bad Gateway"}},
		{"reset", func(p *Proxy) { p.FailNext(1, Reset) }, []string{"connection reset by peer", "EOF"}},
		// The go command sets no timeout on proxy requests: it waits for the
		// whole stall, which the proxy ends after 1s by closing the connection.
		{"stall", func(p *Proxy) { p.SetMaxStall(time.Second); p.FailNext(1, Stall) }, []string{"connection reset by peer", "EOF"}},
		{"tamper", func(p *Proxy) { p.Tamper("example.com/lib", "v1.0.0") }, []string{"verifying example.com/lib@v1.0.0: checksum mismatch"}},
		{"404", func(p *Proxy) { p.SetStatus("example.com/lib", 404) }, []string{"/example.com/lib/@v/v1.0.0.mod: 404 Not Found"}},
		{"410", func(p *Proxy) { p.SetStatus("example.com/lib", 410) }, []string{"410 Gone"}},
		{"403 with body", func(p *Proxy) { p.SetResponse("example.com/lib", 403, "This module version is not available.") },
			[]string{"403 Forbidden\n\tserver response: This module version is not available."}},
		{"down", func(p *Proxy) { _ = p.Down() }, []string{"connect: connection refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startProxy(t, libV1)
			g := newGoRun(t, p.URL(), libReq, p.GoSum("example.com/lib", "v1.0.0"))
			tt.setup(p)
			start := time.Now()
			out, err := g.goCmd("mod", "download")
			if err == nil {
				t.Fatalf("go mod download succeeded; log %q", p.Log())
			}
			found := false
			for _, w := range tt.want {
				found = found || strings.Contains(out, w)
			}
			if !found {
				t.Errorf("output lacks %q:\n%s", tt.want, out)
			}
			if tt.name == "tamper" && !strings.Contains(out, "SECURITY ERROR") {
				t.Errorf("no SECURITY ERROR:\n%s", out)
			}
			if tt.name == "stall" && time.Since(start) < 900*time.Millisecond {
				t.Errorf("go gave up after %v, before the stall ended", time.Since(start))
			}
			// Once the fault is gone, the same command works.
			p.ClearFaults()
			if err := p.Up(); err != nil {
				t.Fatal(err)
			}
			g.cleanCache()
			if out, err := g.goCmd("mod", "download"); err != nil {
				t.Fatalf("after ClearFaults: %v\n%s", err, out)
			}
		})
	}
}

// TestGoProxyFallback checks GOPROXY list semantics against the proxy: ","
// falls through on 404 and 410 only, "|" on any error.
func TestGoProxyFallback(t *testing.T) {
	tests := []struct {
		sep     string
		code    int
		succeed bool
	}{
		{",", 404, true},
		{",", 410, true},
		{",", 403, false},
		{",", 500, false},
		{"|", 500, true},
		{"|", 403, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s%d", tt.sep, tt.code), func(t *testing.T) {
			bad := startProxy(t, libV1)
			good := startProxy(t, libV1)
			bad.SetStatus("example.com/lib", tt.code)
			g := newGoRun(t, bad.URL()+tt.sep+good.URL(), libReq, good.GoSum("example.com/lib", "v1.0.0"))
			out, err := g.goCmd("mod", "download")
			if (err == nil) != tt.succeed {
				t.Fatalf("GOPROXY=bad%sgood with bad answering %d: err=%v, want success %v\n%s", tt.sep, tt.code, err, tt.succeed, out)
			}
			if bad.Requests() == 0 {
				t.Error("the first proxy was not asked")
			}
			if tt.succeed && good.PathRequests("/example.com/lib/@v/v1.0.0.zip") != 1 {
				t.Errorf("the second proxy did not serve the zip; log %q", good.Log())
			}
			if !tt.succeed && good.Requests() != 0 {
				t.Errorf("the second proxy was asked: %q", good.Log())
			}
		})
	}
}

// TestGoTLSAndBasicAuth runs the "corporate proxy" cases: a private CA and
// basic authentication through a netrc file.
func TestGoTLSAndBasicAuth(t *testing.T) {
	p, caPEM, err := StartTLSWithNewCA(libV1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	g := newGoRun(t, p.URL(), libReq, p.GoSum("example.com/lib", "v1.0.0"))

	out, err := g.goCmd("mod", "download")
	if err == nil || !strings.Contains(out, "x509: certificate signed by unknown authority") {
		t.Fatalf("without the CA: %v\n%s", err, out)
	}

	ca := filepath.Join(t.TempDir(), "ca.pem")
	writeFile(t, ca, string(caPEM))
	g.env["SSL_CERT_FILE"] = ca
	if out, err := g.goCmd("mod", "download"); err != nil {
		t.Fatalf("with SSL_CERT_FILE: %v\n%s", err, out)
	}

	g.cleanCache()
	p.RequireBasicAuth("gopher", "s3cret")
	out, err = g.goCmd("mod", "download")
	if err == nil || !strings.Contains(out, "401 Unauthorized") {
		t.Fatalf("without credentials: %v\n%s", err, out)
	}

	// The go command looks netrc machines up by host:port for a URL with a
	// port, so "machine 127.0.0.1" alone does not match.
	netrc := filepath.Join(t.TempDir(), "netrc")
	writeFile(t, netrc, "machine 127.0.0.1 login gopher password s3cret\n")
	g.env["NETRC"] = netrc
	out, err = g.goCmd("mod", "download")
	if err == nil || !strings.Contains(out, "401 Unauthorized") {
		t.Fatalf("with a netrc for the host without port: %v\n%s", err, out)
	}

	writeFile(t, netrc, "machine "+p.Addr()+" login gopher password wrong\nmachine "+p.Addr()+" login gopher password s3cret\n")
	out, err = g.goCmd("mod", "download")
	if err == nil {
		t.Fatalf("the first netrc line should win, and it has the wrong password:\n%s", out)
	}

	writeFile(t, netrc, "machine "+p.Addr()+" login gopher password s3cret\n")
	if out, err := g.goCmd("mod", "download"); err != nil {
		t.Fatalf("with NETRC: %v\n%s", err, out)
	}
	if out, err := g.goCmd("mod", "verify"); err != nil {
		t.Fatalf("go mod verify: %v\n%s", err, out)
	}
}
