package probe

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/sync/errgroup"

	"github.com/gopherfile/gopherfile/internal/doctor"
	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/step/netrc"
)

// entry is one GOPROXY entry and the separator after it.
type entry struct {
	value string // as written, possibly with credentials
	sep   string // "," or "|", "" for the last
}

// proxyList splits GOPROXY as the go command does.
func proxyList(v string) []entry {
	var out []entry
	start := 0
	for i := 0; i <= len(v); i++ {
		if i == len(v) || v[i] == ',' || v[i] == '|' {
			e := strings.TrimSpace(v[start:i])
			sep := ""
			if i < len(v) {
				sep = string(v[i])
			}
			if e != "" {
				out = append(out, entry{value: e, sep: sep})
			}
			start = i + 1
		}
	}
	if len(out) > 0 {
		out[len(out)-1].sep = ""
	}
	return out
}

// isURL reports whether an entry is an http(s) proxy.
func (e entry) isURL() bool {
	return strings.HasPrefix(e.value, "https://") || strings.HasPrefix(e.value, "http://")
}

func (e entry) host() string {
	u, err := url.Parse(e.value)
	if err != nil {
		return ""
	}
	return u.Host
}

// modules asks the GOPROXY list for each requirement, in parallel.
func (p *prober) modules(ctx context.Context, reqs []req) {
	list := proxyList(p.in.GoEnv[goenv.GOPROXY])
	for _, e := range list {
		px := doctor.Proxy{URL: goenv.RedactURL(e.value), Sep: e.sep, Statuses: map[string]int{}}
		if e.isURL() {
			px.Host = e.host()
			px.Credential = p.credentialFor(e)
		}
		p.r.Proxies = append(p.r.Proxies, px)
	}
	p.r.Modules = make([]doctor.Module, len(reqs))
	var g errgroup.Group
	g.SetLimit(Parallel)
	for i, rq := range reqs {
		g.Go(func() error {
			p.r.Modules[i] = p.walk(ctx, list, rq)
			return nil
		})
	}
	g.Wait()
	p.tlsHints(ctx, list)
}

// walk asks the list for one module as the go command would: "," falls
// through on 404 and 410 only, "|" on any error; "direct" leaves it to
// version control; a GONOPROXY module goes there at once.
func (p *prober) walk(ctx context.Context, list []entry, rq req) doctor.Module {
	m := doctor.Module{Path: rq.Path, Version: rq.Version.Version, Indirect: rq.Indirect}
	if p.sums[rq.Version].Mod == "" {
		m.Row = p.classify(fmt.Sprintf("go: %s@%s: missing go.sum entry for go.mod file; to add it:\n\tgo mod download %s", rq.Path, rq.Version.Version, rq.Path))
	}
	if module.MatchPrefixPatterns(p.in.GoEnv[goenv.GONOPROXY], rq.Path) {
		return p.toDirect(m, rq)
	}
	escPath, err1 := module.EscapePath(rq.Path)
	escVer, err2 := module.EscapeVersion(rq.Version.Version)
	if err1 != nil || err2 != nil {
		m.Status = "invalid module path or version"
		m.Row = p.classify(fmt.Sprintf("go.mod: require %s: version %q invalid: malformed", rq.Path, rq.Version.Version))
		return m
	}
	var last answer
	for i, e := range list {
		switch {
		case e.value == "direct":
			p.count(i, answer{status: "fetched from version control"})
			return p.toDirect(m, rq)
		case e.value == "off":
			p.count(i, answer{status: "lookup disabled"})
			m.Status = goenv.GOPROXY + "=off"
			m.Row = p.classify(fmt.Sprintf("go: %s@%s: module lookup disabled by GOPROXY=off", rq.Path, rq.Version.Version))
			return m
		case !e.isURL():
			continue // file:// and what the go command itself rejects
		}
		a := p.client.get(ctx, strings.TrimSuffix(e.value, "/")+"/"+escPath+"/@v/"+escVer+".info", p.netrcCred)
		p.count(i, a)
		m.Via = goenv.RedactURL(e.value)
		if a.ok() {
			m.Status, m.OK = a.status, true
			return m
		}
		last = a
		if e.sep == "|" || (e.sep == "," && a.notFound()) {
			continue
		}
		break
	}
	m.Status = last.short()
	if m.Row == 0 {
		m.Row = p.classify(fmt.Sprintf("go: %s@%s: %s", rq.Path, rq.Version.Version, last.line()))
	}
	return m
}

// toDirect notes a module fetched from version control.
func (p *prober) toDirect(m doctor.Module, rq req) doctor.Module {
	p.mu.Lock()
	p.directMods = append(p.directMods, rq.Version)
	p.mu.Unlock()
	m.Via, m.Status, m.OK = "direct", "from version control (see DIRECT)", true
	return m
}

// count records an answer of proxy i.
func (p *prober) count(i int, a answer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	px := &p.r.Proxies[i]
	px.Asked++
	px.Statuses[a.short()]++
	switch {
	case a.err != nil && strings.Contains(a.err.Error(), "x509:"):
		px.TLS = "untrusted"
	case a.issuer != "":
		if px.TLS == "" {
			px.TLS = "trusted"
		}
		px.Issuer = a.issuer
	}
}

// tlsHints reads the issuer of each proxy whose certificate was not trusted.
func (p *prober) tlsHints(ctx context.Context, list []entry) {
	for i := range p.r.Proxies {
		px := &p.r.Proxies[i]
		if px.TLS != "untrusted" || px.Issuer != "" {
			continue
		}
		px.Issuer = p.client.untrustedIssuer(ctx, px.Host)
		px.Intercepted = looksIntercepted(px.Host, px.Issuer)
		if px.Issuer == "" {
			continue
		}
		hint := fmt.Sprintf(" %s presented a certificate issued by %q, which the build's trust store does not know", px.Host, px.Issuer)
		if px.Intercepted {
			hint += "; that issuer looks like a TLS-intercepting proxy, whose CA bundle is the one to pass"
		}
		for j := range p.r.Problems {
			if q := &p.r.Problems[j]; q.Row == 4 && q.Host == px.Host && !strings.Contains(q.Text, hint) {
				q.Text += hint + "."
			}
		}
	}
}

// netrcCred is the netrc lookup the go command makes for a request.
func (p *prober) netrcCred(hostPath string) (string, string, bool) {
	e, ok := netrc.Lookup(p.in.Netrc, hostPath)
	return e.Login, e.Password, ok
}

// credentialFor names the credential offered to a proxy entry.
func (p *prober) credentialFor(e entry) string {
	if goenv.HasCredentials(goenv.GOPROXY, e.value) {
		return "user:password in the GOPROXY URL"
	}
	u, err := url.Parse(e.value)
	if err != nil {
		return ""
	}
	if ent, ok := netrc.Lookup(p.in.Netrc, u.Host+u.Path); ok {
		if u.Scheme != "https" {
			return fmt.Sprintf("netrc entry for %s (%s) not sent: plain http", ent.Machine, p.in.NetrcSource)
		}
		return fmt.Sprintf("netrc entry for %s (%s)", ent.Machine, p.in.NetrcSource)
	}
	if g := p.in.GoEnv[goenv.GOAUTH]; g != "" && g != "netrc" && g != "off" {
		return "GOAUTH command"
	}
	return ""
}
