package graph

import (
	"path"

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
	opts := &stepconfig.ModViewOpts{Src: plan.GoModCache, Dst: ModViewDir, SumFiles: sums}
	if t, ok := g.p.Downloads.Setting(goenv.GOTOOLCHAIN); ok && t.Value != "local" {
		for _, v := range []string{g.p.RequiredGo, g.p.GoVersion} {
			if v != "" {
				opts.Toolchains = append(opts.Toolchains, "go"+v)
			}
		}
	}
	es := g.run(goStep{
		kind:  stepconfig.ModView,
		name:  "[deps] module view: the build's modules, verified against go.sum",
		field: "version",
		src:   g.in.DepFiles,
		out:   ModViewDir,
		cfg:   stepconfig.Config{ModView: opts},
	})
	st := es.GetMount(ModViewDir)
	g.view = &st
	return st
}
