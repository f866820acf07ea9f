// Package probe is the doctor's probe: it asks every place go mod download
// would go for the main module's requirements (each GOPROXY entry, one info
// request per module path, bounded and in parallel; the checksum database
// for what go.sum does not cover; the version control hosts of the modules
// fetched directly, with git ls-remote through the same credential helper,
// SSH agent and known hosts; the toolchain) and predicts what will fail.
//
// It runs in the doctor step, with exactly the download step's network,
// secrets and settings (package step sets them up as for the download), and
// on the host for `gopherfile doctor --host`. What it sees is written as the
// go command would print it and classified and explained by package
// diagnose, so a predicted failure has the same row and words as the
// build's own diagnosis. It never writes the module cache, and every value
// it reports is redacted (goenv.Redact); credentials are named, never shown.
package probe

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"github.com/gopherfile/gopherfile/internal/doctor"
	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/gosum"
	"github.com/gopherfile/gopherfile/internal/step/diagnose"
	"github.com/gopherfile/gopherfile/internal/step/netrc"
)

// Parallel is how many requests the probe makes at once.
const Parallel = 8

// GoEnvNames are the go env values the probe needs (go env -json NAMES).
var GoEnvNames = []string{
	goenv.GOPROXY, goenv.GOPRIVATE, goenv.GONOPROXY, goenv.GONOSUMDB, goenv.GOSUMDB, goenv.GOINSECURE, goenv.GOAUTH,
	goenv.GOFLAGS, goenv.GOTOOLCHAIN, goenv.GOVERSION, goenv.GOHOSTOS, goenv.GOHOSTARCH,
}

// Input is what the probe needs; the caller sets up credentials as the
// download step does (or finds the host's).
type Input struct {
	// Where is doctor.Builder or doctor.Host.
	Where string
	// Dir holds go.mod and go.sum.
	Dir string
	// Env is the environment of git (HOME with its config, GIT_SSH_COMMAND,
	// GIT_TERMINAL_PROMPT=0, GIT_SSL_CAINFO...).
	Env []string
	// GoEnv are the go command's values of GoEnvNames.
	GoEnv map[string]string
	// Context is the diagnosis context (settings with their origins).
	Context diagnose.Context
	// Settings are the settings to report, with their origins.
	Settings []doctor.Setting
	// RootCAs verifies TLS (nil: the system's trust store).
	RootCAs *x509.CertPool
	// Netrc are the netrc entries; CredentialSource names where they are
	// ("the netrc secret", "~/.netrc").
	Netrc       []netrc.Entry
	NetrcSource string
	// Creds names the credentials given per host (for the diagnosis).
	Creds map[string]string
	// SSHHosts are reached over SSH through the agent (Agent is set when
	// one is there).
	SSHHosts []string
	Agent    bool
	// Deadline is the download step's deadline.
	Deadline time.Time
	// Setup are problems found while setting up (a required secret that is
	// missing), in the words the download step fails with.
	Setup []doctor.Problem
	// GitConfigNote names the git credentials on the host ("" in the builder).
	GitConfigNote string
}

// Run probes and returns the report.
func Run(ctx context.Context, in Input) *doctor.Report {
	start := time.Now()
	ctx, cancel := context.WithDeadline(ctx, in.Deadline)
	defer cancel()
	r := &doctor.Report{Where: in.Where, Settings: in.Settings, DeadlineSeconds: int(time.Until(in.Deadline).Round(time.Second).Seconds())}
	p := &prober{in: in, r: r, client: newClient(in.RootCAs, in.Deadline)}
	r.Problems = append(r.Problems, in.Setup...)
	reqs, err := p.readGoMod()
	if err != nil {
		p.problem(diagnose.Finding{Class: diagnose.EnvConflict, Line: err.Error()}, err.Error())
		r.Millis = time.Since(start).Milliseconds()
		return r
	}
	if fi, err := os.Stat(filepath.Join(in.Dir, "vendor", "modules.txt")); err == nil && !fi.IsDir() {
		r.Vendored = true
	}
	p.toolchain(ctx)
	if !r.Vendored {
		p.modules(ctx, reqs)
		p.sumdb(ctx, reqs)
		p.direct(ctx)
	} else {
		r.SumDB = doctor.SumDB{Name: in.GoEnv[goenv.GOSUMDB], Status: "not asked: the module is vendored", OK: true}
	}
	r.Millis = time.Since(start).Milliseconds()
	return r
}

// prober is one run.
type prober struct {
	in     Input
	r      *doctor.Report
	client *client

	mu sync.Mutex
	// directMods are the modules go would fetch from version control.
	directMods []module.Version
	// sums are go.sum's hashes by module version.
	sums map[module.Version]gosum.Entry
}

// readGoMod reads go.mod's requirements and go.sum's lines.
func (p *prober) readGoMod() ([]req, error) {
	name := filepath.Join(p.in.Dir, "go.mod")
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("reading go.mod: %w", err)
	}
	f, err := modfile.ParseLax(name, data, nil)
	if err != nil {
		return nil, fmt.Errorf("parsing go.mod: %w", err)
	}
	if f.Module != nil {
		p.r.Module = f.Module.Mod.Path
	}
	if f.Go != nil {
		p.r.GoLine = f.Go.Version
	}
	if f.Toolchain != nil {
		p.r.ToolchainLine = f.Toolchain.Name
	}
	replaced := map[string]bool{}
	for _, r := range f.Replace {
		if modfile.IsDirectoryPath(r.New.Path) {
			replaced[r.Old.Path] = true // a local directory: nothing to fetch
		}
	}
	var reqs []req
	seen := map[module.Version]bool{}
	for _, r := range f.Require {
		if replaced[r.Mod.Path] || seen[r.Mod] {
			continue
		}
		seen[r.Mod] = true
		reqs = append(reqs, req{Version: r.Mod, Indirect: r.Indirect})
	}
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].Path < reqs[j].Path })
	p.sums = map[module.Version]gosum.Entry{}
	entries, err := gosum.ReadFiles(filepath.Join(p.in.Dir, "go.sum"))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		p.sums[module.Version{Path: e.Path, Version: e.Version}] = e
	}
	return reqs, nil
}

// req is one requirement.
type req struct {
	module.Version
	Indirect bool
}

// problem adds a predicted failure: the finding explained as the build's
// diagnosis explains it.
func (p *prober) problem(f diagnose.Finding, evidence string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, q := range p.r.Problems {
		if q.Row == f.Class.Row() && q.Module == f.Module && q.Host == f.Host {
			return f.Class.Row()
		}
	}
	p.r.Problems = append(p.r.Problems, doctor.Problem{
		Row:       f.Class.Row(),
		Class:     f.Class.String(),
		Transient: f.Class.Transient(),
		Module:    f.Module,
		Host:      f.Host,
		Setting:   settingOf(f.Class),
		Text:      diagnose.Explain(f, p.in.Context),
		Evidence:  evidence,
	})
	return f.Class.Row()
}

// classify turns what the probe saw, written as the go command would print
// it, into a problem through the build's own classifier; it returns the
// row, 0 when nothing was recognised.
func (p *prober) classify(evidence string) int {
	row, _ := p.classifyLine(evidence)
	return row
}

// classifyLine is classify that also returns the line of the evidence the
// classifier matched ("" when nothing was recognised).
func (p *prober) classifyLine(evidence string) (int, string) {
	fs := diagnose.Classify(evidence)
	if len(fs) == 0 {
		// Not in the catalogue: it fails all the same, and the build
		// says so in its general paragraph.
		p.mu.Lock()
		p.r.Problems = append(p.r.Problems, doctor.Problem{Class: "not recognised", Text: diagnose.Unrecognised(p.in.Context), Evidence: evidence})
		p.mu.Unlock()
		return 0, ""
	}
	return p.problem(fs[0], evidence), fs[0].Line
}

// settingOf names the setting a row is about.
func settingOf(c diagnose.Class) string {
	switch c {
	case diagnose.ProxyUnreachable, diagnose.DNSFailure, diagnose.ServerError, diagnose.VersionNotFound, diagnose.PathMismatch:
		return goenv.GOPROXY
	case diagnose.TLSUntrusted:
		return "cacert"
	case diagnose.PrivateModule:
		return goenv.GOPRIVATE
	case diagnose.PolicyRefused:
		return "GOPROXY (its administrators) / go.mod"
	case diagnose.GitCredentials:
		return "GIT_AUTH_TOKEN / netrc"
	case diagnose.SSHAuth:
		return "ssh"
	case diagnose.SumDBUnreachable, diagnose.ChecksumMismatch:
		return goenv.GOSUMDB
	case diagnose.GoTooOld:
		return goenv.GOTOOLCHAIN
	case diagnose.GoSumIncomplete:
		return "go.sum"
	case diagnose.EnvConflict:
		return "GOFLAGS / GOPROXY"
	}
	return ""
}
