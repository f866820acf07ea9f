// Package frontend is Gopherfile's BuildKit frontend: Build reads the Gopherfile
// and go.mod from the build context, plans the build and solves the LLB graph for
// every target platform. The same Build runs inside the frontend image (through
// the gateway) and in-process in the gopherfile CLI.
package frontend

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	"github.com/gopherfile/gopherfile/frontend/plan"
	"github.com/gopherfile/gopherfile/frontend/spec"
	gfllb "github.com/gopherfile/gopherfile/llb"
)

// Build is the frontend's entry point (a gateway BuildFunc).
func Build(ctx context.Context, c gwclient.Client) (*gwclient.Result, error) {
	bc, err := dockerui.NewClient(c)
	if err != nil {
		return nil, fmt.Errorf("gopherfile: reading the build options: %w", err)
	}
	src, err := bc.ReadEntrypoint(ctx, "yaml")
	if err != nil {
		return nil, fmt.Errorf("gopherfile: reading the Gopherfile: %w", err)
	}
	s, pos, err := spec.Parse(src.Data)
	if err != nil {
		return nil, withSpecSource(err, src.SourceMap)
	}
	b := &build{c: c, bc: bc, src: src, spec: s, pos: pos}

	if res, ok, err := bc.HandleSubrequest(ctx, dockerui.RequestHandler{
		ListTargets: b.listTargets,
		Outline:     b.outline,
		Lint:        b.lint,
		AllowOther:  true,
	}); err != nil || ok {
		return res, err
	}

	mod, err := b.readModule(ctx)
	if err != nil {
		return nil, err
	}
	opts := plan.Options{
		BuildArgs:    bc.BuildArgs,
		Target:       bc.Target,
		VCSSource:    bc.BuildOpts().Opts["vcs:source"],
		VCSRevision:  bc.BuildOpts().Opts["vcs:revision"],
		CacheImports: len(bc.CacheImports) > 0,
	}
	if epoch, err := bc.ResolveMainContextSourceDateEpoch(ctx); err == nil && epoch != nil {
		opts.Epoch = epoch
	}
	p, err := plan.New(s, *mod, opts)
	if err != nil {
		return nil, b.planError(err)
	}
	b.plan = p
	return b.solve(ctx)
}

// build holds the state of one Build call.
type build struct {
	c    gwclient.Client
	bc   *dockerui.Client
	src  *dockerui.Source
	spec *spec.Spec
	pos  spec.Positions
	plan *plan.Plan

	imagesMu sync.Mutex
	images   map[string]*loadedImage
}

func (b *build) listTargets(context.Context) (*targets.List, error) {
	l := &targets.List{}
	for _, t := range plan.Targets {
		l.Targets = append(l.Targets, targets.Target{Name: t.Name, Description: t.Description, Default: t.Default})
	}
	return l, nil
}

// location returns the source-map constraint for a spec field.
func (b *build) location(field string) llb.ConstraintsOpt {
	line := b.pos.Of(field).Line
	return b.src.SourceMap.Location(lineRange(line))
}

func (b *build) solve(ctx context.Context) (*gwclient.Result, error) {
	bc, p := b.bc, b.plan

	if len(bc.TargetPlatforms) == 0 && len(p.Platforms) > 0 {
		for _, s := range p.Platforms {
			pl, err := platforms.Parse(s)
			if err != nil {
				return nil, b.fieldError("platforms", err)
			}
			bc.TargetPlatforms = append(bc.TargetPlatforms, platforms.Normalize(pl))
		}
		if len(bc.TargetPlatforms) > 1 {
			bc.MultiPlatformRequested = true
		}
	}
	for i, tp := range bc.TargetPlatforms {
		if err := spec.CheckPlatform(platforms.Format(tp)); err != nil {
			return nil, fmt.Errorf("gopherfile: --platform: %w", err)
		}
		bc.TargetPlatforms[i] = platforms.Normalize(tp)
	}
	buildPlatform := platforms.Normalize(platforms.DefaultSpec())
	if len(bc.BuildPlatforms) > 0 {
		buildPlatform = bc.BuildPlatforms[0]
	}

	// The builder and every platform's runtime base are resolved at once (each
	// is a registry round trip).
	if err := b.prefetchBases(ctx, bc.TargetPlatforms, buildPlatform); err != nil {
		return nil, err
	}
	builder, builderImg, err := b.loadImage(ctx, p.Builder, buildPlatform, "builder")
	if err != nil {
		return nil, fmt.Errorf("%w (the builder %s is chosen by %s; set go: or builder: in the Gopherfile, or --build-arg %s, to use another)",
			err, p.Builder, p.BuilderReason, plan.ArgGoVersion)
	}
	for _, w := range p.Downloads.SecurityWarnings() {
		b.src.Warn(ctx, w.Msg, gwclient.WarnOpts{Range: lineRange(b.pos.Of(w.Field).Line), Level: 1})
	}
	if builderImg != nil && builderImg.img != nil {
		p.Downloads.AddImageEnv(builderImg.img.Config.Env)
	}
	if err := b.checkGoVersion(builderImg); err != nil {
		return nil, err
	}
	mainCtx, err := bc.MainContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("gopherfile: loading the build context: %w", err)
	}
	depFiles, err := bc.MainContext(ctx,
		llb.FollowPaths(p.DepFiles),
		llb.SharedKeyHint("gopherfile-depfiles"),
		llb.WithCustomName("[internal] load go.mod and go.sum"),
	)
	if err != nil {
		return nil, fmt.Errorf("gopherfile: loading go.mod and go.sum: %w", err)
	}
	in := gfllb.Inputs{
		BuildPlatform: buildPlatform,
		Builder:       *builder,
		Context:       *mainCtx,
		DepFiles:      *depFiles,
		Location:      b.location,
		// A registry cache import carries the download step's result but not
		// the module cache mount: download again (a no-op on a warm builder).
		RefreshDownload: len(bc.CacheImports) > 0,
	}
	deps := gfllb.Deps(p, in)

	created := time.Now().UTC().Truncate(time.Second)
	if p.Epoch != nil {
		created = *p.Epoch
	}
	switch p.Target {
	case plan.TargetTest:
		return b.runTests(ctx, in, deps, buildPlatform)
	case plan.TargetVet:
		return b.single(ctx, gfllb.Vet(p, in, deps), buildPlatform)
	}

	eg, ctx := errgroup.WithContext(ctx)
	if p.Tidy && (p.Target == plan.TargetImage || p.Target == plan.TargetBinaries) {
		eg.Go(func() error {
			return b.solveState(ctx, gfllb.Tidy(p, in, deps), buildPlatform)
		})
	}
	var res *gwclient.Result
	eg.Go(func() error {
		rb, err := bc.Build(ctx, func(ctx context.Context, tp *ocispecs.Platform, _ int) (*dockerui.BuildResult, error) {
			target := buildPlatform
			if tp != nil {
				target = *tp
			}
			return b.buildPlatform(ctx, in, deps, builderImg, target, created)
		})
		if err != nil {
			return err
		}
		if bc.SBOM != nil && (p.Target == plan.TargetImage || p.Target == plan.TargetBinaries) {
			if err := b.addSBOMs(ctx, rb, created); err != nil {
				return err
			}
		}
		res, err = rb.Finalize()
		return err
	})
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	return res, nil
}

// buildPlatform builds the target for one platform.
func (b *build) buildPlatform(ctx context.Context, in gfllb.Inputs, deps llb.State, builderImg *imageConfig, target ocispecs.Platform, created time.Time) (*dockerui.BuildResult, error) {
	p := b.plan
	var (
		st  llb.State
		cfg = gfllb.BinariesConfig(target)
	)
	switch p.Target {
	case plan.TargetDeps:
		st = deps
		if builderImg != nil && builderImg.img != nil {
			cfg = builderImg.img
		}
	case plan.TargetTidy:
		st = gfllb.TidyFix(p, in, deps)
	case plan.TargetBinaries:
		bins, err := gfllb.Compile(p, in, deps, target)
		if err != nil {
			return nil, b.compileError(err)
		}
		st = bins
	default:
		bins, err := gfllb.Compile(p, in, deps, target)
		if err != nil {
			return nil, b.compileError(err)
		}
		base := llb.Scratch()
		var baseImg *imageConfig
		if p.Image.Base != spec.Scratch {
			s, img, err := b.loadImage(ctx, p.Image.Base, target, "image.base")
			if err != nil {
				return nil, err
			}
			base, baseImg = *s, img
		}
		st = gfllb.Image(p, in, base, bins)
		var baseCfg = baseImgConfig(baseImg)
		cfg = gfllb.ImageConfig(p, baseCfg, target, created)
	}
	// Evaluated now, not when the result is exported: the compile then runs
	// alongside the tidy check instead of after it.
	ref, err := b.solveRef(ctx, st, target, p.Target == plan.TargetImage || p.Target == plan.TargetBinaries)
	if err != nil {
		return nil, err
	}
	return &dockerui.BuildResult{Reference: ref, Image: cfg, Epoch: &created}, nil
}

// solveRef marshals a state for a platform and solves it with the build's
// cache imports and --no-cache; evaluate forces the steps to run now (for a
// check that may fail) instead of when the result is exported.
func (b *build) solveRef(ctx context.Context, st llb.State, pl ocispecs.Platform, evaluate bool) (gwclient.Reference, error) {
	def, err := st.Marshal(ctx, b.marshalOpts(pl)...)
	if err != nil {
		return nil, fmt.Errorf("gopherfile: marshaling the build graph: %w", err)
	}
	res, err := b.c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB(), Evaluate: evaluate, CacheImports: b.bc.CacheImports})
	if err != nil {
		return nil, err
	}
	return res.SingleRef()
}

// solveState evaluates a state for its side effect (a check that may fail).
func (b *build) solveState(ctx context.Context, st llb.State, pl ocispecs.Platform) error {
	_, err := b.solveRef(ctx, st, pl, true)
	return err
}

// single solves one state on the build platform as the whole result.
func (b *build) single(ctx context.Context, st llb.State, pl ocispecs.Platform) (*gwclient.Result, error) {
	ref, err := b.solveRef(ctx, st, pl, false)
	if err != nil {
		return nil, err
	}
	out := gwclient.NewResult()
	out.SetRef(ref)
	return out, nil
}

func (b *build) compileError(err error) error {
	var ce *gfllb.CrossCGOError
	if errors.As(err, &ce) {
		field := "cc"
		if _, ok := b.pos["cc"]; !ok {
			field = "cgo"
		}
		return b.fieldError(field, err)
	}
	return err
}

// marshalOpts are the constraints of every build graph: the platform, and
// --no-cache (which BuildKit leaves to the frontend) as IgnoreCache on every step.
func (b *build) marshalOpts(pl ocispecs.Platform) []llb.ConstraintsOpt {
	o := []llb.ConstraintsOpt{llb.Platform(pl)}
	if b.bc.IsNoCache("gopherfile") {
		o = append(o, llb.IgnoreCache)
	}
	return o
}
