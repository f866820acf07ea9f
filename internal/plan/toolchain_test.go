package plan

import (
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/gomod"
)

// TestRunner: the go steps run with the toolchain from the module proxy
// unless the build needs a C compiler or git, names its builder, or asks
// for a Go the module proxy has no toolchain for; the reason says which.
func TestRunner(t *testing.T) {
	sqlite := gomod.Facts{Go: "1.25", RequirePaths: []string{"github.com/mattn/go-sqlite3"}}
	for _, tt := range []struct {
		name, gopherfile string
		facts            gomod.Facts
		args             map[string]string
		target           string
		toolchain        string // "" for the image
		why              string
	}{
		{"pure Go", "version: 1\n", gomod.Facts{Go: "1.25.0"}, nil, "", "1.25.14", "a pure Go build: Go 1.25.14 from the module proxy"},
		{"go: minor line", "version: 1\ngo: \"1.26\"\n", gomod.Facts{Go: "1.25"}, nil, "", "1.26.11", "Go 1.26.11"},
		{"toolchain line, an older patch", "version: 1\n", gomod.Facts{Go: "1.25", Toolchain: "1.25.3"}, nil, "", "1.25.3", "Go 1.25.3"},
		{"GO_VERSION", "version: 1\n", gomod.Facts{Go: "1.21"}, map[string]string{ArgGoVersion: "1.27"}, "", "1.27.4", "Go 1.27.4"},
		{"cgo: true", "version: 1\ncgo: true\n", gomod.Facts{Go: "1.25"}, nil, "", "", "cgo is on"},
		{"CGO_ENABLED in env", "version: 1\nenv: {CGO_ENABLED: \"1\"}\n", gomod.Facts{Go: "1.25"}, nil, "", "", "cgo is on"},
		{"known cgo module", "version: 1\n", sqlite, nil, "", "", "go.mod requires github.com/mattn/go-sqlite3"},
		{"known cgo module, cgo: false", "version: 1\ncgo: false\n", sqlite, nil, "", "1.25.14", "pure Go"},
		{"race", "version: 1\ntest: {race: true}\n", gomod.Facts{Go: "1.25"}, nil, TargetTest, "", "test.race"},
		{"race, image target", "version: 1\ntest: {race: true}\n", gomod.Facts{Go: "1.25"}, nil, "", "1.25.14", "pure Go"},
		{"builder named", "version: 1\nbuilder: registry.example.com/go:1\n", gomod.Facts{Go: "1.25"}, nil, "", "", "the builder is named: the Gopherfile's builder: registry.example.com/go:1"},
		{"BUILDER_IMAGE", "version: 1\n", gomod.Facts{Go: "1.25"}, map[string]string{ArgBuilderImage: "golang:1.25"}, "", "", "--build-arg BUILDER_IMAGE=golang:1.25"},
		{"private modules", "version: 1\nmodules:\n  private: [github.com/acme/*]\n", gomod.Facts{Go: "1.25"}, nil, "", "", "modules.private (GOPRIVATE)=github.com/acme/*: those modules are fetched from version control with git"},
		{"private modules through the proxy", "version: 1\nmodules:\n  private: [github.com/acme/*]\n  noproxy: [none]\n", gomod.Facts{Go: "1.25"}, nil, "", "1.25.14", "pure Go"},
		{"GOPROXY=direct", "version: 1\n", gomod.Facts{Go: "1.25"}, map[string]string{"GOPROXY": "direct"}, "", "", "GOPROXY=direct names no module proxy"},
		{"GOPROXY=off", "version: 1\nmodules:\n  proxy: \"off\"\n", gomod.Facts{Go: "1.25"}, nil, "", "", "GOPROXY=off"},
		{"password in GOPROXY is not shown", "version: 1\n", gomod.Facts{Go: "1.25"}, map[string]string{"GOPROXY": "direct,https://u:pw@p.example"}, "", "", "u:xxxxx@p.example"},
		{"Go before toolchain modules", "version: 1\ngo: \"1.20\"\n", gomod.Facts{Go: "1.20"}, nil, "", "", "Go 1.20: the module proxy has toolchains of Go releases from 1.21 on"},
		{"unknown minor line", "version: 1\n", gomod.Facts{Go: "1.99"}, nil, "", "", "Go 1.99"},
		{"unknown patch of a future line", "version: 1\n", gomod.Facts{Go: "1.99.1"}, nil, "", "1.99.1", "Go 1.99.1"},
		{"SSH", "version: 1\nmodules:\n  ssh: required\n", gomod.Facts{Go: "1.25"}, nil, "", "", "git over SSH"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.facts
			f.Path = "example.com/app"
			p, err := New(mustSpec(t, tt.gopherfile), gomod.Module{Facts: &f}, Options{BuildArgs: tt.args, Target: tt.target})
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if p.Toolchain != nil {
				got = p.Toolchain.GoVersion
			}
			if got != tt.toolchain || !strings.Contains(p.RunnerReason, tt.why) || strings.Contains(p.RunnerReason, "pw@") {
				t.Errorf("toolchain %q (runner %s: %s), want %q with a reason containing %q", got, p.Runner, p.RunnerReason, tt.toolchain, tt.why)
			}
			if (p.Runner == RunnerToolchain) != (p.Toolchain != nil) {
				t.Errorf("runner %s with toolchain %+v", p.Runner, p.Toolchain)
			}
		})
	}
}

// TestToolchainHashes: the table's hashes reach the plan for the newest
// patch of a line, and an older patch has none (the fetch step verifies it
// against the checksum database).
func TestToolchainHashes(t *testing.T) {
	for _, row := range goReleases {
		for arch, h := range row.Hashes {
			if !strings.HasPrefix(h, "h1:") || len(h) != 47 {
				t.Errorf("%s %s: %q is not an h1 hash", row.Minor, arch, h)
			}
		}
		if row.Hashes["amd64"] == "" {
			t.Errorf("%s: no linux/amd64 hash", row.Minor)
		}
	}
	if ToolchainHash(NewestGo(), "amd64") == "" || ToolchainHash(NewestGo(), "arm64") == "" {
		t.Errorf("the newest Go %s has no amd64 or arm64 hash", NewestGo())
	}
	if h := ToolchainHash("1.25.3", "amd64"); h != "" {
		t.Errorf("1.25.3 (not its line's newest) has the hash %s", h)
	}
	tc := &Toolchain{GoVersion: "1.25.14", Hashes: map[string]string{"amd64": "h1:abc"}}
	if tc.Identity("amd64") != "go1.25.14@h1:abc" || tc.Identity("riscv64") != "go1.25.14" {
		t.Errorf("identities %q %q", tc.Identity("amd64"), tc.Identity("riscv64"))
	}
}
