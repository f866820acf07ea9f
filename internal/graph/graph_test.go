package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	goldenfile "github.com/gopherfile/gopherfile/internal/golden"

	bk "github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/spec"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

func testPlan(t *testing.T, gopherfile string, facts *gomod.Facts, vendored bool) *plan.Plan {
	t.Helper()
	s, _, err := spec.Parse([]byte(gopherfile))
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.New(s, gomod.Module{Facts: facts, Vendored: vendored}, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// What the frontend sets once it has resolved the toolchain or the
	// builder image (frontend's toolchainID).
	p.ToolchainID = testToolchain
	if p.Toolchain != nil {
		p.ToolchainID = p.Toolchain.Identity("amd64")
	}
	return p
}

// testToolchain is the toolchain identity of the test plans: a builder
// image's digest.
const testToolchain = "image sha256:2d3a1b0c9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b"

// testInputs are the frontend's inputs for p: with the toolchain from the
// module proxy on the minimal root when the plan has one, else in the
// builder image.
func testInputs(p *plan.Plan) Inputs {
	amd64 := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	in := Inputs{
		BuildPlatform: amd64,
		Builder:       bk.Image("docker.io/library/"+p.Builder, bk.Platform(amd64)),
		Context:       bk.Local("context"),
		DepFiles:      bk.Local("context", bk.FollowPaths(p.DepFiles), bk.SharedKeyHint("gopherfile-depfiles")),
		Helper:        bk.Image("docker.io/gopherfile/frontend:test"),
		HelperPath:    HelperDir + "/bin/gopherfile-frontend",
	}
	if p.Toolchain != nil {
		tree := ToolchainTree(p, in, p.Toolchain.Hash("amd64"), "")
		in.Builder, in.GoRoot = MinimalRoot(in), &tree
	}
	return in
}

// describe prints the exec and file ops of a definition in a stable, readable form.
func describe(t *testing.T, st bk.State, pl ocispecs.Platform) string {
	t.Helper()
	def, err := st.Marshal(context.Background(), bk.Platform(pl))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		name := def.Metadata[digestOf(dt)].Description["llb.customname"]
		switch v := op.Op.(type) {
		case *pb.Op_Exec:
			e := v.Exec
			var b strings.Builder
			fmt.Fprintf(&b, "EXEC %q\n  network=%s\n  cwd=%s\n", name, e.Network, e.Meta.Cwd)
			env := append([]string(nil), e.Meta.Env...)
			sort.Strings(env)
			for _, kv := range env {
				if cfg, ok := strings.CutPrefix(kv, stepconfig.Env+"="); ok {
					var pretty bytes.Buffer
					json.Indent(&pretty, []byte(cfg), "    ", "  ")
					fmt.Fprintf(&b, "  env %s=%s\n", stepconfig.Env, pretty.String())
					continue
				}
				fmt.Fprintf(&b, "  env %s\n", kv)
			}
			for _, m := range e.Mounts {
				fmt.Fprintf(&b, "  mount %s type=%s readonly=%v", m.Dest, m.MountType, m.Readonly)
				if m.CacheOpt != nil {
					fmt.Fprintf(&b, " cache=%s sharing=%s", m.CacheOpt.ID, m.CacheOpt.Sharing)
				}
				if m.ContentCache != pb.MountContentCache_DEFAULT {
					fmt.Fprintf(&b, " contentcache=%s", m.ContentCache)
				}
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "  args %q\n", e.Meta.Args[:2])
			lines = append(lines, b.String())
		case *pb.Op_File:
			var b strings.Builder
			fmt.Fprintf(&b, "FILE %q\n", name)
			for _, a := range v.File.Actions {
				if c := a.GetCopy(); c != nil {
					fmt.Fprintf(&b, "  copy %s -> %s\n", c.Src, c.Dest)
				}
			}
			lines = append(lines, b.String())
		case *pb.Op_Source:
			var attrs []string
			for k, v := range v.Source.Attrs {
				if k == "local.unique" {
					continue // random per process
				}
				attrs = append(attrs, k+"="+v)
			}
			sort.Strings(attrs)
			lines = append(lines, fmt.Sprintf("SOURCE %s %s\n", v.Source.Identifier, strings.Join(attrs, " ")))
		case *pb.Op_Merge:
			lines = append(lines, fmt.Sprintf("MERGE %q inputs=%d\n", name, len(op.Inputs)))
		case *pb.Op_Diff:
			lines = append(lines, fmt.Sprintf("DIFF %q\n", name))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "")
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", name+".golden"), got)
}

var facts = &gomod.Facts{Path: "github.com/acme/tool", Go: "1.26"}

func TestGraphGolden(t *testing.T) {
	arm64 := ocispecs.Platform{OS: "linux", Architecture: "arm64"}
	tests := []struct {
		name       string
		gopherfile string
		vendored   bool
		target     ocispecs.Platform
	}{
		{"hello", "version: 1\n", false, ocispecs.Platform{OS: "linux", Architecture: "amd64"}},
		{"multi-arm64", "version: 1\nenv: {GOFLAGS: -tags=prod}\nbuilds:\n  - {main: ./cmd/api, ldflags: -s -w}\n  - {main: ./cmd/worker, tags: [a, b]}\n", false, arm64},
		{"vendored-armv7", "version: 1\n", true, ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}},
		{"build-cache-layer", "version: 1\ncache: {modules: layer, build: layer}\nbuilds:\n  - {main: ./cmd/api, gcflags: -m}\n  - {main: ./cmd/worker}\n  - {main: ./cmd/tool, tags: [x]}\n", false, arm64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPlan(t, tt.gopherfile, facts, tt.vendored)
			in := testInputs(p)
			bins, err := New(p, in).Compile(tt.target)
			if err != nil {
				t.Fatal(err)
			}
			img := Image(p, in, bk.Image("gcr.io/distroless/static-debian12:nonroot", bk.Platform(tt.target)), bins)
			golden(t, tt.name, describe(t, img, tt.target))
		})
	}
}

// TestDepsIgnoresSources checks the property the deps step exists for: it sees
// only the dependency files, so its definition does not mention the full context.
func TestDepsIgnoresSources(t *testing.T) {
	p := testPlan(t, "version: 1\n", &gomod.Facts{Path: "example.com/m", Go: "1.26", LocalReplaces: []string{"lib"}}, false)
	in := testInputs(p)
	out := describe(t, New(p, in).Deps(), in.BuildPlatform)
	if strings.Contains(out, "local://context \n") {
		t.Errorf("deps must not mount the whole context:\n%s", out)
	}
	for _, f := range []string{"go.mod", "go.sum", "lib/go.mod", "lib/go.sum"} {
		if !strings.Contains(out, f) {
			t.Errorf("deps should follow %s:\n%s", f, out)
		}
	}
}

func TestCompileHasNoNetwork(t *testing.T) {
	p := testPlan(t, "version: 1\n", facts, false)
	in := testInputs(p)
	bins, err := New(p, in).Compile(in.BuildPlatform)
	if err != nil {
		t.Fatal(err)
	}
	out := describe(t, bins, in.BuildPlatform)
	build := out[strings.Index(out, `EXEC "[build`):]
	for _, want := range []string{"network=NONE", "env GOPROXY=off", "env GOFLAGS=-mod=readonly -buildvcs=false", "env CGO_ENABLED=0", "cache=gopherfile/gocache/compile/"} {
		if !strings.Contains(build, want) {
			t.Errorf("compile step lacks %q:\n%s", want, build)
		}
	}
}

func TestGoPlatformEnv(t *testing.T) {
	tests := []struct {
		p    ocispecs.Platform
		want string
	}{
		{ocispecs.Platform{OS: "linux", Architecture: "amd64"}, "GOOS=linux GOARCH=amd64"},
		{ocispecs.Platform{OS: "linux", Architecture: "amd64", Variant: "v3"}, "GOOS=linux GOARCH=amd64 GOAMD64=v3"},
		{ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v6"}, "GOOS=linux GOARCH=arm GOARM=6"},
		{ocispecs.Platform{OS: "linux", Architecture: "arm"}, "GOOS=linux GOARCH=arm GOARM=7"},
		{ocispecs.Platform{OS: "linux", Architecture: "riscv64"}, "GOOS=linux GOARCH=riscv64"},
	}
	for _, tt := range tests {
		if got := strings.Join(GoPlatformEnv(tt.p), " "); got != tt.want {
			t.Errorf("%v: got %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestCrossCGONeedsCC(t *testing.T) {
	p := testPlan(t, "version: 1\ncgo: true\n", facts, false)
	in := testInputs(p)
	arm64 := ocispecs.Platform{OS: "linux", Architecture: "arm64"}
	if _, err := New(p, in).Compile(arm64); err == nil || !strings.Contains(err.Error(), "cc:") {
		t.Errorf("cross cgo without cc: got %v", err)
	}
	if _, err := New(p, in).Compile(in.BuildPlatform); err != nil {
		t.Errorf("native cgo: %v", err)
	}
	p = testPlan(t, "version: 1\ncgo: true\ncc: {linux/arm64: aarch64-linux-gnu-gcc}\n", facts, false)
	st, err := New(p, in).Compile(arm64)
	if err != nil {
		t.Fatal(err)
	}
	if out := describe(t, st, arm64); !strings.Contains(out, "env CC=aarch64-linux-gnu-gcc") || !strings.Contains(out, "env CGO_ENABLED=1") {
		t.Errorf("cross cgo step lacks CC/CGO_ENABLED:\n%s", out)
	}
}

func TestScratchImage(t *testing.T) {
	p := testPlan(t, "version: 1\nimage:\n  base: scratch\n  files:\n    - {src: config, dst: /etc/app, mode: \"0640\", owner: \"65532:65532\"}\n", facts, false)
	in := testInputs(p)
	bins, _ := New(p, in).Compile(in.BuildPlatform)
	golden(t, "scratch", describe(t, Image(p, in, StaticBase(p, in), bins), in.BuildPlatform))
}

func TestDepFlags(t *testing.T) {
	tests := []struct{ in, want []string }{
		{nil, nil},
		{[]string{"-ldflags=-s -w -X a=b", "-tags=a,b", "-race"}, []string{"-tags=a,b", "-race"}},
		{[]string{"-ldflags", "-s -w", "-trimpath"}, []string{"-trimpath"}},
		{[]string{"-gcflags=-m", "-gcflags=all=-N -l", "--asmflags", "std=-e"}, []string{"-gcflags=all=-N -l", "-asmflags=std=-e"}},
		{[]string{"-cover", "-coverpkg", "./...", "-pgo=off"}, []string{"-pgo=off"}},
		{[]string{"-o", "x", "-mod", "vendor"}, []string{"-mod", "vendor"}},
	}
	for _, tt := range tests {
		if got := depFlags(tt.in); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("depFlags(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestDepsLayerKeyedByPackageList checks that the dependency compile step
// never mounts the module's sources: only go.mod/go.sum and the package list.
func TestDepsLayerKeyedByPackageList(t *testing.T) {
	p := testPlan(t, "version: 1\ncache: {build: layer}\n", facts, false)
	in := testInputs(p)
	bins, err := New(p, in).Compile(in.BuildPlatform)
	if err != nil {
		t.Fatal(err)
	}
	out := describe(t, bins, in.BuildPlatform)
	i := strings.Index(out, "go build (standard library and dependencies)")
	if i < 0 {
		t.Fatalf("no dependency compile step:\n%s", out)
	}
	step := out[i:]
	if j := strings.Index(step[1:], "EXEC "); j >= 0 {
		step = step[:j+1]
	}
	if !strings.Contains(step, "GOCACHE="+plan.DepCache) || !strings.Contains(step, "mount "+plan.PkgList) {
		t.Errorf("dependency step:\n%s", step)
	}
}

// TestCompileIndependentOfDownloadSettings: with the record handed over
// (UseRecord), the compile step's definition does not change with the
// download settings, so a new proxy password re-runs only the download.
func TestCompileIndependentOfDownloadSettings(t *testing.T) {
	digests := map[string]bool{}
	for _, pw := range []string{"one", "two"} {
		s, _, err := spec.Parse([]byte("version: 1\n"))
		if err != nil {
			t.Fatal(err)
		}
		p, err := plan.New(s, gomod.Module{Facts: facts}, plan.Options{BuildArgs: map[string]string{"GOPROXY": "https://ci:" + pw + "@proxy.example"}})
		if err != nil {
			t.Fatal(err)
		}
		in := testInputs(p)
		g := New(p, in)
		g.UseRecord([]byte("gopherfile download record\nabc\ngo.mod\n"))
		bins, err := g.Compile(in.BuildPlatform)
		if err != nil {
			t.Fatal(err)
		}
		def, err := bins.Marshal(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, dt := range def.Def {
			if strings.Contains(string(dt), pw+"@") {
				t.Errorf("the compile graph holds the proxy password")
			}
		}
		out := describe(t, bins, in.BuildPlatform)
		if strings.Contains(out, "go mod download") {
			t.Errorf("the compile graph holds the download step:\n%s", out)
		}
		// local.unique differs per process; everything else must not.
		digests[out] = true
	}
	if len(digests) != 1 {
		t.Errorf("the compile graph changed with the proxy password")
	}
}
