package probe

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/mod/module"
	"golang.org/x/sync/errgroup"

	"github.com/gopherfile/gopherfile/internal/goenv"
)

// sumdb checks the checksum database the build would ask: only for the
// requirements go.sum does not cover and GONOSUMDB does not exempt, the
// way the go command verifies; reached through the first proxy that
// mirrors it (<proxy>/sumdb/<name>/supported), else directly.
func (p *prober) sumdb(ctx context.Context, reqs []req) {
	v := p.in.GoEnv[goenv.GOSUMDB]
	s := &p.r.SumDB
	s.NoSumDB = p.in.GoEnv[goenv.GONOSUMDB]
	if v == "off" {
		s.Name, s.Status, s.OK = "off", "off: nothing is verified against a checksum database (go.sum only)", true
		return
	}
	name, base := sumdbURL(v)
	s.Name = name
	for _, rq := range reqs {
		if module.MatchPrefixPatterns(s.NoSumDB, rq.Path) {
			continue
		}
		if p.sums[rq.Version].Mod == "" {
			s.Needed = append(s.Needed, rq.Path+"@"+rq.Version.Version)
		}
	}
	if len(s.Needed) == 0 {
		s.Status, s.OK = "not asked: go.sum covers every requirement", true
		return
	}
	via, fail := p.sumdbRoute(ctx, name, base)
	s.Via = goenv.RedactURL(via)
	if fail != "" {
		s.Status = fail
		return
	}
	var mu sync.Mutex
	statuses := map[string]int{}
	var g errgroup.Group
	g.SetLimit(Parallel)
	for _, mv := range s.Needed {
		g.Go(func() error {
			a := p.client.get(ctx, via+"/lookup/"+mv, nil)
			mu.Lock()
			statuses[a.short()]++
			mu.Unlock()
			if !a.ok() {
				p.classify(fmt.Sprintf("go: %s: verifying module: %s: %s", mv, mv, a.line()))
			}
			return nil
		})
	}
	g.Wait()
	var parts []string
	s.OK = true
	for k, n := range statuses {
		parts = append(parts, fmt.Sprintf("%s x%d", k, n))
		if k != "200 OK" {
			s.OK = false
		}
	}
	s.Status = fmt.Sprintf("%d lookups: %s", len(s.Needed), strings.Join(parts, ", "))
}

// sumdbURL returns the name and base URL of a GOSUMDB value ("name",
// "name+key" or "name+key URL").
func sumdbURL(v string) (name, base string) {
	f := strings.Fields(v)
	if len(f) == 0 {
		f = []string{goenv.DefaultGOSUMDB}
	}
	name = f[0]
	if i := strings.IndexByte(name, '+'); i >= 0 {
		name = name[:i]
	}
	if len(f) > 1 {
		return name, strings.TrimSuffix(f[1], "/")
	}
	return name, "https://" + name
}

// sumdbRoute finds how the go command reaches the database: the first
// GOPROXY entry whose /sumdb/NAME/supported answers 200; one answering
// 404/410 passes to the next; any other failure fails verification. It
// returns the URL to ask and, on failure, a description (the problem is
// recorded).
func (p *prober) sumdbRoute(ctx context.Context, name, direct string) (string, string) {
	for _, e := range proxyList(p.in.GoEnv[goenv.GOPROXY]) {
		if e.value == "direct" || e.value == "off" {
			break
		}
		if !e.isURL() {
			continue
		}
		base := strings.TrimSuffix(e.value, "/") + "/sumdb/" + name
		a := p.client.get(ctx, base+"/supported", p.netrcCred)
		if a.ok() {
			return base, ""
		}
		if !a.notFound() {
			p.classify(fmt.Sprintf("go: verifying go.mod: initializing sumdb.Client: %s", a.line()))
			return base, a.short()
		}
	}
	return direct, ""
}
