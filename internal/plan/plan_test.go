package plan

import (
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/spec"
)

func mustSpec(t *testing.T, s string) *spec.Spec {
	t.Helper()
	sp, _, err := spec.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

func TestDefaults(t *testing.T) {
	p, err := New(mustSpec(t, "version: 1\n"), Module{Facts: &gomod.Facts{Path: "github.com/acme/tool/v2", Go: "1.25.0"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Builder != "golang:"+NewestGo() || p.BuilderOrigin != "go.mod" {
		t.Errorf("builder %s from %s", p.Builder, p.BuilderOrigin)
	}
	if len(p.Binaries) != 1 || p.Binaries[0].Name != "tool" || p.Binaries[0].Output != "/usr/local/bin/tool" || p.Binaries[0].Main != "." {
		t.Errorf("binaries %+v", p.Binaries)
	}
	if p.Image.Base != spec.DefaultBase || strings.Join(p.Image.Entrypoint, " ") != "/usr/local/bin/tool" {
		t.Errorf("image %+v", p.Image)
	}
	// The cache namespace never comes from the tree: only from the build
	// arg BUILDKIT_CACHE_MOUNT_NS (TestCacheNamespace).
	if !p.Tidy || p.Target != TargetImage || p.CacheNS != "" || p.Toolchain != "" {
		t.Errorf("plan %+v", p)
	}
	if strings.Join(p.DepFiles, ",") != "go.mod,go.sum" {
		t.Errorf("dep files %v", p.DepFiles)
	}
}

func TestDefaultMain(t *testing.T) {
	p, err := New(mustSpec(t, "version: 1\n"), Module{Facts: &gomod.Facts{Path: "github.com/acme/tool/v2", Go: "1.25"}, DefaultMain: "./cmd/tool"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if b := p.Binaries[0]; b.Main != "./cmd/tool" || b.Name != "tool" || b.Output != "/usr/local/bin/tool" {
		t.Errorf("binary %+v", b)
	}
	// Listed builds win.
	p, err = New(mustSpec(t, "version: 1\nbuilds: [{main: .}]\n"), Module{Facts: &gomod.Facts{Path: "github.com/acme/tool", Go: "1.25"}, DefaultMain: "./cmd/tool"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if b := p.Binaries[0]; b.Main != "." {
		t.Errorf("binary %+v", b)
	}
}

func TestOverrides(t *testing.T) {
	facts := &gomod.Facts{Path: "example.com/m", Go: "1.22", Toolchain: "1.26.1"}
	tests := []struct {
		name, spec  string
		args        map[string]string
		wantBuilder string
		wantOrigin  string
	}{
		{"toolchain line", "version: 1\n", nil, "golang:1.26.1", "go.mod"},
		{"spec go", "version: 1\ngo: \"1.26\"\n", nil, "golang:1.26", "Gopherfile go"},
		{"build arg wins", "version: 1\ngo: \"1.26\"\n", map[string]string{"GO_VERSION": "1.27"}, "golang:1.27", "build arg GO_VERSION"},
		{"spec builder", "version: 1\nbuilder: registry.example.com/go:1\n", nil, "registry.example.com/go:1", "Gopherfile builder"},
		{"builder arg", "version: 1\nbuilder: a/b:1\n", map[string]string{"BUILDER_IMAGE": "c/d:2"}, "c/d:2", "build arg BUILDER_IMAGE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(mustSpec(t, tt.spec), Module{Facts: facts}, Options{BuildArgs: tt.args})
			if err != nil {
				t.Fatal(err)
			}
			if p.Builder != tt.wantBuilder || p.BuilderOrigin != tt.wantOrigin {
				t.Errorf("got %s (%s), want %s (%s)", p.Builder, p.BuilderOrigin, tt.wantBuilder, tt.wantOrigin)
			}
		})
	}
}

func TestBinaries(t *testing.T) {
	p, err := New(mustSpec(t, `version: 1
builds:
  - main: ./cmd/api
    ldflags: -X main.v=1
    tags: [a, b]
    flags: [-race]
  - name: w
    main: cmd/worker/
    output: /app/w
    strip: false
image:
  expose: ["8080"]
  entrypoint: [/app/w, serve]
`), Module{Facts: &gomod.Facts{Path: "example.com/m", Go: "1.26"}}, Options{BuildArgs: map[string]string{"BASE_IMAGE": "scratch"}})
	if err != nil {
		t.Fatal(err)
	}
	a, w := p.Binaries[0], p.Binaries[1]
	if a.Name != "api" || a.Main != "./cmd/api" || strings.Join(a.Flags, " ") != "-ldflags=-s -w -X main.v=1 -tags=a,b -race" {
		t.Errorf("api: %+v", a)
	}
	if w.Name != "w" || w.Main != "./cmd/worker" || w.Output != "/app/w" || w.Field != "builds[1]" || len(w.Flags) != 0 {
		t.Errorf("w: %+v", w)
	}
	if p.Image.Base != "scratch" || p.Image.Expose[0] != "8080/tcp" || p.Image.Entrypoint[1] != "serve" {
		t.Errorf("image: %+v", p.Image)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		spec string
		mod  Module
		opt  Options
		want string
	}{
		{"unknown target", "version: 1\n", Module{Facts: &gomod.Facts{Path: "m", Go: "1.26"}}, Options{Target: "lint"}, `unknown target "lint"`},
		{"same default name", "version: 1\nbuilds: [{main: ./a/x}, {main: ./b/x}]\n", Module{Facts: &gomod.Facts{Path: "m", Go: "1.26"}}, Options{}, `binary named "x"`},
		{"replace outside", "version: 1\n", Module{Facts: &gomod.Facts{Path: "m", Go: "1.26", LocalReplaces: []string{"../lib"}}}, Options{}, "outside the build context"},
		{"work use outside", "version: 1\n", Module{Facts: &gomod.Facts{Path: "m", Go: "1.26"}, Work: &gomod.Workspace{Use: []string{"../x"}}}, Options{}, "outside the build context"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(mustSpec(t, tt.spec), tt.mod, tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestDepFilesWorkspaceAndReplace(t *testing.T) {
	p, err := New(mustSpec(t, "version: 1\nmodule: svc\n"), Module{
		Facts: &gomod.Facts{Path: "m", Go: "1.26", LocalReplaces: []string{"../lib"}},
		Work:  &gomod.Workspace{Go: "1.26", Use: []string{"svc", "lib"}},
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "go.work,go.work.sum,lib/go.mod,lib/go.sum,svc/go.mod,svc/go.sum"
	if got := strings.Join(p.DepFiles, ","); got != want {
		t.Errorf("dep files %s, want %s", got, want)
	}
}

func TestSettingOrigins(t *testing.T) {
	p, err := New(mustSpec(t, "version: 1\nmodules:\n  proxy: https://corp.example\n"), Module{Facts: &gomod.Facts{Path: "m", Go: "1.26"}},
		Options{BuildArgs: map[string]string{"GOPRIVATE": "example.com/*"}})
	if err != nil {
		t.Fatal(err)
	}
	p.Downloads.AddImageEnv([]string{"GOPROXY=https://ignored.example", "GOFLAGS=-mod=mod", "PATH=/bin"})
	for name, want := range map[string]string{
		"GOPROXY":     "Gopherfile modules.proxy",
		"GOPRIVATE":   "build arg GOPRIVATE",
		"GOFLAGS":     "builder image env",
		"GOTOOLCHAIN": "Gopherfile default",
	} {
		s, ok := p.Downloads.Setting(name)
		if !ok || s.Origin != want {
			t.Errorf("%s: %+v, want origin %q", name, s, want)
		}
	}
	if s, _ := p.Downloads.Setting("GOPROXY"); s.Value != "https://corp.example" {
		t.Errorf("the Gopherfile's GOPROXY must win over the image's: %+v", s)
	}
}

func TestCacheModes(t *testing.T) {
	tests := []struct {
		name          string
		cache         string
		args          map[string]string
		imports       bool
		modules, deps bool
		err           string
	}{
		{"auto without a cache import", "", nil, false, false, false, ""},
		{"auto with a cache import", "", nil, true, true, true, ""},
		{"explicit auto", "cache: {modules: auto, build: auto}\n", nil, true, true, true, ""},
		{"mount wins over a cache import", "cache: {modules: mount, build: mount}\n", nil, true, false, false, ""},
		{"layer without a cache import", "cache: {modules: layer, build: layer}\n", nil, false, true, true, ""},
		{"build arg wins", "cache: {modules: layer}\n", map[string]string{ArgModuleCache: "mount", ArgBuildCache: "layer"}, false, false, true, ""},
		{"bad build arg", "", map[string]string{ArgBuildCache: "disk"}, false, false, false, "GOPHERFILE_BUILD_CACHE=disk: use auto, mount or layer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(mustSpec(t, "version: 1\n"+tt.cache), Module{Facts: &gomod.Facts{Path: "example.com/m", Go: "1.26"}},
				Options{BuildArgs: tt.args, CacheImports: tt.imports})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.ModulesInLayer != tt.modules || p.DepsInLayer != tt.deps {
				t.Errorf("modules in layer %v, deps in layer %v; want %v, %v", p.ModulesInLayer, p.DepsInLayer, tt.modules, tt.deps)
			}
		})
	}
}

func TestNetwork(t *testing.T) {
	facts := &gomod.Facts{Path: "example.com/m", Go: "1.26"}
	for _, tt := range []struct {
		network, goproxy, origin, err string
	}{
		{network: NetworkDefault},
		{network: NetworkHost, goproxy: "https://proxy.internal", origin: "build arg GOPROXY"},
		{network: NetworkNone, goproxy: "off", origin: "--network none"},
		{network: "bridge", err: "--network bridge: Gopherfile supports --network default, host and none"},
	} {
		t.Run(tt.network, func(t *testing.T) {
			p, err := New(mustSpec(t, "version: 1\n"), Module{Facts: facts}, Options{
				Network:   tt.network,
				BuildArgs: map[string]string{"GOPROXY": "https://proxy.internal"},
			})
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Network != tt.network {
				t.Errorf("network %q", p.Network)
			}
			if tt.goproxy == "" {
				return
			}
			s, _ := p.Downloads.Setting("GOPROXY")
			if s.Value != tt.goproxy || s.Origin != tt.origin {
				t.Errorf("GOPROXY %+v, want %s from %s", s, tt.goproxy, tt.origin)
			}
			n := 0
			for _, s := range p.Downloads.Settings {
				if s.Name == "GOPROXY" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("GOPROXY set %d times", n)
			}
		})
	}
}
