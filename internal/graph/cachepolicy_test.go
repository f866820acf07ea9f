package graph

import (
	"regexp"
	"strings"
	"testing"

	bk "github.com/moby/buildkit/client/llb"

	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

var (
	kindLine  = regexp.MustCompile(`"kind": "([^"]+)"`)
	cacheLine = regexp.MustCompile(`mount (\S+) type=CACHE readonly=(\w+) cache=(\S+)`)
)

// TestCachePolicyMounts: the build cache mounts of every step of a full
// graph (image with the dependency layer, generate, test, vet, tidy,
// vulncheck) follow the policy of its kind in stepconfig's table of kinds:
// no step but one that runs the builder's Go toolchain alone writes the
// shared compile cache, and every go step kind of such a build is seen, so
// a new kind's policy is checked here too.
func TestCachePolicyMounts(t *testing.T) {
	p := testPlan(t, "version: 1\ngenerate: [./...]\ncache: {build: layer}\nvulncheck: {mode: report}\n", facts, false)
	if p.Toolchain == nil {
		t.Fatal("the test plan runs in an image: want the toolchain from the module proxy")
	}
	g := New(p, testInputs(p))
	states := []bk.State{compile(amd64)(g), g.Test(), g.Vet(), g.Tidy(), g.TidyFix(), g.Generate()}
	for _, r := range g.Vulncheck(amd64) {
		states = append(states, r.State)
	}
	seen := map[stepconfig.Kind]bool{}
	for _, st := range states {
		for _, step := range strings.Split(describe(t, st, amd64), "EXEC ")[1:] {
			name := step[:strings.Index(step, "\n")]
			m := kindLine.FindStringSubmatch(step)
			if m == nil {
				t.Errorf("%s: no kind in its config", name)
				continue
			}
			kind := stepconfig.Kind(m[1])
			seen[kind] = true
			checkPolicy(t, name, kind, cacheLine.FindAllStringSubmatch(step, -1))
		}
	}
	for _, k := range []stepconfig.Kind{stepconfig.Download, stepconfig.ModView, stepconfig.TidyCheck, stepconfig.TidyFix,
		stepconfig.Test, stepconfig.Vet, stepconfig.Build, stepconfig.ListDeps, stepconfig.BuildDeps, stepconfig.Generate,
		stepconfig.VulnDB, stepconfig.VulnTool, stepconfig.Vulncheck, stepconfig.Root, stepconfig.Toolchain} {
		if !seen[k] {
			t.Errorf("no step of kind %q in the graph: the test no longer covers it", k)
		}
	}
}

// checkPolicy checks one step's build cache mounts (cacheLine matches)
// against its kind's policy.
func checkPolicy(t *testing.T, name string, kind stepconfig.Kind, mounts [][]string) {
	t.Helper()
	var writesShared, readsShared, writesOwn bool
	var gocaches []string
	for _, m := range mounts {
		id, ro := m[3], m[2] == "true"
		if !strings.Contains(id, "gopherfile/gocache/") {
			continue // the module and toolchain caches
		}
		gocaches = append(gocaches, m[0])
		switch shared := strings.Contains(id, "/gocache/compile/"); {
		case shared && !ro:
			writesShared = true
		case shared:
			readsShared = true
		case !ro:
			writesOwn = true
		}
	}
	policy := kind.CachePolicy()
	bad := ""
	switch policy {
	case stepconfig.CacheNone:
		if len(gocaches) > 0 {
			bad = "mounts a build cache"
		}
	case stepconfig.CacheCompile, stepconfig.CacheOutput:
		// The plan names no program: the shared compile cache is written.
		if !writesShared || writesOwn {
			bad = "does not write the shared compile cache alone"
		}
	case stepconfig.CacheOwn:
		if writesShared || !writesOwn {
			bad = "does not write a cache of its own alone"
		}
		if readsShared && kind.Networked() {
			bad = "holds secrets and reads the shared compile cache"
		}
	default:
		bad = "has no policy"
	}
	if bad != "" {
		t.Errorf("%s (kind %s, policy %s) %s:\n%s", name, kind, policy, bad, strings.Join(gocaches, "\n"))
	}
}
