package retryproxy

import (
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopherfile/gopherfile/internal/testproxy"
)

var mods = []testproxy.Module{
	{Path: "example.com/a", Version: "v1.0.0", Files: map[string]string{"a.go": "package a\n"}},
	{Path: "example.com/b", Version: "v1.2.0", Files: map[string]string{"b.go": "package b\n"}},
	{Path: "example.com/c", Version: "v0.1.0", Files: map[string]string{"c.go": "package c\n", "big.txt": strings.Repeat("x", 3<<20)}},
}

func fast(o Options) Options {
	o.BaseDelay, o.MaxDelay = time.Millisecond, 5*time.Millisecond
	if o.MaxRetryAfter == 0 {
		o.MaxRetryAfter = 10 * time.Millisecond
	}
	if o.Retries == 0 {
		o.Retries = 6
	}
	return o
}

func startTP(t *testing.T, m ...testproxy.Module) *testproxy.Proxy {
	t.Helper()
	p, err := testproxy.Start(m...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// goModDownload runs the real go mod download for a module requiring mods
// through goproxy, with an empty module cache.
func goModDownload(t *testing.T, goproxy string, sums []string, m ...testproxy.Module) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("go command not found: these tests run the real go command")
	}
	dir := t.TempDir()
	var gomod strings.Builder
	gomod.WriteString("module example.com/app\n\ngo 1.22\n\nrequire (\n")
	for _, x := range m {
		fmt.Fprintf(&gomod, "\t%s %s\n", x.Path, x.Version)
	}
	gomod.WriteString(")\n")
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "go.sum"), []byte(strings.Join(sums, "\n")+"\n"), 0o644)
	cmd := exec.Command("go", "mod", "download")
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), "GOPROXY="+goproxy, "GOSUMDB=off", "GOFLAGS=-modcacherw",
		"GOMODCACHE="+filepath.Join(t.TempDir(), "mc"), "GOCACHE="+filepath.Join(t.TempDir(), "gc"),
		"GOTOOLCHAIN=local", "GOENV=off", "NETRC=/nonexistent")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		uk := strings.ToUpper(k)
		if strings.HasPrefix(uk, "GO") || strings.HasSuffix(uk, "_PROXY") || uk == "NETRC" {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func sums(p *testproxy.Proxy, m ...testproxy.Module) []string {
	var out []string
	for _, x := range m {
		out = append(out, p.GoSum(x.Path, x.Version)...)
	}
	return out
}

func start(t *testing.T, goproxy string, o Options) *Set {
	t.Helper()
	s, err := Start(goproxy, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// The go command gives up on the first 503 (testproxy's TestGoDoesNotRetry);
// through the loopback proxy, one go mod download succeeds, and no path is
// requested more than three times.
func TestEveryPathFailsTwice(t *testing.T) {
	for _, fault := range []testproxy.Fault{testproxy.Status503, testproxy.Reset, testproxy.Status429, testproxy.StallBody} {
		t.Run(fault.String(), func(t *testing.T) {
			up := startTP(t, mods...)
			up.SetMaxStall(5 * time.Second)
			up.FailFirstPerPath(2, fault)
			s := start(t, up.URL(), fast(Options{IdleTimeout: 200 * time.Millisecond}))
			out, err := goModDownload(t, s.GOPROXY(), sums(up, mods...), mods...)
			if err != nil {
				t.Fatalf("go mod download through the loopback proxy: %v\n%s", err, out)
			}
			for path, n := range up.Counts() {
				if n > 3 {
					t.Errorf("%s requested %d times", path, n)
				}
			}
			st := s.Stats()
			if st.Retries == 0 || st.Zips != len(mods) {
				t.Errorf("stats %+v: want retries and %d zips", st, len(mods))
			}
		})
	}
}

// Go's list semantics: "," falls through on 404/410 only, "|" on any error.
func TestListSemantics(t *testing.T) {
	a := mods[0]
	good := startTP(t, a)
	bad := startTP(t, a)
	bad.SetStatus("example.com/a", 404)
	s := start(t, bad.URL()+","+good.URL(), fast(Options{}))
	if out, err := goModDownload(t, s.GOPROXY(), sums(good, a), a); err != nil {
		t.Fatalf(", after 404: %v\n%s", err, out)
	}
	if !strings.Contains(s.GOPROXY(), ",") || strings.Count(s.GOPROXY(), "http://127.0.0.1:") != 2 {
		t.Errorf("rewritten GOPROXY %q", s.GOPROXY())
	}

	bad.SetStatus("example.com/a", 500)
	s = start(t, bad.URL()+","+good.URL(), fast(Options{Retries: 2}))
	out, err := goModDownload(t, s.GOPROXY(), sums(good, a), a)
	if err == nil || !strings.Contains(out, "500 Internal Server Error") {
		t.Fatalf(", after a lasting 500 must fail with the 500: %v\n%s", err, out)
	}
	if strings.Contains(s.Unrewrite(out), "127.0.0.1:"+strings.Split(s.proxies[0].local, ":")[2]) {
		t.Errorf("Unrewrite left a loopback URL:\n%s", s.Unrewrite(out))
	}
	if !strings.Contains(s.Unrewrite(out), bad.URL()) {
		t.Errorf("Unrewrite does not show the upstream %s:\n%s", bad.URL(), s.Unrewrite(out))
	}

	s = start(t, bad.URL()+"|"+good.URL(), fast(Options{Retries: 2}))
	if out, err := goModDownload(t, s.GOPROXY(), sums(good, a), a); err != nil {
		t.Fatalf("| after a lasting 500: %v\n%s", err, out)
	}
	for _, v := range []string{"direct", "off", "file:///x", ""} {
		s := start(t, v, Options{})
		if s.GOPROXY() != v {
			t.Errorf("GOPROXY %q rewritten to %q", v, s.GOPROXY())
		}
	}
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := start(t, "http://"+addr, fast(Options{Retries: 2}))
	out, err := goModDownload(t, s.GOPROXY(), nil, mods[0])
	if err == nil {
		t.Fatal("want a failure")
	}
	out = s.Unrewrite(out)
	if !strings.Contains(out, "connection refused") || !strings.Contains(out, "http://"+addr+"/example.com/a/@v/") {
		t.Errorf("go's output does not carry the upstream error:\n%s", out)
	}
	if st := s.Stats(); st.ByReason[addr]["refused"] == 0 || len(st.Failures) == 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestCredentials(t *testing.T) {
	a := mods[0]
	up := startTP(t, a)
	up.RequireBasicAuth("ci", "s3cret")
	withUser := strings.Replace(up.URL(), "http://", "http://ci:s3cret@", 1)
	s := start(t, withUser, fast(Options{}))
	if strings.Contains(s.GOPROXY(), "s3cret") {
		t.Fatalf("rewritten GOPROXY %q holds the password", s.GOPROXY())
	}
	if out, err := goModDownload(t, s.GOPROXY(), sums(up, a), a); err != nil {
		t.Fatalf("credentials in the URL: %v\n%s", err, out)
	}
	// netrc credentials go over https only, as the go command sends them.
	tls, caPEM, err := testproxy.StartTLSWithNewCA(a)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tls.Close)
	tls.RequireBasicAuth("ci", "s3cret")
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	s = start(t, tls.URL(), fast(Options{RootCAs: pool, Credentials: func(hostPath string) (string, string, bool) {
		return "ci", "s3cret", strings.HasPrefix(hostPath, tls.Addr()+"/")
	}}))
	if out, err := goModDownload(t, s.GOPROXY(), sums(tls, a), a); err != nil {
		t.Fatalf("credentials from netrc: %v\n%s", err, out)
	}
	wrong := strings.Replace(up.URL(), "http://", "http://ci:WRONGPASS@", 1)
	s = start(t, wrong, fast(Options{}))
	out, err := goModDownload(t, s.GOPROXY(), sums(up, a), a)
	out = s.Unrewrite(out)
	if err == nil || !strings.Contains(out, "401 Unauthorized") || strings.Contains(out, "WRONGPASS") || !strings.Contains(out, "ci:xxxxx@") {
		t.Errorf("a wrong password: want the 401 with the URL redacted: %v\n%s", err, out)
	}
}

// An upstream whose certificate is not trusted fails at once (never
// retried), with the x509 error in what go prints.
func TestUntrustedCertificate(t *testing.T) {
	up, _, err := testproxy.StartTLSWithNewCA(mods[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(up.Close)
	s := start(t, up.URL(), fast(Options{}))
	out, err := goModDownload(t, s.GOPROXY(), sums(up, mods[0]), mods[0])
	if err == nil || !strings.Contains(out, "x509: ") || s.Stats().Retries != 0 {
		t.Errorf("want an x509 failure without retries (%d): %v\n%s", s.Stats().Retries, err, out)
	}
	if strings.Contains(out, "panic") || strings.Contains(out, "goroutine") {
		t.Errorf("the proxy crashed:\n%s", out)
	}
}

func TestDeadline(t *testing.T) {
	up := startTP(t, mods[0])
	up.SetMaxStall(20 * time.Second)
	up.FailFirstPerPath(100, testproxy.Stall)
	start := time.Now()
	s, err := Start(up.URL(), Options{Retries: 6, Deadline: time.Now().Add(2 * time.Second), HeaderTimeout: 500 * time.Millisecond, BaseDelay: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out, err := goModDownload(t, s.GOPROXY(), nil, mods[0])
	if err == nil {
		t.Fatal("want a failure")
	}
	if d := time.Since(start); d > 6*time.Second {
		t.Errorf("a stalled proxy took %s, want about the 2s deadline", d)
	}
	if !strings.Contains(s.Unrewrite(out), "timeout") {
		t.Errorf("want a timeout in go's output:\n%s", s.Unrewrite(out))
	}
}

// A 429's Retry-After is honoured (up to MaxRetryAfter).
func TestRetryAfter(t *testing.T) {
	up := startTP(t, mods[0])
	up.FailNext(1, testproxy.Status429)
	s := start(t, up.URL(), fast(Options{MaxRetryAfter: 5 * time.Second}))
	t0 := time.Now()
	if out, err := goModDownload(t, s.GOPROXY(), sums(up, mods[0]), mods[0]); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if d := time.Since(t0); d < time.Second {
		t.Errorf("took %s: Retry-After: 1 was not honoured", d)
	}
	if st := s.Stats(); st.ByReason["127.0.0.1:"+strings.Split(up.URL(), ":")[2]]["429"] != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestSplitList(t *testing.T) {
	got := splitList("a,b|c")
	if len(got) != 3 || got[0] != (entry{"", "a"}) || got[1] != (entry{",", "b"}) || got[2] != (entry{"|", "c"}) {
		t.Fatalf("%q", got)
	}
}

func TestUnwrap(t *testing.T) {
	in := "go: example.com/a@v1.0.0: reading http://h/example.com/a/@v/v1.0.0.mod: 502 Bad Gateway\n\tserver response: gopherfile: dial tcp 10.0.0.1:443: connect: connection refused (after 7 attempts)\n"
	want := "go: example.com/a@v1.0.0: reading http://h/example.com/a/@v/v1.0.0.mod: dial tcp 10.0.0.1:443: connect: connection refused (after 7 attempts)\n"
	if got := Unwrap(in); got != want {
		t.Errorf("Unwrap:\n%q\nwant\n%q", got, want)
	}
	real := "go: example.com/a@v1.0.0: reading http://h/x: 502 Bad Gateway\n\tserver response: upstream broke\n"
	if Unwrap(real) != real {
		t.Error("Unwrap changed an upstream's own 502")
	}
}

// TestRetrySchedule: the first two retries of a 503 or a reset are made at
// once (0 and 10ms), the third waits BaseDelay; a 429 always backs off.
func TestRetrySchedule(t *testing.T) {
	for _, tt := range []struct {
		fault testproxy.Fault
		fails int
		want  []string // the waits logged, in order
	}{
		{testproxy.Status503, 2, []string{"retry 1 of 6 in 0.0s", "retry 2 of 6 in 0.0s"}},
		{testproxy.Reset, 3, []string{"retry 1 of 6 in 0.0s", "retry 2 of 6 in 0.0s", "retry 3 of 6 in 0."}},
		{testproxy.Status429, 1, []string{"retry 1 of 6 in 1.0s"}},
	} {
		t.Run(tt.fault.String(), func(t *testing.T) {
			up := startTP(t, mods[0])
			up.FailNext(tt.fails, tt.fault)
			var mu sync.Mutex
			var logged []string
			s, err := Start(up.URL(), Options{Retries: 6, Logf: func(f string, a ...any) {
				mu.Lock()
				defer mu.Unlock()
				logged = append(logged, fmt.Sprintf(f, a...))
			}})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if out, err := goModDownload(t, s.GOPROXY(), sums(up, mods[0]), mods[0]); err != nil {
				t.Fatalf("go mod download: %v\n%s", err, out)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(logged) != len(tt.want) {
				t.Fatalf("logged %q, want %d retries", logged, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(logged[i], w) {
					t.Errorf("retry %d logged %q, want %q", i+1, logged[i], w)
				}
			}
			if tt.fails == 3 && strings.Contains(logged[2], "in 0.0s") {
				t.Errorf("the third retry did not back off: %q", logged[2])
			}
		})
	}
}

// get makes one request to a loopback proxy as another process would.
func get(t *testing.T, u string) (int, string) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// Issue 21 item 5: a loopback proxy answers only under its random prefix,
// and never lets a path leave the GOPROXY path or a netrc path prefix.
func TestOnlyItsOwnStep(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	var authed []string
	up := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path)
		if _, _, ok := r.BasicAuth(); ok {
			authed = append(authed, r.URL.Path)
		}
		mu.Unlock()
		fmt.Fprintln(w, "v1.0.0")
	}))
	t.Cleanup(up.Close)
	pool := x509.NewCertPool()
	pool.AddCert(up.Certificate())
	host := strings.TrimPrefix(up.URL, "https://")
	s := start(t, up.URL+"/go/private", fast(Options{RootCAs: pool, Credentials: func(hostPath string) (string, string, bool) {
		// A netrc entry "machine HOST/go/private/acme".
		return "ci", "s3cret", strings.HasPrefix(hostPath, host+"/go/private/acme/")
	}}))
	local := s.proxies[0].local
	addr := strings.TrimSuffix(local, s.proxies[0].prefix)
	if len(s.proxies[0].prefix) != 33 || !strings.HasPrefix(s.GOPROXY(), addr+"/") {
		t.Fatalf("prefix %q, GOPROXY %q", s.proxies[0].prefix, s.GOPROXY())
	}
	for _, u := range []string{
		addr + "/acme/lib/@v/list",                                  // no prefix
		addr + "/0123456789abcdef0123456789abcdef/acme/lib/@v/list", // a guessed one
		addr + s.proxies[0].prefix + "x/acme/lib/@v/list",           // the prefix as the start of a segment
		addr + "/",
	} {
		if code, _ := get(t, u); code != http.StatusForbidden {
			t.Errorf("GET %s: %d, want 403", u, code)
		}
	}
	for _, p := range []string{
		"/acme/../other/@v/list",        // leaves the netrc path prefix with acme's credentials
		"/acme/%2e%2e/other/@v/list",    // the same, escaped
		"/acme/%2E%2E/%2E%2E/x/@v/list", // leaves the GOPROXY path prefix
		"/acme/./lib/@v/list",
		"/acme/..%5c..%5cx/@v/list",
	} {
		if code, _ := get(t, local+p); code != http.StatusForbidden {
			t.Errorf("GET prefix%s: %d, want 403", p, code)
		}
	}
	if code, body := get(t, local+"/acme/lib/@v/list"); code != 200 || body != "v1.0.0\n" {
		t.Errorf("the step's own request: %d %q", code, body)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0] != "/go/private/acme/lib/@v/list" {
		t.Errorf("the upstream saw %q, want only the step's own request", seen)
	}
	if len(authed) != 1 {
		t.Errorf("requests with credentials: %q", authed)
	}
}

// Issue 21 item 6: an https upstream that redirects to http on the same
// host never gets the credentials sent there; the go command sees the
// refusal, as it would have refused the redirect itself.
func TestNoRedirectToHTTP(t *testing.T) {
	var leaked atomic.Int32
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
		fmt.Fprintln(w, "v1.0.0")
	}))
	t.Cleanup(plain.Close)
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+r.URL.Path, http.StatusFound)
	}))
	t.Cleanup(secure.Close)
	pool := x509.NewCertPool()
	pool.AddCert(secure.Certificate())
	withUser := strings.Replace(secure.URL, "https://", "https://ci:s3cret@", 1)
	s := start(t, withUser, fast(Options{RootCAs: pool}))
	code, body := get(t, s.proxies[0].local+"/example.com/a/@v/list")
	if code != http.StatusBadGateway || !strings.Contains(body, "redirected from secure URL") || strings.Contains(body, "s3cret") {
		t.Errorf("got %d %q, want a 502 naming the refused redirect", code, body)
	}
	if n := leaked.Load(); n != 0 {
		t.Errorf("the credentials reached the http server %d times", n)
	}
	if st := s.Stats(); st.Retries != 0 {
		t.Errorf("a refused redirect was retried: %+v", st)
	}
}

// Issue 21 item 14: a body larger than the go command accepts is refused,
// not buffered; a module zip may be larger than a go.mod.
func TestBodyLimit(t *testing.T) {
	big := strings.Repeat("x", MaxBody+1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".info") {
			// No Content-Length: the limit is found while reading.
			w.(http.Flusher).Flush()
		}
		io.WriteString(w, big)
	}))
	t.Cleanup(up.Close)
	tmp := t.TempDir()
	s := start(t, up.URL, fast(Options{TempDir: tmp}))
	for _, p := range []string{"/example.com/a/@v/v1.0.0.mod", "/example.com/a/@v/v1.0.0.info"} {
		code, body := get(t, s.proxies[0].local+p)
		if code != http.StatusBadGateway || !strings.Contains(body, "larger than the go command accepts (16 MiB)") {
			t.Errorf("%s: %d %.200q", p, code, body)
		}
	}
	if code, body := get(t, s.proxies[0].local+"/example.com/a/@v/v1.0.0.zip"); code != 200 || len(body) != len(big) {
		t.Errorf("a zip of %d bytes: %d, %d bytes", len(big), code, len(body))
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("buffered bodies left behind: %v", left)
	}
}

// Issue 21 item 12: a GOPROXY from a secret shows its host only.
func TestHostOnly(t *testing.T) {
	up := startTP(t, mods[0])
	u := strings.Replace(up.URL(), "http://", "http://ci:PASSW0RD@", 1) + "/api/T0K3N"
	s := start(t, u, fast(Options{HostOnly: true}))
	got := s.Unrewrite("reading " + s.proxies[0].local + "/example.com/a/@v/list: 404 Not Found")
	want := "reading http://" + strings.TrimPrefix(up.URL(), "http://") + "/example.com/a/@v/list: 404 Not Found"
	if got != want {
		t.Errorf("Unrewrite:\n%s\nwant\n%s", got, want)
	}
	// A registry that echoes the path in its error body.
	got = s.Unrewrite("\tserver response: not found: /api/T0K3N/example.com/a/@v/list")
	if strings.Contains(got, "T0K3N") {
		t.Errorf("the echoed path keeps the token: %s", got)
	}
}
