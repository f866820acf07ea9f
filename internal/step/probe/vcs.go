package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/sync/errgroup"

	"github.com/gopherfile/gopherfile/internal/doctor"
	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/step/netrc"
)

// repo is one repository the go command would fetch directly.
type repo struct {
	host string
	// root is the module path prefix of the repository, url its address.
	root, url string
	mods      []module.Version
	// failed is the discovery's failure, "" when the repository was found.
	failed string
}

// direct checks every repository of the modules fetched directly: the
// go-get discovery (over https, with the download step's trust), then git
// ls-remote through the same git config (credential helper, insteadOf rules
// for SSH, known hosts), and that each version's tag is there.
func (p *prober) direct(ctx context.Context) {
	if len(p.directMods) == 0 {
		return
	}
	repos := map[string]*repo{}
	var order []string
	for _, mv := range p.directMods {
		rp := p.discover(ctx, mv)
		if r, ok := repos[rp.url+rp.failed]; ok {
			r.mods = append(r.mods, mv)
			continue
		}
		rp.mods = []module.Version{mv}
		repos[rp.url+rp.failed] = rp
		order = append(order, rp.url+rp.failed)
	}
	sort.Strings(order)
	p.r.Direct = make([]doctor.Direct, len(order))
	var g errgroup.Group
	g.SetLimit(Parallel)
	for i, k := range order {
		g.Go(func() error {
			p.r.Direct[i] = p.lsRemote(ctx, repos[k])
			return nil
		})
	}
	g.Wait()
}

// discover finds a module's repository: github.com/org/repo and the other
// public code hosts by their path, anything else by go-get discovery.
func (p *prober) discover(ctx context.Context, mv module.Version) *repo {
	elems := strings.Split(mv.Path, "/")
	rp := &repo{host: elems[0]}
	if goenv.IsCodeHost(elems[0]) && len(elems) >= 3 {
		rp.root = strings.Join(elems[:3], "/")
		rp.url = "https://" + rp.root
		return rp
	}
	a := p.client.get(ctx, "https://"+mv.Path+"?go-get=1", p.netrcCred)
	if a.ok() {
		if root, u, ok := goImport(a.body, mv.Path); ok {
			rp.root, rp.url = root, u
			return rp
		}
	}
	var line string
	switch {
	case a.err != nil:
		line = fmt.Sprintf("go: %s@%s: unrecognized import path %q: https fetch: %s", mv.Path, mv.Version, mv.Path, a.err)
	case !a.ok():
		line = fmt.Sprintf("go: %s@%s: unrecognized import path %q: %s", mv.Path, mv.Version, mv.Path, a.line())
	default:
		line = fmt.Sprintf("go: %s@%s: unrecognized import path %q: no go-import meta tag", mv.Path, mv.Version, mv.Path)
	}
	rp.failed = a.short()
	if a.err == nil && a.ok() {
		rp.failed = "no go-import meta tag"
	}
	p.classify(line)
	return rp
}

var (
	reMeta    = regexp.MustCompile(`(?is)<meta\s[^>]*>`)
	reName    = regexp.MustCompile(`(?is)name\s*=\s*["']go-import["']`)
	reContent = regexp.MustCompile(`(?is)content\s*=\s*["']([^"']*)["']`)
)

// goImport reads the go-import meta tag whose prefix covers path.
func goImport(body, path string) (root, repoURL string, ok bool) {
	for _, tag := range reMeta.FindAllString(body, -1) {
		if !reName.MatchString(tag) {
			continue
		}
		m := reContent.FindStringSubmatch(tag)
		if m == nil {
			continue
		}
		f := strings.Fields(m[1])
		if len(f) != 3 || f[1] != "git" {
			continue
		}
		if path == f[0] || strings.HasPrefix(path, f[0]+"/") {
			return f[0], f[2], true
		}
	}
	return "", "", false
}

// lsRemote runs git ls-remote against a repository.
func (p *prober) lsRemote(ctx context.Context, rp *repo) doctor.Direct {
	d := doctor.Direct{Host: rp.host, Repo: goenv.RedactURL(rp.url), Credential: p.gitCredential(rp.host)}
	for _, mv := range rp.mods {
		d.Modules = append(d.Modules, mv.Path+"@"+mv.Version)
	}
	if rp.failed != "" {
		d.Status = "go-get discovery failed: " + rp.failed
		return d
	}
	dir, err := os.MkdirTemp("", "gopherfile-doctor-")
	if err != nil {
		d.Status = err.Error()
		return d
	}
	defer os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, "git", "ls-remote", "-q", "--end-of-options", rp.url)
	cmd.Dir, cmd.Env = dir, p.in.Env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if ctx.Err() != nil {
			msg += "\nfatal: git ls-remote: i/o timeout (the download step's deadline passed)"
		}
		var ee *exec.ExitError
		code := "exit status 128"
		if errors.As(err, &ee) {
			code = ee.Error()
		} else if ctx.Err() == nil {
			code = err.Error()
		}
		mv := rp.mods[0]
		line := fmt.Sprintf("go: %s@%s: reading %s/go.mod at revision %s: git ls-remote -q --end-of-options %s in %s: %s:\n\t%s",
			mv.Path, mv.Version, mv.Path, mv.Version, rp.url, dir, code, strings.ReplaceAll(msg, "\n", "\n\t"))
		_, matched := p.classifyLine(line)
		d.Status = "failed: " + firstLine(or(matched, lastLine(msg)))
		return d
	}
	refs := map[string]bool{}
	for _, line := range strings.Split(stdout.String(), "\n") {
		if f := strings.Fields(line); len(f) == 2 {
			refs[f[1]] = true
		}
	}
	d.OK, d.Status = true, fmt.Sprintf("ok, %d refs", len(refs))
	for _, mv := range rp.mods {
		if !hasTag(refs, rp.root, mv) {
			d.OK = false
			d.Status = "no tag for " + mv.Path + "@" + mv.Version
			p.classify(fmt.Sprintf("go: %s@%s: invalid version: unknown revision %s", mv.Path, mv.Version, mv.Version))
		}
	}
	return d
}

// hasTag reports whether the refs hold the tag of a version: the version
// itself, under the module's subdirectory for a module below the root.
// Pseudo-versions name commits, which ls-remote does not list.
func hasTag(refs map[string]bool, root string, mv module.Version) bool {
	if module.IsPseudoVersion(mv.Version) {
		return true
	}
	v := strings.TrimSuffix(mv.Version, "+incompatible")
	sub := strings.TrimPrefix(strings.TrimPrefix(mv.Path, root), "/")
	cands := []string{v}
	if sub != "" {
		cands = append(cands, sub+"/"+v)
		if _, major, ok := module.SplitPathVersion(sub); ok && major != "" {
			prefix := strings.TrimSuffix(strings.TrimSuffix(sub, major), "/")
			if prefix != "" {
				cands = append(cands, prefix+"/"+v)
			}
		}
	}
	for _, c := range cands {
		if refs["refs/tags/"+c] || refs["refs/tags/"+c+"^{}"] {
			return true
		}
	}
	return false
}

// gitCredential names what git gets for a host.
func (p *prober) gitCredential(host string) string {
	for _, h := range p.in.SSHHosts {
		if h == host {
			if p.in.Agent {
				return "the SSH agent (ssh://git@" + host + "/)"
			}
			return "SSH wanted, but no agent was forwarded"
		}
	}
	if c := p.in.Creds[host]; c != "" {
		return c
	}
	if e, ok := netrc.Lookup(p.in.Netrc, host); ok {
		return fmt.Sprintf("netrc entry for %s (%s)", e.Machine, p.in.NetrcSource)
	}
	return p.in.GitConfigNote
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
