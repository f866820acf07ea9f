package graph

import (
	"context"
	"strings"
	"testing"

	bk "github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/plan"
)

// defDigest is the digest of a state's definition: what its cache key
// follows.
func defDigest(t *testing.T, st bk.State) string {
	t.Helper()
	def, err := st.Marshal(context.Background(), bk.Platform(ocispecs.Platform{OS: "linux", Architecture: "amd64"}))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, dt := range def.Def {
		b.WriteString(digestOf(dt).String())
	}
	return b.String()
}

// toolchainOp is the toolchain step's exec op (without its inputs'
// digests) of a tree state.
func toolchainOp(t *testing.T, st bk.State) *pb.ExecOp {
	t.Helper()
	for _, op := range ops(t, st) {
		if e := op.GetExec(); e != nil && strings.Contains(strings.Join(e.Meta.Env, " "), `"kind":"toolchain"`) {
			return e
		}
	}
	t.Fatal("no toolchain step")
	return nil
}

// TestToolchainKeyedByWhatItIs: the toolchain every go step mounts is
// defined by its module version and hash alone. The proxy, a password in
// it, the retries and the secrets are the fetch step's, which the frontend
// solves before it: a new proxy password runs the fetch step (which finds
// the zip in the toolchain cache) and leaves the toolchain step cached.
func TestToolchainKeyedByWhatItIs(t *testing.T) {
	f := &gomod.Facts{Path: "example.com/app", Go: "1.25.0"}
	plans := map[string]*plan.Plan{
		"default":  testPlan(t, "version: 1\n", f, false),
		"password": testPlan(t, "version: 1\nmodules:\n  proxy: https://ci:s3cret@goproxy.corp.example\n  retries: 2\n  netrc: required\n", f, false),
		"other":    testPlan(t, "version: 1\nmodules:\n  proxy: https://ci:other@goproxy.corp.example\n", f, false),
	}
	trees, fetches := map[string]bool{}, map[string]bool{}
	for name, p := range plans {
		if p.Toolchain == nil || p.Toolchain.GoVersion != "1.25.14" {
			t.Fatalf("%s: toolchain %+v (runner %s: %s)", name, p.Toolchain, p.Runner, p.RunnerReason)
		}
		in := testInputs(p)
		hash := p.Toolchain.Hash("amd64")
		fetch := FetchToolchain(p, in, hash, "")
		e := toolchainOp(t, ToolchainTree(p, in, hash, ""))
		if e.Network != pb.NetMode_NONE || len(e.Meta.Env) != 1 {
			t.Errorf("%s: the toolchain step has network %s and env %q", name, e.Network, e.Meta.Env)
		}
		trees[defDigest(t, ToolchainTree(p, in, hash, ""))] = true
		fetches[defDigest(t, fetch)] = true
	}
	if len(trees) != 1 {
		t.Errorf("the toolchain step has %d definitions for one Go version, want 1", len(trees))
	}
	if len(fetches) != len(plans) {
		t.Errorf("the fetch step has %d definitions for %d module settings", len(fetches), len(plans))
	}
}

// TestFetchToolchainIsNetworked: the fetch step has the download step's
// network, secrets and HTTP proxies; the toolchain step has no network.
func TestFetchToolchainIsNetworked(t *testing.T) {
	p := testPlan(t, "version: 1\n", &gomod.Facts{Path: "example.com/app", Go: "1.26"}, false)
	p.Network = plan.NetworkHost
	in := testInputs(p)
	fetch := ops(t, FetchToolchain(p, in, "", ""))
	var sawFetch, sawTree bool
	for _, op := range fetch {
		e := op.GetExec()
		if e == nil || !strings.Contains(strings.Join(e.Meta.Env, " "), `"kind":"fetch-toolchain"`) {
			continue
		}
		sawFetch = true
		if e.Network != pb.NetMode_HOST {
			t.Errorf("fetch step network %s, want HOST", e.Network)
		}
		secrets := 0
		for _, m := range e.Mounts {
			if m.MountType == pb.MountType_SECRET {
				secrets++
			}
		}
		if secrets == 0 {
			t.Error("the fetch step has no secret mounts (netrc, cacert, GOPROXY)")
		}
	}
	for _, op := range ops(t, ToolchainTree(p, in, "h1:x", "")) {
		if e := op.GetExec(); e != nil && strings.Contains(strings.Join(e.Meta.Env, " "), `"kind":"toolchain"`) {
			sawTree = true
			if e.Network != pb.NetMode_NONE {
				t.Errorf("toolchain step network %s, want NONE", e.Network)
			}
		}
	}
	if !sawFetch || !sawTree {
		t.Fatalf("fetch step found %v, toolchain step found %v", sawFetch, sawTree)
	}
}
