package testproxy

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	"golang.org/x/mod/module"
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

// SetLatency makes every module request wait d before it is answered, as
// a round trip to a distant proxy does.
func (p *Proxy) SetLatency(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.latency = d
}

// MaxInFlight is the most module requests the proxy was answering at once.
func (p *Proxy) MaxInFlight() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.maxInFlight
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
