package frontend

import (
	"context"

	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"golang.org/x/sync/errgroup"

	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// The steps the frontend solves beside the download step: they hold no
// download record, so BuildKit runs them while the download waits on the
// network (Graph.EarlyView, Graph.Tidy).

// solveEarlyView starts solving the early module view of the target's
// steps (Graph.EarlyView) in eg: it needs no download record, so BuildKit
// runs it beside the download step, and the view after the download then
// copies only what the download added.
func (b *build) solveEarlyView(ctx context.Context, eg *errgroup.Group) {
	kind := stepconfig.Build
	switch b.plan.Target {
	case plan.TargetTest:
		kind = stepconfig.Test
	case plan.TargetVet:
		kind = stepconfig.Vet
	}
	st, ok := b.graph.EarlyView(kind)
	if !ok {
		return
	}
	eg.Go(func() error { return b.solveState(ctx, st, b.in.BuildPlatform) })
}

// pending is a check solving in the background.
type pending struct {
	done   chan error
	cancel context.CancelFunc
}

// wait is the check's result (nil for none).
func (t pending) wait() error {
	if t.done == nil {
		return nil
	}
	defer t.cancel()
	return <-t.done
}

// startTidy starts the tidy check of an image or binaries target; it
// needs no download record (Graph.Tidy), so it runs beside the download
// step, while that waits on the network, rather than beside the compile.
// Its result is taken only once the download succeeded: a download that
// fails says why itself, and the check is canceled.
func (b *build) startTidy(ctx context.Context) pending {
	p := b.plan
	if !p.Tidy || p.Target != plan.TargetImage && p.Target != plan.TargetBinaries {
		return pending{cancel: func() {}}
	}
	ctx, cancel := context.WithCancel(ctx)
	t := pending{done: make(chan error, 1), cancel: cancel}
	st := b.graph.Tidy()
	go func() { t.done <- b.solveState(ctx, st, b.in.BuildPlatform) }()
	return t
}

// waitFor runs f, then waits for eg; f's error comes first.
func waitFor(eg *errgroup.Group, f func() (*gwclient.Result, error)) (*gwclient.Result, error) {
	res, err := f()
	if werr := eg.Wait(); err == nil {
		err = werr
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}
