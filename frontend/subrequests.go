package frontend

import (
	"context"
	"fmt"

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

// planFor reads go.mod and plans the build, for the subrequests.
func (b *build) planFor(ctx context.Context) (*plan.Plan, *plan.Module, error) {
	mod, err := b.readModule(ctx)
	if err != nil {
		return nil, nil, err
	}
	p, err := plan.New(b.spec, *mod, plan.Options{BuildArgs: b.bc.BuildArgs, Target: b.bc.Target})
	if err != nil {
		return nil, nil, b.planError(err)
	}
	return p, mod, nil
}

func (b *build) loc(field string) *pb.Location {
	return &pb.Location{SourceIndex: 0, Ranges: lineRange(b.pos.Of(field).Line)}
}

// outline answers `docker buildx build --call outline`: the build args
// Gopherfile reads, with their values, and the secrets and SSH it uses.
func (b *build) outline(ctx context.Context) (*outline.Outline, error) {
	p, _, err := b.planFor(ctx)
	if err != nil {
		return nil, err
	}
	o := &outline.Outline{Name: p.Target, Description: "Gopherfile build of " + p.ModulePath}
	arg := func(name, desc, value, field string) {
		a := outline.Arg{Name: name, Description: desc, Value: value}
		if field != "" {
			a.Location = b.loc(field)
		}
		o.Args = append(o.Args, a)
	}
	arg(plan.ArgGoVersion, fmt.Sprintf("Go version of the builder image golang:<GO_VERSION>; chosen: %s, from %s", p.GoVersion, p.BuilderReason), p.GoVersion, "go")
	arg(plan.ArgBuilderImage, fmt.Sprintf("the builder image; chosen: %s, from %s", p.Builder, p.BuilderReason), p.Builder, "builder")
	arg(plan.ArgBaseImage, "the runtime base image (scratch allowed)", p.Image.Base, "image.base")
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
	var facts = (*plan.Module)(nil)
	if _, mod, err := b.planFor(ctx); err == nil {
		facts = mod
	}
	opt := gflint.Options{BuildArgs: b.bc.BuildArgs}
	var ws []gflint.Warning
	if facts != nil {
		ws = gflint.Check(b.spec, b.pos, facts.Facts, opt)
	} else {
		ws = gflint.Check(b.spec, b.pos, nil, opt)
	}
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
		res.AddWarning(w.Rule, desc, "https://github.com/gopherfile/gopherfile#lint-rules", fmt.Sprintf("%s", w.Msg), idx,
			[]parser.Range{{Start: parser.Position{Line: line}, End: parser.Position{Line: line}}})
	}
	return res, nil
}
