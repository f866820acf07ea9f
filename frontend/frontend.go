// Package frontend is Gopherfile's BuildKit frontend: Build reads the Gopherfile
// and go.mod from the build context, plans the build and solves the LLB graph for
// every target platform. The same Build runs inside the frontend image (through
// the gateway) and in-process in the gopherfile CLI.
package frontend

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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

	"github.com/gopherfile/gopherfile/internal/graph"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/spec"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
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

	if err := checkGateway(c.BuildOpts().Caps); err != nil {
		return nil, err
	}
	mod, err := b.readModule(ctx)
	if err != nil {
		return nil, err
	}
	b.mod = mod
	opts := plan.Options{
		BuildArgs:    bc.BuildArgs,
		Target:       bc.Target,
		VCSSource:    bc.BuildOpts().Opts["vcs:source"],
		VCSRevision:  bc.BuildOpts().Opts["vcs:revision"],
		CacheImports: len(bc.CacheImports) > 0,
		Network:      networkMode(bc.NetworkMode),
	}
	epoch, err := plan.SourceDateEpoch(bc.BuildArgs)
	if err != nil {
		return nil, fmt.Errorf("gopherfile: %w", err)
	}
	if epoch == nil {
		// Not given, or "context": the commit time of a git context, if any.
		if e, err := bc.ResolveMainContextSourceDateEpoch(ctx); err == nil {
			epoch = e
		}
	}
	opts.Epoch = epoch
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
	mod  *plan.Module
	plan *plan.Plan

	imagesMu sync.Mutex
	images   map[string]*loadedImage

	// Set by prepare.
	in         graph.Inputs
	builderImg *imageConfig
	created    time.Time
	// graph is the graph of the current solve.
	graph *graph.Graph
}

// listTargets answers --call targets: the fixed targets and one per build
// (the image of that binary alone).
func (b *build) listTargets(ctx context.Context) (*targets.List, error) {
	mod, err := b.readModule(ctx)
	if err != nil {
		return nil, err
	}
	p, err := plan.New(b.spec, *mod, plan.Options{BuildArgs: b.bc.BuildArgs})
	if err != nil {
		return nil, b.planError(err)
	}
	l := &targets.List{Sources: [][]byte{b.src.Data}}
	for i, t := range p.TargetList() {
		tt := targets.Target{Name: t.Name, Description: t.Description, Default: t.Default}
		if i >= len(plan.Targets) {
			bin := p.Binaries[i-len(plan.Targets)]
			field := bin.Field
			if field != "version" {
				field += ".main"
				if _, ok := b.pos[bin.Field+".name"]; ok {
					field = bin.Field + ".name"
				}
			}
			tt.Location = b.loc(field)
		}
		l.Targets = append(l.Targets, tt)
	}
	return l, nil
}

// location returns the source-map constraint for a spec field.
func (b *build) location(field string) llb.ConstraintsOpt {
	line := b.pos.Of(field).Line
	return b.src.SourceMap.Location(lineRange(line))
}

// solve builds the target. When an offline step finds that BuildKit
// garbage-collected the module cache mount after the download step's result
// was cached, it solves once more with the download step forced to run.
func (b *build) solve(ctx context.Context) (*gwclient.Result, error) {
	if err := b.prepare(ctx); err != nil {
		return nil, err
	}
	res, err := b.solveGraph(ctx)
	// Twice at most: another build on the builder may empty the cache mount
	// again while this one refills it (BuildKit does that for a step with
	// the same cache mount and --no-cache).
	for i := 0; i < maxRecoveries && isCacheLost(err); i++ {
		b.in.Recovery, b.in.Nonce = true, nonce()
		res, err = b.solveGraph(ctx)
	}
	return res, err
}

// prepare resolves what every solve of the build needs: the platforms, the
// builder and base images, the contexts and the step helper.
func (b *build) prepare(ctx context.Context) error {
	bc, p := b.bc, b.plan

	if len(bc.TargetPlatforms) == 0 && len(p.Platforms) > 0 {
		for _, s := range p.Platforms {
			pl, err := platforms.Parse(s)
			if err != nil {
				return b.fieldError("platforms", err)
			}
			bc.TargetPlatforms = append(bc.TargetPlatforms, platforms.Normalize(pl))
		}
		if len(bc.TargetPlatforms) > 1 {
			bc.MultiPlatformRequested = true
		}
	}
	seen := map[string]bool{}
	for i, tp := range bc.TargetPlatforms {
		if err := spec.CheckPlatform(platforms.Format(tp)); err != nil {
			return fmt.Errorf("gopherfile: --platform: %w", err)
		}
		bc.TargetPlatforms[i] = platforms.Normalize(tp)
		key := platforms.FormatAll(bc.TargetPlatforms[i])
		if seen[key] {
			return fmt.Errorf("gopherfile: --platform lists %s twice: list each platform once (two manifests for one platform would make the image index ambiguous)", key)
		}
		seen[key] = true
	}
	buildPlatform := platforms.Normalize(platforms.DefaultSpec())
	if len(bc.BuildPlatforms) > 0 {
		buildPlatform = bc.BuildPlatforms[0]
	}

	// The builder and every platform's runtime base are resolved at once (each
	// is a registry round trip).
	if err := b.prefetchBases(ctx, bc.TargetPlatforms, buildPlatform); err != nil {
		return err
	}
	builder, builderImg, err := b.loadImage(ctx, p.Builder, buildPlatform, "builder")
	if err != nil {
		return fmt.Errorf("%w (the builder %s is chosen by %s; set go: or builder: in the Gopherfile, or --build-arg %s, to use another)",
			err, p.Builder, p.BuilderReason, plan.ArgGoVersion)
	}
	for _, w := range p.Downloads.SecurityWarnings() {
		b.src.Warn(ctx, w.Msg, gwclient.WarnOpts{Range: lineRange(b.pos.Of(w.Field).Line), Level: 1})
	}
	if p.TidyOffReason != "" {
		b.src.Warn(ctx, "the tidy check is off: "+p.TidyOffReason, gwclient.WarnOpts{Range: lineRange(b.pos.Of("tidy").Line), Level: 1})
	}
	if builderImg != nil && builderImg.img != nil {
		p.Downloads.AddImageEnv(builderImg.img.Config.Env)
	}
	p.Toolchain = toolchainID(builderImg)
	b.warnPrivateInLayer(ctx)
	if err := b.checkGoVersion(builderImg); err != nil {
		return err
	}
	mainCtx, err := bc.MainContext(ctx)
	if err != nil {
		return fmt.Errorf("gopherfile: loading the build context: %w", err)
	}
	depFiles, err := bc.MainContext(ctx,
		llb.FollowPaths(p.DepFiles),
		llb.SharedKeyHint("gopherfile-depfiles"),
		llb.WithCustomName("[internal] load go.mod and go.sum"),
	)
	if err != nil {
		return fmt.Errorf("gopherfile: loading go.mod and go.sum: %w", err)
	}
	helper, helperPath, err := b.stepHelper()
	if err != nil {
		return err
	}
	sources, err := b.loadSources(ctx)
	if err != nil {
		return err
	}
	b.in = graph.Inputs{
		Sources:       sources,
		BuildPlatform: buildPlatform,
		Builder:       *builder,
		Context:       *mainCtx,
		DepFiles:      *depFiles,
		Helper:        helper,
		HelperPath:    helperPath,
		Location:      b.location,
		NoMergeOp:     !hasMergeOp(b.c.BuildOpts().LLBCaps),
	}
	if bc.IsNoCache("gopherfile") {
		b.in.Nonce = nonce()
	}
	b.builderImg = builderImg
	b.created = time.Now().UTC().Truncate(time.Second)
	if p.Epoch != nil {
		b.created = *p.Epoch
	}
	return nil
}

// solveGraph builds the graph from b.in and solves the target.
func (b *build) solveGraph(ctx context.Context) (*gwclient.Result, error) {
	bc, p := b.bc, b.plan
	b.graph = graph.New(p, b.in)
	buildPlatform := b.in.BuildPlatform
	if p.Target != plan.TargetDeps {
		if err := b.solveDownload(ctx); err != nil {
			return nil, err
		}
	}
	switch p.Target {
	case plan.TargetTest:
		return b.runTests(ctx, buildPlatform)
	case plan.TargetVet:
		return b.single(ctx, b.graph.Vet(), buildPlatform)
	}

	eg, ctx := errgroup.WithContext(ctx)
	if p.Tidy && (p.Target == plan.TargetImage || p.Target == plan.TargetBinaries) {
		eg.Go(func() error {
			return b.solveState(ctx, b.graph.Tidy(), buildPlatform)
		})
	}
	var res *gwclient.Result
	eg.Go(func() error {
		rb, err := bc.Build(ctx, func(ctx context.Context, tp *ocispecs.Platform, _ int) (*dockerui.BuildResult, error) {
			target := buildPlatform
			if tp != nil {
				target = *tp
			}
			return b.buildPlatform(ctx, target)
		})
		if err != nil {
			return err
		}
		if bc.SBOM != nil && (p.Target == plan.TargetImage || p.Target == plan.TargetBinaries) {
			if err := b.addSBOMs(ctx, rb, b.created); err != nil {
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

// solveDownload solves the download step first and hands its record to the
// later steps (Graph.UseRecord), so that their definitions depend on the
// record's content, not on the download step's settings.
func (b *build) solveDownload(ctx context.Context) error {
	st, ok := b.graph.DownloadOutput()
	if !ok {
		return nil
	}
	ref, err := b.solveRef(ctx, st, b.in.BuildPlatform, true)
	if err != nil {
		return err
	}
	dt, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: stepconfig.RecordFile})
	if err != nil {
		return fmt.Errorf("gopherfile: reading the download record: %w", err)
	}
	b.graph.UseRecord(dt)
	return nil
}

// buildPlatform builds the target for one platform.
func (b *build) buildPlatform(ctx context.Context, target ocispecs.Platform) (*dockerui.BuildResult, error) {
	p, builderImg, created := b.plan, b.builderImg, b.created
	var (
		st  llb.State
		cfg = graph.BinariesConfig(target)
	)
	switch p.Target {
	case plan.TargetDeps:
		st = b.graph.Deps()
		if builderImg != nil && builderImg.img != nil {
			cfg = builderImg.img
		}
	case plan.TargetTidy:
		st = b.graph.TidyFix()
	case plan.TargetBinaries:
		bins, err := b.graph.Compile(target)
		if err != nil {
			return nil, b.compileError(err)
		}
		st = bins
	default:
		bins, err := b.graph.Compile(target)
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
		st = graph.Image(p, b.in, base, bins)
		var baseCfg = baseImgConfig(baseImg)
		cfg = graph.ImageConfig(p, baseCfg, target, created)
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
	if err := checkDefinition(def, b.c.BuildOpts().LLBCaps); err != nil {
		return nil, err
	}
	res, err := b.c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB(), Evaluate: evaluate, CacheImports: b.bc.CacheImports})
	if err != nil {
		return nil, entitlementError(b.plan, err)
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
	var ce *graph.CrossCGOError
	if errors.As(err, &ce) {
		field := "cc"
		if _, ok := b.pos["cc"]; !ok {
			field = "cgo"
		}
		return b.fieldError(field, err)
	}
	// An ldflags template rendered for this platform (plan.BuildFlags).
	return b.planError(err)
}

// marshalOpts are the constraints of every build graph: the platform and
// the builder's capabilities.
// --no-cache (which BuildKit leaves to the frontend) is a nonce in every go
// step (Inputs.Nonce), not IgnoreCache: on a step with a cache mount,
// IgnoreCache makes BuildKit empty that cache mount, and the module cache
// mount is shared by every build on the builder.
func (b *build) marshalOpts(pl ocispecs.Platform) []llb.ConstraintsOpt {
	return []llb.ConstraintsOpt{llb.Platform(pl), llb.WithCaps(b.c.BuildOpts().LLBCaps)}
}

// maxRecoveries is how often a build runs again after an offline step found
// the module cache mount without the recorded modules.
const maxRecoveries = 2

// nonce is a fresh random value for Inputs.Nonce.
func nonce() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
