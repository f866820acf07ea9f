package lint

import (
	"testing/fstest"

	"github.com/gopherfile/gopherfile/internal/gomod"
)

func mapFile(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

// srcTree is a build context with a root main, a cmd, a library, a main
// package behind a build tag and one for windows only.
var srcTree = fstest.MapFS{
	"go.mod":                  mapFile("module github.com/acme/tool\n\ngo 1.26\n"),
	"main.go":                 mapFile("package main\n\nfunc main() {}\n"),
	"cmd/srv/main.go":         mapFile("package main\n\nfunc main() {}\n"),
	"lib/lib.go":              mapFile("package lib\n"),
	"plugins/gen.go":          mapFile("//go:build plugins\n\npackage main\n\nfunc main() {}\n"),
	"win/main_windows.go":     mapFile("package main\n\nfunc main() {}\n"),
	"svc/go.mod":              mapFile("module github.com/acme/svc\n\ngo 1.26\n"),
	"svc/cmd/api/main.go":     mapFile("package main\n\nfunc main() {}\n"),
	"cgoonly/main.go":         mapFile("package main\n\nimport \"C\"\n\nfunc main() {}\n"),
	"cmd/srv/internal/x/x.go": mapFile("package x\n"),
}

func mainNotMainCases() []lintCase {
	tree := Options{Tree: srcTree}
	return []lintCase{
		{name: "root main", file: "version: 1\n", facts: defaultFacts, opt: tree},
		{name: "no builds: cmd/<module name> when the root is no main", file: "version: 1\nmodule: svc\n", facts: &gomod.Facts{Path: "github.com/acme/api", Go: "1.26"}, opt: tree},
		{name: "no tree: not checked", file: "version: 1\nbuilds:\n  - main: ./lib\n", facts: defaultFacts},
		{name: "cmd and tagged main with its tag", file: "version: 1\nbuilds:\n  - main: ./cmd/srv\n  - main: ./plugins\n    tags: [plugins]\n", facts: defaultFacts, opt: tree},
		{name: "module dir", file: "version: 1\nmodule: svc\nbuilds:\n  - main: ./cmd/api\n", facts: &gomod.Facts{Path: "github.com/acme/svc", Go: "1.26"}, opt: tree},
		{name: "cgo-only main with cgo", file: "version: 1\ncgo: true\nbuilds:\n  - main: ./cgoonly\n", facts: defaultFacts, opt: tree},
		{
			name: "every bad main is reported",
			file: "version: 1\ncgo: false\nbuilds:\n  - main: ./lib\n  - main: ./plugins\n  - main: ./win\n  - main: ./nothere\n  - main: ./cgoonly\n",
			// (the plan is fine; each main fails on its own)
			facts: defaultFacts, opt: tree,
			want: []want{
				{RuleMainNotMain, 4, "builds[0].main", 0, "main ./lib does not build a program: lib is package lib, not a main package"},
				{RuleMainNotMain, 5, "builds[1].main", 0, "build constraints exclude gen.go"},
				{RuleMainNotMain, 6, "builds[2].main", 0, "build constraints exclude main_windows.go"},
				{RuleMainNotMain, 7, "builds[3].main", 0, "there is no directory nothere"},
				{RuleMainNotMain, 8, "builds[4].main", 0, "cgoonly"},
			},
		},
		// cgo unset: a main that needs cgo is built with it.
		{name: "cgo-only main with cgo unset", file: "version: 1\nbuilds:\n  - main: ./cgoonly\n", facts: defaultFacts, opt: tree},
		{
			name:  "default build without a root main",
			file:  "version: 1\nmodule: svc\n",
			facts: &gomod.Facts{Path: "github.com/acme/svc", Go: "1.26"}, opt: tree,
			want: []want{{RuleMainNotMain, 1, "version", 0, "main . (the default: no builds: listed) does not build a program: svc has no Go files"}},
		},
		{
			name:  "without a plan",
			file:  "version: 1\nbuilds:\n  - main: ./lib\n  - main: ./a/x\n  - main: ./b/x\n",
			facts: defaultFacts, opt: tree,
			want: []want{
				{RuleMainNotMain, 3, "builds[0].main", 0, "lib is package lib"},
				{RuleMainNotMain, 4, "builds[1].main", 0, "there is no directory a/x"},
				{RuleMainNotMain, 5, "builds[2].main", 0, "there is no directory b/x"},
			},
		},
	}
}

func entrypointNotBuiltCases() []lintCase {
	return []lintCase{
		{name: "default entrypoint", file: "version: 1\n", facts: defaultFacts},
		{name: "a build's output", file: "version: 1\nbuilds:\n  - name: srv\n    main: ./cmd/srv\nimage:\n  entrypoint: [/usr/local/bin/srv, serve]\n", facts: defaultFacts},
		{name: "through PATH", file: "version: 1\nbuilds:\n  - name: srv\n    main: ./cmd/srv\nimage:\n  entrypoint: [srv]\n", facts: defaultFacts},
		{name: "a file the image gets", file: "version: 1\nimage:\n  entrypoint: [/entry.sh]\n  files:\n    - {src: entry.sh, dst: /entry.sh}\n", facts: defaultFacts},
		{
			name:  "not built, on distroless static",
			file:  "version: 1\nbuilds:\n  - name: srv\n    main: ./cmd/srv\nimage:\n  entrypoint: [/usr/local/bin/server]\n",
			facts: defaultFacts,
			want:  []want{{RuleEntrypointNotBuilt, 6, "image.entrypoint", LevelError, "image.entrypoint runs /usr/local/bin/server, which no build makes (they make /usr/local/bin/srv) and image.files does not add, and the base the built-in static base (the default base) has no programs"}},
		},
		{name: "a program of a base that has programs", file: "version: 1\nimage:\n  base: debian:12\n  entrypoint: [/bin/sh, -c, tool]\n", facts: defaultFacts},
	}
}

func ccWithoutCGOCases() []lintCase {
	return []lintCase{
		{name: "cc with cgo", file: "version: 1\ncgo: true\ncc:\n  linux/arm64: aarch64-linux-gnu-gcc\n", facts: defaultFacts},
		{name: "cc with a build's cgo", file: "version: 1\ncc:\n  linux/arm64: aarch64-linux-gnu-gcc\nbuilds:\n  - env: {CGO_ENABLED: \"1\"}\n", facts: defaultFacts},
		// cgo unset: a binary that needs cgo is built with it, for the cross platforms with cc.
		{name: "cc with cgo unset", file: "version: 1\ncc:\n  linux/arm64: aarch64-linux-gnu-gcc\n", facts: defaultFacts},
		{
			name:  "cc with cgo off",
			file:  "version: 1\ncgo: false\ncc:\n  linux/arm64: aarch64-linux-gnu-gcc\n",
			facts: defaultFacts,
			want:  []want{{RuleCCWithoutCGO, 3, "cc", 0, "no build uses cgo"}},
		},
		{
			name:  "cc with CGO_ENABLED 0",
			file:  "version: 1\nenv:\n  CGO_ENABLED: \"0\"\ncc:\n  linux/arm64: aarch64-linux-gnu-gcc\n",
			facts: defaultFacts,
			want:  []want{{RuleCCWithoutCGO, 4, "cc", 0, "no build uses cgo"}},
		},
	}
}

func tidyNeedsGoCases() []lintCase {
	old := &gomod.Facts{Path: "github.com/acme/tool", Go: "1.20"}
	return []lintCase{
		{name: "default builder", file: "version: 1\n", facts: old},
		{name: "old Go with tidy off", file: "version: 1\ngo: \"1.22\"\ntidy: \"off\"\n", facts: old},
		{name: "Go 1.23", file: "version: 1\ngo: \"1.23\"\n", facts: old},
		{name: "unknown builder Go", file: "version: 1\nbuilder: registry.example.com/go:1\n", facts: old},
		{
			name:  "pinned Go 1.22",
			file:  "version: 1\ngo: \"1.22\"\n",
			facts: old,
			want:  []want{{RuleTidyNeedsGo123, 2, "go", 0, "`go mod tidy -diff`, which Go 1.23 added, but the builder golang:1.22 (chosen by Gopherfile go) has Go 1.22"}},
		},
		{
			name:  "builder Go from the image",
			file:  "version: 1\nbuilder: registry.example.com/go:1\n",
			facts: old, opt: Options{BuilderGo: "1.21.13"},
			want: []want{{RuleTidyNeedsGo123, 2, "builder", 0, "has Go 1.21.13"}},
		},
	}
}

func generateNeedsNetworkCases() []lintCase {
	tree := fstest.MapFS{
		"go.mod":       mapFile("module github.com/acme/tool\n\ngo 1.26\n"),
		"main.go":      mapFile("package main\n\n//go:generate go tool stringer -type=Color\n\nfunc main() {}\n"),
		"enum/enum.go": mapFile("package enum\n\n//go:generate go run golang.org/x/tools/cmd/stringer@v0.30.0 -type=Kind\n"),
		"vendor/x.go":  mapFile("//go:generate go run example.com/gen@v1\n"),
	}
	return []lintCase{
		{name: "generate off: not checked", file: "version: 1\n", facts: defaultFacts, opt: Options{Tree: tree}},
		{name: "no tree: not checked", file: "version: 1\ngenerate: [./...]\n", facts: defaultFacts},
		{
			name: "go run at a version", file: "version: 1\ngenerate: [./...]\n", facts: defaultFacts, opt: Options{Tree: tree},
			want: []want{{RuleGenerateNeedsNetwork, 2, "generate", LevelError, "enum/enum.go:3 runs go run golang.org/x/tools/cmd/stringer@v0.30.0, which fetches a module, but go generate runs offline in the build: declare it as a tool (go get -tool golang.org/x/tools/cmd/stringer@v0.30.0) and write //go:generate go tool stringer"}},
		},
	}
}
