package frontend

import (
	"context"
	"fmt"
	"strings"

	"github.com/moby/buildkit/client/llb"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"

	"github.com/gopherfile/gopherfile/internal/gotoolchain"
	"github.com/gopherfile/gopherfile/internal/graph"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// resolveToolchain returns the toolchain from the module proxy for the
// build platform (graph.ToolchainTree), solved. The toolchain step's
// definition holds the version and the hash only: the release table's
// hash when it has one, else the one the fetch step verified against the
// checksum database (read from its output, as the download record is).
// When the toolchain cache mount lacks the zip (a new builder, a
// garbage-collected mount, a cache import without this toolchain), the
// toolchain step says so (stepconfig.ExitToolchainMissing) and the fetch
// step runs, with the download step's proxies, credentials and retries.
func (b *build) resolveToolchain(ctx context.Context) (llb.State, error) {
	p, in := b.plan, b.in
	arch := in.BuildPlatform.Architecture
	hash := p.Toolchain.Hash(arch)
	fetch := func() error {
		ref, err := b.solveRef(ctx, graph.FetchToolchain(p, in, hash), in.BuildPlatform, true)
		if err != nil {
			return b.toolchainError(err)
		}
		if hash != "" {
			return nil
		}
		dt, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: stepconfig.ToolchainSum})
		if err != nil {
			return fmt.Errorf("gopherfile: reading the toolchain hash: %w", err)
		}
		hash = strings.TrimSpace(string(dt))
		return nil
	}
	if hash == "" {
		if err := fetch(); err != nil {
			return llb.State{}, err
		}
	}
	tree := graph.ToolchainTree(p, in, hash)
	_, err := b.solveRef(ctx, tree, in.BuildPlatform, true)
	if isExit(err, stepconfig.ExitToolchainMissing) {
		if err := fetch(); err != nil {
			return llb.State{}, err
		}
		_, err = b.solveRef(ctx, tree, in.BuildPlatform, true)
	}
	if err != nil {
		return llb.State{}, b.toolchainError(err)
	}
	return tree, nil
}

// toolchainError names the toolchain and how to build without it.
func (b *build) toolchainError(err error) error {
	p := b.plan
	return fmt.Errorf("gopherfile: the Go toolchain %s@%s (Go %s, chosen by %s) could not be fetched from the module proxy: %w. "+
		"Its log above says why; to build in an image instead, set builder: golang:%s in the Gopherfile",
		gotoolchain.Module, graph.ToolchainVersion(p, b.in), p.Toolchain.GoVersion, p.BuilderReason, err, p.Toolchain.GoVersion)
}
