//go:build integration

package integration

import (
	"context"
	"debug/elf"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/moby/buildkit/client"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
	"github.com/tonistiigi/fsutil"

	"github.com/gopherfile/gopherfile/frontend"
	"github.com/gopherfile/gopherfile/internal/testproxy"
)

// TestOldBuildKit runs the core of the suite on the older buildkitd
// (OLD_BUILDKIT_VERSION, Docker Engine 28.0's BuildKit) through docker buildx
// and the frontend image, as a team on that Docker would build.
func TestOldBuildKit(t *testing.T) {
	t.Parallel() // a long test of its own (see parallelTests)
	requireOldBuildKit(t)
	if out := run(t, repoRoot, nil, "docker", "buildx", "inspect", oldBuilder); !strings.Contains(out.out, oldVersion) {
		t.Fatalf("builder %s does not run BuildKit %s:\n%s", oldBuilder, oldVersion, out.out)
	}

	t.Run("hello through the syntax line", func(t *testing.T) {
		dir := copyDir(t, "examples/hello")
		syntaxLine(t, dir, "version: 1\n")
		tarball := filepath.Join(t.TempDir(), "hello.tar")
		mustOK(t, buildxOn(t, oldBuilder, dir, "--progress", "plain", "-f", "Gopherfile", "-o", "type=oci,dest="+tarball, "."))
		checkHello(t, tarball)
	})

	t.Run("two binaries for two platforms", func(t *testing.T) {
		dir := copyDir(t, "examples/multi")
		tarball := filepath.Join(t.TempDir(), "multi.tar")
		mustOK(t, buildxOn(t, oldBuilder, dir, frontendArgs("-o", "type=oci,dest="+tarball, ".")...))
		img := loadOCI(t, tarball)
		if img.Configs["linux/arm64"] == nil || img.Configs["linux/amd64"] == nil {
			t.Fatalf("the index lacks a platform: %v", img.Configs)
		}
		if m := elfMachine(t, filepath.Join(img.Rootfs["linux/arm64"], "app/worker")); m != elf.EM_AARCH64 {
			t.Errorf("arm64 worker is %v", m)
		}
		if got := runBinary(t, filepath.Join(img.Rootfs["linux/amd64"], "usr/local/bin/api")); got != "hello from api\n" {
			t.Errorf("api printed %q", got)
		}
		if got := runBinary(t, filepath.Join(img.Rootfs["linux/amd64"], "app/worker")); got != "hello from worker\n" {
			t.Errorf("worker printed %q", got)
		}
	})

	t.Run("test target", func(t *testing.T) {
		dir := copyDir(t, "examples/server")
		out := t.TempDir()
		mustOK(t, buildxOn(t, oldBuilder, dir, frontendArgs("--target", "test", "-o", "type=local,dest="+out, ".")...))
		if junit := readFile(t, filepath.Join(out, "junit.xml")); !strings.Contains(junit, `name="TestVersionDefault"`) {
			t.Errorf("junit.xml lacks the test:\n%s", junit)
		}
	})

	t.Run("private module with a netrc secret", func(t *testing.T) {
		mod := privateModule(t)
		p, caPEM, err := testproxy.StartTLSWithNewCA(mod)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		password := fmt.Sprintf("pw-%016x", rand.Uint64())
		p.RequireBasicAuth("ci", password)
		secrets := t.TempDir()
		ca := filepath.Join(secrets, "ca.pem")
		writeFile(t, ca, string(caPEM))
		netrc := filepath.Join(secrets, "netrc")
		writeFile(t, netrc, fmt.Sprintf("machine %s login ci password %s\n", p.Addr(), password))
		dir := moduleUsing(t, p, mod, fmt.Sprintf("  proxy: %s\n  nosumdb: [example.com/*]\n  netrc: required\n", p.URL()))

		tarball := filepath.Join(t.TempDir(), "app.tar")
		r := buildxOn(t, oldBuilder, dir, frontendArgs("--secret", "id=netrc,src="+netrc, "--secret", "id=cacert,src="+ca, "-o", "type=oci,dest="+tarball, ".")...)
		mustOK(t, r)
		if strings.Contains(r.out, password) {
			t.Error("the password appears in the build output")
		}
		img := loadOCI(t, tarball)
		if got := runBinary(t, filepath.Join(img.Rootfs["linux/amd64"], "usr/local/bin/app")); got != "hello from "+mod.Path+"\n" {
			t.Errorf("app printed %q", got)
		}
		scanForSecret(t, img.Dir, password)
	})
}

// withoutMergeOp is a gateway client whose builder reports no MergeOp (as
// BuildKit before v0.10 does), and that counts the merge ops it is asked to
// solve.
type withoutMergeOp struct {
	gwclient.Client
	merges *atomic.Int32
}

func (c withoutMergeOp) BuildOpts() gwclient.BuildOpts {
	o := c.Client.BuildOpts()
	var caps []*apicaps.PBCap
	for _, cp := range pb.Caps.All() {
		if cp.ID != string(pb.CapMergeOp) && cp.ID != string(pb.CapDiffOp) {
			caps = append(caps, cp)
		}
	}
	o.LLBCaps = pb.Caps.CapSet(caps)
	return o
}

func (c withoutMergeOp) Solve(ctx context.Context, req gwclient.SolveRequest) (*gwclient.Result, error) {
	if req.Definition != nil {
		for _, dt := range req.Definition.Def {
			var op pb.Op
			if err := op.UnmarshalVT(dt); err == nil && (op.GetMerge() != nil || op.GetDiff() != nil) {
				c.merges.Add(1)
			}
		}
	}
	return c.Client.Solve(ctx, req)
}

// TestNoMergeOpFallback: on a builder without MergeOp, a multi-binary image is
// assembled with file copies, and works. The frontend runs in-process on the
// real buildkitd, told that MergeOp is missing.
func TestNoMergeOpFallback(t *testing.T) {
	dir := copyDir(t, "examples/multi")
	tarball := filepath.Join(t.TempDir(), "multi.tar")
	c, err := client.New(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fsys, err := fsutil.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	var merges atomic.Int32
	opt := client.SolveOpt{
		Exports: []client.ExportEntry{{Type: client.ExporterOCI, Output: func(map[string]string) (io.WriteCloser, error) {
			return os.Create(tarball)
		}}},
		LocalMounts:   map[string]fsutil.FS{"context": fsys, "dockerfile": fsys},
		FrontendAttrs: map[string]string{"filename": "Gopherfile", "platform": "linux/amd64", frontend.OptHelperImage: frontImg},
	}
	_, err = c.Build(context.Background(), opt, "gopherfile-test", func(ctx context.Context, gc gwclient.Client) (*gwclient.Result, error) {
		return frontend.Build(ctx, withoutMergeOp{Client: gc, merges: &merges})
	}, nil)
	if err != nil {
		t.Fatalf("build without MergeOp: %v", err)
	}
	if n := merges.Load(); n != 0 {
		t.Errorf("the frontend sent %d merge or diff ops to a builder without them", n)
	}
	img := loadOCI(t, tarball)
	root := img.Rootfs["linux/amd64"]
	if got := runBinary(t, filepath.Join(root, "usr/local/bin/api")); got != "hello from api\n" {
		t.Errorf("api printed %q", got)
	}
	if got := runBinary(t, filepath.Join(root, "app/worker")); got != "hello from worker\n" {
		t.Errorf("worker printed %q", got)
	}
}
