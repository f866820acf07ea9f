package frontend

import (
	"context"
	"fmt"

	"github.com/gopherfile/gopherfile/internal/plan"
)

// planned reads go.mod and plans the build, once per Build call: the build
// and every subrequest (--call targets, outline, check) share one set of
// options and one plan, so what a subrequest says is what the build does.
func (b *build) planned(ctx context.Context) (*plan.Plan, error) {
	b.planOnce.Do(func() {
		b.plan, b.planErr = b.makePlan(ctx)
	})
	return b.plan, b.planErr
}

// makePlan is the one place the frontend calls plan.New.
func (b *build) makePlan(ctx context.Context) (*plan.Plan, error) {
	mod, err := b.readModule(ctx)
	if err != nil {
		return nil, err
	}
	b.mod = mod
	opts, err := b.options(ctx)
	if err != nil {
		return nil, err
	}
	p, err := plan.New(b.spec, *mod, opts)
	if err != nil {
		b.planCause = err
		return nil, b.planError(err)
	}
	return p, nil
}

// options are the plan options of this build: its build args, target,
// context revision, cache imports, network and SOURCE_DATE_EPOCH.
func (b *build) options(ctx context.Context) (plan.Options, error) {
	bc := b.bc
	opts := plan.Options{
		BuildArgs:    bc.BuildArgs,
		Target:       bc.Target,
		VCSSource:    bc.BuildOpts().Opts["vcs:source"],
		VCSRevision:  bc.BuildOpts().Opts["vcs:revision"],
		CacheImports: len(bc.CacheImports) > 0,
		Network:      networkMode(bc.NetworkMode),
	}
	if b.doctorMode {
		// The doctor needs the builder and the download settings only: no
		// runtime base, no tidy check.
		opts.Target = plan.TargetDeps
	}
	epoch, err := plan.SourceDateEpoch(bc.BuildArgs)
	if err != nil {
		return opts, fmt.Errorf("gopherfile: %w", err)
	}
	if epoch == nil {
		// Not given, or "context": the commit time of a git context, if any.
		if e, err := bc.ResolveMainContextSourceDateEpoch(ctx); err == nil {
			epoch = e
		}
	}
	opts.Epoch = epoch
	opts.Git = b.gitInfo(ctx)
	return opts, nil
}
