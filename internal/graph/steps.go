package graph

import (
	"path"
	"strings"

	bk "github.com/moby/buildkit/client/llb"

	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// downloadStep is `go mod download`: the builder plus only the dependency
// files, with the module cache on the shared cache mount (or, with
// cache.modules: layer, in the step's own output). Its cache key depends on
// the builder, the dependency files and the settings only, never on a .go
// file.
func (g *Graph) downloadStep() goStep {
	field := "version"
	if len(g.p.Downloads.Settings) > 1 {
		field = "modules"
	}
	s := goStep{
		kind:  stepconfig.Download,
		name:  "[deps] go mod download",
		field: field,
		args:  []string{"mod", "download"},
		src:   g.in.DepFiles,
		cfg:   stepconfig.Config{},
	}
	return s
}

// Deps is the builder after the download step (the deps target); for a
// vendored module it is the builder itself.
func (g *Graph) Deps() bk.State {
	if g.download == nil {
		return g.in.Builder
	}
	return g.download.Root()
}

// Tidy is the go.mod check: `go mod tidy -diff` over the whole module. It
// needs the network (tidy looks at every platform's and test's imports).
func (g *Graph) Tidy() bk.State {
	es := g.run(goStep{
		kind:    stepconfig.TidyCheck,
		name:    "[tidy] go mod tidy -diff",
		field:   "tidy",
		args:    []string{"mod", "tidy", "-diff"},
		src:     g.source(),
		gocache: &g.in.BuildPlatform,
		cfg:     stepconfig.Config{},
	})
	return es.Root()
}

// TidyFix runs `go mod tidy` on a writable copy of the module and returns a
// state holding only the tidied go.mod and go.sum, at their context paths,
// for the tidy target (-o . writes them back).
func (g *Graph) TidyFix() bk.State {
	es := g.run(goStep{
		kind:    stepconfig.TidyFix,
		name:    "[tidy] go mod tidy",
		field:   "tidy",
		args:    []string{"mod", "tidy"},
		src:     g.source(),
		srcRW:   true,
		gocache: &g.in.BuildPlatform,
		out:     plan.OutDir,
		cfg:     stepconfig.Config{OutDir: tidyOutDir(g.p)},
	})
	return es.GetMount(plan.OutDir)
}

// Test runs go test -json over the test packages on the build platform and
// returns a state with the step helper's test files (test.json, junit.xml,
// test.txt, summary.json...): the step itself always succeeds, so that the
// frontend can report the failing tests.
func (g *Graph) Test() bk.State {
	args := append([]string{"test", "-json"}, g.p.Test.Flags...)
	args = append(args, g.p.Test.Packages...)
	es := g.run(goStep{
		kind:    stepconfig.Test,
		name:    "[test] go " + strings.Join(args, " "),
		field:   "test",
		args:    args,
		src:     g.source(),
		gocache: &g.in.BuildPlatform,
		out:     plan.OutDir,
		cfg:     stepconfig.Config{Test: &stepconfig.TestOpts{}},
	})
	return es.GetMount(plan.OutDir)
}

// Vet runs go vet over the test packages; problems fail the build. The
// state holds vet.txt.
func (g *Graph) Vet() bk.State {
	args := append([]string{"vet"}, g.p.Test.VetFlags...)
	args = append(args, g.p.Test.Packages...)
	es := g.run(goStep{
		kind:    stepconfig.Vet,
		name:    "[vet] go " + strings.Join(args, " "),
		field:   "test",
		args:    args,
		src:     g.source(),
		gocache: &g.in.BuildPlatform,
		out:     plan.OutDir,
		cfg:     stepconfig.Config{},
	})
	return es.GetMount(plan.OutDir)
}

// tidyOutDir is where the tidy target's files go in its output.
func tidyOutDir(p *plan.Plan) string { return path.Join(plan.OutDir, p.ModuleDir) }
