package scaffold

import (
	"reflect"
	"strings"
	"testing"
)

// cosignRelease is the shape of a real release config (sigstore/cosign's
// .goreleaser.yml, shortened): a plain CGO_ENABLED=0 build, and two builds
// of the same main package with extra tags whose hooks install the C library
// libpcsclite-dev and which therefore build with cgo.
const cosignRelease = `project_name: cosign
version: 2

env:
  - GO111MODULE=on
  - CGO_ENABLED=1

before:
  hooks:
    - go mod tidy
    - git --no-pager diff --exit-code go.mod go.sum

builds:
  - id: linux
    binary: cosign-linux-{{ .Arch }}
    no_unique_dist_dir: true
    main: ./cmd/cosign
    flags:
      - -trimpath
    mod_timestamp: '{{ .CommitTimestamp }}'
    goos:
      - linux
    goarch: [amd64, arm64]
    ldflags:
      - "{{ .Env.LDFLAGS }}"
    env:
      - CGO_ENABLED=0

  - id: linux-pivkey-pkcs11key-amd64
    binary: cosign-linux-pivkey-pkcs11key-amd64
    main: ./cmd/cosign
    flags:
      - -trimpath
    goos:
      - linux
    goarch:
      - amd64
    tags:
      - pivkey
      - pkcs11key
    hooks:
      pre:
        - apt-get update
        - apt-get -y install --no-install-recommends libpcsclite-dev
    env:
      - PKG_CONFIG_PATH=/usr/lib/x86_64-linux-gnu/pkgconfig/

  - id: linux-pivkey-pkcs11key-arm64
    binary: cosign-linux-pivkey-pkcs11key-arm64
    main: ./cmd/cosign
    goos:
      - linux
    goarch:
      - arm64
    tags:
      - pivkey
      - pkcs11key
    hooks:
      pre:
        - dpkg --add-architecture arm64
        - apt-get update
        - apt-get install -y --no-install-recommends libpcsclite-dev:arm64
    env:
      - CC=aarch64-linux-gnu-gcc
      - PKG_CONFIG_PATH=/usr/lib/aarch64-linux-gnu/pkgconfig/

  - id: darwin-amd64
    binary: cosign-darwin-amd64
    env:
      - CC=o64-clang
    main: ./cmd/cosign
    goos:
      - darwin
    tags:
      - pivkey
      - pkcs11key
`

// TestReleaseHooks: a release build that needs what a hook installs or
// generates, or C libraries, is written commented out, saying what to add,
// unless it is the only build.
func TestReleaseHooks(t *testing.T) {
	two := func(hooks1, hooks2, env2 string) string {
		return "builds:\n  - id: server\n    main: ./cmd/server\n" + hooks1 +
			"  - id: agent\n    main: ./cmd/agent\n" + hooks2 + env2
	}
	twoMains := map[string]string{"cmd/server/main.go": mainGo, "cmd/agent/main.go": mainGo}
	tests := []struct {
		name     string
		files    map[string]string
		config   string
		builds   []string // mains built
		held     []string // names held
		heldWhy  []string // in the first held build's Held
		add      []string // in its Add
		notes    []string // in the project's notes
		rendered []string // in the Gopherfile
		cgoWhy   string
	}{
		{
			name: "cosign: the tagged builds need libpcsclite-dev", files: map[string]string{"cmd/cosign/main.go": mainGo},
			config: cosignRelease,
			builds: []string{"./cmd/cosign"},
			held:   []string{"cosign-linux-pivkey-pkcs11key-amd64", "cosign-linux-pivkey-pkcs11key-arm64"},
			heldWhy: []string{`.goreleaser.yml build "linux-pivkey-pkcs11key-amd64" runs ` + "`apt-get update`, `apt-get -y install --no-install-recommends libpcsclite-dev`",
				"installs the system package(s) libpcsclite-dev"},
			add: []string{"cgo: true", "a builder: image that has libpcsclite-dev", "apt-get install libpcsclite-dev pkg-config", "image.base"},
			rendered: []string{
				"  # Not built: .goreleaser.yml build \"linux-pivkey-pkcs11key-amd64\" runs",
				"  # - name: \"cosign-linux-pivkey-pkcs11key-amd64\"\n  #   main: \"./cmd/cosign\"\n  #   tags: [\"pivkey\", \"pkcs11key\"]\n",
				"  # - name: \"cosign-linux-pivkey-pkcs11key-arm64\"\n",
				"cc: {linux/<arch>: aarch64-linux-gnu-gcc} for the C",
			},
			cgoWhy: `.goreleaser.yml build "linux" sets CGO_ENABLED=0`,
		},
		{
			name: "a build whose hook runs a script", files: twoMains,
			config: two("", "    hooks:\n      pre: ./scripts/embed-assets.sh\n", ""),
			builds: []string{"./cmd/server"}, held: []string{"agent"},
			heldWhy: []string{"runs `./scripts/embed-assets.sh` before it builds"},
			add:     []string{"commit them, or pass them in with sources:"},
		},
		{
			name: "a build whose hook runs make and go generate", files: twoMains,
			config: two("", "    hooks:\n      pre:\n        - cmd: make proto\n          dir: api\n        - go generate ./...\n", ""),
			builds: []string{"./cmd/server"}, held: []string{"agent"},
			heldWhy: []string{"`make proto`, `go generate ./...`"},
			add:     []string{"generate: [./...]", "commit them"},
		},
		{
			name: "a build that links C libraries through its env", files: twoMains,
			config: two("", "", "    env:\n      - CGO_ENABLED=1\n      - CGO_LDFLAGS=-lpcap\n"),
			builds: []string{"./cmd/server"}, held: []string{"agent"},
			heldWhy: []string{"points the C toolchain at libraries (CGO_LDFLAGS=-lpcap)"},
			add:     []string{"cgo: true if it is a C library"},
		},
		{
			name: "harmless global hooks hold nothing", files: twoMains,
			config: "before:\n  hooks:\n    - go mod tidy\n    - /bin/bash -c 'if [ -n \"$(git --no-pager diff --exit-code go.mod go.sum)\" ]; then exit 1; fi'\n" + two("", "", ""),
			builds: []string{"./cmd/server", "./cmd/agent"},
		},
		{
			name: "global hooks every build needs: the builds stay, with notes", files: twoMains,
			config: "before:\n  hooks:\n    - sudo apt-get update && sudo apt-get install -y libpcap-dev\n    - go generate ./...\n" + two("", "", ""),
			builds: []string{"./cmd/server", "./cmd/agent"},
			notes:  []string{"it is the only build, so init wrote it, but Gopherfile runs no release hooks: add cgo: true, a builder: image that has libpcap-dev"},
			rendered: []string{
				"# hooks, so this build fails unless the builder has what they provide: add",
			},
		},
		{
			name: "the only build, with a hook, stays", files: map[string]string{"main.go": mainGo},
			config: "builds:\n  - hooks:\n      pre: apk add --no-cache libpcap-dev\n",
			builds: []string{"."},
			notes:  []string{"runs `apk add --no-cache libpcap-dev` before it builds"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"go.mod": "module github.com/acme/tool\n\ngo 1.24\n", ".goreleaser.yml": tt.config}
			for k, v := range tt.files {
				files[k] = v
			}
			p := analyze(t, files)
			if got := mains(p); !reflect.DeepEqual(got, tt.builds) {
				t.Errorf("builds %q, want %q", got, tt.builds)
			}
			if got := p.HeldNames(); !(len(got) == 0 && len(tt.held) == 0) && !reflect.DeepEqual(got, tt.held) {
				t.Errorf("held %q, want %q", got, tt.held)
			}
			if len(p.Held) > 0 {
				for _, w := range tt.heldWhy {
					if !strings.Contains(p.Held[0].Held, w) {
						t.Errorf("held why %q lacks %q", p.Held[0].Held, w)
					}
				}
				for _, w := range tt.add {
					if !strings.Contains(p.Held[0].Add, w) {
						t.Errorf("add %q lacks %q", p.Held[0].Add, w)
					}
				}
			}
			all := strings.Join(p.Notes, "\n")
			for _, n := range tt.notes {
				if !strings.Contains(all, n) {
					t.Errorf("notes lack %q:\n%s", n, all)
				}
			}
			text := p.Render()
			if strings.Contains(text, "FROM golang:<go>") || strings.Contains(all, "FROM golang:<go>") {
				t.Errorf("a placeholder for the builder's Go is left:\n%s", text)
			}
			for _, r := range tt.rendered {
				if !strings.Contains(text, r) {
					t.Errorf("the Gopherfile lacks %q:\n%s", r, text)
				}
			}
			if tt.cgoWhy != "" && p.CGOWhy != tt.cgoWhy {
				t.Errorf("cgo why %q, want %q", p.CGOWhy, tt.cgoWhy)
			}
			if p.CGO {
				t.Errorf("a held build turned cgo on for the others")
			}
		})
	}
}

func TestClassifyHook(t *testing.T) {
	tests := []struct {
		cmd, kind string
		pkgs      []string
	}{
		{"apt-get -y install --no-install-recommends libpcsclite-dev", "packages", []string{"libpcsclite-dev"}},
		{"sudo apt-get update && sudo apt-get install -y libpcap-dev pkg-config=0.29-6", "packages", []string{"libpcap-dev", "pkg-config"}},
		{"apt-get install -y --no-install-recommends libpcsclite-dev:arm64", "packages", []string{"libpcsclite-dev"}},
		{"dpkg --add-architecture arm64", "packages", nil},
		{"apk add --no-cache build-base libpcap-dev", "packages", []string{"build-base", "libpcap-dev"}},
		{"sh -c 'cd web && npm ci && npm run build'", "make", nil},
		{"go generate ./...", "generate", nil},
		{"GOFLAGS=-mod=mod go run ./internal/gen", "generate", nil},
		{"make completions", "make", nil},
		{"./scripts/completions.sh", "script", nil},
		{"go mod tidy", "", nil},
		{"git --no-pager diff --exit-code go.mod go.sum", "", nil},
		{"rm -rf dist", "", nil},
	}
	for _, tt := range tests {
		h, ok := classifyHook(tt.cmd, true)
		if ok != (tt.kind != "") || h.Kind != tt.kind || !reflect.DeepEqual(h.Packages, tt.pkgs) {
			t.Errorf("classifyHook(%q) = %q %q %v, want %q %q", tt.cmd, h.Kind, h.Packages, ok, tt.kind, tt.pkgs)
		}
	}
	if h, _ := classifyHook("make gen\x1b[2J\nbuilds: []", true); strings.ContainsAny(h.Cmd, "\x1b\n") {
		t.Errorf("control characters kept: %q", h.Cmd)
	}
	if _, ok := classifyHook("upx --best dist/app", false); ok {
		t.Error("an unknown command of the global hooks holds the builds")
	}
	if h, ok := classifyHook("upx --best dist/app", true); !ok || h.Kind != "command" {
		t.Error("an unknown command of a build's own hooks is something it needs")
	}
}
