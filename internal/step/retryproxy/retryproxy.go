// Package retryproxy runs loopback reverse proxies in front of the module
// proxies named in GOPROXY, so that every request the go command makes is
// retried on its own after a transient failure (connection errors, resets,
// timeouts, a stalled body, 5xx and 429 with Retry-After), instead of the
// whole go command being run again.
//
// Go's list semantics are kept exactly: each http(s) entry of GOPROXY is
// replaced by its own loopback URL and the separators are left as they were,
// so "," still falls through on 404/410 only and "|" on any error; "direct",
// "off" and file:// entries are untouched. A response that is not worth a
// retry (2xx, 3xx, 4xx other than 429) is passed to the go command as it is.
// When the retries or the deadline are used up, the last response is passed
// on, or, after a connection error, a 502 whose text/plain body carries the
// error, which the go command prints as "server response:".
//
// A loopback proxy serves the go command of its own step only: each listens
// under a random path prefix (GOPROXY carries it) and answers 403 to any
// other path, so that another process on a shared network (--network host,
// test.network) cannot fetch with the step's credentials. A path with "." or
// ".." segments is refused, so a request cannot leave the GOPROXY path
// prefix or a netrc entry's path. Redirects from https to http are refused,
// as the go command refuses them, and a response body larger than the go
// command accepts (500 MiB for a module zip, 16 MiB for anything else) is
// refused too; large bodies wait in TempDir, on disk, not in memory.
package retryproxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/zip"

	"github.com/gopherfile/gopherfile/internal/goenv"
)

// Options configure the proxies.
type Options struct {
	// Retries is how many times one request is retried.
	Retries int
	// Deadline is when every request must be done, retries included; zero
	// for none.
	Deadline time.Time
	// ConnectTimeout bounds the TCP connect and the TLS handshake,
	// HeaderTimeout the wait for the response headers, IdleTimeout a body
	// that stops arriving. Zero takes the defaults.
	ConnectTimeout, HeaderTimeout, IdleTimeout time.Duration
	// QuickRetries are the first retries of a request, made at once (the
	// i-th after i×QuickDelay): a 502, 503 or reset from one bad backend of
	// a proxy is usually gone on the next request, and go fetches much of
	// the module graph one request after the other, so a wait here is paid
	// for every path. A 429 (rate limit) never takes a quick retry. Zero
	// takes the default (2); -1 for none.
	QuickRetries int
	// QuickDelay is the step between quick retries (default 10ms).
	QuickDelay time.Duration
	// BaseDelay is the wait before the first retry after the quick ones; it
	// doubles after each retry up to MaxDelay; a random jitter of up to half
	// the delay is added. Zero takes the defaults (0.2s, 8s).
	BaseDelay, MaxDelay time.Duration
	// MaxRetryAfter caps a server's Retry-After (default 30s).
	MaxRetryAfter time.Duration
	// RootCAs verifies the upstream servers; nil means the system pool.
	RootCAs *x509.CertPool
	// Credentials returns basic-auth credentials for an https request to
	// hostPath (url.URL.Host and the path) when the GOPROXY URL has none (from
	// netrc, as the go command would); nil for none.
	Credentials func(hostPath string) (user, pass string, ok bool)
	// TempDir holds large response bodies while they arrive ("" for the
	// system's): a directory on disk, since a module zip may be 500 MiB.
	TempDir string
	// HostOnly shows each upstream as its scheme and host only, in retry
	// lines and in the go command's output (Unrewrite): for a GOPROXY that
	// came from a secret, whose path may hold a token.
	HostOnly bool
	// Logf reports retries; nil for silence.
	Logf func(format string, args ...any)
}

// Defaults of the per-request limits.
const (
	DefaultConnectTimeout = 10 * time.Second
	DefaultHeaderTimeout  = 60 * time.Second
	DefaultIdleTimeout    = 30 * time.Second
	DefaultQuickRetries   = 2
	DefaultQuickDelay     = 10 * time.Millisecond
	DefaultBaseDelay      = 200 * time.Millisecond
	DefaultMaxDelay       = 8 * time.Second
	DefaultMaxRetryAfter  = 30 * time.Second
	// memBody is the largest body kept in memory; larger ones go to TempDir.
	memBody = 1 << 20
	// maxLoggedRetries is how many retries are reported one by one.
	maxLoggedRetries = 12
	// MaxZipBody and MaxBody are the largest response bodies passed on: the
	// go command's own limits for a module zip and for everything else
	// (go.mod files, .info, lists, checksum database tiles).
	MaxZipBody = zip.MaxZipFile
	MaxBody    = zip.MaxGoMod
)

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.ConnectTimeout, DefaultConnectTimeout)
	def(&o.HeaderTimeout, DefaultHeaderTimeout)
	def(&o.IdleTimeout, DefaultIdleTimeout)
	if o.QuickRetries == 0 {
		o.QuickRetries = DefaultQuickRetries
	}
	o.QuickRetries = max(o.QuickRetries, 0)
	def(&o.QuickDelay, DefaultQuickDelay)
	def(&o.BaseDelay, DefaultBaseDelay)
	def(&o.MaxDelay, DefaultMaxDelay)
	def(&o.MaxRetryAfter, DefaultMaxRetryAfter)
}

// Set is the proxies for one GOPROXY value.
type Set struct {
	goproxy string
	proxies []*proxy
	stats   *Stats
}

// Start starts a loopback proxy for each http(s) entry of goproxy.
func Start(goproxy string, opt Options) (*Set, error) {
	opt.defaults()
	s := &Set{stats: newStats()}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: opt.ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   opt.ConnectTimeout,
		ResponseHeaderTimeout: opt.HeaderTimeout,
		TLSClientConfig:       &tls.Config{RootCAs: opt.RootCAs},
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	var b strings.Builder
	for _, e := range splitList(goproxy) {
		b.WriteString(e.sep)
		u, err := url.Parse(e.value)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			b.WriteString(e.value) // direct, off, file://, or what go itself rejects
			continue
		}
		p, err := startProxy(u, e.value, opt, tr, s.stats)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.proxies = append(s.proxies, p)
		b.WriteString(p.local)
	}
	s.goproxy = b.String()
	return s, nil
}

// GOPROXY is the rewritten GOPROXY value.
func (s *Set) GOPROXY() string { return s.goproxy }

// Unrewrite replaces the loopback URLs in text (the go command's output) by
// the upstream URLs they stand for, credentials redacted. For a HostOnly
// proxy, the upstream's path and query are hidden wherever they appear,
// since a registry may echo them in an error body that the go command
// prints ("server response: not found: /api/TOKEN/...").
func (s *Set) Unrewrite(text string) string {
	for _, p := range s.proxies {
		text = strings.ReplaceAll(text, p.local, p.shown)
		if p.opt.HostOnly {
			for _, secret := range []string{strings.Trim(p.upstream.EscapedPath(), "/"), strings.Trim(p.upstream.Path, "/"), p.upstream.RawQuery} {
				if len(secret) >= 4 {
					text = strings.ReplaceAll(text, secret, "xxxxx")
				}
			}
		}
	}
	return text
}

// Hosts are the upstream hosts of the proxies.
func (s *Set) Hosts() []string {
	var out []string
	for _, p := range s.proxies {
		out = append(out, p.host)
	}
	return out
}

// reLoopbackError matches what the go command prints for the 502 a
// loopback proxy answers after a connection error: the status line and the
// server response that carries the error.
var reLoopbackError = regexp.MustCompile(`: 502 Bad Gateway\n\s*server response: gopherfile: ([^\n]*)`)

// Unwrap replaces, in go's output, each 502 that a loopback proxy answered
// for a connection error by the error itself ("reading URL: dial tcp ...:
// connection refused (after 7 attempts)"), as the go command would have
// printed it without the proxy in between; the diagnosis reads that.
func Unwrap(output string) string {
	return reLoopbackError.ReplaceAllString(output, ": $1")
}

// Stats returns the counters so far.
func (s *Set) Stats() Snapshot { return s.stats.snapshot() }

// Close stops the proxies.
func (s *Set) Close() {
	for _, p := range s.proxies {
		p.srv.Close()
	}
}

type entry struct{ sep, value string }

// splitList splits a GOPROXY value into its entries, each with the
// separator before it.
func splitList(v string) []entry {
	var out []entry
	sep, start := "", 0
	for i := 0; i <= len(v); i++ {
		if i == len(v) || v[i] == ',' || v[i] == '|' {
			out = append(out, entry{sep: sep, value: v[start:i]})
			if i < len(v) {
				sep = string(v[i])
			}
			start = i + 1
		}
	}
	return out
}

type proxy struct {
	upstream *url.URL
	user     *url.Userinfo
	host     string
	// prefix is the random first path segment the go command's requests
	// carry ("/" + 32 hex digits); local is http://127.0.0.1:PORT + prefix.
	prefix string
	local  string
	shown  string // the upstream URL, redacted, without a trailing slash
	opt    Options
	client *http.Client
	srv    *http.Server
	stats  *Stats
}

func startProxy(u *url.URL, raw string, opt Options, tr *http.Transport, st *Stats) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the loopback proxy for %s: %w", goenv.RedactURL(raw), err)
	}
	up := *u
	up.User = nil
	prefix, err := randomPrefix()
	if err != nil {
		ln.Close()
		return nil, err
	}
	shown := strings.TrimSuffix(goenv.RedactURL(raw), "/")
	if opt.HostOnly {
		shown = goenv.HostOnly(raw)
	}
	p := &proxy{
		upstream: &up,
		user:     u.User,
		host:     u.Host,
		prefix:   prefix,
		local:    "http://" + ln.Addr().String() + prefix,
		shown:    shown,
		opt:      opt,
		// Redirects are followed by the client, with the credentials only
		// for the proxy's own host (Go drops Authorization across hosts),
		// and never from https to http (checkRedirect).
		client: &http.Client{Transport: tr, CheckRedirect: checkRedirect},
		stats:  st,
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 30 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go p.srv.Serve(ln)
	return p, nil
}

// ServeHTTP answers one request of the go command.
func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		// A bug here must not print a stack trace into the build output.
		if v := recover(); v != nil && v != http.ErrAbortHandler {
			http.Error(w, fmt.Sprintf("gopherfile: internal error in the loopback proxy: %v", v), http.StatusBadGateway)
		}
	}()
	raw, path, ok := p.localPath(r)
	if !ok {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	target := *p.upstream
	target.Path = strings.TrimSuffix(p.upstream.Path, "/") + path
	target.RawPath = ""
	if p.upstream.RawPath != "" || r.URL.RawPath != "" {
		target.RawPath = strings.TrimSuffix(p.upstream.EscapedPath(), "/") + raw
	}
	// The upstream's own query (a token some hosted registries want) and
	// the go command's.
	target.RawQuery = joinQuery(p.upstream.RawQuery, r.URL.RawQuery)
	resp := p.fetch(r.Context(), r, &target)
	defer resp.close()
	for _, h := range []string{"Content-Type", "Last-Modified", "ETag", "Cache-Control", "Retry-After"} {
		if v := resp.header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	w.Header().Set("Content-Length", strconv.FormatInt(resp.size, 10))
	w.WriteHeader(resp.status)
	if r.Method == http.MethodGet && resp.body != nil {
		n, _ := io.Copy(w, resp.body)
		p.stats.served(path, resp.status, n)
	}
}

// response is an upstream response with its whole body.
type response struct {
	status int
	header http.Header
	body   io.ReadSeeker
	size   int64
	file   *os.File
}

func (r *response) close() {
	if r.file != nil {
		r.file.Close()
		os.Remove(r.file.Name())
	}
}

// fetch gets target, retrying transient failures.
func (p *proxy) fetch(ctx context.Context, in *http.Request, target *url.URL) *response {
	if !p.opt.Deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, p.opt.Deadline)
		defer cancel()
	}
	delay := p.opt.BaseDelay
	for attempt := 0; ; attempt++ {
		resp, reason, err := p.attempt(ctx, in, target)
		if reason == "" {
			if resp == nil {
				// Not worth a retry (an untrusted certificate, say): pass the
				// error on as the go command would have seen it.
				p.stats.failed(p.host, target.Path, "error")
				return textResponse(http.StatusBadGateway, fmt.Sprintf("gopherfile: %s\n", redactErr(err, p)))
			}
			return resp
		}
		last := attempt >= p.opt.Retries || (reason == "dns" && attempt >= 2) || ctx.Err() != nil
		var wait time.Duration
		if quick := attempt < p.opt.QuickRetries && reason != "429"; quick {
			wait = time.Duration(attempt) * p.opt.QuickDelay
		} else {
			wait = delay + rand.N(delay/2+1)
			delay = min(delay*2, p.opt.MaxDelay)
		}
		if resp != nil {
			if ra := retryAfter(resp.header.Get("Retry-After")); ra > wait {
				wait = min(ra, p.opt.MaxRetryAfter)
			}
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			last = true
		}
		if last {
			p.stats.failed(p.host, target.Path, reason)
			if resp != nil {
				return resp
			}
			msg := fmt.Sprintf("gopherfile: %s (after %d attempts)\n", redactErr(err, p), attempt+1)
			if ctx.Err() != nil && in.Context().Err() == nil {
				msg = fmt.Sprintf("gopherfile: %s: i/o timeout: the download step's deadline (modules.timeout) passed after %d attempts\n", redactErr(err, p), attempt+1)
			}
			return textResponse(http.StatusBadGateway, msg)
		}
		if resp != nil {
			resp.close()
		}
		n := p.stats.retried(p.host, reason)
		if p.opt.Logf != nil && n <= maxLoggedRetries {
			p.opt.Logf("gopherfile: %s%s: %s; retry %d of %d in %.1fs", p.shown, strings.TrimPrefix(target.Path, strings.TrimSuffix(p.upstream.Path, "/")), reason, attempt+1, p.opt.Retries, wait.Seconds())
			if n == maxLoggedRetries {
				p.opt.Logf("gopherfile: (further retries are counted in the summary, not shown)")
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
}

// attempt makes one request. A non-empty reason means it is worth a retry;
// the response (for a 5xx or 429) or the error says what happened.
func (p *proxy) attempt(ctx context.Context, in *http.Request, target *url.URL) (*response, string, error) {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(actx, in.Method, target.String(), nil)
	if err != nil {
		return textResponse(http.StatusBadGateway, "gopherfile: "+err.Error()+"\n"), "", nil
	}
	for k, vs := range in.Header {
		switch http.CanonicalHeaderKey(k) {
		case "Accept-Encoding", "Connection", "Authorization", "Proxy-Authorization", "Keep-Alive", "Te", "Upgrade":
			continue
		}
		req.Header[k] = vs
	}
	if p.user != nil {
		pw, _ := p.user.Password()
		req.SetBasicAuth(p.user.Username(), pw)
	} else if p.opt.Credentials != nil && target.Scheme == "https" {
		// Like the go command, netrc credentials go over https only.
		if u, pw, ok := p.opt.Credentials(target.Host + target.Path); ok {
			req.SetBasicAuth(u, pw)
		}
	}
	res, err := p.client.Do(req)
	if err != nil {
		return nil, reasonOf(err), err
	}
	defer res.Body.Close()
	if res.StatusCode >= 500 || res.StatusCode == http.StatusTooManyRequests {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return &response{status: res.StatusCode, header: res.Header, body: strings.NewReader(string(body)), size: int64(len(body))},
			strconv.Itoa(res.StatusCode), fmt.Errorf("%s", res.Status)
	}
	// The whole body is read before anything is passed on, so that a body
	// that stalls or breaks off can be fetched again.
	limit := maxBody(target.Path)
	if res.ContentLength > limit {
		return tooLarge(target, limit), "", nil
	}
	idle := time.AfterFunc(p.opt.IdleTimeout, func() { cancel(errStall) })
	defer idle.Stop()
	src := io.LimitReader(&idleReader{r: res.Body, t: idle, d: p.opt.IdleTimeout}, limit+1)
	out := &response{status: res.StatusCode, header: res.Header}
	if res.ContentLength >= 0 && res.ContentLength <= memBody {
		dt, err := io.ReadAll(src)
		if err != nil {
			return nil, bodyReason(actx, err), bodyErr(actx, err)
		}
		out.body, out.size = strings.NewReader(string(dt)), int64(len(dt))
		return out, "", nil
	}
	f, err := os.CreateTemp(p.opt.TempDir, "gopherfile-proxy-*")
	if err != nil {
		return textResponse(http.StatusBadGateway, "gopherfile: buffering the response: "+err.Error()+"\n"), "", nil
	}
	out.file = f
	n, err := io.Copy(f, src)
	if err != nil {
		out.close()
		return nil, bodyReason(actx, err), bodyErr(actx, err)
	}
	if n > limit {
		out.close()
		return tooLarge(target, limit), "", nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		out.close()
		return textResponse(http.StatusBadGateway, "gopherfile: "+err.Error()+"\n"), "", nil
	}
	out.body, out.size = f, n
	return out, "", nil
}

func textResponse(code int, body string) *response {
	h := http.Header{}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	return &response{status: code, header: h, body: strings.NewReader(body), size: int64(len(body))}
}
