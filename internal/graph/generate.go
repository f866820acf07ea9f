package graph

import (
	"path"
	"strings"

	bk "github.com/moby/buildkit/client/llb"

	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// Source is a named build context (sources: in the Gopherfile) as loaded by
// the frontend: its state, copied into the build context at Dst.
type Source struct {
	State bk.State
	// Dst is a clean path relative to the build context root.
	Dst string
	// Name is the context's name and Field the spec field, for progress
	// names and error locations.
	Name, Field string
}

// withSources is the build context with every source copied in, over what
// the context has at its destination, in one file step.
func withSources(in Inputs) bk.State {
	if len(in.Sources) == 0 {
		return in.Context
	}
	f := &fileActions{}
	var names []string
	for _, s := range in.Sources {
		f.copy(s.State, "/", path.Join("/", s.Dst), &bk.CopyInfo{CopyDirContentsOnly: true, CreateDestPath: true, AllowEmptyWildcard: true})
		names = append(names, s.Name+" → "+s.Dst)
	}
	o := []bk.ConstraintsOpt{bk.WithCustomName("[sources] copy " + strings.Join(names, ", "))}
	if in.Location != nil {
		o = append(o, in.Location(in.Sources[0].Field))
	}
	return in.Context.File(f.fa, o...)
}

// source is the source tree of the steps that read the module's .go files
// (tidy, test, vet, compile): the build context with the sources, after go
// generate when the Gopherfile asks for it.
func (g *Graph) source() bk.State {
	if g.generated != nil {
		return *g.generated
	}
	if len(g.p.Generate) == 0 {
		return g.in.Context
	}
	st := g.Generate()
	g.generated = &st
	return st
}

// Generate runs go generate over the generate: patterns on a writable copy
// of the source tree and returns that tree with the generated files. It is
// an offline step: the module cache of the download step, read-only, no
// network and GOPROXY=off, so generators declared as go.mod tools run from
// the modules the download step fetched, and the step is cached by the
// source tree.
func (g *Graph) Generate() bk.State {
	args := append([]string{"generate"}, g.p.Generate...)
	es := g.run(goStep{
		kind:    stepconfig.Generate,
		name:    "[generate] go " + strings.Join(args, " "),
		field:   "generate",
		args:    args,
		src:     g.in.Context,
		srcRW:   true,
		gocache: &g.in.BuildPlatform,
		cfg:     stepconfig.Config{},
	})
	return es.GetMount(plan.SrcDir)
}
