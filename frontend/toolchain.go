package frontend

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/moby/buildkit/client/llb"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"

	"github.com/gopherfile/gopherfile/internal/gotoolchain"
	"github.com/gopherfile/gopherfile/internal/graph"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// runner sets up where the go steps run (b.in.Builder, b.in.GoRoot): the
// minimal root with the toolchain from the module proxy, or the builder
// image, whose config it returns.
func (b *build) runner(ctx context.Context) (*imageConfig, error) {
	p := b.plan
	if p.Toolchain != nil {
		tree, err := b.resolveToolchain(ctx)
		if err != nil {
			return nil, err
		}
		b.in.Builder, b.in.GoRoot = graph.MinimalRoot(b.in), &tree
		return nil, nil
	}
	builder, img, err := b.loadImage(ctx, p.Builder, b.in.BuildPlatform, "builder")
	if err != nil {
		return nil, fmt.Errorf("%w (the builder %s is chosen by %s; set go: or builder: in the Gopherfile, or --build-arg %s, to use another)",
			err, p.Builder, p.BuilderReason, plan.ArgGoVersion)
	}
	b.in.Builder = *builder
	if img != nil && img.img != nil {
		p.Downloads.AddImageEnv(img.img.Config.Env)
	}
	return img, nil
}

// resolveToolchain returns the toolchain from the module proxy for the
// build platform (graph.ToolchainTree), solved. The fetch step runs first:
// cached by its module settings, or run, when it finds the verified zip in
// the toolchain cache mount, in the time of a container start, or else
// fetching it. Then the toolchain step, which carries the version and the
// hash only (the release table's, or the one the fetch step verified
// against the checksum database, read from its output as the download
// record is), so that its result is found whatever the module settings, on
// the builder or in an imported registry cache. When BuildKit emptied the
// cache mount while the fetch step's result stayed cached, the toolchain
// step says so (stepconfig.ExitToolchainMissing) and both run again with a
// nonce.
func (b *build) resolveToolchain(ctx context.Context) (llb.State, error) {
	p, in := b.plan, b.in
	known := p.Toolchain.Hash(in.BuildPlatform.Architecture)
	try := func(nonce string) (llb.State, error) {
		ref, err := b.solveRef(ctx, graph.FetchToolchain(p, in, known, nonce), in.BuildPlatform, true)
		if err != nil {
			if known != "" && nonce == "" && !isExit(err, 2) {
				// The module proxy is out of reach (a fresh runner that
				// imports a registry cache, say): the toolchain step may be
				// in that cache; if it is not, it fails with the zip missing
				// and the fetch step's error is the one to show.
				tree := graph.ToolchainTree(p, in, known, "")
				if _, terr := b.solveRef(ctx, tree, in.BuildPlatform, true); terr == nil {
					return tree, nil
				}
			}
			return llb.State{}, err
		}
		hash := known
		if hash == "" {
			dt, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: stepconfig.ToolchainSum})
			if err != nil {
				return llb.State{}, fmt.Errorf("gopherfile: reading the toolchain hash: %w", err)
			}
			hash = strings.TrimSpace(string(dt))
			// The hash the fetch step verified names the toolchain in the
			// compile cache ids (toolchainID): one id per content, even for
			// a release the table does not know.
			if p.Toolchain.Hashes == nil {
				p.Toolchain.Hashes = map[string]string{}
			}
			p.Toolchain.Hashes[in.BuildPlatform.Architecture] = hash
		}
		tree := graph.ToolchainTree(p, in, hash, nonce)
		_, err = b.solveRef(ctx, tree, in.BuildPlatform, true)
		return tree, err
	}
	tree, err := try("")
	if isExit(err, stepconfig.ExitToolchainMissing) {
		tree, err = try(nonce())
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

// caRootsVersion is the version of the CA roots the step helper (this
// binary) writes into the static base, for the image history.
func caRootsVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "golang.org/x/crypto/x509roots/fallback" {
				return d.Version
			}
		}
	}
	return "(unknown version)"
}
