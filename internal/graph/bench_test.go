package graph

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	bk "github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/spec"
)

// overheadGopherfile is a realistic, full Gopherfile: two binaries, two
// platforms, private modules, a fuller image config.
const overheadGopherfile = `# syntax=docker.io/gopherfile/frontend:1
version: 1
go: "1.26"
platforms: [linux/amd64, linux/arm64]
builds:
  - name: server
    main: ./cmd/server
    ldflags: -s -w -X main.version={{.Version}} -X main.commit={{.Commit}}
    tags: [netgo, osusergo]
  - main: ./cmd/migrate
modules:
  private: [github.com/acme/*]
  proxy: https://goproxy.acme.internal|https://proxy.golang.org,direct
  netrc: optional
image:
  base: gcr.io/distroless/static-debian12:nonroot
  cmd: [--listen=:8080]
  expose: ["8080", "9090/tcp"]
  env: {GODEBUG: "http2server=0", TZ: UTC}
  labels: {org.opencontainers.image.source: https://github.com/acme/server}
  volumes: [/data]
  healthcheck:
    cmd: [/usr/local/bin/server, -health]
    interval: 30s
  files:
    - src: config/
      dst: /etc/server/
`

// overheadGoMod is a synthetic go.mod the size of a big server's (about 170
// requires, as caddy's), so parsing cost is realistic without shipping any
// other project's files.
func overheadGoMod() []byte {
	var b strings.Builder
	b.WriteString("module github.com/acme/server\n\ngo 1.26.0\n\ntoolchain go1.26.8\n\nrequire (\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "\tgithub.com/acme/direct%02d v1.%d.%d\n", i, i%7, i%13)
	}
	b.WriteString(")\n\nrequire (\n")
	for i := 0; i < 130; i++ {
		fmt.Fprintf(&b, "\tgithub.com/vendor%02d/indirect%03d v0.%d.%d-0.20250101000000-%012x // indirect\n", i%17, i, i%9, i%5, i*7919)
	}
	b.WriteString(")\n\nreplace github.com/acme/direct00 => ./internal/fork\n")
	return []byte(b.String())
}

// planAndGraph is the frontend's pure work for one build: parse the
// Gopherfile and go.mod, plan, build the LLB graph for every platform (deps,
// tidy check, compile, image), the image configs, and marshal the definitions.
func planAndGraph(ctx context.Context, gopherfile, gomodData []byte) (int, error) {
	s, _, err := spec.Parse(gopherfile)
	if err != nil {
		return 0, err
	}
	facts, err := gomod.Parse("go.mod", gomodData)
	if err != nil {
		return 0, err
	}
	p, err := plan.New(s, gomod.Module{Facts: facts}, plan.Options{
		BuildArgs: map[string]string{"VERSION": "v1.2.3", "COMMIT": "0123456789abcdef"},
	})
	if err != nil {
		return 0, err
	}
	build := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	in := Inputs{
		BuildPlatform: build,
		Builder:       bk.Image("docker.io/library/golang:1.26", bk.Platform(build)),
		Context:       bk.Local("context"),
		DepFiles:      bk.Local("context", bk.FollowPaths(p.DepFiles), bk.SharedKeyHint("gopherfile-depfiles")),
		Helper:        bk.Image("docker.io/gopherfile/frontend:1"),
		HelperPath:    HelperDir + "/bin/gopherfile-frontend",
	}
	g := New(p, in)
	n := 0
	def, err := g.Tidy().Marshal(ctx, bk.Platform(build))
	if err != nil {
		return 0, err
	}
	n += len(def.Def)
	created := time.Unix(1700000000, 0).UTC()
	for _, ps := range p.Platforms {
		arch := strings.TrimPrefix(ps, "linux/")
		target := ocispecs.Platform{OS: "linux", Architecture: arch}
		bins, err := g.Compile(target)
		if err != nil {
			return 0, err
		}
		base := bk.Image(p.Image.Base, bk.Platform(target))
		img := Image(p, in, base, bins)
		_ = ImageConfig(p, nil, target, created)
		def, err := img.Marshal(ctx, bk.Platform(target))
		if err != nil {
			return 0, err
		}
		if _, err := def.ToPB().MarshalVT(); err != nil {
			return 0, err
		}
		n += len(def.Def)
	}
	return n, nil
}

func TestPlanAndGraph(t *testing.T) {
	n, err := planAndGraph(context.Background(), []byte(overheadGopherfile), overheadGoMod())
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("only %d LLB ops; the graph is not what the benchmark means to measure", n)
	}
}

// BenchmarkPlanAndGraph measures the frontend's own CPU work per build
// (everything but talking to BuildKit). Target: well under 50 ms/op.
func BenchmarkPlanAndGraph(b *testing.B) {
	ctx := context.Background()
	gf, gm := []byte(overheadGopherfile), overheadGoMod()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := planAndGraph(ctx, gf, gm); err != nil {
			b.Fatal(err)
		}
	}
}
