package graph

import (
	"path"
	"strings"

	bk "github.com/moby/buildkit/client/llb"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// moduleView is the module cache of the offline steps (cache.modules:
// mount): the modules the build's go.sum files name, copied from the
// shared module cache by the step helper (package modview), each checked
// against go.sum. Its one step sees only the dependency files, so BuildKit
// runs it once per go.mod/go.sum content; it is defined when an offline
// step needs it. A test or generate step then sees no other project's
// modules, and no step reads a module file that changed in the shared
// cache after go verified it.
func (g *Graph) moduleView() bk.State {
	if g.view != nil {
		return *g.view
	}
	var sums []string
	for _, f := range g.p.DepFiles {
		if b := path.Base(f); b == "go.sum" || b == "go.work.sum" {
			sums = append(sums, f)
		}
	}
	part := ViewPart(g.p)
	opts := &stepconfig.ModViewOpts{Src: plan.GoModCache, Dst: ModViewDir, SumFiles: sums, Part: part}
	if t, ok := g.p.Downloads.Setting(goenv.GOTOOLCHAIN); ok && t.Value != "local" {
		for _, v := range []string{g.p.RequiredGo, g.p.GoVersion} {
			if v != "" {
				opts.Toolchains = append(opts.Toolchains, "go"+v)
			}
		}
	}
	es := g.run(goStep{
		kind:  stepconfig.ModView,
		name:  viewNames[part],
		field: "version",
		src:   g.in.DepFiles,
		out:   ModViewDir,
		cfg:   stepconfig.Config{ModView: opts},
	})
	st := es.GetMount(ModViewDir)
	g.view = &st
	return st
}

// The module view parts (package modview): the build part leaves out the
// dependencies' _test.go files and testdata directories, about 40 % of
// the files to copy on the way to the first compile.
const (
	ViewAll   = "all"
	ViewBuild = "build"
)

var viewNames = map[string]string{
	ViewAll:   "[deps] module view: the build's modules, verified against go.sum",
	ViewBuild: "[deps] module view: the build's modules without their tests, verified against go.sum",
}

// ViewPart is the part of the modules the view holds: the build part
// unless a step may read the dependencies' tests: go test of a pattern
// that is not a relative path (all, a dependency's packages), or go
// generate (its tools may read anything).
func ViewPart(p *plan.Plan) string {
	if len(p.Generate) > 0 {
		return ViewAll
	}
	for _, pat := range p.Test.Packages {
		if !localPattern(pat) {
			return ViewAll
		}
	}
	return ViewBuild
}

// localPattern reports whether a package pattern is a directory of the
// tree (never a module of the module cache).
func localPattern(pat string) bool {
	return pat == "." || pat == ".." || strings.HasPrefix(pat, "./") || strings.HasPrefix(pat, "../")
}

// moduleIndexOff reports whether the step must not use the go command's
// module index: an index entry is keyed by the module's directory only,
// so one written from a build part (by the compile steps of any project,
// into the shared compile cache these steps read) lists no test files. A
// step that reads the dependencies' tests from the whole view reads the
// directories themselves (GODEBUG=goindex=0).
func (g *Graph) moduleIndexOff(kind stepconfig.Kind) bool {
	return (kind == stepconfig.Test || kind == stepconfig.Generate) && !g.p.ModulesInLayer && ViewPart(g.p) == ViewAll
}
