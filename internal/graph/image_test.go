package graph

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	bk "github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/internal/plan"
)

// ops marshals a state and returns its ops.
func ops(t *testing.T, st bk.State) []*pb.Op {
	t.Helper()
	def, err := st.Marshal(context.Background(), bk.Platform(ocispecs.Platform{OS: "linux", Architecture: "amd64"}))
	if err != nil {
		t.Fatal(err)
	}
	var out []*pb.Op
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		out = append(out, &op)
	}
	return out
}

// TestImageLayerFileTimes: the tree copy that makes the image layer carries
// SOURCE_DATE_EPOCH, or the fixed DefaultFileTime without it, and the layer is
// merged onto the base.
func TestImageLayerFileTimes(t *testing.T) {
	epoch := time.Unix(1700000000, 0).UTC()
	for _, tt := range []struct {
		name  string
		epoch *time.Time
		want  time.Time
	}{
		{"SOURCE_DATE_EPOCH", &epoch, epoch},
		{"fixed", nil, DefaultFileTime},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := testPlan(t, "version: 1\nbuilds: [{main: ./cmd/a}, {main: ./cmd/b}]\n", facts, false)
			p.Epoch = tt.epoch
			in := testInputs(p)
			bins, err := New(p, in).Compile(in.BuildPlatform)
			if err != nil {
				t.Fatal(err)
			}
			var merges, treeCopies int
			for _, op := range ops(t, Image(p, in, bk.Image("gcr.io/distroless/static-debian12:nonroot"), bins)) {
				if op.GetMerge() != nil {
					merges++
				}
				for _, a := range op.GetFile().GetActions() {
					c := a.GetCopy()
					if c == nil || c.Src != "/" {
						continue
					}
					treeCopies++
					if got := time.Unix(0, c.Timestamp).UTC(); !got.Equal(tt.want) {
						t.Errorf("layer files dated %s, want %s", got, tt.want)
					}
					if !c.DirCopyContents {
						t.Error("the layer copy must copy the tree's contents")
					}
				}
			}
			// One merge collects the two binaries, one puts the layer on the base.
			if merges != 2 || treeCopies != 1 {
				t.Errorf("%d merges and %d tree copies, want 2 and 1", merges, treeCopies)
			}
		})
	}
}

// TestNoMergeOp: on a builder without MergeOp the graph has none; the binaries
// and the layer are file copies.
func TestNoMergeOp(t *testing.T) {
	p := testPlan(t, "version: 1\nbuilds: [{main: ./cmd/a}, {main: ./cmd/b}]\n", facts, false)
	in := testInputs(p)
	in.NoMergeOp = true
	bins, err := New(p, in).Compile(in.BuildPlatform)
	if err != nil {
		t.Fatal(err)
	}
	out := describe(t, Image(p, in, bk.Image("gcr.io/distroless/static-debian12:nonroot"), bins), in.BuildPlatform)
	if strings.Contains(out, "MERGE") || strings.Contains(out, "DIFF") {
		t.Errorf("graph without MergeOp has a merge or a diff:\n%s", out)
	}
	for _, want := range []string{"FILE \"[build] collect binaries\"\n  copy /a -> /a\n  copy /b -> /b\n", "FILE \"[image] add a, b\"\n  copy /a -> /usr/local/bin/a\n  copy /b -> /usr/local/bin/b\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("graph lacks %q:\n%s", want, out)
		}
	}
}

// TestSnapshotMountsNotHashed: the toolchain, the module view and the early
// view under the view after the download are mounted without BuildKit's
// content hash, and with it on a builder that lacks the option (BuildKit
// before v0.13); no other mount changes.
func TestSnapshotMountsNotHashed(t *testing.T) {
	for _, old := range []bool{false, true} {
		p := testPlan(t, "version: 1\n", facts, false)
		in := testInputs(p)
		in.NoContentCacheOpt = old
		bins, err := New(p, in).Compile(in.BuildPlatform)
		if err != nil {
			t.Fatal(err)
		}
		out := describe(t, bins, in.BuildPlatform)
		off := map[string]bool{}
		for _, line := range strings.Split(out, "\n") {
			if strings.HasSuffix(line, " contentcache=OFF") {
				off[strings.Fields(line)[1]] = true
			}
		}
		want := map[string]bool{GoRootDir: true, plan.GoModCache: true, ModViewDir: true}
		if old {
			want = map[string]bool{}
		}
		if !maps.Equal(off, want) {
			t.Errorf("NoContentCacheOpt %v: mounts without the content hash %v, want %v", old, off, want)
		}
	}
}

// TestModuleNetwork: --network host/none reaches the download and tidy steps
// (and go test with test.network), never the compile.
func TestModuleNetwork(t *testing.T) {
	for _, tt := range []struct{ mode, want string }{
		{plan.NetworkDefault, "network=UNSET"},
		{plan.NetworkHost, "network=HOST"},
		{plan.NetworkNone, "network=NONE"},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			p := testPlan(t, "version: 1\ntest: {network: true}\n", facts, false)
			p.Network = tt.mode
			in := testInputs(p)
			g := New(p, in)
			steps := map[string]bk.State{"deps": g.Deps(), "tidy": g.Tidy(), "tidy-fix": g.TidyFix(), "test": g.Test()}
			for name, st := range steps {
				out := describe(t, st, in.BuildPlatform)
				for _, step := range strings.Split(out, "EXEC ")[1:] {
					if strings.Contains(step, "[build") || strings.Contains(step, "module view:") ||
						strings.HasPrefix(step, `"[root]`) || strings.HasPrefix(step, `"[toolchain] go`) {
						continue // offline by design
					}
					if !strings.Contains(step, tt.want) {
						t.Errorf("%s: step %s", name, step[:strings.Index(step, "\n")])
					}
				}
			}
			bins, err := g.Compile(in.BuildPlatform)
			if err != nil {
				t.Fatal(err)
			}
			out := describe(t, bins, in.BuildPlatform)
			if build := out[strings.Index(out, `EXEC "[build`):]; !strings.Contains(build, "network=NONE") {
				t.Errorf("compile step has a network:\n%s", build)
			}
		})
	}
}
