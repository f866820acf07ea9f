// Package llb turns a plan into the BuildKit LLB graph of a Go image build:
// deps (go mod download on a persistent cache mount, seeing only go.mod/go.sum),
// tidy (go mod tidy -diff), compile (go build per binary, cross-compiled, network
// off) and image (runtime base plus binaries). It is pure: it builds llb.State
// values and image configs and never talks to a daemon.
//
// Every go step runs the step helper (package step, mounted read-only from
// the frontend image or the CLI) with its Config (package stepconfig) in the
// env; goStep and Graph.run are the one place that builds a go step's argv,
// env, GOFLAGS, network and mounts. Nothing is run through a shell.
package graph

import (
	"strings"

	"github.com/containerd/platforms"
	bk "github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/internal/goenv"
)

// Inputs are the states a graph is built from.
type Inputs struct {
	// BuildPlatform is where the go commands run.
	BuildPlatform ocispecs.Platform
	// Builder is the builder image (for the build platform) with its config
	// applied, or the minimal root (MinimalRoot) when GoRoot is set.
	Builder bk.State
	// GoRoot, when set, is the toolchain from the module proxy
	// (ToolchainTree), mounted at GoRootDir in every go step.
	GoRoot *bk.State
	// Context is the whole build context, .dockerignore applied.
	Context bk.State
	// DepFiles is the build context with only plan.DepFiles.
	DepFiles bk.State
	// Helper is the step helper's file system, mounted at HelperDir in every
	// go step; HelperPath is the helper binary's path there.
	Helper     bk.State
	HelperPath string
	// Recovery is set when the build runs again because an offline step found
	// the module cache mount without the recorded modules
	// (stepconfig.ExitCacheLost); it comes with a Nonce.
	Recovery bool
	// Nonce, when set, goes into every go step's Config, so that every step
	// runs again (--no-cache, a recovery) without BuildKit's IgnoreCache.
	Nonce string
	// Location attaches a Gopherfile location (a spec field path) to a step so
	// that its failure points at the right line. It may be nil.
	Location func(field string) bk.ConstraintsOpt
	// Sources are the named contexts of sources:, copied into Context by New.
	Sources []Source
	// NoMergeOp is true on a builder without MergeOp (BuildKit before v0.10,
	// Docker Engine 20.10): file copies stand in for it.
	NoMergeOp bool
	// NoContentCacheOpt is true on a builder without the per-mount content
	// cache option (BuildKit before v0.13, Docker Engine before 26.0): the
	// toolchain and module view mounts keep BuildKit's content hash.
	NoContentCacheOpt bool
}

func platformID(p ocispecs.Platform) string {
	return strings.ReplaceAll(platforms.FormatAll(platforms.Normalize(p)), "/", "-")
}

func (in Inputs) opts(name, field string) []bk.RunOption {
	o := []bk.RunOption{bk.WithCustomName(name)}
	if in.Location != nil {
		o = append(o, in.Location(field))
	}
	return o
}

// GoPlatformEnv is the GOOS/GOARCH/GOARM/GOAMD64 for a target platform.
func GoPlatformEnv(target ocispecs.Platform) []string {
	env := []string{goenv.GOOS + "=" + target.OS, goenv.GOARCH + "=" + target.Architecture}
	switch target.Architecture {
	case "arm":
		v := strings.TrimPrefix(target.Variant, "v")
		if v == "" {
			v = "7"
		}
		env = append(env, goenv.GOARM+"="+v)
	case "amd64":
		if target.Variant != "" {
			env = append(env, goenv.GOAMD64+"="+target.Variant)
		}
	}
	return env
}
