// Package testproxy is a GOPROXY-protocol module proxy for tests.
//
// A Proxy listens on 127.0.0.1 with a random port and serves fixture modules
// built in memory: the module zips have the exact layout the go command
// expects (golang.org/x/mod/zip) and GoSum returns the go.sum lines that
// match them. Tests can inject faults (HTTP 5xx, connection resets, stalls,
// per-module status codes, basic authentication, tampered zips, a proxy that
// goes down and comes back on the same port) and inspect what was requested.
//
// All methods are safe for concurrent use.
package testproxy

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Fault is a failure the proxy can inject instead of answering a request.
type Fault int

// The faults a proxy can inject.
const (
	// Status500 answers 500 Internal Server Error.
	Status500 Fault = iota + 1
	// Status502 answers 502 Bad Gateway.
	Status502
	// Status503 answers 503 Service Unavailable.
	Status503
	// Reset closes the TCP connection without a response (with SO_LINGER 0,
	// so the client sees "connection reset by peer" or EOF).
	Reset
	// Stall holds the request without answering until the client gives up,
	// the proxy is closed or taken down, or the maximum stall time passes
	// (SetMaxStall, 30s by default); then the connection is closed.
	Stall
	// StallBody sends the real response's headers and the first half of its
	// body, then stalls like Stall.
	StallBody
	// Status429 answers 429 Too Many Requests with Retry-After: 1.
	Status429
)

// String returns the name of the fault.
func (f Fault) String() string {
	switch f {
	case Status500:
		return "500"
	case Status502:
		return "502"
	case Status503:
		return "503"
	case Reset:
		return "reset"
	case Stall:
		return "stall"
	case StallBody:
		return "stall-body"
	case Status429:
		return "429"
	}
	return fmt.Sprintf("Fault(%d)", int(f))
}

// DefaultMaxStall is how long a Stall fault holds a request at most.
const DefaultMaxStall = 30 * time.Second

// Proxy is a running test module proxy.
type Proxy struct {
	mu sync.Mutex

	mods map[string]map[string]*built // module path → version → module
	seq  int

	addr     string // host:port, fixed across Down/Up
	scheme   string // "http" or "https"
	tls      *tlsState
	srv      *http.Server
	ln       net.Listener  // the TCP listener of srv
	stop     chan struct{} // closed when the current server goes down
	closed   bool
	maxStall time.Duration

	// Fault injection.
	failNext     int
	failNextKind Fault
	perPathN     int
	perPathKind  Fault
	perPathSeen  map[string]int
	randRate     float64
	randKinds    []Fault
	rng          *rand.Rand
	status       map[string]statusOverride // path prefix → response
	authUser     string
	authPass     string
	authOn       bool
	tampered     map[module.Version]bool

	// Observations.
	requests int
	failures int
	counts   map[string]int
	log      []string
}

type statusOverride struct {
	code int
	body string
}

// Start starts a plain-HTTP proxy on 127.0.0.1 serving mods.
func Start(mods ...Module) (*Proxy, error) {
	return start(nil, mods)
}

func start(ts *tlsState, mods []Module) (*Proxy, error) {
	p := &Proxy{
		mods:     make(map[string]map[string]*built),
		scheme:   "http",
		tls:      ts,
		maxStall: DefaultMaxStall,
		status:   make(map[string]statusOverride),
		tampered: make(map[module.Version]bool),
		counts:   make(map[string]int),
	}
	if ts != nil {
		p.scheme = "https"
	}
	if err := p.Add(mods...); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("testproxy: listen: %w", err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	return p, nil
}

// serve starts an HTTP server on ln. p.mu must not be held.
func (p *Proxy) serve(tcp net.Listener) {
	ln := tcp
	if p.tls != nil {
		ln = p.tls.listener(tcp)
	}
	srv := &http.Server{
		Handler:           p,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          discardLogger(),
	}
	p.mu.Lock()
	p.srv, p.ln = srv, tcp
	p.stop = make(chan struct{})
	p.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// Add adds fixture modules to a running proxy. Adding a path and version that
// is already served replaces it.
func (p *Proxy) Add(mods ...Module) error {
	for _, m := range mods {
		p.mu.Lock()
		p.seq++
		seq := p.seq
		p.mu.Unlock()
		b, err := build(m, seq)
		if err != nil {
			return err
		}
		p.mu.Lock()
		if p.mods[m.Path] == nil {
			p.mods[m.Path] = make(map[string]*built)
		}
		p.mods[m.Path][m.Version] = b
		p.mu.Unlock()
	}
	return nil
}

// URL returns the base URL of the proxy, for GOPROXY.
func (p *Proxy) URL() string {
	return p.scheme + "://" + p.addr
}

// Addr returns the host:port the proxy listens on.
func (p *Proxy) Addr() string {
	return p.addr
}

// GoSum returns the go.sum lines (zip hash and go.mod hash) of a fixture
// module, or nil if the proxy does not serve it.
func (p *Proxy) GoSum(path, version string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.mods[path][version]
	if b == nil {
		return nil
	}
	return []string{
		path + " " + version + " " + b.zipSum,
		path + " " + version + "/go.mod " + b.modSum,
	}
}

// Close shuts the proxy down for good and releases stalled requests.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	_ = p.Down()
}

// Down closes the listener and all connections, so that clients get
// "connection refused" until Up is called.
func (p *Proxy) Down() error {
	p.mu.Lock()
	srv, ln, stop := p.srv, p.ln, p.stop
	p.srv, p.ln, p.stop = nil, nil, nil
	p.mu.Unlock()
	if srv == nil {
		return nil
	}
	close(stop)
	// Close the listener ourselves too: srv.Close only closes listeners
	// that Serve has started using, and Serve runs in a goroutine.
	_ = ln.Close()
	// srv.Close may close that listener again when Serve had taken it over:
	// "use of closed network connection" is the expected outcome then.
	if err := srv.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("testproxy: closing server: %w", err)
	}
	return nil
}

// Up reopens the listener on the same address after Down.
func (p *Proxy) Up() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return errors.New("testproxy: proxy is closed")
	}
	if p.srv != nil {
		p.mu.Unlock()
		return nil
	}
	p.mu.Unlock()
	var ln net.Listener
	var err error
	// The old socket may take a moment to be released; retry briefly.
	for i := 0; i < 50; i++ {
		ln, err = net.Listen("tcp", p.addr)
		if err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("testproxy: relisten on %s: %w", p.addr, err)
	}
	p.serve(ln)
	return nil
}

// FailNext makes the next n requests, whatever their path, fail with kind.
func (p *Proxy) FailNext(n int, kind Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failNext, p.failNextKind = n, kind
}

// FailFirstPerPath makes the first n requests of every distinct URL path
// (counted from this call on) fail with kind.
func (p *Proxy) FailFirstPerPath(n int, kind Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.perPathN, p.perPathKind = n, kind
	p.perPathSeen = make(map[string]int)
}

// FailRandom makes each request fail with probability rate, with a fault
// chosen at random among kinds (Status503 if none), using a deterministic
// random source seeded with seed. A rate of 0 turns random failures off.
func (p *Proxy) FailRandom(rate float64, seed uint64, kinds ...Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(kinds) == 0 {
		kinds = []Fault{Status503}
	}
	p.randRate = rate
	p.randKinds = append([]Fault(nil), kinds...)
	p.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// SetStatus makes every request whose module path (or URL path without the
// leading slash) starts with pathPrefix answer code, with the status text as
// a text/plain body. A code of 0 removes the override.
func (p *Proxy) SetStatus(pathPrefix string, code int) {
	p.SetResponse(pathPrefix, code, http.StatusText(code))
}

// SetResponse is SetStatus with a chosen text/plain body. The go command
// shows such a body as "server response: ..." in its error.
func (p *Proxy) SetResponse(pathPrefix string, code int, body string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if code == 0 {
		delete(p.status, pathPrefix)
		return
	}
	p.status[pathPrefix] = statusOverride{code: code, body: body}
}

// RequireBasicAuth makes the proxy answer 401 to requests without these
// basic-auth credentials. An empty user turns authentication off.
func (p *Proxy) RequireBasicAuth(user, pass string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.authUser, p.authPass, p.authOn = user, pass, user != ""
}

// Tamper makes the proxy serve, for path@version, a valid module zip whose
// content (and so hash) differs from the one GoSum describes.
func (p *Proxy) Tamper(path, version string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tampered[module.Version{Path: path, Version: version}] = true
}

// SetMaxStall sets how long a Stall fault holds a request at most.
func (p *Proxy) SetMaxStall(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.maxStall = d
}

// ClearFaults removes every injected fault, status override, tampering and
// authentication requirement.
func (p *Proxy) ClearFaults() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failNext, p.perPathN, p.randRate = 0, 0, 0
	p.perPathSeen = nil
	p.status = make(map[string]statusOverride)
	p.tampered = make(map[module.Version]bool)
	p.authOn = false
}

// ResetCounters zeroes the counters and empties the request log.
func (p *Proxy) ResetCounters() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests, p.failures = 0, 0
	p.counts = make(map[string]int)
	p.log = nil
}

// Requests returns the number of requests received.
func (p *Proxy) Requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests
}

// Failures returns the number of requests answered with an injected fault
// (FailNext, FailFirstPerPath, FailRandom). Status overrides, 401s and 404s
// are not counted.
func (p *Proxy) Failures() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failures
}

// PathRequests returns the number of requests received for one URL path,
// such as "/example.com/m/@v/v1.0.0.zip".
func (p *Proxy) PathRequests(urlPath string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[urlPath]
}

// Counts returns the number of requests received per URL path.
func (p *Proxy) Counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := make(map[string]int, len(p.counts))
	for k, v := range p.counts {
		c[k] = v
	}
	return c
}

// Log returns one line per request, in arrival order, of the form
// "GET /example.com/m/@v/v1.0.0.zip 200" (the outcome is a status code,
// "reset" or "stall", followed by " (fault)" for injected faults).
func (p *Proxy) Log() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.log...)
}

// Paths returns the distinct URL paths requested so far, sorted.
func (p *Proxy) Paths() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	paths := make([]string, 0, len(p.counts))
	for k := range p.counts {
		paths = append(paths, k)
	}
	sort.Strings(paths)
	return paths
}

// response is what the handler decided to do with one request.
type response struct {
	fault       Fault
	code        int
	contentType string
	body        []byte
	header      map[string]string
}

// ServeHTTP implements the GOPROXY protocol with fault injection.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	res := p.decideLocked(r)
	outcome := fmt.Sprint(res.code)
	if res.fault != 0 {
		p.failures++
		outcome = res.fault.String() + " (fault)"
	}
	p.log = append(p.log, r.Method+" "+r.URL.Path+" "+outcome)
	stop, maxStall := p.stop, p.maxStall
	p.mu.Unlock()

	switch res.fault {
	case Reset:
		resetConn(w)
		return
	case Stall:
		stall(r, stop, maxStall)
		resetConn(w)
		return
	case StallBody:
		w.Header().Set("Content-Type", res.contentType)
		w.Header().Set("Content-Length", fmt.Sprint(len(res.body)))
		w.WriteHeader(res.code)
		_, _ = w.Write(res.body[:len(res.body)/2])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		stall(r, stop, maxStall)
		resetConn(w)
		return
	}
	for k, v := range res.header {
		w.Header().Set(k, v)
	}
	if res.contentType != "" {
		w.Header().Set("Content-Type", res.contentType)
	}
	w.WriteHeader(res.code)
	_, _ = w.Write(res.body)
}

// decideLocked records r and decides how to answer it. p.mu must be held.
func (p *Proxy) decideLocked(r *http.Request) response {
	urlPath := r.URL.Path
	p.requests++
	p.counts[urlPath]++

	f := p.pickFaultLocked(urlPath)
	if f == StallBody {
		res := p.answerLocked(r)
		res.fault = f
		return res
	}
	if f != 0 {
		var res response
		switch f {
		case Status429:
			res = textResponse(http.StatusTooManyRequests, "")
			res.header = map[string]string{"Retry-After": "1"}
		case Status500:
			res = textResponse(http.StatusInternalServerError, "")
		case Status502:
			res = textResponse(http.StatusBadGateway, "")
		case Status503:
			res = textResponse(http.StatusServiceUnavailable, "")
		}
		res.fault = f
		return res
	}
	return p.answerLocked(r)
}

// answerLocked answers r as a healthy proxy would. p.mu must be held.
func (p *Proxy) answerLocked(r *http.Request) response {
	urlPath := r.URL.Path
	if p.authOn {
		user, pass, ok := r.BasicAuth()
		if !ok || user != p.authUser || pass != p.authPass {
			res := textResponse(http.StatusUnauthorized, "")
			res.header = map[string]string{"WWW-Authenticate": `Basic realm="testproxy"`}
			return res
		}
	}

	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return textResponse(http.StatusMethodNotAllowed, "")
	}

	modPath, file, ok := parsePath(urlPath)
	// The longest matching prefix wins.
	best, found := "", false
	for prefix := range p.status {
		if strings.HasPrefix(strings.TrimPrefix(urlPath, "/"), prefix) || (ok && strings.HasPrefix(modPath, prefix)) {
			if !found || len(prefix) > len(best) {
				best, found = prefix, true
			}
		}
	}
	if found {
		o := p.status[best]
		return response{code: o.code, contentType: "text/plain; charset=UTF-8", body: []byte(o.body + "\n")}
	}
	if !ok {
		return textResponse(http.StatusNotFound, "not found: "+urlPath)
	}
	versions := p.mods[modPath]
	if versions == nil {
		return textResponse(http.StatusNotFound, "not found: module "+modPath+": not served by testproxy")
	}

	if file == "@latest" {
		b := latest(versions)
		return response{code: http.StatusOK, contentType: "application/json", body: b.info}
	}
	if file == "list" {
		var vs []string
		for v := range versions {
			if !module.IsPseudoVersion(v) {
				vs = append(vs, v)
			}
		}
		semver.Sort(vs)
		body := strings.Join(vs, "\n")
		if body != "" {
			body += "\n"
		}
		return response{code: http.StatusOK, contentType: "text/plain; charset=UTF-8", body: []byte(body)}
	}

	ext := file[strings.LastIndexByte(file, '.'):]
	version, err := module.UnescapeVersion(strings.TrimSuffix(file, ext))
	if err != nil {
		return textResponse(http.StatusNotFound, "not found: "+err.Error())
	}
	b := versions[version]
	if b == nil {
		return textResponse(http.StatusNotFound, "not found: "+modPath+"@"+version+": invalid version: unknown revision "+version)
	}
	switch ext {
	case ".info":
		return response{code: http.StatusOK, contentType: "application/json", body: b.info}
	case ".mod":
		return response{code: http.StatusOK, contentType: "text/plain; charset=UTF-8", body: b.mod}
	default: // ".zip", checked by parsePath
		body := b.zip
		if p.tampered[module.Version{Path: modPath, Version: version}] {
			body = b.tampered
		}
		return response{code: http.StatusOK, contentType: "application/zip", body: body}
	}
}

// pickFaultLocked returns the fault to inject for a request, or 0.
func (p *Proxy) pickFaultLocked(urlPath string) Fault {
	if p.perPathN > 0 {
		p.perPathSeen[urlPath]++
		if p.perPathSeen[urlPath] <= p.perPathN {
			return p.perPathKind
		}
	}
	if p.failNext > 0 {
		p.failNext--
		return p.failNextKind
	}
	if p.randRate > 0 && p.rng.Float64() < p.randRate {
		return p.randKinds[p.rng.IntN(len(p.randKinds))]
	}
	return 0
}

func textResponse(code int, body string) response {
	if body == "" {
		body = http.StatusText(code)
	}
	return response{code: code, contentType: "text/plain; charset=UTF-8", body: []byte(body + "\n")}
}

// latest returns the version @latest resolves to: the highest release
// version, else the highest pre-release, else the newest pseudo-version.
func latest(versions map[string]*built) *built {
	var best *built
	rank := func(v string) int {
		switch {
		case module.IsPseudoVersion(v):
			return 0
		case semver.Prerelease(v) != "":
			return 1
		}
		return 2
	}
	for v, b := range versions {
		if best == nil {
			best = b
			continue
		}
		rb, rv := rank(best.version), rank(v)
		if rv > rb || (rv == rb && semver.Compare(v, best.version) > 0) {
			best = b
		}
	}
	return best
}

// parsePath splits a GOPROXY protocol URL path into the unescaped module
// path and the file ("list", "@latest", "VERSION.info", ".mod" or ".zip").
func parsePath(urlPath string) (modPath, file string, ok bool) {
	urlPath = strings.TrimPrefix(urlPath, "/")
	var escaped string
	if before, found := strings.CutSuffix(urlPath, "/@latest"); found {
		escaped, file = before, "@latest"
	} else {
		i := strings.LastIndex(urlPath, "/@v/")
		if i < 0 {
			return "", "", false
		}
		escaped, file = urlPath[:i], urlPath[i+len("/@v/"):]
		if file != "list" && !strings.HasSuffix(file, ".info") && !strings.HasSuffix(file, ".mod") && !strings.HasSuffix(file, ".zip") {
			return "", "", false
		}
	}
	modPath, err := module.UnescapePath(escaped)
	if err != nil {
		return "", "", false
	}
	return modPath, file, true
}

// stall waits until the client gives up, the proxy goes down or max passes.
func stall(r *http.Request, stop <-chan struct{}, max time.Duration) {
	t := time.NewTimer(max)
	defer t.Stop()
	select {
	case <-r.Context().Done():
	case <-stop:
	case <-t.C:
	}
}

// resetConn closes the client connection without writing a response. It
// sets SO_LINGER to 0 so that the peer receives a TCP RST.
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	raw := conn
	if nc, ok := conn.(interface{ NetConn() net.Conn }); ok {
		raw = nc.NetConn()
	}
	if tc, ok := raw.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = raw.Close()
}
