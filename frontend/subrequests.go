package frontend

import (
	"context"
	"fmt"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/solver/pb"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/graph"
	gflint "github.com/gopherfile/gopherfile/internal/lint"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/spec"
)

func (b *build) loc(field string) *pb.Location {
	return &pb.Location{SourceIndex: 0, Ranges: lineRange(b.pos.Of(field).Line)}
}

// outline answers `docker buildx build --call outline`: the build args
// Gopherfile reads, with their values, and the secrets and SSH it uses.
func (b *build) outline(ctx context.Context) (*outline.Outline, error) {
	p, err := b.planned(ctx)
	if err != nil {
		return nil, err
	}
	b.plan = p
	b.noteBuilderContext(ctx, platforms.Normalize(platforms.DefaultSpec()), false)
	o := &outline.Outline{Name: p.Target, Description: "Gopherfile build of " + p.ModulePath}
	arg := func(name, desc, value, field string) {
		a := outline.Arg{Name: name, Description: desc, Value: value}
		if field != "" {
			a.Location = b.loc(field)
		}
		o.Args = append(o.Args, a)
	}
	arg(plan.ArgGoVersion, fmt.Sprintf("Go version of the go steps; chosen: %s, from %s", p.GoVersion, p.BuilderReason), p.GoVersion, "go")
	runner := fmt.Sprintf("the builder image, used when the build needs a C compiler or git; chosen: %s", p.Builder)
	if p.Toolchain != nil {
		runner += fmt.Sprintf(". Not used now: the go steps run with Go %s from the module proxy (golang.org/toolchain) on a minimal root, because this is %s", p.Toolchain.GoVersion, p.RunnerReason)
	} else {
		runner += ", because " + p.RunnerReason
	}
	arg(plan.ArgBuilderImage, runner, p.Builder, "builder")
	arg(plan.ArgBaseImage, "the runtime base image (scratch allowed; unset: the built-in static base); chosen: "+p.Image.BaseName(), p.Image.Base, "image.base")
	arg(plan.ArgVersion, "version for ldflags templates ({{.Version}}) and the OCI version label", b.bc.BuildArgs[plan.ArgVersion], "")
	arg(plan.ArgCommit, "git revision for {{.Commit}} when BuildKit reports none", b.bc.BuildArgs[plan.ArgCommit], "")
	for _, name := range goenv.Names() {
		value, field := "", ""
		if s, ok := p.Downloads.Setting(name); ok {
			value, field = goenv.Redact(name, s.Value), s.Field
		}
		arg(name, "go env "+name+" for the download step (overrides the Gopherfile)", value, field)
	}
	for _, name := range goenv.ProxyArgs {
		arg(name, "HTTP proxy for the download and tidy steps only (not in the image or cache key)", goenv.Redact(name, p.Downloads.Proxy[name]), "")
	}
	arg(plan.ArgEpoch, "image creation time and file times, for reproducible images", b.bc.BuildArgs[plan.ArgEpoch], "")
	arg(plan.ArgCacheNS, "namespace of every cache mount id: one per trust level in CI, e.g. trusted and pr (docs/caches.md)", p.CacheNS, "")
	arg(plan.ArgUntrusted, "1 when the Gopherfile is untrusted (a pull request): the steps that hold secrets get an allow-listed environment, and builder:, modules.auth and modules.toolchain are checked (docs/security.md)", b.bc.BuildArgs[plan.ArgUntrusted], "")
	arg(plan.ArgBuilders, "builder images an untrusted Gopherfile may name besides golang:<version>", b.bc.BuildArgs[plan.ArgBuilders], "")

	d := p.Downloads
	if d.Netrc != spec.SecretOff {
		o.Secrets = append(o.Secrets, outline.Secret{Name: graph.SecretNetrc, Required: d.Netrc == spec.SecretRequired, Location: b.loc("modules.netrc")})
	}
	if d.CACert != spec.SecretOff {
		o.Secrets = append(o.Secrets, outline.Secret{Name: graph.SecretCACert, Required: d.CACert == spec.SecretRequired, Location: b.loc("modules.cacert")})
	}
	o.Secrets = append(o.Secrets, outline.Secret{Name: graph.SecretGOPROXY})
	for _, h := range d.GitHosts {
		o.Secrets = append(o.Secrets, outline.Secret{Name: graph.SecretGitTokenPrefix + h, Location: b.loc("modules.private")})
	}
	if d.SSH != spec.SecretOff {
		o.SSH = append(o.SSH, outline.SSH{Name: "default", Required: d.SSH == spec.SecretRequired, Location: b.loc("modules.ssh")})
	}
	b.outlineCaches(ctx, p, o)
	o.Sources = [][]byte{b.src.Data}
	return o, nil
}

// lint answers `docker buildx build --call check`: the same checks as
// `gopherfile lint`.
func (b *build) lint(ctx context.Context) (*lint.LintResults, error) {
	res := &lint.LintResults{}
	idx := res.AddSource(b.src.SourceMap)
	// The plan of the build itself: a plan error is a finding (plan-error),
	// a Gopherfile without go.mod in the context skips the rules that need it.
	p, _ := b.planned(ctx)
	in := gflint.Planned{Plan: p, Err: b.planCause}
	if b.mod != nil {
		in.Facts = b.mod.Facts
	}
	ws := gflint.CheckPlan(b.spec, b.pos, in, gflint.Options{BuildArgs: b.bc.BuildArgs})
	for _, w := range ws {
		line := w.Line
		if line < 1 {
			line = 1
		}
		desc := w.Rule
		for _, r := range gflint.Rules {
			if r.Name == w.Rule {
				desc = r.Description
			}
		}
		res.AddWarning(w.Rule, desc, "https://github.com/gopherfile/gopherfile/blob/main/docs/reference.md#lint-rules", fmt.Sprintf("%s", w.Msg), idx,
			[]parser.Range{{Start: parser.Position{Line: line}, End: parser.Position{Line: line}}})
	}
	return res, nil
}
