package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// faultProxy is a GOPROXY-protocol module proxy on 127.0.0.1 that serves a
// module cache's download directory ($GOMODCACHE/cache/download, which has
// the proxy protocol's layout: MODULE/@v/list, VERSION.info, .mod, .zip) and
// can answer the first requests of every URL path with 503, as an overloaded
// proxy or a CDN edge that is warming up does.
//
// internal/testproxy serves fixture modules built in memory, not a module
// cache, so the flaky-proxy scenario has this small one of its own.
type faultProxy struct {
	dir string
	srv *http.Server
	ln  net.Listener

	mu        sync.Mutex
	failFirst int            // the first failFirst requests of a path get a 503
	seen      map[string]int // URL path → requests so far
	requests  int
	faults    int
}

// startFaultProxy serves dir (a cache/download directory) on a random port
// of 127.0.0.1.
func startFaultProxy(dir string) (*faultProxy, error) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("module proxy directory %s: not a directory (%v)", dir, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("module proxy: listen: %w", err)
	}
	p := &faultProxy{dir: dir, ln: ln, seen: map[string]int{}}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// URL is the proxy's base URL, for GOPROXY.
func (p *faultProxy) URL() string { return "http://" + p.ln.Addr().String() }

// reset zeroes the counters and makes the first failFirst requests of every
// path (counted from now on) fail with 503; 0 makes the proxy healthy.
func (p *faultProxy) reset(failFirst int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failFirst, p.seen, p.requests, p.faults = failFirst, map[string]int{}, 0, 0
}

// counts returns the requests received and the 503s injected since reset.
func (p *faultProxy) counts() (requests, faults int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests, p.faults
}

// close stops the proxy.
func (p *faultProxy) close() {
	if err := p.srv.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		fmt.Fprintf(os.Stderr, "[bench] closing the module proxy: %v\n", err)
	}
}

// ServeHTTP answers one GOPROXY request from the directory, or with an
// injected 503.
func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	urlPath := path.Clean("/" + r.URL.Path)
	p.mu.Lock()
	p.requests++
	p.seen[urlPath]++
	fail := p.seen[urlPath] <= p.failFirst
	if fail {
		p.faults++
	}
	p.mu.Unlock()
	if fail {
		http.Error(w, "injected by the bench: service unavailable", http.StatusServiceUnavailable)
		return
	}
	file, ok := proxyFile(p.dir, urlPath)
	if !ok {
		http.NotFound(w, r)
		return
	}
	f, err := os.Open(file)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.IsDir() {
		http.NotFound(w, r)
		return
	}
	switch {
	case strings.HasSuffix(file, ".info"):
		w.Header().Set("Content-Type", "application/json")
	case strings.HasSuffix(file, ".zip"):
		w.Header().Set("Content-Type", "application/zip")
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

// proxyFile maps a GOPROXY URL path to a file of a cache/download directory:
// only the protocol's files (MODULE/@v/list, .info, .mod, .zip) are served,
// nothing outside dir. The paths are already case-encoded ("!" before an
// upper-case letter) in both.
func proxyFile(dir, urlPath string) (string, bool) {
	rel := strings.TrimPrefix(path.Clean("/"+urlPath), "/")
	mod, file, ok := strings.Cut(rel, "/@v/")
	if !ok || mod == "" || strings.Contains(file, "/") || file == "" {
		return "", false
	}
	if file != "list" && !strings.HasSuffix(file, ".info") && !strings.HasSuffix(file, ".mod") && !strings.HasSuffix(file, ".zip") {
		return "", false
	}
	return filepath.Join(dir, filepath.FromSlash(mod), "@v", file), true
}
