package graph

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	bk "github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// The caches of the go steps, and who may write each (docs/caches.md).
//
// Every cache mount id starts with the build arg BUILDKIT_CACHE_MOUNT_NS
// when it is set: CI separates trust levels (the trusted branch, pull
// requests) with one build arg the tree cannot set. Within a namespace:
//
//   - the module cache (gopherfile/gomodcache) is written by the networked
//     module steps only; the offline steps read a verified module view;
//   - the compile cache (gopherfile/gocache/compile/<toolchain>/<platform>)
//     is shared by every project: it is written only by steps that run the
//     builder's Go toolchain and nothing the tree chose, and Go's build
//     cache is keyed by the content of what it compiles;
//   - every other go step (go test, go generate, vet with a vettool, a
//     compile whose settings name a program, the tidy check) writes a cache
//     of its own, per module (gopherfile/gocache/<step>/<module>/...), and
//     reads the compile cache through the step helper as GOCACHEPROG.

// Paths of the build caches in a go step.
const (
	// SharedGoCache is where a step that writes a cache of its own finds
	// the shared compile cache, read-only (the dependency compile step:
	// read-write, for its puts).
	SharedGoCache = "/gopherfile/gocache-shared"
	// ModViewDir is the module view step's output.
	ModViewDir = "/gopherfile/modview"
)

// Base names of the cache mount ids, before the namespace.
const (
	modCacheName = "gopherfile/gomodcache"
	goCacheName  = "gopherfile/gocache"
)

// The private build caches, by the kind of step that writes them: the word
// that separates their ids from the shared compile cache's.
const (
	CacheShared   = "compile"   // the shared compile cache
	CacheTest     = "test"      // go test: the tree's tests
	CacheGenerate = "generate"  // go generate: the tree's generators
	CacheVet      = "vet"       // go vet with a vettool (or another program the tree names)
	CacheBuild    = "build"     // a compile that runs a program the tree names, or an unknown toolchain
	CacheTidy     = "tidy"      // the tidy check, which reads the unverified shared module cache
	CacheVulnTool = "vulntool"  // go install of govulncheck (GOTOOLCHAIN=auto may switch toolchains)
	CacheVulnRun  = "vulncheck" // govulncheck over the binaries' packages
)

// ownCaches are the private caches of the kinds whose policy is
// stepconfig.CacheOwn, with why.
var ownCaches = map[stepconfig.Kind][2]string{
	stepconfig.Test:      {CacheTest, "go test runs the tree's code"},
	stepconfig.Generate:  {CacheGenerate, "go generate runs the tree's generators"},
	stepconfig.TidyCheck: {CacheTidy, "the tidy check reads the shared module cache, which it also writes"},
	stepconfig.TidyFix:   {CacheTidy, "go mod tidy reads the shared module cache, which it also writes"},
	stepconfig.VulnTool:  {CacheVulnTool, "go install may switch to a toolchain the module settings choose (GOTOOLCHAIN=auto)"},
	stepconfig.Vulncheck: {CacheVulnRun, "govulncheck is a program other than the builder's Go toolchain"},
}

// namespaced prefixes a cache id with the namespace as BuildKit's
// Dockerfile frontend does (namespace + "/" + id, no cleaning).
func namespaced(p *plan.Plan, id string) string {
	if p.CacheNS == "" {
		return id
	}
	return p.CacheNS + "/" + id
}

// ModCacheID is the cache mount id of the shared module cache.
func ModCacheID(p *plan.Plan) string { return namespaced(p, modCacheName) }

// shortHash is the first 12 hex digits of a SHA-256.
func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

// toolchainKey names the toolchain in cache ids: the Go version (for
// people) and a hash of the toolchain identity (for the cache).
func toolchainKey(p *plan.Plan) string {
	v := p.GoVersion
	if p.Toolchain != nil {
		v = p.Toolchain.GoVersion
	}
	if v == "" {
		v = "unknown"
	}
	if p.ToolchainID == "" {
		return "go" + v + "-unknown"
	}
	return "go" + v + "-" + shortHash(p.ToolchainID)
}

// CompileCacheID is the id of the shared compile cache for the toolchain
// and the target platform, "" when the toolchain is not known.
func CompileCacheID(p *plan.Plan, target ocispecs.Platform) string {
	if p.ToolchainID == "" {
		return ""
	}
	return namespaced(p, fmt.Sprintf("%s/%s/%s/%s", goCacheName, CacheShared, toolchainKey(p), platformID(target)))
}

// PrivateCacheID is the id of the build cache of one kind of step (word)
// of this module, toolchain and platform.
func PrivateCacheID(p *plan.Plan, word string, target ocispecs.Platform) string {
	return privateCacheID(p, word, p.ModulePath, target)
}

func privateCacheID(p *plan.Plan, word, owner string, target ocispecs.Platform) string {
	return namespaced(p, fmt.Sprintf("%s/%s/%s/%s/%s", goCacheName, word, shortHash(owner), toolchainKey(p), platformID(target)))
}

// cacheOwner is whose private cache a step of the kind writes: the
// module's; for the install of govulncheck, which never sees the module,
// that of the module settings and env, which decide what it compiles and
// with which toolchain (GOTOOLCHAIN=auto), so that builds with the same
// settings share it.
func cacheOwner(p *plan.Plan, kind stepconfig.Kind) string {
	if kind != stepconfig.VulnTool {
		return p.ModulePath
	}
	var b strings.Builder
	b.WriteString("settings")
	for _, st := range p.Downloads.Settings {
		fmt.Fprintf(&b, "\x00%s=%s", st.Name, st.Value)
	}
	for _, kv := range p.SecretStepEnv {
		b.WriteString("\x00" + kv)
	}
	return b.String()
}

// stepCache is the build cache of one go step: the mounts and the Config.
type stepCache struct {
	mounts  []bk.RunOption
	cfg     *stepconfig.Cache
	gocache string
}

// stepCache decides the build cache of a go step with a platform (its
// target, or the build platform) by its kind's stepconfig.CachePolicy.
func (g *Graph) stepCache(s *goStep) stepCache {
	switch s.kind.CachePolicy() {
	case stepconfig.CacheOutput:
		return g.depsCache(*s.gocache, g.stepPrograms(s))
	case stepconfig.CacheCompile, stepconfig.CacheOwn:
		return g.buildCache(s, g.stepPrograms(s))
	}
	// CacheNone: GOCACHE is a directory of the step's root.
	return stepCache{gocache: plan.GoCache}
}

// buildCache is the build cache of a step whose policy is CacheCompile or
// CacheOwn. programs are the settings that make the step run a program the
// tree chose (plan.TreePrograms and the C cross compiler).
func (g *Graph) buildCache(s *goStep, programs []string) stepCache {
	p, pl := g.p, *s.gocache
	shared := CompileCacheID(p, pl)
	mount := func(dst, id string, opts ...bk.MountOption) bk.RunOption {
		return bk.AddMount(dst, bk.Scratch(), append([]bk.MountOption{bk.AsPersistentCacheDir(id, bk.CacheMountShared)}, opts...)...)
	}
	word, why := privateWord(s.kind, programs)
	if shared == "" && word == "" {
		word, why = CacheBuild, "the Go toolchain is not known (a builder from a local named context), so no compile cache is shared"
	}
	if word == "" {
		// A step that runs only the builder's Go toolchain.
		c := &stepconfig.Cache{Dir: plan.GoCache, Note: "writes the shared compile cache " + shared + ": it runs only the builder's Go toolchain"}
		return stepCache{mounts: []bk.RunOption{mount(plan.GoCache, shared)}, cfg: c, gocache: plan.GoCache}
	}
	own := privateCacheID(p, word, cacheOwner(p, s.kind), pl)
	c := &stepconfig.Cache{Dir: plan.GoCache, Note: "writes its own cache " + own + " (" + why + ")"}
	mounts := []bk.RunOption{mount(plan.GoCache, own)}
	// A step with secrets reads no cache but its own.
	if shared != "" && !s.networked() {
		mounts = append(mounts, mount(SharedGoCache, shared, bk.Readonly))
		c.Read = []string{SharedGoCache}
		c.Note += "; reads the shared compile cache " + shared + " (read-only)"
	}
	return stepCache{mounts: mounts, cfg: c, gocache: plan.GoCache}
}

// depsCache is the build cache of the dependency compile step (cache.build:
// layer): GOCACHE is its own output, which a registry cache carries; with
// Go 1.24 and newer it also reads the shared compile cache (copying what it
// uses into its output) and, when it runs only the Go toolchain, adds what
// it compiles to the shared cache.
func (g *Graph) depsCache(target ocispecs.Platform, programs []string) stepCache {
	shared := CompileCacheID(g.p, target)
	c := &stepconfig.Cache{Dir: plan.DepCache, Copy: true, Note: "writes its output, the dependency build cache"}
	if shared == "" {
		return stepCache{cfg: c, gocache: plan.DepCache}
	}
	c.Read = []string{SharedGoCache}
	if len(programs) > 0 {
		c.Note += "; reads the shared compile cache " + shared + " (read-only: " + programs[0] + ")"
		return stepCache{mounts: []bk.RunOption{bk.AddMount(SharedGoCache, bk.Scratch(), bk.AsPersistentCacheDir(shared, bk.CacheMountShared), bk.Readonly)}, cfg: c, gocache: plan.DepCache}
	}
	c.Also = SharedGoCache
	c.Note += " and the shared compile cache " + shared + ": it runs only the builder's Go toolchain"
	return stepCache{mounts: []bk.RunOption{bk.AddMount(SharedGoCache, bk.Scratch(), bk.AsPersistentCacheDir(shared, bk.CacheMountShared))}, cfg: c, gocache: plan.DepCache}
}

// privateWord is the private cache a kind of step writes, "" for the
// shared compile cache, with why.
func privateWord(kind stepconfig.Kind, programs []string) (word, why string) {
	switch kind.CachePolicy() {
	case stepconfig.CacheOwn:
		if c, ok := ownCaches[kind]; ok {
			return c[0], c[1]
		}
		return string(kind), "its kind keeps a cache of its own"
	case stepconfig.CacheCompile:
		if len(programs) == 0 {
			return "", ""
		}
		if kind == stepconfig.Vet {
			return CacheVet, programs[0]
		}
		return CacheBuild, programs[0]
	}
	return "", ""
}

// stepPrograms are the settings that make a go step run a program the
// tree chose: the plan's (env, flags, GOTOOLCHAIN) and the C cross
// compiler (cc:).
func (g *Graph) stepPrograms(s *goStep) []string {
	var out []string
	switch s.kind {
	case stepconfig.Vet:
		out = g.p.VetPrograms()
	case stepconfig.Build, stepconfig.ListDeps, stepconfig.BuildDeps:
		out = g.p.TreePrograms(s.bin)
		if s.cc != "" {
			out = append(out, fmt.Sprintf("cc: names the C compiler %s", s.cc))
		}
		if s.cfg.Build != nil && s.cfg.Build.Cgo != nil && s.cfg.Build.Cgo.CC != "" {
			out = append(out, fmt.Sprintf("cc: names the C compiler %s", s.cfg.Build.Cgo.CC))
		}
	default:
		out = g.p.TreePrograms(nil)
	}
	return out
}

// CacheMount is a cache mount a build can use: its id and what it holds.
type CacheMount struct {
	ID, What string
}

// CacheMounts lists the cache mounts a build of the plan for the target
// platforms can use, for --call outline.
func CacheMounts(p *plan.Plan, targets []ocispecs.Platform, buildPlatform ocispecs.Platform) []CacheMount {
	var out []CacheMount
	add := func(id, what string) {
		for _, o := range out {
			if o.ID == id {
				return
			}
		}
		out = append(out, CacheMount{ID: id, What: what})
	}
	if !p.Vendored {
		add(ModCacheID(p), "the module cache, written by the download and tidy steps")
	}
	for _, t := range append(append([]ocispecs.Platform(nil), targets...), buildPlatform) {
		if id := CompileCacheID(p, t); id != "" {
			add(id, "the compile cache shared by every project with this Go toolchain and platform")
		}
	}
	for _, w := range []string{CacheTest, CacheGenerate, CacheVet, CacheTidy} {
		add(PrivateCacheID(p, w, buildPlatform), "the build cache of this module's "+w+" step")
	}
	for _, t := range targets {
		add(PrivateCacheID(p, CacheBuild, t), "the build cache of this module's compile, when its settings name a program")
	}
	add(privateCacheID(p, CacheVulnTool, cacheOwner(p, stepconfig.VulnTool), buildPlatform), "the build cache of the govulncheck install, for these module settings")
	for _, t := range targets {
		add(PrivateCacheID(p, CacheVulnRun, t), "the build cache of this module's govulncheck run")
	}
	if p.Toolchain != nil {
		add(ToolchainCacheID(p), "the verified zips of the Go toolchain from the module proxy")
	}
	return out
}
