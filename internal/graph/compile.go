package graph

import (
	"fmt"
	"path"
	"strings"

	"github.com/containerd/platforms"
	bk "github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// CrossCGOError is returned for a cgo build for another platform than the
// build platform when the spec names no C cross compiler for it.
type CrossCGOError struct{ Target, Build string }

func (e *CrossCGOError) Error() string {
	return fmt.Sprintf("cgo is on and %s is not the build platform %s, so the build needs a C cross compiler for %s: add it under cc: in the Gopherfile (e.g. cc: {%s: aarch64-linux-gnu-gcc}, in a builder image that has it), or build without cgo",
		e.Target, e.Build, e.Target, e.Target)
}

// Compile builds every binary for the target platform on the build
// platform and returns a state holding just the binaries, each at /<name>.
// The compile steps have no network and GOPROXY=off, so they can never
// fetch.
func (g *Graph) Compile(target ocispecs.Platform) (bk.State, error) {
	p := g.p
	cc := ""
	if p.CGO && !samePlatform(target, g.in.BuildPlatform) {
		cc = p.CC[platforms.Format(target)]
		if cc == "" {
			return bk.State{}, &CrossCGOError{Target: platforms.Format(target), Build: platforms.Format(g.in.BuildPlatform)}
		}
	}
	var outs []bk.State
	seeds := map[string]bk.State{}
	for _, b := range p.Binaries {
		var seed *bk.State
		if p.DepsInLayer {
			key := depGroupKey(b)
			st, ok := seeds[key]
			if !ok {
				st = g.compileDeps(target, b, cc)
				seeds[key] = st
			}
			seed = &st
		}
		flags, err := p.BuildFlags(b, target.OS, target.Architecture, target.Variant)
		if err != nil {
			return bk.State{}, err
		}
		outs = append(outs, g.compileOne(target, b, flags, cc, seed))
	}
	return collectBinaries(g.in, p.Binaries, outs), nil
}

func samePlatform(a, b ocispecs.Platform) bool {
	return platforms.Only(platforms.Normalize(b)).Match(platforms.Normalize(a)) && a.Architecture == b.Architecture
}

func (g *Graph) compileOne(target ocispecs.Platform, b plan.Binary, flags []string, cc string, seed *bk.State) bk.State {
	out := path.Join(plan.OutDir, b.Name)
	argv := func(flags []string) []string {
		return append(append([]string{"build", "-trimpath", "-o", out}, flags...), b.Main)
	}
	args := argv(flags)
	s := goStep{
		kind:    stepconfig.Build,
		name:    fmt.Sprintf("[build %s %s] go %s", b.Name, platforms.Format(target), strings.Join(args, " ")),
		field:   b.Field + ".main",
		args:    args,
		src:     g.source(),
		target:  &target,
		bin:     &b,
		cc:      cc,
		gocache: &target,
		out:     plan.OutDir,
		cfg: stepconfig.Config{Build: &stepconfig.BuildOpts{
			Name: b.Name, Main: b.Main, Output: out,
		}},
	}
	p := g.p
	if _, set := plan.EnvValue(b.Env, goenv.CGO_ENABLED); p.CGOAuto && !set {
		cgo := &stepconfig.CgoOpts{Args: argv(plan.StaticCgoFlags(flags, goflags(p, stepconfig.Build)))}
		if !samePlatform(target, g.in.BuildPlatform) {
			if cgo.CC = p.CC[platforms.Format(target)]; cgo.CC == "" {
				cgo.NoCC = platforms.Format(target)
			}
		}
		s.cfg.Build.Cgo = cgo
	}
	if seed != nil {
		s.cfg.Build.Seed = plan.DepCache
		s.extra = append(s.extra, bk.AddMount(plan.DepCache, *seed, bk.Readonly))
	}
	return g.run(s).GetMount(plan.OutDir)
}

// depGroupKey is what decides which dependency packages a binary needs and
// how they are compiled: binaries with the same key share one dependency step.
func depGroupKey(b plan.Binary) string {
	return strings.Join(depFlags(b.Flags), "\x00") + "\x01" + strings.Join(b.Env, "\x00")
}

// depFlags are the go build flags that also apply to dependency packages:
// not -ldflags (link only), not -o, not coverage, and -gcflags/-asmflags only
// with a package pattern (without one they apply to the packages named on the
// command line, which for the dependency step would be the dependencies).
func depFlags(flags []string) []string {
	var out []string
	for i := 0; i < len(flags); i++ {
		f := flags[i]
		name, val, hasVal := strings.Cut(strings.TrimPrefix(f, "-"), "=")
		name = strings.TrimPrefix(name, "-")
		takesValue := name == "ldflags" || name == "gcflags" || name == "asmflags" || name == "o" || name == "coverpkg" || name == "covermode"
		if takesValue && !hasVal && i+1 < len(flags) {
			i++
			val = flags[i]
		}
		switch name {
		case "ldflags", "o", "cover", "coverpkg", "covermode":
			continue
		case "gcflags", "asmflags":
			if strings.HasPrefix(val, "-") || !strings.Contains(val, "=") {
				continue
			}
			out = append(out, "-"+name+"="+val)
			continue
		}
		if takesValue && !hasVal {
			out = append(out, f, val)
			continue
		}
		out = append(out, f)
	}
	return out
}

// compileDeps (cache.build: layer) lists the packages binary b imports from
// outside the module, the standard library included, for the target
// platform, and compiles them in a step whose output is that build cache:
// keyed by the list's content, it is reused across .go edits that change no
// import, and a registry cache carries it to fresh builders.
func (g *Graph) compileDeps(target ocispecs.Platform, b plan.Binary, cc string) bk.State {
	flags := depFlags(b.Flags)
	var mains []string
	for _, x := range g.p.Binaries {
		if depGroupKey(x) == depGroupKey(b) {
			mains = append(mains, x.Main)
		}
	}
	list := path.Join(plan.OutDir, "gopherfile-packages.txt")
	largs := append([]string{"list", "-deps", "-f", "{{if not (and .Module .Module.Main)}}{{.ImportPath}}{{end}}"}, flags...)
	largs = append(largs, mains...)
	pkgs := g.run(goStep{
		kind:   stepconfig.ListDeps,
		name:   fmt.Sprintf("[build deps %s] go list -deps %s", platforms.Format(target), strings.Join(mains, " ")),
		field:  b.Field + ".main",
		args:   largs,
		src:    g.source(),
		target: &target,
		bin:    &b,
		cc:     cc,
		out:    plan.OutDir,
		// The platform of its build cache: go list reads the module index
		// there.
		gocache: &target,
		cfg:     stepconfig.Config{Deps: &stepconfig.DepsOpts{List: list}},
	}).GetMount(plan.OutDir)

	bargs := append([]string{"build", "-trimpath"}, flags...)
	// go.mod and go.sum only (for a vendored module, the context): the step
	// must not depend on the module's own .go files.
	src := g.in.DepFiles
	if g.p.Vendored {
		src = g.source()
	}
	return g.run(goStep{
		kind:   stepconfig.BuildDeps,
		name:   fmt.Sprintf("[build deps %s] go build (standard library and dependencies)", platforms.Format(target)),
		field:  b.Field + ".main",
		args:   bargs,
		src:    src,
		target: &target,
		bin:    &b,
		cc:     cc,
		out:    plan.DepCache,
		extra:  []bk.RunOption{bk.AddMount(plan.PkgList, pkgs, bk.Readonly)},
		// GOCACHE is its output (depsCache).
		gocache: &target,
		cfg: stepconfig.Config{Deps: &stepconfig.DepsOpts{
			List: path.Join(plan.PkgList, "gopherfile-packages.txt"), Cache: plan.DepCache,
		}},
	}).GetMount(plan.DepCache)
}
