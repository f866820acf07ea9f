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
	"sync"
	"time"

	"golang.org/x/mod/module"
)

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
	latency  time.Duration // every module request waits this long (SetLatency)

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
	inFlight    int
	maxInFlight int
	requests    int
	failures    int
	counts      map[string]int
	log         []string
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
