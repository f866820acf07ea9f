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
// against go.sum. Its steps see only the dependency files, so BuildKit
// runs them once per go.mod/go.sum content; they are defined when an
// offline step needs them. A test or generate step then sees no other
// project's modules, and no step reads a module file that changed in the
// shared cache after go verified it. part is ViewAll or ViewBuild
// (ViewFor).
//
// The view is made in two steps. The early view (earlyView) reads no
// download record, so it runs beside the download step: it copies the
// modules other builds left in the shared cache. The view after the
// download starts from the early view's files and copies only what the
// download added, and only it checks the download's marker.
func (g *Graph) moduleView(part string) bk.State {
	if st, ok := g.views[part]; ok {
		return st
	}
	early := g.earlyView(part)
	opts := g.viewOpts(part)
	if t, ok := g.p.Downloads.Setting(goenv.GOTOOLCHAIN); ok && t.Value != "local" {
		for _, v := range []string{g.p.RequiredGo, g.p.GoVersion} {
			if v != "" {
				opts.Toolchains = append(opts.Toolchains, "go"+v)
			}
		}
	}
	es := g.run(goStep{
		kind:    stepconfig.ModView,
		name:    viewNames[part],
		field:   "version",
		src:     g.in.DepFiles,
		out:     ModViewDir,
		outBase: &early,
		cfg:     stepconfig.Config{ModView: opts},
	})
	st := es.GetMount(ModViewDir)
	g.views[part] = st
	return st
}

// earlyView is the first step of the module view of part: the modules
// of go.sum the shared module cache holds before this build's download.
func (g *Graph) earlyView(part string) bk.State {
	if g.views == nil {
		g.views = map[string]bk.State{}
	}
	key := "early-" + part
	if st, ok := g.views[key]; ok {
		return st
	}
	opts := g.viewOpts(part)
	opts.Early = true
	es := g.run(goStep{
		kind:  stepconfig.ModView,
		name:  earlyNames[part],
		field: "version",
		src:   g.in.DepFiles,
		out:   ModViewDir,
		cfg:   stepconfig.Config{ModView: opts},
	})
	st := es.GetMount(ModViewDir)
	g.views[key] = st
	return st
}

// EarlyView is the early module view (moduleView) a step of kind reads,
// for a frontend that solves it beside the download step; false when the
// build has no module view (a vendored module, modules in the layer).
func (g *Graph) EarlyView(kind stepconfig.Kind) (bk.State, bool) {
	if g.p.Vendored || g.p.ModulesInLayer {
		return bk.State{}, false
	}
	return g.earlyView(ViewFor(g.p, kind)), true
}

// viewOpts are the options both view steps of part share.
func (g *Graph) viewOpts(part string) *stepconfig.ModViewOpts {
	var sums []string
	for _, f := range g.p.DepFiles {
		if b := path.Base(f); b == "go.sum" || b == "go.work.sum" {
			sums = append(sums, f)
		}
	}
	return &stepconfig.ModViewOpts{Src: plan.GoModCache, Dst: ModViewDir, SumFiles: sums, Part: part}
}

// The module view parts (package modview): the build part leaves out the
// dependencies' _test.go files and testdata directories, about 40 % of
// the files to copy on the way to the first compile.
const (
	ViewAll   = "all"
	ViewBuild = "build"
)

var (
	viewNames = map[string]string{
		ViewAll:   "[deps] module view: the build's modules, verified against go.sum",
		ViewBuild: "[deps] module view: the build's modules without their tests, verified against go.sum",
	}
	earlyNames = map[string]string{
		ViewAll:   "[deps] early module view: the build's modules already on the builder, verified against go.sum",
		ViewBuild: "[deps] early module view: the build's modules already on the builder, without their tests, verified against go.sum",
	}
)

// ViewFor is the part of the modules the view of an offline step holds:
// the whole modules for go test (a test may read a dependency's testdata
// at run time, or test a dependency), go vet (it runs beside go test, over
// the same packages) and go generate (its tools may read anything), and
// for every step of a build with go generate (one view, made before the
// generate step anyway); the build part for the compile steps and
// govulncheck, which read no dependency's tests.
func ViewFor(p *plan.Plan, kind stepconfig.Kind) string {
	switch {
	case kind == stepconfig.Test, kind == stepconfig.Vet, kind == stepconfig.Generate, len(p.Generate) > 0:
		return ViewAll
	}
	return ViewBuild
}

// testsDependencies reports whether go test names packages outside the
// tree: a pattern that is not a relative path (all, a dependency's).
func testsDependencies(p *plan.Plan) bool {
	for _, pat := range p.Test.Packages {
		if !localPattern(pat) {
			return true
		}
	}
	return false
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
// step that loads the dependencies' tests (go test of a dependency, go
// generate) reads the directories themselves (GODEBUG=goindex=0); go test
// of the tree's packages loads no dependency's tests.
func (g *Graph) moduleIndexOff(kind stepconfig.Kind) bool {
	if g.p.ModulesInLayer {
		return false
	}
	return kind == stepconfig.Generate || (kind == stepconfig.Test || kind == stepconfig.Vet) && testsDependencies(g.p)
}
