package frontend

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/moby/buildkit/client/llb"
	gwpb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"

	"github.com/gopherfile/gopherfile/internal/plan"
)

// Supported builders. The integration suite runs on OldestTestedBuildKit and
// on the current BuildKit (standalone and inside Docker Engine).
const (
	OldestTestedBuildKit = "v0.20"
	OldestTestedDocker   = "Docker Engine 28.0 (Docker Desktop 4.39)"
)

// feature is a BuildKit capability a Gopherfile build can use: what it is for
// and the BuildKit release that added it (from BuildKit's history).
type feature struct {
	what  string
	since string
}

// llbFeatures are the LLB capabilities Gopherfile's graphs use.
var llbFeatures = map[apicaps.CapID]feature{
	pb.CapMergeOp:                        {"MergeOp (assembling multi-binary images)", "v0.10"},
	pb.CapExecMountBindReadWriteNoOutput: {"writable mounts without output (cache.build: layer)", "v0.12"},
	pb.CapExecMountContentCache:          {"mounts without a content hash (the toolchain, the module view; optional)", "v0.13"},
	pb.CapFileBase:                       {"file operations (the image layer)", "v0.5"},
	pb.CapExecMountCacheSharing:          {"shared cache mounts", "v0.3"},
	pb.CapExecMountSecret:                {"secret mounts", "v0.3"},
	pb.CapExecMountSSH:                   {"SSH agent mounts", "v0.3"},
	pb.CapExecMountTmpfs:                 {"tmpfs mounts", "v0.3"},
	pb.CapExecMetaNetwork:                {"step network modes", "v0.3"},
	pb.CapExecMetaProxy:                  {"HTTP proxy settings for steps", "v0.3"},
	pb.CapSourceLocalFollowPaths:         {"context subsets (the download step sees only go.mod and go.sum)", "v0.3"},
}

// gatewayFeatures are the frontend gateway capabilities every build needs.
var gatewayFeatures = map[apicaps.CapID]feature{
	gwpb.CapSolveBase:            {"frontend solves", "v0.3"},
	gwpb.CapReadFile:             {"reading the build context", "v0.3"},
	gwpb.CapResolveImage:         {"resolving images", "v0.3"},
	gwpb.CapReturnMap:            {"multi-platform results", "v0.3"},
	gwpb.CapGatewayEvaluateSolve: {"evaluating a step now (the tidy check beside the compile)", "v0.8"},
}

// dockerEngines maps BuildKit releases to the first Docker Engine release
// that embeds them (from moby's vendor.mod).
var dockerEngines = map[string]string{
	"v0.10": "23.0", "v0.11": "24.0", "v0.12": "25.0", "v0.13": "26.0", "v0.14": "27.0", "v0.20": "28.0",
}

// hasMergeOp reports whether the builder runs MergeOp; without it the graph
// uses file copies instead.
func hasMergeOp(caps apicaps.CapSet) bool { return caps.Supports(pb.CapMergeOp) == nil }

// hasContentCacheOpt reports whether the builder takes the per-mount content
// cache option; without it the toolchain and module view mounts are hashed.
func hasContentCacheOpt(caps apicaps.CapSet) bool {
	return caps.Supports(pb.CapExecMountContentCache) == nil
}

// checkGateway fails, before anything is solved, when the builder lacks a
// gateway capability every Gopherfile build needs.
func checkGateway(caps apicaps.CapSet) error {
	return missing(caps, gatewayFeatures, keys(gatewayFeatures))
}

// checkDefinition fails, before the builder runs a step, when a graph uses an
// LLB capability the builder lacks: the error names the feature and the
// BuildKit and Docker Engine versions that have it, instead of the builder's
// "requested feature ... is not supported" in the middle of a build.
func checkDefinition(def *llb.Definition, caps apicaps.CapSet) error {
	set := map[apicaps.CapID]bool{}
	for _, md := range def.Metadata {
		for c, on := range md.Caps {
			if on {
				set[c] = true
			}
		}
	}
	ids := make([]apicaps.CapID, 0, len(set))
	for c := range set {
		ids = append(ids, c)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return missing(caps, llbFeatures, ids)
}

func keys(m map[apicaps.CapID]feature) []apicaps.CapID {
	ids := make([]apicaps.CapID, 0, len(m))
	for c := range m {
		ids = append(ids, c)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// missing returns one error listing every capability in ids the builder lacks.
func missing(caps apicaps.CapSet, known map[apicaps.CapID]feature, ids []apicaps.CapID) error {
	var lacks []string
	for _, id := range ids {
		if caps.Supports(id) == nil {
			continue
		}
		f, ok := known[id]
		if !ok {
			lacks = append(lacks, fmt.Sprintf("the feature %s (in a newer BuildKit)", id))
			continue
		}
		where := "BuildKit " + f.since
		if d, ok := dockerEngines[f.since]; ok {
			where += ", Docker Engine " + d
		}
		lacks = append(lacks, fmt.Sprintf("%s (feature %s, added in %s)", f.what, id, where))
	}
	if len(lacks) == 0 {
		return nil
	}
	return fmt.Errorf("gopherfile: this builder's BuildKit is too old for this build: it lacks %s. "+
		"Gopherfile supports BuildKit %s and newer, that is %s and newer: upgrade Docker, "+
		"or build on a newer BuildKit (docker buildx create --driver docker-container --use)",
		strings.Join(lacks, "; "), OldestTestedBuildKit, OldestTestedDocker)
}

// networkMode is the plan's name for the network mode BuildKit passes
// (docker build --network).
func networkMode(m pb.NetMode) string {
	switch m {
	case pb.NetMode_HOST:
		return plan.NetworkHost
	case pb.NetMode_NONE:
		return plan.NetworkNone
	}
	return plan.NetworkDefault
}

// errHostNotAllowed is how BuildKit refuses a step in the host's network
// without the network.host entitlement.
const errHostNotAllowed = "network.host is not allowed"

// entitlementError explains BuildKit's refusal of --network host. The result
// carries BuildKit's message as text, not as a wrapped error: BuildKit's gRPC
// error conversion would keep only the wrapped status's message.
func entitlementError(p *plan.Plan, err error) error {
	if err == nil || p == nil || p.Network != plan.NetworkHost || !strings.Contains(err.Error(), errHostNotAllowed) {
		return err
	}
	return errors.New("gopherfile: --network host runs the module steps (go mod download, the tidy check, go test with test.network) in the host's network, " +
		"which BuildKit allows only with the network.host entitlement: add --allow network.host to the build command " +
		"(docker build and docker buildx build add it for --network host; buildctl and gopherfile build need it), " +
		"and start buildkitd with --allow-insecure-entitlement network.host (Docker Engine allows it unless its builder config turns it off): " +
		err.Error())
}
