package testproxy

import (
	"archive/zip"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/dirhash"
)

var libV1 = Module{
	Path:    "example.com/lib",
	Version: "v1.0.0",
	Files:   map[string]string{"lib.go": "package lib\n\nfunc X() int { return 1 }\n"},
}

var libV11 = Module{
	Path:    "example.com/lib",
	Version: "v1.1.0",
	Files:   map[string]string{"lib.go": "package lib\n\nfunc X() int { return 2 }\n"},
}

var upper = Module{
	Path:    "github.com/Acme/Upper",
	Version: "v0.3.0-beta.1",
	Files: map[string]string{
		"go.mod":       "module github.com/Acme/Upper\n\ngo 1.21\n",
		"upper.go":     "package upper\n",
		"sub/sub.go":   "package sub\n",
		"testdata/x.y": "data\n",
	},
}

func startProxy(t *testing.T, mods ...Module) *Proxy {
	t.Helper()
	p, err := Start(mods...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// get fetches a proxy path and returns the status code and body.
func get(t *testing.T, client *http.Client, url string) (int, string, error) {
	t.Helper()
	res, err := client.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), err
}

func TestProtocol(t *testing.T) {
	p := startProxy(t, libV1, libV11, upper)
	c := &http.Client{Timeout: 5 * time.Second}
	tests := []struct {
		path     string
		code     int
		contains string
	}{
		{"/example.com/lib/@v/list", 200, "v1.0.0\nv1.1.0\n"},
		{"/example.com/lib/@latest", 200, `"Version":"v1.1.0"`},
		{"/example.com/lib/@v/v1.0.0.info", 200, `"Version":"v1.0.0","Time":"2024-01-02T15:`},
		{"/example.com/lib/@v/v1.0.0.mod", 200, "module example.com/lib\n\ngo 1.22\n"},
		{"/example.com/lib/@v/v1.0.0.zip", 200, "PK"},
		{"/example.com/lib/@v/v9.9.9.info", 404, "not found: example.com/lib@v9.9.9: invalid version: unknown revision v9.9.9"},
		{"/example.com/nope/@v/list", 404, "not found"},
		{"/github.com/!acme/!upper/@v/list", 200, "v0.3.0-beta.1\n"},
		{"/github.com/!acme/!upper/@latest", 200, `"Version":"v0.3.0-beta.1"`},
		{"/github.com/!acme/!upper/@v/v0.3.0-beta.1.mod", 200, "module github.com/Acme/Upper"},
		{"/github.com/Acme/Upper/@v/list", 404, ""}, // not case-encoded
		{"/example.com/lib/@v/v1.0.0.txt", 404, ""},
		{"/", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			code, body, err := get(t, c, p.URL()+tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if code != tt.code || !strings.Contains(body, tt.contains) {
				t.Errorf("GET %s = %d %q, want %d containing %q", tt.path, code, body, tt.code, tt.contains)
			}
		})
	}
	if got := p.Requests(); got != len(tests) {
		t.Errorf("Requests() = %d, want %d", got, len(tests))
	}
	if got := p.PathRequests("/example.com/lib/@v/list"); got != 1 {
		t.Errorf("PathRequests(list) = %d, want 1", got)
	}
	log := p.Log()
	if len(log) != len(tests) || log[0] != "GET /example.com/lib/@v/list 200" {
		t.Errorf("Log() = %q", log)
	}
}

// TestZipAndSums checks the zip layout and that GoSum agrees with
// x/mod's own hashing of a zip file on disk.
func TestZipAndSums(t *testing.T) {
	p := startProxy(t, upper)
	c := &http.Client{Timeout: 5 * time.Second}
	_, body, err := get(t, c, p.URL()+"/github.com/!acme/!upper/@v/v0.3.0-beta.1.zip")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	want := []string{
		"github.com/Acme/Upper@v0.3.0-beta.1/go.mod",
		"github.com/Acme/Upper@v0.3.0-beta.1/sub/sub.go",
		"github.com/Acme/Upper@v0.3.0-beta.1/testdata/x.y",
		"github.com/Acme/Upper@v0.3.0-beta.1/upper.go",
	}
	if strings.Join(names, "\n") != strings.Join(want, "\n") {
		t.Errorf("zip files = %q, want %q", names, want)
	}

	zipFile := filepath.Join(t.TempDir(), "m.zip")
	if err := os.WriteFile(zipFile, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := dirhash.HashZip(zipFile, dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	sums := p.GoSum("github.com/Acme/Upper", "v0.3.0-beta.1")
	if len(sums) != 2 || sums[0] != "github.com/Acme/Upper v0.3.0-beta.1 "+h ||
		!strings.HasPrefix(sums[1], "github.com/Acme/Upper v0.3.0-beta.1/go.mod h1:") {
		t.Errorf("GoSum = %q, zip hash %s", sums, h)
	}
	if p.GoSum("example.com/none", "v1.0.0") != nil {
		t.Error("GoSum of an unknown module is not nil")
	}

	// A tampered zip is still a valid module zip, with another hash.
	p.Tamper("github.com/Acme/Upper", "v0.3.0-beta.1")
	_, tampered, err := get(t, c, p.URL()+"/github.com/!acme/!upper/@v/v0.3.0-beta.1.zip")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(zipFile, []byte(tampered), 0o644); err != nil {
		t.Fatal(err)
	}
	h2, err := dirhash.HashZip(zipFile, dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	if h2 == h {
		t.Error("tampered zip has the original hash")
	}
}

func TestStartRejectsBadModule(t *testing.T) {
	if _, err := Start(Module{Path: "example.com/m", Version: "1.0"}); err == nil {
		t.Error("Start accepted version 1.0")
	}
	if _, err := Start(Module{Path: "example.com/m", Version: "v1.0.0", Files: map[string]string{"../x.go": "x"}}); err == nil {
		t.Error("Start accepted a file outside the module")
	}
}

func TestFaults(t *testing.T) {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	zipURL := "/example.com/lib/@v/v1.0.0.zip"
	infoURL := "/example.com/lib/@v/v1.0.0.info"
	type step struct {
		path    string
		code    int  // 0: a transport error is expected
		wantErr bool // a transport error
	}
	tests := []struct {
		name         string
		setup        func(p *Proxy)
		steps        []step
		wantFailures int
	}{
		{
			name:         "FailNext 500 then 502",
			setup:        func(p *Proxy) { p.FailNext(2, Status500) },
			steps:        []step{{zipURL, 500, false}, {infoURL, 500, false}, {zipURL, 200, false}},
			wantFailures: 2,
		},
		{
			name:         "FailNext 502",
			setup:        func(p *Proxy) { p.FailNext(1, Status502) },
			steps:        []step{{zipURL, 502, false}, {zipURL, 200, false}},
			wantFailures: 1,
		},
		{
			name:  "FailFirstPerPath counts each path",
			setup: func(p *Proxy) { p.FailFirstPerPath(2, Status503) },
			steps: []step{
				{zipURL, 503, false}, {infoURL, 503, false}, {zipURL, 503, false},
				{zipURL, 200, false}, {infoURL, 503, false}, {infoURL, 200, false},
			},
			wantFailures: 4,
		},
		{
			name:         "Reset",
			setup:        func(p *Proxy) { p.FailNext(1, Reset) },
			steps:        []step{{zipURL, 0, true}, {zipURL, 200, false}},
			wantFailures: 1,
		},
		{
			name:         "Stall ends at the maximum stall",
			setup:        func(p *Proxy) { p.SetMaxStall(100 * time.Millisecond); p.FailNext(1, Stall) },
			steps:        []step{{zipURL, 0, true}, {zipURL, 200, false}},
			wantFailures: 1,
		},
		{
			name:  "SetStatus by module prefix, longest wins",
			setup: func(p *Proxy) { p.SetStatus("example.com/", 403); p.SetStatus("example.com/lib", 410) },
			steps: []step{{zipURL, 410, false}, {"/example.com/other/@v/list", 403, false}},
		},
		{
			name:  "SetStatus 0 clears",
			setup: func(p *Proxy) { p.SetStatus("example.com/lib", 404); p.SetStatus("example.com/lib", 0) },
			steps: []step{{zipURL, 200, false}},
		},
		{
			name:  "ClearFaults",
			setup: func(p *Proxy) { p.FailNext(5, Status500); p.SetStatus("example.com", 404); p.ClearFaults() },
			steps: []step{{zipURL, 200, false}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startProxy(t, libV1)
			tt.setup(p)
			for i, s := range tt.steps {
				code, _, err := get(t, c, p.URL()+s.path)
				if s.wantErr != (err != nil) || code != s.code {
					t.Errorf("step %d: GET %s = %d, %v; want %d (error %v)", i, s.path, code, err, s.code, s.wantErr)
				}
			}
			if got := p.Failures(); got != tt.wantFailures {
				t.Errorf("Failures() = %d, want %d; log %q", got, tt.wantFailures, p.Log())
			}
		})
	}
}

// TestStallReleasedByClient checks that a stalled request ends as soon as
// the client gives up, long before the maximum stall.
func TestStallReleasedByClient(t *testing.T) {
	p := startProxy(t, libV1)
	p.FailNext(1, Stall)
	c := &http.Client{Timeout: 150 * time.Millisecond}
	start := time.Now()
	_, _, err := get(t, c, p.URL()+"/example.com/lib/@v/v1.0.0.zip")
	if err == nil {
		t.Fatal("stalled request succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("client waited %v", d)
	}
	// Close must not wait for the stall.
	done := make(chan struct{})
	go func() { p.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hung")
	}
}

func TestStallReleasedByClose(t *testing.T) {
	p := startProxy(t, libV1)
	p.FailNext(1, Stall)
	errc := make(chan error, 1)
	go func() {
		_, _, err := get(t, &http.Client{}, p.URL()+"/example.com/lib/@v/v1.0.0.zip")
		errc <- err
	}()
	for p.Requests() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	p.Close()
	select {
	case err := <-errc:
		if err == nil {
			t.Error("stalled request succeeded")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("stalled request not released by Close")
	}
}

func TestFailRandomIsDeterministic(t *testing.T) {
	run := func() []string {
		p := startProxy(t, libV1)
		p.FailRandom(0.5, 42, Status500, Status503)
		c := &http.Client{Timeout: 5 * time.Second}
		var codes []string
		for i := 0; i < 40; i++ {
			code, _, err := get(t, c, p.URL()+"/example.com/lib/@v/list")
			if err != nil {
				t.Fatal(err)
			}
			codes = append(codes, http.StatusText(code))
		}
		if f := p.Failures(); f < 5 || f > 35 {
			t.Errorf("Failures() = %d of 40 at rate 0.5", f)
		}
		return codes
	}
	a, b := run(), run()
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Errorf("same seed, different faults:\n%v\n%v", a, b)
	}
}

func TestDownUp(t *testing.T) {
	p := startProxy(t, libV1)
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	url := p.URL() + "/example.com/lib/@v/list"
	if err := p.Down(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := get(t, c, url); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("GET while down: %v, want connection refused", err)
	}
	if err := p.Up(); err != nil {
		t.Fatal(err)
	}
	if code, _, err := get(t, c, url); err != nil || code != 200 {
		t.Fatalf("GET after Up = %d, %v", code, err)
	}
	if !strings.HasSuffix(url, "/example.com/lib/@v/list") || !strings.HasPrefix(url, p.URL()) {
		t.Fatal("URL changed")
	}
	p.Close()
	if err := p.Up(); err == nil {
		t.Error("Up after Close succeeded")
	}
}

func TestBasicAuthHTTP(t *testing.T) {
	p := startProxy(t, libV1)
	p.RequireBasicAuth("u", "p")
	c := &http.Client{Timeout: 5 * time.Second}
	tests := []struct {
		user, pass string
		code       int
	}{
		{"", "", 401},
		{"u", "wrong", 401},
		{"u", "p", 200},
	}
	for _, tt := range tests {
		req, err := http.NewRequest("GET", p.URL()+"/example.com/lib/@v/list", nil)
		if err != nil {
			t.Fatal(err)
		}
		if tt.user != "" {
			req.SetBasicAuth(tt.user, tt.pass)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.code {
			t.Errorf("auth %q/%q: %d, want %d", tt.user, tt.pass, res.StatusCode, tt.code)
		}
		if res.StatusCode == 401 && res.Header.Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	p := startProxy(t, libV1, libV11)
	p.FailRandom(0.3, 7, Status500, Reset)
	c := &http.Client{Timeout: 5 * time.Second}
	var wg sync.WaitGroup
	const workers, each = 8, 25
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				res, err := c.Get(p.URL() + "/example.com/lib/@v/v1.1.0.info")
				if err == nil {
					var info struct{ Version string }
					if res.StatusCode == 200 {
						if err := json.NewDecoder(res.Body).Decode(&info); err != nil || info.Version != "v1.1.0" {
							t.Errorf("bad info: %v %q", err, info.Version)
						}
					}
					res.Body.Close()
				}
				_ = p.Counts()
				_ = p.Log()
			}
		}()
	}
	wg.Wait()
	// net/http may transparently retry a reset idempotent request on a
	// reused connection, so the proxy can see more requests than were made.
	if got := p.Requests(); got < workers*each {
		t.Errorf("Requests() = %d, want at least %d", got, workers*each)
	}
	total := 0
	for _, n := range p.Counts() {
		total += n
	}
	if total != p.Requests() || len(p.Log()) != p.Requests() {
		t.Errorf("counts %d, log %d, requests %d disagree", total, len(p.Log()), p.Requests())
	}
	p.ResetCounters()
	if p.Requests() != 0 || p.Failures() != 0 || len(p.Log()) != 0 || len(p.Paths()) != 0 {
		t.Error("ResetCounters left something")
	}
}

func TestTLSWithNewCA(t *testing.T) {
	p, caPEM, err := StartTLSWithNewCA(libV1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if !strings.HasPrefix(p.URL(), "https://127.0.0.1:") || !bytes.Equal(caPEM, p.CACertPEM()) {
		t.Fatalf("URL %s, CA mismatch", p.URL())
	}
	// An ordinary client does not trust the proxy.
	_, _, err = get(t, &http.Client{Timeout: 5 * time.Second}, p.URL()+"/example.com/lib/@v/list")
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted GET: %v", err)
	}
	// A client given the CA trusts it.
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("bad CA PEM")
	}
	trusting := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if code, body, err := get(t, trusting, p.URL()+"/example.com/lib/@v/list"); err != nil || code != 200 || body != "v1.0.0\n" {
		t.Fatalf("trusted GET = %d %q %v", code, body, err)
	}
	// Down/Up keeps TLS.
	if err := p.Down(); err != nil {
		t.Fatal(err)
	}
	if err := p.Up(); err != nil {
		t.Fatal(err)
	}
	if code, _, err := get(t, trusting, p.URL()+"/example.com/lib/@v/list"); err != nil || code != 200 {
		t.Fatalf("trusted GET after Up = %d %v", code, err)
	}
}

func TestStartTLS(t *testing.T) {
	caPEM, leaf, err := NewCAAndLeaf()
	if err != nil {
		t.Fatal(err)
	}
	var certPEM []byte
	for _, der := range leaf.Certificate {
		certPEM = append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(leaf.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	p, err := StartTLS(certPEM, keyPEM, libV1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.CACertPEM() != nil {
		t.Error("CACertPEM of StartTLS proxy is not nil")
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if code, _, err := get(t, c, p.URL()+"/example.com/lib/@latest"); err != nil || code != 200 {
		t.Fatalf("GET = %d %v", code, err)
	}
	if _, err := StartTLS([]byte("junk"), keyPEM); err == nil {
		t.Error("StartTLS accepted a junk certificate")
	}
}

// TestToolchainOverride: SetResponse with a prefix of one toolchain release
// answers its requests; other toolchain requests go on to the upstream
// proxy (the first of the process's GOPROXY), as the builds' toolchains do.
func TestToolchainOverride(t *testing.T) {
	upstream := 0
	up := http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upstream++
		io.WriteString(w, "from upstream")
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go up.Serve(ln)
	defer up.Close()
	t.Setenv("GOPROXY", "http://"+ln.Addr().String())
	p := startProxy(t, libV1)
	p.SetResponse("golang.org/toolchain/@v/v0.0.1-go1.99.0.", 403, "This module version is not available.")
	code, body, err := get(t, http.DefaultClient, p.URL()+"/golang.org/toolchain/@v/v0.0.1-go1.99.0.linux-amd64.zip")
	if err != nil || code != 403 || body != "This module version is not available.\n" {
		t.Errorf("the refused release: %d %q %v", code, body, err)
	}
	code, body, err = get(t, http.DefaultClient, p.URL()+"/golang.org/toolchain/@v/v0.0.1-go1.26.8.linux-amd64.zip")
	if err != nil || code != 200 || body != "from upstream" || upstream != 1 {
		t.Errorf("another release: %d %q %v, %d upstream requests", code, body, err, upstream)
	}
}
