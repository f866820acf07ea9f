package graph

import (
	"path"
	"sort"
	"strings"

	bk "github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// Paths of the step helper and its files in every go step.
const (
	// HelperDir is where the step helper's file system (the frontend image,
	// or the CLI's binary) is mounted, read-only.
	HelperDir = "/gopherfile/helper"
	// DownloadDir is the download step's output: the download record, and
	// with the module cache in the layer, the module cache itself.
	DownloadDir = "/gopherfile/download"
	// markerDir holds the download markers inside the shared module cache.
	markerDir = plan.GoModCache + "/cache/gopherfile/records"
)

// Paths of the networked module steps. Home is a tmpfs: the git config and
// the netrc link written there never reach a layer.
const (
	SecretDir = "/run/secrets"
	HomeDir   = "/gopherfile/home"
	TempDir   = "/gopherfile/tmp"
)

// goStep is one go command of the graph. run turns it into an exec: it is
// the one place that decides a go step's argv, env, GOFLAGS, network and
// mounts, so that every step follows the same rules.
type goStep struct {
	kind  stepconfig.Kind
	name  string // progress name
	field string // Gopherfile field for the error location
	args  []string
	// src is mounted at plan.SrcDir, read-only unless srcRW.
	src   bk.State
	srcRW bool
	// target is the platform a compile step builds for; nil for the build
	// platform (no GOOS/GOARCH set).
	target *ocispecs.Platform
	// bin is the binary a compile step builds (its env), cc its C compiler.
	bin *plan.Binary
	cc  string
	// gocache is the platform of the step's build cache (stepCache, by
	// the kind's stepconfig.CachePolicy); nil for a step without one
	// (GOCACHE is then a directory of the step's root, thrown away).
	gocache *ocispecs.Platform
	// dir is the working directory, "" for the module's directory.
	dir string
	// out is an output directory ("" for none), mounted from scratch or
	// from outBase, the output of an earlier step of the frontend's own
	// (keyed by its definition, not its files: snapshotMount).
	out     string
	outBase *bk.State
	// extra are more run options (mounts).
	extra []bk.RunOption
	// env is set last, over everything else.
	env map[string]string
	// cfg is the step's Config with the kind-specific parts filled in.
	cfg stepconfig.Config
}

// networked reports whether the step fetches modules.
func (s *goStep) networked() bool { return s.kind.Networked() }

// ownModules reports whether the step fetches modules of its own (the
// vulncheck tool and database), not the main module's: it does not wait for
// the download step, so that it is cached by its version alone.
func (s *goStep) ownModules() bool {
	return s.kind == stepconfig.VulnDB || s.kind == stepconfig.VulnTool
}

// Graph builds the steps of one plan.
type Graph struct {
	p  *plan.Plan
	in Inputs
	// download is the download step's exec (nil for a vendored module).
	download *bk.ExecState
	// recordState is a copy of the download record (UseRecord), or nil.
	recordState *bk.State
	// generated is the source tree after go generate, once defined.
	generated *bk.State
	// views are the module views (by part), once defined.
	views map[string]bk.State
	// vulnToolState and vulnDBState are govulncheck and its database, once defined.
	vulnToolState, vulnDBState *bk.State
}

// New returns the graph of a plan. The download step is defined at once
// (it is the root of every other go step).
func New(p *plan.Plan, in Inputs) *Graph {
	in.Context = withSources(in)
	g := &Graph{p: p, in: in}
	if !p.Vendored {
		es := g.run(g.downloadStep())
		g.download = &es
	}
	return g
}

// downloadOut is the download step's output (record, and modules in layer
// mode).
func (g *Graph) downloadOut() bk.State {
	return g.download.GetMount(DownloadDir)
}

// DownloadOutput is the download step's output, for a frontend that solves
// the download first and reads its record (UseRecord). It is false for a
// vendored module, and with the module cache in the layer, where the
// later steps need the whole output.
func (g *Graph) DownloadOutput() (bk.State, bool) {
	if g.download == nil || g.p.ModulesInLayer {
		return bk.State{}, false
	}
	return g.downloadOut(), true
}

// UseRecord makes the later steps mount a copy of the download record
// (data, read from the solved download step) instead of the download step's
// output. The frontend has solved the download step by then, so the order
// holds; and the later steps' definitions then depend on the record's
// content only: a changed proxy password, retry setting or step helper
// re-runs the download but not the compile, and the download step's
// settings stay out of the build result's provenance.
func (g *Graph) UseRecord(data []byte) {
	st := bk.Scratch().File(bk.Mkfile("/"+stepconfig.RecordFile, 0o644, data, bk.WithCreatedTime(DefaultFileTime)),
		bk.WithCustomName("[deps] download record"))
	g.recordState = &st
}

// afterDownload is what the later steps mount at DownloadDir.
func (g *Graph) afterDownload() bk.State {
	if g.recordState != nil {
		return *g.recordState
	}
	return g.downloadOut()
}

// run defines the exec of a go step.
func (g *Graph) run(s goStep) bk.ExecState {
	p, in := g.p, g.in
	cfg := g.stepConfig(s)
	dir := s.dir
	if dir == "" {
		dir = workDir(p)
	}
	o := []bk.RunOption{
		bk.Args([]string{in.HelperPath, "step"}),
		bk.Dir(dir),
		bk.AddMount(HelperDir, in.Helper, bk.Readonly),
	}
	srcOpts := []bk.MountOption{}
	if !s.srcRW {
		srcOpts = append(srcOpts, bk.Readonly)
	}
	o = append(o, bk.AddMount(plan.SrcDir, s.src, srcOpts...))
	mods, gomodcache := g.moduleMounts(s, &cfg)
	o = append(o, mods...)
	// The build cache.
	gocache := plan.GoCache
	if s.gocache != nil {
		c := g.stepCache(&s)
		o = append(o, c.mounts...)
		cfg.Cache, gocache = c.cfg, c.gocache
	}
	switch {
	case s.outBase != nil && !in.NoContentCacheOpt:
		o = append(o, bk.AddMount(s.out, *s.outBase, bk.ContentCache(bk.MountContentCacheOff)))
	case s.outBase != nil:
		o = append(o, bk.AddMount(s.out, *s.outBase))
	case s.out != "":
		o = append(o, bk.AddMount(s.out, bk.Scratch()))
	}
	if s.kind == stepconfig.Download {
		o = append(o, bk.AddMount(DownloadDir, bk.Scratch()))
	}
	if in.GoRoot != nil {
		// The toolchain from the module proxy on the minimal root; HOME is a
		// tmpfs (the networked steps get theirs with downloadOpts).
		cfg.MinimalRoot = true
		o = append(o, in.snapshotMount(GoRootDir, *in.GoRoot))
		if !s.networked() {
			o = append(o, bk.AddMount(HomeDir, bk.Scratch(), bk.Tmpfs()), bk.AddEnv("HOME", HomeDir))
		}
	}
	o = append(o, s.extra...)
	env, netOpts := g.stepEnv(s, &cfg, gomodcache, gocache)
	o = append(o, netOpts...)
	for _, kv := range env {
		o = append(o, bk.AddEnv(kv[0], kv[1]))
	}
	o = append(o, bk.AddEnv(stepconfig.Env, cfg.Encode()))
	o = append(o, in.opts(s.name, s.field)...)
	return in.Builder.Run(o...)
}

// snapshotMount mounts st, the output of one of the frontend's own steps
// (the toolchain, the module view, govulncheck and its database), read-only
// and without BuildKit's content-based cache key. BuildKit would otherwise
// hash every file of the mount before the step starts, once per new
// snapshot: the 250 MB toolchain on a new builder, the module view (tens
// of MB) whenever go.sum changes, all on the critical path. The steps'
// cache keys stay sound without it: each of these states is keyed by its
// own definition (a toolchain version and hash, the go.sum content). A
// builder without the option (in.NoContentCacheOpt) hashes them as before.
func (in Inputs) snapshotMount(dst string, st bk.State) bk.RunOption {
	if in.NoContentCacheOpt {
		return bk.AddMount(dst, st, bk.Readonly)
	}
	return bk.AddMount(dst, st, bk.Readonly, bk.ContentCache(bk.MountContentCacheOff))
}

// stepConfig is the step helper's configuration of s, before its mounts
// and env add theirs.
func (g *Graph) stepConfig(s goStep) stepconfig.Config {
	p, in := g.p, g.in
	cfg := s.cfg
	cfg.Kind = s.kind
	cfg.Stage = s.kind.Stage()
	cfg.Args = s.args
	if cfg.OutDir == "" {
		cfg.OutDir = s.out
	}
	cfg.Diag.GoVersion, cfg.Diag.GoModGo = p.GoVersion, p.RequiredGo
	if s.ownModules() {
		cfg.Diag.GoModGo = "" // not the main module's: the step must not follow go.mod
	}
	// With a nonce every step is a new one. In a recovery that matters for
	// the offline steps too: BuildKit would merge one whose inputs have the
	// same content with the one that just failed, and replay the failure.
	cfg.Recovery = in.Recovery
	if in.Nonce != "" {
		cfg.Nonce = in.Nonce
	}
	return cfg
}

// moduleMounts are the module cache mounts of s, and its GOMODCACHE.
func (g *Graph) moduleMounts(s goStep, cfg *stepconfig.Config) ([]bk.RunOption, string) {
	p := g.p
	var o []bk.RunOption
	gomodcache := plan.GoModCache
	shared := func(opts ...bk.MountOption) bk.RunOption {
		return bk.AddMount(plan.GoModCache, bk.Scratch(), append([]bk.MountOption{bk.AsPersistentCacheDir(ModCacheID(p), bk.CacheMountShared)}, opts...)...)
	}
	switch {
	case s.ownModules():
		o = append(o, shared())
	case p.Vendored:
		// No module cache: everything is in vendor/.
	case s.kind == stepconfig.Doctor:
		// The doctor never writes the module cache: an empty one in the tmpfs HOME.
		gomodcache = HomeDir + "/gomodcache"
	case s.kind == stepconfig.Download:
		o = append(o, shared())
		cfg.Record = g.record(true)
		if p.ModulesInLayer {
			gomodcache = DownloadDir + "/gomodcache"
			cfg.LocalProxies = []string{plan.GoModCache + "/cache/download"}
			cfg.ShareDownloads = plan.GoModCache + "/cache/download"
		}
	case s.kind == stepconfig.TidyCheck && !p.ModulesInLayer:
		// The tidy check fetches what it needs into the shared cache
		// itself (the go command locks each module it fetches): it does
		// not wait for the download step, so it runs while the download
		// waits on the network instead of beside the compile.
		o = append(o, shared())
	case s.networked():
		// The other tidy steps fetch what the download step did not
		// (test-only dependencies of other platforms, say) into the
		// shared cache, after the download step (the mounted record
		// orders them), or read its layer.
		o = append(o, shared(), bk.AddMount(DownloadDir, g.afterDownload(), bk.Readonly))
		if p.ModulesInLayer {
			cfg.LocalProxies = []string{DownloadDir + "/gomodcache/cache/download"}
		}
	case s.kind == stepconfig.ModView && s.cfg.ModView.Early:
		// The early view reads the shared module cache as other builds
		// left it: no record, so it does not wait for the download step.
		o = append(o, shared(bk.Readonly))
		cfg.Record = &stepconfig.Record{Files: p.DepFiles, SrcDir: plan.SrcDir}
	case s.kind == stepconfig.ModView:
		// The offline steps that read the shared module cache: they
		// copy the build's modules out of it, verified against go.sum.
		o = append(o, shared(bk.Readonly), bk.AddMount(DownloadDir, g.afterDownload(), bk.Readonly))
		cfg.Record = g.record(true)
	default:
		// Offline steps (go generate among them) read the modules of this
		// build only, verified (the module view), or the download step's
		// layer; they never write a module cache.
		o = append(o, bk.AddMount(DownloadDir, g.afterDownload(), bk.Readonly))
		cfg.Record = g.record(false)
		if p.ModulesInLayer {
			gomodcache = DownloadDir + "/gomodcache"
		} else {
			o = append(o, g.in.snapshotMount(plan.GoModCache, g.moduleView(ViewFor(g.p, s.kind))))
		}
	}
	return o, gomodcache
}

// stepEnv is the env of s, in order and in a fixed precedence: the go
// settings of the plan, the user's env, then what the step itself needs;
// and the network options that go with it.
func (g *Graph) stepEnv(s goStep, cfg *stepconfig.Config, gomodcache, gocache string) ([][2]string, []bk.RunOption) {
	p := g.p
	var o []bk.RunOption
	env := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := env[k]; !ok {
			order = append(order, k)
		}
		env[k] = v
	}
	set(goenv.GOMODCACHE, gomodcache)
	set(goenv.GOCACHE, gocache)
	if t, ok := p.Downloads.Setting(goenv.GOTOOLCHAIN); ok {
		set(goenv.GOTOOLCHAIN, t.Value)
	}
	// The module view runs no go command: its definition (and so its
	// cache key) does not follow the user's env.
	userEnv := s.kind != stepconfig.ModView
	env0 := p.Env
	if s.networked() {
		// For an untrusted Gopherfile, none of its env: (plan.SecretStepEnv).
		env0 = p.SecretStepEnv
		cfg.Untrusted = p.Untrusted
	}
	for _, kv := range env0 {
		k, v, _ := strings.Cut(kv, "=")
		if userEnv {
			set(k, v)
		}
	}
	if s.networked() {
		for _, st := range p.Downloads.Settings {
			set(st.Name, st.Value)
		}
		cfg.Net = g.netConfig(s.kind)
		o = append(o, downloadOpts(p)...)
		o = append(o, ModuleNetwork(p)...)
	}
	if s.kind.Compiles() {
		compileEnv(p, s, set)
	}
	if gf := goflags(p, s.kind); gf != "" && userEnv {
		set(goenv.GOFLAGS, gf)
	}
	if g.moduleIndexOff(s.kind) {
		godebug := "goindex=0"
		if v := env[goenv.GODEBUG]; v != "" {
			godebug = v + "," + godebug
		}
		set(goenv.GODEBUG, godebug)
	}
	testNet := s.kind == stepconfig.Test && p.Test.Network
	if testNet {
		o = append(o, ModuleNetwork(p)...)
	}
	if !s.networked() && !testNet {
		set(goenv.GOPROXY, goenv.Off)
		o = append(o, bk.Network(bk.NetModeNone))
	}
	for _, k := range sortedKeys(s.env) {
		set(k, s.env[k])
	}
	cfg.Diag.Settings = diagSettings(p, s.networked())
	out := make([][2]string, len(order))
	for i, k := range order {
		out[i] = [2]string{k, env[k]}
	}
	return out, o
}

// compileEnv sets the env of a step that compiles: cgo, the target
// platform, the C compiler and the build's own env.
func compileEnv(p *plan.Plan, s goStep, set func(k, v string)) {
	if _, ok := plan.EnvValue(p.Env, goenv.CGO_ENABLED); !ok {
		set(goenv.CGO_ENABLED, goenv.DefaultCGO)
	}
	if s.target != nil {
		for _, kv := range GoPlatformEnv(*s.target) {
			k, v, _ := strings.Cut(kv, "=")
			set(k, v)
		}
	}
	if s.cc != "" {
		set(goenv.CC, s.cc)
	}
	if s.bin != nil {
		for _, kv := range s.bin.Env {
			k, v, _ := strings.Cut(kv, "=")
			set(k, v)
		}
	}
}

// goflags is GOFLAGS of a step: the module mode the step needs, then the
// user's GOFLAGS (which the go command applies after, so they can add
// flags but the step keeps its mode unless the user overrides it).
func goflags(p *plan.Plan, kind stepconfig.Kind) string {
	base := ""
	switch kind {
	case stepconfig.VulnDB, stepconfig.VulnTool:
		return "" // a module outside the main module: the user's GOFLAGS are not for it
	case stepconfig.Download, stepconfig.Doctor:
	case stepconfig.TidyCheck, stepconfig.TidyFix:
		base = "-mod=mod"
	default:
		base = "-mod=readonly -buildvcs=false"
		if p.Vendored {
			base = "-mod=vendor -buildvcs=false"
		}
	}
	env := p.Env
	if kind == stepconfig.Download || kind == stepconfig.TidyCheck || kind == stepconfig.TidyFix {
		env = p.SecretStepEnv
	}
	user, _ := plan.EnvValue(env, goenv.GOFLAGS)
	return strings.TrimSpace(base + " " + user)
}

// diagSettings are the origins of the go settings for the diagnosis,
// without their values (the step's env has those). Offline steps get only
// the settings that act on them, so that their cache keys do not follow
// the module settings.
func diagSettings(p *plan.Plan, networked bool) []goenv.Setting {
	var out []goenv.Setting
	for _, s := range p.Downloads.Settings {
		if !networked && !goenv.OfflineVar(s.Name) {
			continue
		}
		out = append(out, goenv.Setting{Name: s.Name, Field: s.Field, Origin: s.Origin})
	}
	return out
}

// record is the download record's Config; markers is true for a step
// that reads the shared module cache mount, which BuildKit may have
// garbage-collected (the marker check).
func (g *Graph) record(markers bool) *stepconfig.Record {
	r := &stepconfig.Record{Files: g.p.DepFiles, SrcDir: plan.SrcDir, Dir: DownloadDir}
	if markers && !g.p.ModulesInLayer {
		r.Markers = markerDir
	}
	return r
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func workDir(p *plan.Plan) string { return path.Join(plan.SrcDir, p.ModuleDir) }
