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
	"github.com/moby/buildkit/frontend/subrequests"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	"github.com/gopherfile/gopherfile/internal/gomod"
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
	switch c.BuildOpts().Opts["requestid"] {
	case DoctorRequest:
		return b.doctor(ctx)
	case subrequests.RequestSubrequestsDescribe:
		return describe()
	}

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
	if _, err := b.planned(ctx); err != nil {
		return nil, err
	}
	if err := b.checkSyntaxPinned(); err != nil {
		return nil, err
	}
	return b.solve(ctx)
}

// build holds the state of one Build call.
type build struct {
	c    gwclient.Client
	bc   *dockerui.Client
	src  *dockerui.Source
	spec *spec.Spec
	pos  spec.Positions
	// Set by planned, once for the build and every subrequest.
	planOnce sync.Once
	mod      *gomod.Module
	plan     *plan.Plan
	planErr  error
	// planCause is plan.New's own error, for --call check (which reports
	// it as a finding at its field).
	planCause error

	imagesMu sync.Mutex
	images   map[string]*loadedImage

	// Set by prepare.
	in         graph.Inputs
	builderImg *imageConfig
	created    time.Time
	// graph is the graph of the current solve.
	graph *graph.Graph
	// doctorMode is the doctor subrequest: the probe reports a builder
	// whose Go is too old (row 12) instead of the build stopping on it.
	doctorMode bool

	// vex holds each platform's govulncheck reports (image build with
	// vulncheck on), for the OpenVEX attestation.
	vexMu sync.Mutex
	vex   map[string]llb.State

	// warned is set once the plan's warnings are sent (a build that runs
	// again in the builder image prepares twice).
	warned bool
}

// listTargets answers --call targets: the fixed targets and one per build
// (the image of that binary alone).
func (b *build) listTargets(ctx context.Context) (*targets.List, error) {
	p, err := b.planned(ctx)
	if err != nil {
		return nil, err
	}
	l := &targets.List{Sources: [][]byte{b.src.Data}}
	for _, t := range p.TargetList() {
		tt := targets.Target{Name: t.Name, Description: t.Description, Default: t.Default}
		if t.Field != "" {
			// A build's target points at its name:, else its main:, else
			// (the default build) the version: line.
			tt.Location = b.loc(b.pos.First(t.Field+".name", t.Field+".main", t.Field))
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
	if b.plan.Toolchain != nil && isExit(err, stepconfig.ExitNeedsImage) {
		return b.solveInImage(ctx)
	}
	return res, err
}

// solveInImage builds again in the builder image after a step on the
// minimal root found that the build needs a C compiler or git (its log
// says which and why).
func (b *build) solveInImage(ctx context.Context) (*gwclient.Result, error) {
	p := b.plan
	why := fmt.Sprintf("a step on the minimal root with Go %s from the module proxy found that the build needs a C compiler or git (its log above says which)", p.Toolchain.GoVersion)
	p.UseImage(why)
	b.src.Warn(ctx, fmt.Sprintf("built in the builder image %s: %s; set builder: (or cgo: true) in the Gopherfile to start there", p.Builder, why),
		gwclient.WarnOpts{Range: lineRange(b.pos.Of("version").Line), Level: 1})
	nonceWas := b.in.Nonce
	if err := b.prepare(ctx); err != nil {
		return nil, err
	}
	b.in.Nonce = nonceWas
	res, err := b.solveGraph(ctx)
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

	if err := b.targetPlatforms(); err != nil {
		return err
	}
	buildPlatform := platforms.Normalize(platforms.DefaultSpec())
	if len(bc.BuildPlatforms) > 0 {
		buildPlatform = bc.BuildPlatforms[0]
	}

	// The builder and every platform's runtime base are resolved at once (each
	// is a registry round trip).
	b.noteBuilderContext(ctx, buildPlatform, true)
	if err := b.prefetchBases(ctx, bc.TargetPlatforms, buildPlatform); err != nil {
		return err
	}
	if !b.warned {
		b.warned = true
		for _, w := range p.Downloads.SecurityWarnings() {
			b.src.Warn(ctx, w.Msg, gwclient.WarnOpts{Range: lineRange(b.pos.Of(w.Field).Line), Level: 1})
		}
		if p.TidyOffReason != "" {
			b.src.Warn(ctx, "the tidy check is off: "+p.TidyOffReason, gwclient.WarnOpts{Range: lineRange(b.pos.Of("tidy").Line), Level: 1})
		}
		b.warnPrivateInLayer(ctx)
	}
	helper, helperPath, err := b.stepHelper()
	if err != nil {
		return err
	}
	b.in = graph.Inputs{BuildPlatform: buildPlatform, Helper: helper, HelperPath: helperPath, Location: b.location,
		NoMergeOp: !hasMergeOp(b.c.BuildOpts().LLBCaps), NoContentCacheOpt: !hasContentCacheOpt(b.c.BuildOpts().LLBCaps)}
	builderImg, err := b.runner(ctx)
	if err != nil {
		return err
	}
	p.ToolchainID = toolchainID(p, buildPlatform.Architecture, builderImg)
	if err := b.checkGoVersion(builderImg); err != nil && !b.doctorMode {
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
	sources, err := b.loadSources(ctx)
	if err != nil {
		return err
	}
	b.in.Sources, b.in.Context, b.in.DepFiles = sources, *mainCtx, *depFiles
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
	eg, ctx := errgroup.WithContext(ctx)
	if p.Target != plan.TargetDeps {
		b.solveEarlyView(ctx, eg)
		tidy := b.startTidy(ctx)
		if err := b.solveDownload(ctx); err != nil {
			tidy.cancel()
			if werr := eg.Wait(); werr != nil && ctx.Err() != nil {
				return nil, werr // the early view failed first and canceled the download
			}
			return nil, err
		}
		eg.Go(tidy.wait)
	}
	switch p.Target {
	case plan.TargetTest:
		return waitFor(eg, func() (*gwclient.Result, error) { return b.runTests(ctx, buildPlatform) })
	case plan.TargetVet:
		return waitFor(eg, func() (*gwclient.Result, error) { return b.single(ctx, b.graph.Vet(), buildPlatform) })
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
		if err := b.addVEX(ctx, rb); err != nil {
			return err
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
	dt, err := readBounded(ctx, ref, stepconfig.RecordFile, 1<<20)
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
	case plan.TargetVulncheck:
		out, err := b.vulncheck(ctx, target)
		if err != nil {
			return nil, err
		}
		st = out
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
		var baseCfg *dockerspec.DockerOCIImage
		switch {
		case p.Image.Pulled():
			s, img, err := b.loadImage(ctx, p.Image.Base, target, "image.base")
			if err != nil {
				return nil, err
			}
			base, baseCfg = *s, baseImgConfig(img)
		case p.Image.BuiltinFiles:
			base = graph.StaticBase(p, b.in)
			baseCfg = graph.StaticBaseConfig(p, caRootsVersion(), created)
		}
		st = graph.Image(p, b.in, base, bins)
		cfg = graph.ImageConfig(p, baseCfg, target, created)
	}
	// Evaluated now, not when the result is exported: the compile then runs
	// alongside the tidy check (and govulncheck) instead of after it.
	eg, ctx := errgroup.WithContext(ctx)
	if p.RunsVulncheck() && p.Target != plan.TargetVulncheck {
		eg.Go(func() error {
			vex, err := b.vulncheck(ctx, target)
			if err == nil && p.Target == plan.TargetImage {
				b.keepVEX(target, vex)
			}
			return err
		})
	}
	var ref gwclient.Reference
	eg.Go(func() error {
		var err error
		ref, err = b.solveRef(ctx, st, target, p.Target == plan.TargetImage || p.Target == plan.TargetBinaries)
		return err
	})
	if err := eg.Wait(); err != nil {
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
		return b.fieldError(b.pos.First("cc", "cgo"), err)
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

// targetPlatforms fills in the target platforms (the spec's when --platform
// names none), normalized, each once.
func (b *build) targetPlatforms() error {
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
	return nil
}
