package frontend

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	gwpb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
	"github.com/moby/buildkit/util/grpcerrors"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gopherfile/gopherfile/internal/plan"
)

// capsWithout is the capability set of a builder that has every capability
// of list but the ones named.
func capsWithout(list *apicaps.CapList, drop ...apicaps.CapID) apicaps.CapSet {
	var caps []*apicaps.PBCap
	for _, c := range list.All() {
		keep := true
		for _, d := range drop {
			if c.ID == string(d) {
				keep = false
			}
		}
		if keep {
			caps = append(caps, c)
		}
	}
	return list.CapSet(caps)
}

func TestCheckDefinition(t *testing.T) {
	a := llb.Image("docker.io/library/busybox:latest").File(llb.Mkfile("/a", 0o644, []byte("a")))
	b := llb.Scratch().File(llb.Mkfile("/b", 0o644, []byte("b")))
	def, err := llb.Merge([]llb.State{a, b}).Marshal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := checkDefinition(def, capsWithout(&pb.Caps)); err != nil {
		t.Errorf("a current builder: %v", err)
	}
	err = checkDefinition(def, capsWithout(&pb.Caps, pb.CapMergeOp, pb.CapFileBase))
	if err == nil {
		t.Fatal("a builder without MergeOp and file ops passed the check")
	}
	for _, want := range []string{
		"MergeOp (assembling multi-binary images) (feature mergeop, added in BuildKit v0.10, Docker Engine 23.0)",
		"file operations (the image layer) (feature file.base, added in BuildKit v0.5)",
		"Gopherfile supports BuildKit " + OldestTestedBuildKit + " and newer, that is " + OldestTestedDocker,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%s", want, err)
		}
	}
}

func TestCheckGateway(t *testing.T) {
	if err := checkGateway(capsWithout(&gwpb.Caps)); err != nil {
		t.Errorf("a current builder: %v", err)
	}
	err := checkGateway(capsWithout(&gwpb.Caps, gwpb.CapGatewayEvaluateSolve))
	if err == nil || !strings.Contains(err.Error(), "feature gateway.solve.evaluate, added in BuildKit v0.8") {
		t.Errorf("a builder without evaluate: %v", err)
	}
}

func TestHasMergeOp(t *testing.T) {
	if !hasMergeOp(capsWithout(&pb.Caps)) || hasMergeOp(capsWithout(&pb.Caps, pb.CapMergeOp)) {
		t.Error("hasMergeOp does not follow the builder's capabilities")
	}
}

func TestNetworkMode(t *testing.T) {
	for m, want := range map[pb.NetMode]string{pb.NetMode_UNSET: plan.NetworkDefault, pb.NetMode_HOST: plan.NetworkHost, pb.NetMode_NONE: plan.NetworkNone} {
		if got := networkMode(m); got != want {
			t.Errorf("networkMode(%s) = %q, want %q", m, got, want)
		}
	}
}

func TestEntitlementError(t *testing.T) {
	// As the gateway returns it: a gRPC status error.
	refused := grpcerrors.FromGRPC(status.Error(codes.Unknown, "failed to load LLB: "+errHostNotAllowed))
	host := &plan.Plan{Network: plan.NetworkHost}
	err := entitlementError(host, refused)
	// As BuildKit sends it back to the client.
	sent := grpcerrors.FromGRPC(grpcerrors.ToGRPC(context.Background(), err)).Error()
	for _, want := range []string{"gopherfile: --network host", "--allow network.host", "--allow-insecure-entitlement network.host", "failed to load LLB: network.host is not allowed"} {
		if !strings.Contains(sent, want) {
			t.Errorf("the client gets %q, which lacks %q", sent, want)
		}
	}
	other := errors.New("exit code: 1")
	if err := entitlementError(host, other); err != other {
		t.Errorf("another error was rewritten: %v", err)
	}
	if err := entitlementError(&plan.Plan{}, refused); err != refused {
		t.Errorf("without --network host the error was rewritten: %v", err)
	}
}
