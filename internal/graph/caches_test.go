package graph

import (
	"regexp"
	"strings"
	"testing"

	bk "github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

var (
	amd64 = ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	arm64 = ocispecs.Platform{OS: "linux", Architecture: "arm64"}
)

func TestCacheIDs(t *testing.T) {
	base := testPlan(t, "version: 1\n", facts, false)
	with := func(f func(p *plan.Plan)) *plan.Plan {
		p := *base
		f(&p)
		return &p
	}
	other := with(func(p *plan.Plan) { p.ModulePath = "example.com/other" })
	ns := with(func(p *plan.Plan) { p.CacheNS = "pr" })
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"compile: shared by projects", CompileCacheID(base, amd64), CompileCacheID(other, amd64), true},
		{"compile: per platform", CompileCacheID(base, amd64), CompileCacheID(base, arm64), false},
		{"compile: per toolchain", CompileCacheID(base, amd64), CompileCacheID(with(func(p *plan.Plan) { p.ToolchainID = "image sha256:00" }), amd64), false},
		{"compile: per toolchain content", CompileCacheID(base, amd64), CompileCacheID(with(func(p *plan.Plan) { p.ToolchainID = "go1.26.11@h1:other=" }), amd64), false},
		{"compile: per namespace", CompileCacheID(base, amd64), CompileCacheID(ns, amd64), false},
		{"private: per project", PrivateCacheID(base, CacheTest, amd64), PrivateCacheID(other, CacheTest, amd64), false},
		{"private: per step", PrivateCacheID(base, CacheTest, amd64), PrivateCacheID(base, CacheGenerate, amd64), false},
		{"private: not the compile cache", PrivateCacheID(base, CacheTest, amd64), CompileCacheID(base, amd64), false},
		{"private: per namespace", PrivateCacheID(base, CacheTest, amd64), PrivateCacheID(ns, CacheTest, amd64), false},
		{"modules: shared by projects", ModCacheID(base), ModCacheID(other), true},
		{"modules: per namespace", ModCacheID(base), ModCacheID(ns), false},
	}
	for _, tt := range tests {
		if (tt.a == tt.b) != tt.same {
			t.Errorf("%s: %q and %q", tt.name, tt.a, tt.b)
		}
	}
	// The namespace is a prefix of every id, joined as BuildKit's
	// Dockerfile frontend joins it.
	for _, id := range []string{ModCacheID(ns), CompileCacheID(ns, amd64), PrivateCacheID(ns, CacheBuild, amd64)} {
		if !strings.HasPrefix(id, "pr/gopherfile/") {
			t.Errorf("%s lacks the namespace", id)
		}
	}
	if got := ModCacheID(base); got != "gopherfile/gomodcache" {
		t.Errorf("module cache id %s", got)
	}
	if got := CompileCacheID(base, amd64); !regexp.MustCompile(`^gopherfile/gocache/compile/go1\.26\.11-[0-9a-f]{12}/linux-amd64$`).MatchString(got) {
		t.Errorf("compile cache id %s", got)
	}
	// An unknown toolchain shares nothing.
	if got := CompileCacheID(with(func(p *plan.Plan) { p.ToolchainID = "" }), amd64); got != "" {
		t.Errorf("compile cache id %q for an unknown toolchain", got)
	}
}

// cacheMounts returns, per exec step of a state, its cache mounts as
// "dest cache-id readonly=..." lines.
func cacheMounts(t *testing.T, st bk.State) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, step := range strings.Split(describe(t, st, amd64), "EXEC ")[1:] {
		name := step[:strings.Index(step, "\n")]
		for _, l := range strings.Split(step, "\n") {
			if m := regexp.MustCompile(`mount (\S+) type=CACHE readonly=(\w+) cache=(\S+)`).FindStringSubmatch(l); m != nil {
				out[name] = append(out[name], m[1]+" "+m[3]+" readonly="+m[2])
			}
		}
	}
	return out
}

// TestStepCaches: which step writes which cache (docs/caches.md). Only
// the steps that run the builder's Go toolchain alone write the shared
// compile cache; the others write their own and read the shared one.
func TestStepCaches(t *testing.T) {
	type want struct {
		step string // a substring of the step's name
		// mounts are "dest word readonly": word is compile, test, ... or
		// gomodcache.
		mounts []string
	}
	tests := []struct {
		name       string
		gopherfile string
		state      func(g *Graph) bk.State
		want       []want
	}{
		{"compile", "version: 1\n", compile(amd64), []want{
			{"[build tool", []string{"/gopherfile/gocache compile false"}},
			{"module view", []string{"/gopherfile/gomodcache gomodcache true"}},
			{"go mod download", []string{"/gopherfile/gomodcache gomodcache false"}},
		}},
		{"compile with env CC", "version: 1\nenv: {CC: /src/cc}\n", compile(amd64), []want{
			{"[build tool", []string{"/gopherfile/gocache build false", "/gopherfile/gocache-shared compile true"}},
		}},
		{"compile with -toolexec", "version: 1\nbuilds:\n  - flags: [-toolexec=/src/x]\n", compile(amd64), []want{
			{"[build tool", []string{"/gopherfile/gocache build false", "/gopherfile/gocache-shared compile true"}},
		}},
		{"cross cgo with cc:", "version: 1\ncgo: true\ncc: {linux/arm64: aarch64-linux-gnu-gcc}\n", compile(arm64), []want{
			{"[build tool", []string{"/gopherfile/gocache build false", "/gopherfile/gocache-shared compile true"}},
		}},
		{"cgo auto, cross with cc:", "version: 1\ncc: {linux/arm64: aarch64-linux-gnu-gcc}\n", compile(arm64), []want{
			{"[build tool", []string{"/gopherfile/gocache build false", "/gopherfile/gocache-shared compile true"}},
		}},
		{"test", "version: 1\n", func(g *Graph) bk.State { return g.Test() }, []want{
			{"[test]", []string{"/gopherfile/gocache test false", "/gopherfile/gocache-shared compile true"}},
		}},
		{"generate", "version: 1\ngenerate: [./...]\n", func(g *Graph) bk.State { return g.Generate() }, []want{
			{"[generate]", []string{"/gopherfile/gocache generate false", "/gopherfile/gocache-shared compile true"}},
		}},
		{"vet", "version: 1\n", func(g *Graph) bk.State { return g.Vet() }, []want{
			{"[vet]", []string{"/gopherfile/gocache compile false"}},
		}},
		{"vet with a vettool", "version: 1\nenv: {GOFLAGS: -vettool=/src/vet}\n", func(g *Graph) bk.State { return g.Vet() }, []want{
			{"[vet]", []string{"/gopherfile/gocache vet false", "/gopherfile/gocache-shared compile true"}},
		}},
		{"tidy", "version: 1\n", func(g *Graph) bk.State { return g.Tidy() }, []want{
			{"[tidy]", []string{"/gopherfile/gocache tidy false", "/gopherfile/gomodcache gomodcache false"}},
		}},
		{"dependency layer", "version: 1\ncache: {build: layer}\n", compile(amd64), []want{
			{"go build (standard library", []string{"/gopherfile/gocache-shared compile false"}},
			{"go list -deps", []string{"/gopherfile/gocache compile false"}},
			{"[build tool", []string{"/gopherfile/gocache compile false"}},
		}},
		{"dependency layer, -toolexec", "version: 1\ncache: {build: layer}\nbuilds:\n  - flags: [-toolexec=/src/x]\n", compile(amd64), []want{
			{"go build (standard library", []string{"/gopherfile/gocache-shared compile true"}},
			{"[build tool", []string{"/gopherfile/gocache build false", "/gopherfile/gocache-shared compile true"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPlan(t, tt.gopherfile, facts, false)
			mounts := cacheMounts(t, tt.state(New(p, testInputs(p))))
			for _, w := range tt.want {
				var got []string
				for name, ms := range mounts {
					if strings.Contains(name, w.step) {
						got = ms
					}
				}
				var short []string
				for _, m := range got {
					f := strings.Fields(m)
					word := "gomodcache"
					if parts := strings.Split(f[1], "/"); len(parts) > 2 && parts[1] == "gocache" {
						word = parts[2]
					}
					short = append(short, f[0]+" "+word+" "+strings.TrimPrefix(f[2], "readonly="))
				}
				if strings.Join(short, "\n") != strings.Join(w.mounts, "\n") {
					t.Errorf("%s: cache mounts\n%s\nwant\n%s", w.step, strings.Join(got, "\n"), strings.Join(w.mounts, "\n"))
				}
			}
			// Nothing but a step of the Go toolchain alone writes the
			// shared compile cache.
			for name, ms := range mounts {
				for _, m := range ms {
					if strings.Contains(m, "/gocache/compile/") && strings.HasSuffix(m, "readonly=false") &&
						(strings.Contains(name, "[test]") || strings.Contains(name, "[generate]") || strings.Contains(name, "[tidy]")) {
						t.Errorf("%s writes the shared compile cache: %s", name, m)
					}
				}
			}
		})
	}
}

func compile(target ocispecs.Platform) func(g *Graph) bk.State {
	return func(g *Graph) bk.State {
		st, err := g.Compile(target)
		if err != nil {
			panic(err)
		}
		return st
	}
}

// TestUnknownToolchain: a builder without a digest (a local named context)
// shares no compile cache at all.
func TestUnknownToolchain(t *testing.T) {
	p := testPlan(t, "version: 1\n", facts, false)
	p.ToolchainID = ""
	g := New(p, testInputs(p))
	for _, st := range []bk.State{compile(amd64)(g), g.Test()} {
		for name, ms := range cacheMounts(t, st) {
			for _, m := range ms {
				if strings.Contains(m, "/gocache/compile/") {
					t.Errorf("%s mounts a shared compile cache: %s", name, m)
				}
			}
		}
	}
}

// TestNamespaceEverywhere: with BUILDKIT_CACHE_MOUNT_NS, no cache mount
// of any step is outside the namespace.
func TestNamespaceEverywhere(t *testing.T) {
	s := "version: 1\ngenerate: [./...]\ncache: {build: layer}\n"
	p := testPlan(t, s, &gomod.Facts{Path: "example.com/app", Go: "1.26"}, false)
	p.CacheNS = "ci/pr"
	g := New(p, testInputs(p))
	for _, st := range []bk.State{compile(amd64)(g), g.Test(), g.Vet(), g.Tidy(), g.TidyFix(), g.Deps()} {
		for name, ms := range cacheMounts(t, st) {
			for _, m := range ms {
				if !strings.Contains(m, " ci/pr/gopherfile/") {
					t.Errorf("%s: %s is outside the namespace", name, m)
				}
			}
		}
	}
}

func TestCacheMountsOutline(t *testing.T) {
	p := testPlan(t, "version: 1\n", facts, false)
	p.CacheNS = "pr"
	got := CacheMounts(p, []ocispecs.Platform{amd64, arm64}, amd64)
	var ids []string
	for _, c := range got {
		ids = append(ids, c.ID)
		if c.What == "" || !strings.HasPrefix(c.ID, "pr/gopherfile/") {
			t.Errorf("%+v", c)
		}
	}
	joined := strings.Join(ids, "\n")
	for _, want := range []string{"pr/gopherfile/gomodcache", "/compile/go1.26.11-", "linux-arm64", "/test/", "/generate/", "/vet/", "/tidy/", "/build/", "/vulntool/", "/vulncheck/", "pr/gopherfile/toolchain"} {
		if !strings.Contains(joined, want) {
			t.Errorf("outline lacks %s:\n%s", want, joined)
		}
	}
}

// TestViewFor: the compile steps' module view leaves the dependencies'
// tests out; go test and go generate see them, and load them without the
// module index when they may load a dependency's tests.
func TestViewFor(t *testing.T) {
	for _, tt := range []struct {
		test, generate []string
		kind           stepconfig.Kind
		want           string
		indexOff       bool
	}{
		{[]string{"./..."}, nil, stepconfig.Build, ViewBuild, false},
		{[]string{"./..."}, nil, stepconfig.Vet, ViewAll, false},
		{[]string{"all"}, nil, stepconfig.Vet, ViewAll, true},
		{[]string{"./..."}, nil, stepconfig.Vulncheck, ViewBuild, false},
		{[]string{"./..."}, nil, stepconfig.BuildDeps, ViewBuild, false},
		{[]string{"./..."}, nil, stepconfig.Test, ViewAll, false},
		{[]string{".", "./cmd/...", "../other/..."}, nil, stepconfig.Test, ViewAll, false},
		{[]string{"./...", "all"}, nil, stepconfig.Test, ViewAll, true},
		{[]string{"./...", "all"}, nil, stepconfig.Build, ViewBuild, false},
		{[]string{"example.com/dep/..."}, nil, stepconfig.Test, ViewAll, true},
		{[]string{"std"}, nil, stepconfig.Test, ViewAll, true},
		{[]string{"./..."}, []string{"./..."}, stepconfig.Generate, ViewAll, true},
		{[]string{"./..."}, []string{"./..."}, stepconfig.Build, ViewAll, false},
		{[]string{"./..."}, []string{"./..."}, stepconfig.Test, ViewAll, false},
	} {
		p := &plan.Plan{Generate: tt.generate}
		p.Test.Packages = tt.test
		if got := ViewFor(p, tt.kind); got != tt.want {
			t.Errorf("%s with test %q, generate %q: %s, want %s", tt.kind, tt.test, tt.generate, got, tt.want)
		}
		if got := (&Graph{p: p}).moduleIndexOff(tt.kind); got != tt.indexOff {
			t.Errorf("%s with test %q, generate %q: module index off %v, want %v", tt.kind, tt.test, tt.generate, got, tt.indexOff)
		}
	}
}
