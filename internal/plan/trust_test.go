package plan

import (
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/gomod"
)

// TestTreePrograms: every way a Gopherfile or a build arg makes a compile
// run a program besides the builder's Go toolchain is found, and the
// everyday settings are not.
func TestTreePrograms(t *testing.T) {
	tests := []struct {
		name       string
		gopherfile string
		args       map[string]string
		want       []string // substrings of the reasons, in order; none: toolchain only
	}{
		{name: "default", gopherfile: "version: 1\n"},
		{name: "everyday settings", gopherfile: "version: 1\nenv:\n  CGO_ENABLED: \"1\"\n  GOEXPERIMENT: jsonv2\n  GODEBUG: x=1\n  GOFLAGS: -tags=netgo -trimpath -mod=readonly -buildvcs=false -count=1 -p=2\n" +
			"builds:\n  - flags: [-race, -pgo=off, \"-tags=a,b\", \"-gcflags=all=-N -l\", -a]\n    ldflags: -X main.v={{.Version}} -linkmode=external\n"},
		{name: "cgo on and the builder's compiler", gopherfile: "version: 1\ncgo: true\n"},
		{name: "env CC", gopherfile: "version: 1\nenv:\n  CC: /src/evil\n", want: []string{"env.CC"}},
		{name: "env PKG_CONFIG and CGO flags", gopherfile: "version: 1\nenv:\n  PKG_CONFIG: x\n  CGO_CFLAGS: -B/src\n  CGO_LDFLAGS_ALLOW: .*\n",
			want: []string{"env.CGO_CFLAGS", "env.CGO_LDFLAGS_ALLOW", "env.PKG_CONFIG"}},
		// The top-level env: refuses these (they would reach the steps with
		// secrets); a build's own env: reaches its compile step.
		{name: "a build's PATH and LD_PRELOAD", gopherfile: "version: 1\nbuilds:\n  - env: {LD_PRELOAD: /src/x.so, PATH: /src/bin}\n", want: []string{"builds[0].env.LD_PRELOAD", "builds[0].env.PATH"}},
		{name: "a build's env", gopherfile: "version: 1\nbuilds:\n  - env: {CXX: clang++}\n", want: []string{"builds[0].env.CXX"}},
		{name: "GOFLAGS -toolexec", gopherfile: "version: 1\nenv:\n  GOFLAGS: -toolexec=/src/wrap\n", want: []string{"env.GOFLAGS -toolexec"}},
		{name: "GOFLAGS build arg", args: map[string]string{"GOFLAGS": "-toolexec=x"}, gopherfile: "version: 1\n", want: []string{"env.GOFLAGS -toolexec"}},
		{name: "GOFLAGS -buildvcs", gopherfile: "version: 1\nenv:\n  GOFLAGS: -buildvcs=true\n", want: []string{"-buildvcs"}},
		{name: "GOFLAGS -buildvcs bare", gopherfile: "version: 1\nenv:\n  GOFLAGS: -buildvcs\n", want: []string{"-buildvcs"}},
		{name: "unknown flag", gopherfile: "version: 1\nenv:\n  GOFLAGS: -frob=1\n", want: []string{"-frob: a flag Gopherfile does not know"}},
		{name: "build flags -toolexec", gopherfile: "version: 1\nbuilds:\n  - flags: [-toolexec=/src/wrap]\n", want: []string{"builds[0] -toolexec"}},
		{name: "build flags -compiler", gopherfile: "version: 1\nbuilds:\n  - flags: [-compiler=gccgo, -gccgoflags=-x]\n", want: []string{"-compiler", "-gccgoflags"}},
		{name: "ldflags -extld", gopherfile: "version: 1\nbuilds:\n  - ldflags: -linkmode=external -extld=/src/ld\n", want: []string{"-ldflags -extld"}},
		{name: "ldflags -extldflags", gopherfile: "version: 1\nbuilds:\n  - ldflags: \"-extldflags=-B/src/bin\"\n", want: []string{"-ldflags -extldflags"}},
		{name: "ldflags per platform", gopherfile: "version: 1\nbuilds:\n  - ldflags: -X main.os={{.Os}} -extar=/src/ar\n", want: []string{"-ldflags -extar"}},
		{name: "GOTOOLCHAIN auto", gopherfile: "version: 1\nmodules:\n  toolchain: auto\n", want: []string{"GOTOOLCHAIN=auto"}},
		{name: "GOTOOLCHAIN build arg", args: map[string]string{"GOTOOLCHAIN": "go1.25.0"}, gopherfile: "version: 1\n", want: []string{"GOTOOLCHAIN=go1.25.0 (build arg GOTOOLCHAIN)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(mustSpec(t, tt.gopherfile), gomod.Module{Facts: &gomod.Facts{Path: "example.com/app", Go: "1.24"}}, Options{BuildArgs: tt.args})
			if err != nil {
				t.Fatal(err)
			}
			got := p.TreePrograms(&p.Binaries[0])
			if len(got) != len(tt.want) {
				t.Fatalf("got %q, want %d reasons like %q", got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("reason %d is %q, want it to name %q", i, got[i], w)
				}
			}
		})
	}
}

func TestVetPrograms(t *testing.T) {
	for _, tt := range []struct {
		gopherfile string
		want       int
	}{
		{"version: 1\ntest: {tags: [integration]}\n", 0},
		{"version: 1\nenv:\n  GOFLAGS: -vettool=/src/vet\n", 1},
		{"version: 1\nenv:\n  CC: gcc\n", 1},
	} {
		p, err := New(mustSpec(t, tt.gopherfile), gomod.Module{Facts: &gomod.Facts{Path: "example.com/app", Go: "1.24"}}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.VetPrograms(); len(got) != tt.want {
			t.Errorf("%q: got %q", tt.gopherfile, got)
		}
	}
}

// TestCacheNamespace: the namespace is the build arg alone, never the
// module path.
func TestCacheNamespace(t *testing.T) {
	for _, tt := range []struct {
		args map[string]string
		want string
	}{
		{nil, ""},
		{map[string]string{ArgCacheNS: "pr"}, "pr"},
		{map[string]string{ArgCacheNS: "ci/trusted"}, "ci/trusted"},
	} {
		p, err := New(mustSpec(t, "version: 1\n"), gomod.Module{Facts: &gomod.Facts{Path: "example.com/app", Go: "1.24"}}, Options{BuildArgs: tt.args})
		if err != nil {
			t.Fatal(err)
		}
		if p.CacheNS != tt.want {
			t.Errorf("%v: namespace %q, want %q", tt.args, p.CacheNS, tt.want)
		}
	}
}

// TestPrivateInLayer: with the module cache in a layer, the private
// requirements (GOPRIVATE or GONOPROXY, as the go command matches them) are
// listed for the warning.
func TestPrivateInLayer(t *testing.T) {
	facts := &gomod.Facts{Path: "example.com/app", Go: "1.24", RequirePaths: []string{"github.com/acme/secret", "github.com/public/lib", "git.corp.example/x/y", "github.com/acme/secret"}}
	for _, tt := range []struct {
		gopherfile string
		args       map[string]string
		want       string
	}{
		{"version: 1\nmodules:\n  private: [github.com/acme]\n", nil, ""}, // mount: nothing travels
		{"version: 1\ncache: {modules: layer}\n", nil, ""},
		{"version: 1\ncache: {modules: layer}\nmodules:\n  private: [github.com/acme]\n", nil, "github.com/acme/secret"},
		{"version: 1\ncache: {modules: layer}\nmodules:\n  noproxy: [\"*.corp.example\"]\n", nil, "git.corp.example/x/y"},
		{"version: 1\ncache: {modules: layer}\n", map[string]string{"GOPRIVATE": "github.com/acme/*,git.corp.example"}, "github.com/acme/secret,git.corp.example/x/y"},
	} {
		p, err := New(mustSpec(t, tt.gopherfile), gomod.Module{Facts: facts}, Options{BuildArgs: tt.args})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(p.PrivateInLayer, ","); got != tt.want {
			t.Errorf("%q %v: got %q, want %q", tt.gopherfile, tt.args, got, tt.want)
		}
	}
}
