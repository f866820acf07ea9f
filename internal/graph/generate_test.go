package graph

import (
	"strings"
	"testing"

	bk "github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// TestGenerateGolden: the sources are copied into the context, go generate
// runs offline on a writable copy of it, and the compile (and tidy) read the
// generated tree; the ldflags are rendered for the target platform.
func TestGenerateGolden(t *testing.T) {
	p := testPlan(t, "version: 1\ngenerate: [./...]\nsources:\n  - {context: web, dst: web/dist}\nbuilds:\n  - {main: ., ldflags: \"-X main.platform={{.Os}}-{{.Arch}}{{.Variant}}\"}\n", facts, false)
	in := testInputs(p)
	in.Sources = []Source{{State: bk.Local("web"), Dst: "web/dist", Name: "web", Field: "sources[0].context"}}
	armv7 := ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}
	g := New(p, in)
	bins, err := g.Compile(armv7)
	if err != nil {
		t.Fatal(err)
	}
	got := describe(t, bins, armv7)
	for _, want := range []string{"generate ./...", "main.platform=linux-armv7", "local://web", "copy / -> /web/dist"} {
		if !strings.Contains(got, want) {
			t.Errorf("graph lacks %q", want)
		}
	}
	golden(t, "generate-sources-armv7", got)

	// The tidy check reads the generated tree too, and the generate step is
	// defined once.
	tidy := describe(t, g.Tidy(), in.BuildPlatform)
	if n := strings.Count(tidy, "[generate] go generate"); n != 1 {
		t.Errorf("tidy graph has %d generate steps, want 1:\n%s", n, tidy)
	}
}

// TestGenerateIsOffline: go generate gets no network and GOPROXY=off, and
// the module view read-only (never the shared module cache), and a build
// cache of its own that only reads the shared compile cache.
func TestGenerateIsOffline(t *testing.T) {
	p := testPlan(t, "version: 1\ngenerate: [./...]\n", facts, false)
	got := describe(t, New(p, testInputs(p)).Generate(), ocispecs.Platform{OS: "linux", Architecture: "amd64"})
	i := strings.Index(got, "[generate]")
	if i < 0 {
		t.Fatalf("no generate step:\n%s", got)
	}
	step := got[i:]
	if j := strings.Index(step[1:], "\n["); j >= 0 {
		step = step[:j+1]
	}
	for _, want := range []string{"GOPROXY=off", "network=NONE", "mount /gopherfile/gomodcache type=BIND readonly=true", "mount /src type=BIND readonly=false",
		"mount /gopherfile/gocache type=CACHE readonly=false cache=gopherfile/gocache/generate/",
		"mount /gopherfile/gocache-shared type=CACHE readonly=true cache=gopherfile/gocache/compile/"} {
		if !strings.Contains(step, want) {
			t.Errorf("generate step lacks %q:\n%s", want, step)
		}
	}
	if strings.Contains(step, "cache=gopherfile/gomodcache") {
		t.Errorf("generate step mounts the shared module cache:\n%s", step)
	}
}
