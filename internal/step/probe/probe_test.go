package probe

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopherfile/gopherfile/internal/doctor"
	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/step/diagnose"
	"github.com/gopherfile/gopherfile/internal/step/netrc"
	"github.com/gopherfile/gopherfile/internal/testproxy"
)

var lib = testproxy.Module{Path: "example.com/acme/lib", Version: "v1.0.0", Files: map[string]string{"lib.go": "package lib\n"}}

// project writes go.mod (requiring lib) and go.sum (from p, or empty).
func project(t *testing.T, p *testproxy.Proxy, goLine string) string {
	t.Helper()
	dir := t.TempDir()
	gomod := fmt.Sprintf("module example.com/app\n\ngo %s\n\nrequire %s %s\n", goLine, lib.Path, lib.Version)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := ""
	if p != nil {
		sum = strings.Join(p.GoSum(lib.Path, lib.Version), "\n") + "\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), []byte(sum), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func startProxy(t *testing.T) *testproxy.Proxy {
	t.Helper()
	p, err := testproxy.Start(lib)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// input is the probe's input for a GOPROXY value, as the doctor step makes
// it from go env.
func input(dir string, env map[string]string) Input {
	eff := map[string]string{
		"GOPROXY": goenv.DefaultGOPROXY, "GOSUMDB": "off", "GOTOOLCHAIN": "local", "GOVERSION": "go1.26.8",
		"GOHOSTOS": "linux", "GOHOSTARCH": "amd64",
	}
	for k, v := range env {
		eff[k] = v
	}
	if eff["GONOPROXY"] == "" {
		eff["GONOPROXY"] = eff["GOPRIVATE"]
	}
	if eff["GONOSUMDB"] == "" {
		eff["GONOSUMDB"] = eff["GOPRIVATE"]
	}
	c := diagnose.Context{Stage: "go mod download", GoVersion: "1.26.8"}
	c.GOPROXY = goenv.Setting{Name: "GOPROXY", Value: eff["GOPROXY"], Origin: "Gopherfile modules.proxy"}
	c.GOPRIVATE = goenv.Setting{Name: "GOPRIVATE", Value: env["GOPRIVATE"]}
	c.GOSUMDB = goenv.Setting{Name: "GOSUMDB", Value: eff["GOSUMDB"]}
	c.GOTOOLCHAIN = goenv.Setting{Name: "GOTOOLCHAIN", Value: eff["GOTOOLCHAIN"]}
	return Input{Where: doctor.Builder, Dir: dir, Env: os.Environ(), GoEnv: eff, Context: c, NetrcSource: "the netrc secret",
		Deadline: time.Now().Add(20 * time.Second)}
}

func rows(r *doctor.Report) string {
	var s []string
	for _, n := range r.Rows() {
		s = append(s, fmt.Sprint(n))
	}
	return strings.Join(s, ",")
}

// deadAddr is an address nothing listens on.
func deadAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := ln.Addr().String()
	ln.Close()
	return a
}

// TestProxyRows: each fault of a module proxy is predicted with the row and
// the words of the build's diagnosis, and GOPROXY's list semantics decide
// whether a fallback saves the module.
func TestProxyRows(t *testing.T) {
	tests := []struct {
		name   string
		fault  func(p *testproxy.Proxy)
		proxy  func(bad, good string) string
		rows   string
		phrase string
	}{
		{"healthy", nil, func(bad, good string) string { return good }, "", ""},
		{"404 private module", func(p *testproxy.Proxy) { p.SetStatus("example.com", 404) }, nil, "5", "answered 404 Not Found (row 5"},
		{"410 private module", func(p *testproxy.Proxy) { p.SetStatus("example.com", 410) }, nil, "5", "410 Gone (row 5"},
		{"403 private module", func(p *testproxy.Proxy) { p.SetStatus("example.com", 403) }, nil, "5", "modules.private: [example.com]"},
		{"401 needs credentials", func(p *testproxy.Proxy) { p.RequireBasicAuth("ci", "tok") }, nil, "5", "the proxy needs credentials"},
		{"500 server error", func(p *testproxy.Proxy) { p.SetStatus("example.com", 500) }, nil, "3", "answered 500 Internal Server Error (row 3, server error"},
		{"503 server error", func(p *testproxy.Proxy) { p.SetStatus("example.com", 503) }, nil, "3", "503 Service Unavailable (row 3"},
		{"comma falls through 404", func(p *testproxy.Proxy) { p.SetStatus("example.com", 404) }, func(bad, good string) string { return bad + "," + good }, "", ""},
		{"comma stops on 500", func(p *testproxy.Proxy) { p.SetStatus("example.com", 500) }, func(bad, good string) string { return bad + "," + good }, "3", "add a second proxy after |"},
		{"pipe falls through 500", func(p *testproxy.Proxy) { p.SetStatus("example.com", 500) }, func(bad, good string) string { return bad + "|" + good }, "", ""},
		{"400 not in the catalogue", func(p *testproxy.Proxy) { p.SetStatus("example.com", 400) }, nil, "0", "does not recognise"},
		{"off", nil, func(bad, good string) string { return "off" }, "17", "GOPROXY=off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			good := startProxy(t)
			bad := startProxy(t)
			target := bad
			if tt.fault != nil {
				tt.fault(bad)
			} else {
				target = good
			}
			gp := target.URL()
			if tt.proxy != nil {
				gp = tt.proxy(bad.URL(), good.URL())
			}
			r := Run(context.Background(), input(project(t, good, "1.22"), map[string]string{"GOPROXY": gp}))
			if got := rows(r); got != tt.rows {
				t.Fatalf("rows %q, want %q:\n%s", got, tt.rows, r.JSON())
			}
			if tt.phrase != "" && !strings.Contains(r.Problems[0].Text, tt.phrase) {
				t.Errorf("the paragraph lacks %q:\n%s", tt.phrase, r.Problems[0].Text)
			}
			if tt.rows == "" && (len(r.Modules) != 1 || !r.Modules[0].OK) {
				t.Errorf("the module should answer: %+v", r.Modules)
			}
		})
	}
}

// TestDeadProxy: a proxy nobody listens on is row 1, naming its address, at
// once (connection refused is not waited for).
func TestDeadProxy(t *testing.T) {
	addr := deadAddr(t)
	start := time.Now()
	r := Run(context.Background(), input(project(t, startProxy(t), "1.22"), map[string]string{"GOPROXY": "http://" + addr}))
	if got := rows(r); got != "1" {
		t.Fatalf("rows %q, want 1:\n%s", got, r.JSON())
	}
	if !strings.Contains(r.Problems[0].Text, "could not connect to "+addr) {
		t.Errorf("the paragraph does not name %s:\n%s", addr, r.Problems[0].Text)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
}

// TestDeadline: a proxy that never answers stops the probe at the deadline.
func TestDeadline(t *testing.T) {
	p := startProxy(t)
	p.SetMaxStall(time.Minute)
	p.FailNext(100, testproxy.Stall)
	in := input(project(t, p, "1.22"), map[string]string{"GOPROXY": p.URL()})
	in.Deadline = time.Now().Add(2 * time.Second)
	start := time.Now()
	r := Run(context.Background(), in)
	if d := time.Since(start); d > 6*time.Second {
		t.Errorf("took %s with a 2s deadline", d)
	}
	if got := rows(r); got != "1" || !strings.Contains(r.Problems[0].Text, p.Addr()) {
		t.Errorf("want row 1 naming %s, got %q:\n%s", p.Addr(), got, r.JSON())
	}
}

// TestTLS: a proxy whose CA the builder does not have is row 4 with its
// issuer; with the CA (the cacert secret) it is trusted.
func TestTLS(t *testing.T) {
	p, caPEM, err := testproxy.StartTLSWithNewCA(lib)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	dir := project(t, p, "1.22")
	r := Run(context.Background(), input(dir, map[string]string{"GOPROXY": p.URL()}))
	if got := rows(r); got != "4" {
		t.Fatalf("rows %q, want 4:\n%s", got, r.JSON())
	}
	if px := r.Proxies[0]; px.TLS != "untrusted" || px.Issuer == "" {
		t.Errorf("proxy %+v: want untrusted with the issuer", px)
	}
	if !strings.Contains(r.Problems[0].Text, "--secret id=cacert") || !strings.Contains(r.Problems[0].Text, "presented a certificate issued by") {
		t.Errorf("no cacert advice:\n%s", r.Problems[0].Text)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	in := input(dir, map[string]string{"GOPROXY": p.URL()})
	in.RootCAs = pool
	r = Run(context.Background(), in)
	if len(r.Problems) != 0 || r.Proxies[0].TLS != "trusted" {
		t.Errorf("with the CA: %s", r.JSON())
	}
}

// TestNetrc: the netrc entry is offered and named, never shown; a wrong
// password is row 5 saying the credentials were rejected.
func TestNetrc(t *testing.T) {
	p, caPEM, err := testproxy.StartTLSWithNewCA(lib)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	p.RequireBasicAuth("ci", "s3cret-token")
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	for _, tt := range []struct {
		pass, rows string
	}{{"s3cret-token", ""}, {"wrong-token", "5"}} {
		in := input(project(t, p, "1.22"), map[string]string{"GOPROXY": p.URL()})
		in.RootCAs = pool
		in.Netrc = netrc.Parse("machine " + p.Addr() + " login ci password " + tt.pass)
		in.Creds = map[string]string{p.Addr(): "the netrc secret"}
		in.Context.Credentials = in.Creds
		r := Run(context.Background(), in)
		js := string(r.JSON())
		if got := rows(r); got != tt.rows {
			t.Errorf("password %s: rows %q, want %q:\n%s", tt.pass, got, tt.rows, js)
		}
		if strings.Contains(js, tt.pass) {
			t.Errorf("the report shows the password")
		}
		if !strings.Contains(r.Proxies[0].Credential, "netrc entry for "+p.Addr()) {
			t.Errorf("credential %q", r.Proxies[0].Credential)
		}
		if tt.rows == "5" && !strings.Contains(r.Problems[0].Text, "rejected the credentials") {
			t.Errorf("want the rejected-credentials paragraph:\n%s", r.Problems[0].Text)
		}
	}
}

// TestSumDB: go.sum that lacks a requirement is row 13, and the checksum
// database it would be looked up in, unreachable, row 9; GONOSUMDB exempts.
func TestSumDB(t *testing.T) {
	p := startProxy(t)
	dead := deadAddr(t)
	r := Run(context.Background(), input(project(t, nil, "1.22"), map[string]string{
		"GOPROXY": p.URL(), "GOSUMDB": "sum.example.com+abc http://" + dead,
	}))
	if got := rows(r); got != "13,9" {
		t.Fatalf("rows %q, want 13,9:\n%s", got, r.JSON())
	}
	if r.SumDB.OK || len(r.SumDB.Needed) != 1 {
		t.Errorf("sumdb %+v", r.SumDB)
	}
	r = Run(context.Background(), input(project(t, p, "1.22"), map[string]string{"GOPROXY": p.URL(), "GOSUMDB": "sum.example.com+abc http://" + dead}))
	if len(r.Problems) != 0 || !strings.Contains(r.SumDB.Status, "go.sum covers") {
		t.Errorf("with a complete go.sum the database is not asked: %s", r.JSON())
	}
}

// TestToolchain: a go line newer than the builder with GOTOOLCHAIN=local
// is row 12.
func TestToolchain(t *testing.T) {
	p := startProxy(t)
	r := Run(context.Background(), input(project(t, p, "1.99"), map[string]string{"GOPROXY": p.URL()}))
	if got := rows(r); got != "12" || r.Toolchain.OK {
		t.Fatalf("rows %q, want 12:\n%s", got, r.JSON())
	}
	if !strings.Contains(r.Problems[0].Text, "1.99") {
		t.Errorf("paragraph: %s", r.Problems[0].Text)
	}
	// With GOTOOLCHAIN=auto the go command asks the proxy for the
	// toolchain, which this proxy does not have.
	r = Run(context.Background(), input(project(t, p, "1.99"), map[string]string{"GOPROXY": p.URL(), "GOTOOLCHAIN": "auto"}))
	if got := rows(r); got != "12" || r.Toolchain.Switch != "go1.99" {
		t.Fatalf("auto: rows %q, switch %q:\n%s", got, r.Toolchain.Switch, r.JSON())
	}
}

// TestPrivateDirect: a GOPRIVATE module goes to version control, not to
// the proxy; an unreachable host there is a problem of the direct fetch.
func TestPrivateDirect(t *testing.T) {
	p := startProxy(t)
	r := Run(context.Background(), input(project(t, p, "1.22"), map[string]string{"GOPROXY": p.URL(), "GOPRIVATE": "example.com"}))
	if p.Requests() != 0 {
		t.Errorf("the proxy was asked about a GOPRIVATE module: %v", p.Log())
	}
	if len(r.Direct) != 1 || r.Direct[0].Host != "example.com" || r.Modules[0].Via != "direct" {
		t.Fatalf("want a direct fetch from example.com: %s", r.JSON())
	}
	if len(r.Problems) == 0 {
		t.Errorf("example.com is not a git host reachable from a test: want a problem:\n%s", r.JSON())
	}
}

func TestGoImport(t *testing.T) {
	body := `<html><head><meta name="go-import" content="127.0.0.1/gf1/lib git https://127.0.0.1/gf1/lib.git"></head></html>`
	root, u, ok := goImport(body, "127.0.0.1/gf1/lib/v2")
	if !ok || root != "127.0.0.1/gf1/lib" || u != "https://127.0.0.1/gf1/lib.git" {
		t.Errorf("goImport = %q %q %v", root, u, ok)
	}
	if _, _, ok := goImport(body, "127.0.0.1/gf2/other"); ok {
		t.Errorf("a prefix that does not cover the path matched")
	}
}
