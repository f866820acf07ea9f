package testproxy

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

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
	if strings.HasPrefix(r.URL.Path, toolchainPath) {
		if o, ok := p.toolchainOverride(r.URL.Path); ok {
			w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
			w.WriteHeader(o.code)
			_, _ = io.WriteString(w, o.body+"\n")
			return
		}
		forwardToolchain(w, r)
		return
	}
	p.mu.Lock()
	p.inFlight++
	p.maxInFlight = max(p.maxInFlight, p.inFlight)
	latency := p.latency
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.inFlight--
		p.mu.Unlock()
	}()
	time.Sleep(latency)
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

// toolchainPath is where the Go toolchains are: the builds' go steps fetch
// one through the same proxy as the modules.
const toolchainPath = "/golang.org/toolchain/@v/"

// toolchainOverride is the answer SetResponse chose for a toolchain path
// (a prefix of the URL path such as
// "golang.org/toolchain/@v/v0.0.1-go1.99.0."), so that a test can refuse one
// Go release while the builds' own toolchain still comes through.
func (p *Proxy) toolchainOverride(urlPath string) (statusOverride, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rel := strings.TrimPrefix(urlPath, "/")
	best, found := "", false
	for prefix := range p.status {
		if strings.HasPrefix(prefix, strings.TrimPrefix(toolchainPath, "/")) && strings.HasPrefix(rel, prefix) && len(prefix) > len(best) {
			best, found = prefix, true
		}
	}
	return p.status[best], found
}

// forwardToolchain passes a toolchain request on to the machine's module
// proxy (the first proxy of the test process's GOPROXY), with no fault, no
// authentication and no entry in the log or the counts: the tests' proxies
// serve their own modules, the Go release comes from the real proxy.
func forwardToolchain(w http.ResponseWriter, r *http.Request) {
	upstream := "https://proxy.golang.org"
	for _, e := range strings.FieldsFunc(os.Getenv("GOPROXY"), func(c rune) bool { return c == ',' || c == '|' }) {
		if strings.HasPrefix(e, "http://") || strings.HasPrefix(e, "https://") {
			upstream = strings.TrimSuffix(e, "/")
			break
		}
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, upstream+r.URL.Path, nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	if n := resp.Header.Get("Content-Length"); n != "" {
		w.Header().Set("Content-Length", n)
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}
