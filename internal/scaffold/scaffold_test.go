package scaffold

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/spec"
)

const mainGo = "package main\n\nfunc main() {}\n"

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func analyze(t *testing.T, files map[string]string) *Project {
	t.Helper()
	p, err := Analyze(writeTree(t, files), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Whatever init decides, the Gopherfile it writes parses and plans.
	s, _, err := spec.Parse([]byte(p.Render()))
	if err != nil {
		t.Fatalf("the Gopherfile does not parse: %v\n%s", err, p.Render())
	}
	if _, err := plan.New(s, gomod.Module{Facts: p.Facts, Work: p.Work}, plan.Options{}); err != nil {
		t.Fatalf("the Gopherfile does not plan: %v\n%s", err, p.Render())
	}
	return p
}

func mains(p *Project) []string {
	var out []string
	for _, b := range p.Builds {
		out = append(out, b.Main)
	}
	return out
}

func others(p *Project) []string {
	var out []string
	for _, o := range p.Others {
		out = append(out, o.Main)
	}
	return out
}

// TestRanking: with no release config, the program is the best-ranked main
// package; the rest are listed.
func TestRanking(t *testing.T) {
	tests := []struct {
		name   string
		module string
		files  map[string]string
		want   string   // the build's main, "" for none
		why    string   // part of its Why
		others []string // listed, in rank order
	}{
		{"root main", "github.com/acme/tool", map[string]string{"main.go": mainGo, "cmd/gen/main.go": mainGo}, ".", "module root", []string{"./cmd/gen"}},
		{"cmd/<module name> before other cmd", "github.com/acme/tool/v2", map[string]string{"cmd/a/main.go": mainGo, "cmd/tool/main.go": mainGo, "cmd/z/main.go": mainGo}, "./cmd/tool", "named like the module", []string{"./cmd/a", "./cmd/z"}},
		{"root before cmd/<module name>", "example.com/srv", map[string]string{"main.go": mainGo, "cmd/srv/main.go": mainGo}, ".", "module root", []string{"./cmd/srv"}},
		{"README go install picks among cmd", "mvdan.cc/sh/v3", map[string]string{"cmd/gosh/main.go": mainGo, "cmd/shfmt/main.go": mainGo, "README.md": "Install it:\n\n\tgo install mvdan.cc/sh/v3/cmd/shfmt@latest\n"}, "./cmd/shfmt", "go install` in README.md", []string{"./cmd/gosh"}},
		{"Makefile go build", "example.com/m", map[string]string{"cmd/a/main.go": mainGo, "cmd/b/main.go": mainGo, "Makefile": "build:\n\tgo build -o bin/b ./cmd/b\n"}, "./cmd/b", "built by Makefile", []string{"./cmd/a"}},
		{"a main outside cmd", "go.uber.org/mock", map[string]string{"mockgen/main.go": mainGo, "sample/main.go": mainGo, "lib.go": "package mock\n"}, "./mockgen", "another main package", []string{"./sample"}},
		{"build-tag-only and ignore mains are not mains", "example.com/m", map[string]string{
			"main.go":         "//go:build ignore_build_go\n\npackage main\n\nfunc main() {}\n",
			"gen.go":          "//go:build ignore\n\npackage main\n",
			"lib.go":          "package m\n",
			"plugins/p.go":    "//go:build plugins\n\npackage main\n\nfunc main() {}\n",
			"cmd/m/main.go":   mainGo,
			"win/main.go":     "//go:build windows\n\npackage main\n\nfunc main() {}\n",
			"helpers/x/x.go":  mainGo,
			"cmd/m/x_test.go": "package main\n",
		}, "./cmd/m", "named like the module", []string{"./helpers/x"}},
		{"examples, tools, tests and internal are never chosen", "example.com/m", map[string]string{
			"examples/a/main.go": mainGo, "_examples/b/main.go": mainGo, "tools/c/main.go": mainGo, "hack/d/main.go": mainGo,
			"tests/cmd/e/main.go": mainGo, "internal/cmd/f/main.go": mainGo, "docs/g/main.go": mainGo, "scripts/h/main.go": mainGo,
			"testdata/i/main.go": mainGo, "cmd/server/main.go": mainGo,
		}, "./cmd/server", "another command under cmd/", []string{"./docs/g", "./examples/a", "./hack/d", "./scripts/h", "./tools/c", "./internal/cmd/f", "./tests/cmd/e"}},
		{"only skipped mains: none built", "example.com/lib", map[string]string{"lib.go": "package lib\n", "examples/demo/main.go": mainGo}, "", "", []string{"./examples/demo"}},
		{"nested module and vendor are not ours", "example.com/m", map[string]string{"main.go": mainGo, "sub/go.mod": "module example.com/sub\n", "sub/main.go": mainGo, "vendor/x/main.go": mainGo}, ".", "module root", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"go.mod": "module " + tt.module + "\n\ngo 1.24\n"}
			for k, v := range tt.files {
				files[k] = v
			}
			p := analyze(t, files)
			got := strings.Join(mains(p), ",")
			if got != tt.want {
				t.Fatalf("builds %q, want %q (others %v)", got, tt.want, others(p))
			}
			if tt.want != "" && !strings.Contains(p.Builds[0].Why, tt.why) {
				t.Errorf("why %q, want it to contain %q", p.Builds[0].Why, tt.why)
			}
			if !reflect.DeepEqual(others(p), tt.others) {
				t.Errorf("others %q, want %q", others(p), tt.others)
			}
		})
	}
}

// TestReleaseConfigs: the release config decides, when it builds something
// for linux that is a main package.
func TestReleaseConfigs(t *testing.T) {
	gomodFile := "module github.com/acme/tool\n\ngo 1.24\n"
	tests := []struct {
		name    string
		files   map[string]string
		release string
		builds  []Build // Name, Main, Tags, Ldflags, Flags, Env compared
		cgo     bool
		cgoWhy  string
		notes   []string // parts of p.Notes
	}{
		{
			name: "goreleaser builds with templates, env, tags and flags",
			files: map[string]string{
				"cmd/tool/main.go": mainGo, "cmd/helper/main.go": mainGo, "cmd/win/main.go": mainGo,
				".goreleaser.yaml": `version: 2
project_name: tool
builds:
  - id: tool
    main: ./cmd/tool
    binary: bin/{{ .ProjectName }}
    env: [CGO_ENABLED=0, GO111MODULE=on, GOEXPERIMENT=jsonv2]
    flags: [-trimpath, -tags=netgo, -v]
    tags: [osusergo]
    ldflags:
      - -s -w -X main.version={{ .Version }} -X main.commit={{.ShortCommit}}
      - -X "main.date={{ .CommitDate }}" -X main.builtBy=goreleaser -X main.branch={{ .Branch }}
    goos: [linux, darwin]
  - id: tool-darwin
    main: ./cmd/tool
    binary: tool
    goos: [darwin]
  - id: helper
    dir: cmd
    main: ./helper/main.go
  - id: win
    main: ./cmd/win
    goos: [windows]
  - id: prebuilt
    builder: prebuilt
`,
			},
			release: ".goreleaser.yaml",
			builds: []Build{
				{Name: "tool", Main: "./cmd/tool", Tags: []string{"osusergo", "netgo"}, Ldflags: "-X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.Date}} -X main.builtBy=goreleaser", Env: map[string]string{"GOEXPERIMENT": "jsonv2"}},
				{Main: "./cmd/helper"},
			},
			cgoWhy: `.goreleaser.yaml build "tool" sets CGO_ENABLED=0`,
			notes:  nil,
		},
		{
			name: "goreleaser env with module settings (go.uber.org/mock v0.6.0)",
			files: map[string]string{
				"mockgen/main.go": mainGo,
				".goreleaser.yml": "builds:\n  - binary: mockgen\n    env:\n      - CGO_ENABLED=0\n      - GO111MODULE=on\n      - GOPROXY=https://ci:secret@proxy.example.com\n      - GOSUMDB=sum.golang.org\n      - GOOS=linux\n    main: ./mockgen/\n",
			},
			release: ".goreleaser.yml",
			builds:  []Build{{Name: "mockgen", Main: "./mockgen"}},
			cgoWhy:  ".goreleaser.yml builds[0] sets CGO_ENABLED=0",
		},
		{
			name: "goreleaser default build",
			files: map[string]string{
				"main.go": mainGo, "cmd/other/main.go": mainGo,
				".goreleaser.yml": "project_name: tool\narchives:\n  - format: tar.gz\n",
			},
			release: ".goreleaser.yml",
			builds:  []Build{{Main: "."}},
		},
		{
			name: "goreleaser with remote includes only: the ranking decides",
			files: map[string]string{
				"main.go":         mainGo,
				".goreleaser.yml": "includes:\n  - from_url:\n      url: https://example.com/goreleaser.yaml\n",
			},
			builds: []Build{{Main: "."}},
			notes:  []string{"takes its builds from includes:"},
		},
		{
			name: "goreleaser build of a package that is not main",
			files: map[string]string{
				"cmd/tool/main.go": mainGo, "lib/lib.go": "package lib\n",
				".goreleaser.yml": "builds:\n  - main: ./lib\n  - main: ./cmd/tool\n",
			},
			release: ".goreleaser.yml",
			builds:  []Build{{Main: "./cmd/tool"}},
			notes:   []string{".goreleaser.yml builds[0] builds lib, but lib is package lib"},
		},
		{
			name: "goreleaser with CGO_ENABLED=1",
			files: map[string]string{
				"main.go": mainGo, ".goreleaser.yml": "builds:\n  - env: [CGO_ENABLED=1]\n",
			},
			release: ".goreleaser.yml",
			builds:  []Build{{Main: "."}},
			cgo:     true, cgoWhy: ".goreleaser.yml builds[0] sets CGO_ENABLED=1",
		},
		{
			name: "ko",
			files: map[string]string{
				"cmd/app/main.go": mainGo, "main.go": mainGo,
				".ko.yaml": "defaultBaseImage: cgr.dev/chainguard/static\nbuilds:\n  - id: app\n    main: ./cmd/app\n    ldflags: [\"-X main.v={{.Env.VERSION}}\"]\n    env: [CGO_ENABLED=0]\n",
			},
			release: ".ko.yaml",
			builds:  []Build{{Main: "./cmd/app"}},
			cgoWhy:  ".ko.yaml builds[0] sets CGO_ENABLED=0",
			notes:   []string{"defaultBaseImage cgr.dev/chainguard/static"},
		},
		{
			name: "ko without main: the ranking decides",
			files: map[string]string{
				"main.go": mainGo, ".ko.yaml": "builds:\n  - id: x\n    ldflags: [\"{{ .Env.LDFLAGS }}\"]\n",
			},
			builds: []Build{{Main: "."}},
			notes:  []string{"names no main"},
		},
		{
			name: "promu",
			files: map[string]string{
				"main.go": mainGo, "cmd/tool2/main.go": mainGo,
				".promu.yml": `go:
  version: 1.26
  cgo: true
repository:
  path: github.com/acme/tool
build:
  binaries:
    - name: tool
    - name: tool2
      path: ./cmd/tool2
  flags: -a -tags netgo,osusergo
  ldflags: |
    -X github.com/prometheus/common/version.Version={{.Version}}
    -X github.com/prometheus/common/version.Revision={{.Revision}}
    -X github.com/prometheus/common/version.BuildUser={{user}}@{{host}}
    -X github.com/prometheus/common/version.BuildDate={{date "20060102-15:04:05"}}
`,
			},
			release: ".promu.yml",
			builds: []Build{
				{Name: "tool", Main: ".", Tags: []string{"netgo", "osusergo"}, Ldflags: "-X github.com/prometheus/common/version.Version={{.Version}} -X github.com/prometheus/common/version.Revision={{.Commit}} -X github.com/prometheus/common/version.BuildDate={{.Date}}"},
				{Name: "tool2", Main: "./cmd/tool2", Tags: []string{"netgo", "osusergo"}, Ldflags: "-X github.com/prometheus/common/version.Version={{.Version}} -X github.com/prometheus/common/version.Revision={{.Commit}} -X github.com/prometheus/common/version.BuildDate={{.Date}}"},
			},
			cgo: true, cgoWhy: ".promu.yml build.binaries[0] sets CGO_ENABLED=1",
		},
		{
			name:    "promu without binaries: named after the repository",
			files:   map[string]string{"main.go": mainGo, ".promu.yml": "repository:\n  path: github.com/acme/tool\n"},
			release: ".promu.yml",
			builds:  []Build{{Name: "tool", Main: "."}},
		},
		{
			name:   "a release config that does not parse",
			files:  map[string]string{"main.go": mainGo, ".goreleaser.yml": "builds: [\n"},
			builds: []Build{{Main: "."}},
			notes:  []string{".goreleaser.yml does not parse"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"go.mod": gomodFile}
			for k, v := range tt.files {
				files[k] = v
			}
			p := analyze(t, files)
			if p.Release != tt.release {
				t.Errorf("release %q, want %q", p.Release, tt.release)
			}
			if len(p.Builds) != len(tt.builds) {
				t.Fatalf("builds %+v, want %+v", p.Builds, tt.builds)
			}
			for i, w := range tt.builds {
				g := p.Builds[i]
				g.Why, g.Notes = "", nil
				if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", w) {
					t.Errorf("build %d:\n got %+v\nwant %+v", i, g, w)
				}
			}
			if p.CGO != tt.cgo || p.CGOWhy != tt.cgoWhy {
				t.Errorf("cgo %v (%q), want %v (%q)", p.CGO, p.CGOWhy, tt.cgo, tt.cgoWhy)
			}
			all := strings.Join(p.Notes, "\n")
			for _, n := range tt.notes {
				if !strings.Contains(all, n) {
					t.Errorf("notes do not contain %q:\n%s", n, all)
				}
			}
		})
	}
}
