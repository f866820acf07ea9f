package plan

import (
	"strings"
	"testing"
	"time"

	"github.com/gopherfile/gopherfile/internal/gitinfo"
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
	p, err := New(mustSpec(t, "version: 1\n"), gomod.Module{Facts: &gomod.Facts{Path: "github.com/acme/tool/v2", Go: "1.25.0"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Builder != "golang:1.25.14" || p.BuilderOrigin != "go.mod" {
		t.Errorf("builder %s from %s", p.Builder, p.BuilderOrigin)
	}
	if p.Runner != RunnerToolchain || p.Toolchain == nil || p.Toolchain.GoVersion != "1.25.14" || p.Toolchain.Hash("amd64") == "" {
		t.Errorf("runner %s (%s), toolchain %+v", p.Runner, p.RunnerReason, p.Toolchain)
	}
	if len(p.Binaries) != 1 || p.Binaries[0].Name != "tool" || p.Binaries[0].Output != "/usr/local/bin/tool" || p.Binaries[0].Main != "." {
		t.Errorf("binaries %+v", p.Binaries)
	}
	if p.Image.Base != "" || !p.Image.Builtin || !p.Image.BuiltinFiles || !p.Image.Tzdata || strings.Join(p.Image.Entrypoint, " ") != "/usr/local/bin/tool" {
		t.Errorf("image %+v", p.Image)
	}
	// The cache namespace never comes from the tree: only from the build
	// arg BUILDKIT_CACHE_MOUNT_NS (TestCacheNamespace).
	if !p.Tidy || p.Target != TargetImage || p.CacheNS != "" || p.ToolchainID != "" {
		t.Errorf("plan %+v", p)
	}
	if strings.Join(p.DepFiles, ",") != "go.mod,go.sum" {
		t.Errorf("dep files %v", p.DepFiles)
	}
}

func TestDefaultMain(t *testing.T) {
	p, err := New(mustSpec(t, "version: 1\n"), gomod.Module{Facts: &gomod.Facts{Path: "github.com/acme/tool/v2", Go: "1.25"}, DefaultMain: "./cmd/tool"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if b := p.Binaries[0]; b.Main != "./cmd/tool" || b.Name != "tool" || b.Output != "/usr/local/bin/tool" {
		t.Errorf("binary %+v", b)
	}
	// Listed builds win.
	p, err = New(mustSpec(t, "version: 1\nbuilds: [{main: .}]\n"), gomod.Module{Facts: &gomod.Facts{Path: "github.com/acme/tool", Go: "1.25"}, DefaultMain: "./cmd/tool"}, Options{})
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
			p, err := New(mustSpec(t, tt.spec), gomod.Module{Facts: facts}, Options{BuildArgs: tt.args})
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
`), gomod.Module{Facts: &gomod.Facts{Path: "example.com/m", Go: "1.26"}}, Options{BuildArgs: map[string]string{"BASE_IMAGE": "scratch"}})
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
		mod  gomod.Module
		opt  Options
		want string
	}{
		{"unknown target", "version: 1\n", gomod.Module{Facts: &gomod.Facts{Path: "m", Go: "1.26"}}, Options{Target: "lint"}, `unknown target "lint"`},
		{"same default name", "version: 1\nbuilds: [{main: ./a/x}, {main: ./b/x}]\n", gomod.Module{Facts: &gomod.Facts{Path: "m", Go: "1.26"}}, Options{}, `binary named "x"`},
		{"replace outside", "version: 1\n", gomod.Module{Facts: &gomod.Facts{Path: "m", Go: "1.26", LocalReplaces: []string{"../lib"}}}, Options{}, "outside the build context"},
		{"work use outside", "version: 1\n", gomod.Module{Facts: &gomod.Facts{Path: "m", Go: "1.26"}, Work: &gomod.Workspace{Use: []string{"../x"}}}, Options{}, "outside the build context"},
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
	p, err := New(mustSpec(t, "version: 1\nmodule: svc\n"), gomod.Module{
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
	p, err := New(mustSpec(t, "version: 1\nmodules:\n  proxy: https://corp.example\n"), gomod.Module{Facts: &gomod.Facts{Path: "m", Go: "1.26"}},
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
			p, err := New(mustSpec(t, "version: 1\n"+tt.cache), gomod.Module{Facts: &gomod.Facts{Path: "example.com/m", Go: "1.26"}},
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
			p, err := New(mustSpec(t, "version: 1\n"), gomod.Module{Facts: facts}, Options{
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

func TestVulncheckPlan(t *testing.T) {
	parse := func(gopherfile string) *spec.Spec {
		s, _, err := spec.Parse([]byte(gopherfile))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	m := gomod.Module{Facts: &gomod.Facts{Path: "example.com/app", Go: "1.26"}}
	p, err := New(parse("version: 1\n"), m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := p.Vulncheck
	if v.Mode != spec.VulncheckOff || v.DB != DefaultVulnDB || v.Govulncheck != DefaultGovulncheck || v.DBTime.IsZero() || p.RunsVulncheck() {
		t.Errorf("defaults %+v", v)
	}
	if got := v.DBDescription(v.DBTime.Add(31 * 24 * time.Hour)); !strings.Contains(got, "31 days old; the version this frontend names") {
		t.Errorf("description %q", got)
	}
	p, err = New(parse("version: 1\nvulncheck: {mode: report}\n"), m, Options{Target: TargetVulncheck, BuildArgs: map[string]string{ArgVulncheckDB: "v0.0.0-20250101000000-abcdefabcdef"}})
	if err != nil {
		t.Fatal(err)
	}
	if !p.RunsVulncheck() || p.FailsOnVuln() || p.Vulncheck.DB != "v0.0.0-20250101000000-abcdefabcdef" || p.Vulncheck.DBOrigin != "--build-arg VULNCHECK_DB" {
		t.Errorf("report target: %+v", p.Vulncheck)
	}
	p, err = New(parse("version: 1\n"), m, Options{BuildArgs: map[string]string{ArgVulncheck: "fail"}})
	if err != nil || !p.RunsVulncheck() || !p.FailsOnVuln() {
		t.Errorf("--build-arg VULNCHECK=fail: %+v, %v", p, err)
	}
	for _, bad := range []map[string]string{{ArgVulncheck: "yes"}, {ArgVulncheckDB: "latest"}} {
		if _, err := New(parse("version: 1\n"), m, Options{BuildArgs: bad}); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestVersionFromGit(t *testing.T) {
	s, _, err := spec.Parse([]byte("version: 1\nbuilds:\n  - ldflags: -X main.version={{.Version}} -X main.commit={{.ShortCommit}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := gomod.Module{Facts: &gomod.Facts{Path: "example.com/app", Go: "1.26"}}
	commit := "0123456789abcdef0123456789abcdef01234567"
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name                      string
		git                       *gitinfo.Info
		args                      map[string]string
		ldflags, label, modVesion string
	}{
		{"tag", &gitinfo.Info{Commit: commit, Tag: "v1.4.2", Time: at}, nil, "-X main.version=1.4.2 -X main.commit=0123456", "1.4.2", "v1.4.2"},
		{"untagged", &gitinfo.Info{Commit: commit, Time: at}, nil, "-X main.version=0.0.0-20261120080000-0123456789ab", "0.0.0-20261120080000-0123456789ab", "v0.0.0-20261120080000-0123456789ab"},
		{"build arg wins", &gitinfo.Info{Commit: commit, Tag: "v1.4.2"}, map[string]string{"VERSION": "2.0.0"}, "-X main.version=2.0.0", "2.0.0", "v2.0.0"},
		{"no git", nil, nil, "-X main.version=dev", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(s, m, Options{Git: tc.git, BuildArgs: tc.args})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(p.Binaries[0].Flags, " "); !strings.Contains(got, tc.ldflags) {
				t.Errorf("flags %q, want %q", got, tc.ldflags)
			}
			if got := p.Image.Labels["org.opencontainers.image.version"]; got != tc.label {
				t.Errorf("label %q, want %q", got, tc.label)
			}
			if got := p.ModuleVersion(); got != tc.modVesion {
				t.Errorf("module version %q, want %q", got, tc.modVesion)
			}
			if tc.git != nil && p.Image.Labels["org.opencontainers.image.revision"] != commit {
				t.Errorf("revision label %v", p.Image.Labels)
			}
		})
	}
}

func TestModuleOrigin(t *testing.T) {
	s, _, _ := spec.Parse([]byte("version: 1\nmodules:\n  private: [github.com/acme/*]\n  proxy: https://user:secret@goproxy.acme.dev,direct\n"))
	p, err := New(s, gomod.Module{Facts: &gomod.Facts{Path: "example.com/app", Go: "1.26"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"github.com/acme/lib": "version control (direct: GONOPROXY/GOPRIVATE)",
		"golang.org/x/text":   "the first of: module proxy https://user:xxxxx@goproxy.acme.dev, version control (direct) (GOPROXY)",
	} {
		if got := p.ModuleOrigin(path, false); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
	if got := p.ModuleOrigin("example.com/lib", true); !strings.Contains(got, "local directory") {
		t.Errorf("local replace: %q", got)
	}
	if strings.Contains(p.ModuleOrigin("golang.org/x/text", false), "secret") {
		t.Error("the origin shows the proxy password")
	}
}
