package lint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	goldenfile "github.com/gopherfile/gopherfile/internal/golden"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/spec"
)

// want is one expected warning: its rule, line, field, level and a part of
// its message.
type want struct {
	rule  string
	line  int
	field string
	level int
	msg   string
}

// lintCase is one row of a rule's table.
type lintCase struct {
	name  string
	file  string // the Gopherfile
	facts *gomod.Facts
	opt   Options
	want  []want // the warnings of the rule under test, in order
}

// defaultFacts is a go.mod with a go line and no toolchain line.
var defaultFacts = &gomod.Facts{Path: "github.com/acme/tool", Go: "1.26"}

// ruleCases holds the table of every rule.
var ruleCases = map[string]func() []lintCase{
	RulePlanError:            planErrorCases,
	RuleGenerateNeedsNetwork: generateNeedsNetworkCases,
	RuleWeakenedChecksums:    weakenedChecksumsCases,
	RuleRootUser:             rootUserCases,
	RuleUnpinnedBase:         unpinnedBaseCases,
	RuleGoLineOlder:          goLineOlderThanBuilderMinorCases,
	RuleBuilderGoTooOld:      builderGoTooOldCases,
	RuleToolchainLineIgnored: toolchainLineIgnoredCases,
	RuleDeprecatedField:      deprecatedFieldsCases,
	RuleTidyOff:              tidyOffCases,
	RuleCgoWithStaticBase:    cgoWithStaticBaseCases,
	RuleMainNotMain:          mainNotMainCases,
	RuleEntrypointNotBuilt:   entrypointNotBuiltCases,
	RuleCCWithoutCGO:         ccWithoutCGOCases,
	RuleTidyNeedsGo123:       tidyNeedsGoCases,
}

// ruleLevel is the level Rules gives the rule.
func ruleLevel(name string) int {
	for _, r := range Rules {
		if r.Name == name {
			return r.Level
		}
	}
	return -1
}

// TestRules runs the table of each rule: it checks the warnings of that rule
// (those of other rules are ignored).
func TestRules(t *testing.T) {
	for _, r := range Rules {
		t.Run(r.Name, func(t *testing.T) {
			cases, ok := ruleCases[r.Name]
			if !ok {
				t.Fatalf("rule %s has no table in ruleCases", r.Name)
			}
			if r.Name == RuleDeprecatedField {
				saved := deprecated
				deprecated = testDeprecated
				t.Cleanup(func() { deprecated = saved })
			}
			runRule(t, r.Name, cases())
		})
	}
}

func runRule(t *testing.T, rule string, tests []lintCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, pos, err := spec.Parse([]byte(tt.file))
			if err != nil {
				t.Fatalf("spec.Parse: %v", err)
			}
			var got []Warning
			for _, w := range Check(s, pos, moduleOf(tt.facts), tt.opt) {
				if w.Rule == rule {
					got = append(got, w)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d %s warnings, want %d:\n%s", len(got), rule, len(tt.want), list(got))
			}
			for i, w := range tt.want {
				g := got[i]
				if w.level == 0 {
					w.level = ruleLevel(rule)
				}
				if g.Line != w.line || g.Field != w.field || g.Level != w.level || !strings.Contains(g.Msg, w.msg) {
					t.Errorf("warning %d:\n got line %d field %q level %d: %s\nwant line %d field %q level %d, message containing %q",
						i, g.Line, g.Field, g.Level, g.Msg, w.line, w.field, w.level, w.msg)
				}
			}
		})
	}
}

func list(ws []Warning) string {
	var b strings.Builder
	for _, w := range ws {
		b.WriteString(w.String())
		b.WriteString("\n")
	}
	return b.String()
}

func planErrorCases() []lintCase {
	return []lintCase{
		{name: "fine", file: "version: 1\n", facts: defaultFacts},
		{name: "no go.mod facts, no plan", file: "version: 1\n"},
		{name: "no go line: the newest Go builds it", file: "version: 1\n", facts: &gomod.Facts{Path: "example.com/m"}},
		{
			name:  "same binary name twice",
			file:  "version: 1\nbuilds:\n  - main: ./cmd/a\n  - main: ./tools/a\n",
			facts: defaultFacts,
			want:  []want{{RulePlanError, 4, "builds[1]", LevelError, `two builds make a binary named "a"`}},
		},
		{
			name:  "replace outside the context",
			file:  "version: 1\n",
			facts: &gomod.Facts{Path: "example.com/m", Go: "1.26", LocalReplaces: []string{"../lib"}},
			want:  []want{{RulePlanError, 1, "", LevelError, "outside the build context"}},
		},
	}
}

func weakenedChecksumsCases() []lintCase {
	return []lintCase{
		{name: "defaults", file: "version: 1\n", facts: defaultFacts},
		{name: "private path", file: "version: 1\nmodules:\n  private: [github.com/acme/*]\n", facts: defaultFacts},
		{
			name:  "sumdb off",
			file:  "version: 1\nmodules:\n  sumdb: \"off\"\n",
			facts: defaultFacts,
			want:  []want{{RuleWeakenedChecksums, 3, "modules.sumdb", 0, "GOSUMDB=off"}},
		},
		{
			name: "without go.mod facts",
			file: "version: 1\nmodules:\n  sumdb: \"off\"\n",
			want: []want{{RuleWeakenedChecksums, 3, "modules.sumdb", 0, "GOSUMDB=off"}},
		},
		{
			name:  "with a plan error",
			file:  "version: 1\nmodules:\n  sumdb: \"off\"\n",
			facts: &gomod.Facts{Path: "example.com/m"},
			want:  []want{{RuleWeakenedChecksums, 3, "modules.sumdb", 0, "GOSUMDB=off"}},
		},
		{
			name:  "nosumdb on all of github",
			file:  "version: 1\nmodules:\n  nosumdb:\n    - github.com/acme/*\n    - github.com\n",
			facts: defaultFacts,
			want:  []want{{RuleWeakenedChecksums, 3, "modules.nosumdb", 0, "GONOSUMDB=github.com"}},
		},
		{
			name:  "insecure flag in env",
			file:  "version: 1\nenv:\n  GOFLAGS: -insecure\n",
			facts: defaultFacts,
			want:  []want{{RuleWeakenedChecksums, 3, "env.GOFLAGS", 0, "-insecure"}},
		},
		{
			name:  "build arg",
			file:  "version: 1\n",
			facts: defaultFacts,
			opt:   Options{BuildArgs: map[string]string{"GOINSECURE": "*"}},
			want:  []want{{RuleWeakenedChecksums, 1, "", 0, "GOINSECURE=* (build arg GOINSECURE)"}},
		},
	}
}

func rootUserCases() []lintCase {
	return []lintCase{
		{name: "default", file: "version: 1\n", facts: defaultFacts},
		{name: "nonroot uid", file: "version: 1\nimage:\n  user: \"65532:65532\"\n", facts: defaultFacts},
		{name: "named user", file: "version: 1\nimage:\n  user: app\n", facts: defaultFacts},
		{name: "root", file: "version: 1\nimage:\n  user: root\n", facts: defaultFacts,
			want: []want{{RuleRootUser, 3, "image.user", 0, `runs as root (user "root")`}}},
		{name: "uid 0", file: "version: 1\nimage:\n  user: \"0\"\n", facts: defaultFacts,
			want: []want{{RuleRootUser, 3, "image.user", 0, `user "0"`}}},
		{name: "uid and gid 0", file: "version: 1\nimage:\n  base: scratch\n  user: \"0:0\"\n", facts: defaultFacts,
			want: []want{{RuleRootUser, 4, "image.user", 0, `user "0:0"`}}},
		{name: "root with a group", file: "version: 1\nimage:\n  user: root:staff\n",
			want: []want{{RuleRootUser, 3, "image.user", 0, "65532"}}},
	}
}

func unpinnedBaseCases() []lintCase {
	return []lintCase{
		{name: "default base and builder", file: "version: 1\n", facts: defaultFacts},
		{name: "scratch", file: "version: 1\nimage:\n  base: scratch\n", facts: defaultFacts},
		{name: "tagged", file: "version: 1\nbuilder: golang:1.26-bookworm\nimage:\n  base: alpine:3.20\n", facts: defaultFacts},
		{name: "digest", file: "version: 1\nimage:\n  base: alpine@sha256:" + strings.Repeat("a", 64) + "\n", facts: defaultFacts},
		{name: "tag and digest latest", file: "version: 1\nimage:\n  base: alpine:latest@sha256:" + strings.Repeat("a", 64) + "\n", facts: defaultFacts},
		{
			name:  "base without a tag",
			file:  "version: 1\nimage:\n  base: gcr.io/distroless/static-debian12\n",
			facts: defaultFacts,
			want:  []want{{RuleUnpinnedBase, 3, "image.base", 0, "image.base gcr.io/distroless/static-debian12 has no tag"}},
		},
		{
			name:  "latest builder and base",
			file:  "version: 1\nbuilder: registry.acme/golang:latest\nimage:\n  base: alpine\n",
			facts: defaultFacts,
			want: []want{
				{RuleUnpinnedBase, 2, "builder", 0, "builder registry.acme/golang:latest uses the tag latest"},
				{RuleUnpinnedBase, 4, "image.base", 0, "alpine:1.2@sha256"},
			},
		},
		{
			name:  "build args win",
			file:  "version: 1\nbuilder: golang:1.26\nimage:\n  base: alpine:3.20\n",
			facts: defaultFacts,
			opt:   Options{BuildArgs: map[string]string{"BASE_IMAGE": "debian", "BUILDER_IMAGE": "golang:latest"}},
			want: []want{
				{RuleUnpinnedBase, 1, "", 0, "build arg BASE_IMAGE debian has no tag"},
				{RuleUnpinnedBase, 1, "", 0, "build arg BUILDER_IMAGE golang:latest"},
			},
		},
	}
}

func goLineOlderThanBuilderMinorCases() []lintCase {
	old := &gomod.Facts{Path: "example.com/m", Go: "1.22.3", Toolchain: "1.26.1"}
	return []lintCase{
		{name: "builder unknown", file: "version: 1\n", facts: old},
		{name: "same minor", file: "version: 1\n", facts: &gomod.Facts{Path: "example.com/m", Go: "1.26.0"}, opt: Options{BuilderGo: "1.26.8"}},
		{name: "no go.mod facts", file: "version: 1\n", opt: Options{BuilderGo: "1.26.8"}},
		{
			name:  "older go line",
			file:  "version: 1\n",
			facts: old,
			opt:   Options{BuilderGo: "1.26.8"},
			want:  []want{{RuleGoLineOlder, 1, "version", 0, "go line is 1.22.3 and the builder has Go 1.26.8 (informational): a newer Go builds the module fine, but the go line sets the language version, so features of Go 1.23 and later stay off"}},
		},
		{
			name:  "points at go:",
			file:  "# syntax=x\nversion: 1\ngo: \"1.26\"\n",
			facts: old,
			opt:   Options{BuilderGo: "1.26.8"},
			want:  []want{{RuleGoLineOlder, 3, "go", 0, "go get go@1.26"}},
		},
	}
}

func builderGoTooOldCases() []lintCase {
	facts := &gomod.Facts{Path: "example.com/m", Go: "1.26.2"}
	return []lintCase{
		{name: "follows go.mod", file: "version: 1\n", facts: facts},
		{name: "same minor tag has the newest patch", file: "version: 1\ngo: \"1.26\"\n", facts: facts},
		{name: "auto toolchain", file: "version: 1\ngo: \"1.25\"\nmodules:\n  toolchain: auto\n", facts: facts},
		{name: "custom builder unknown", file: "version: 1\nbuilder: registry.acme/go:1\n", facts: facts},
		{name: "custom builder known", file: "version: 1\nbuilder: registry.acme/go:1\n", facts: facts, opt: Options{BuilderGo: "1.26.8"}},
		{
			name:  "older go:",
			file:  "version: 1\ngo: \"1.25\"\n",
			facts: facts,
			want:  []want{{RuleBuilderGoTooOld, 2, "go", LevelError, "go.mod needs go >= 1.26.2, but the builder golang:1.25 (chosen by Gopherfile go) has Go 1.25"}},
		},
		{
			name:  "older exact patch",
			file:  "version: 1\ngo: \"1.26.1\"\n",
			facts: facts,
			want:  []want{{RuleBuilderGoTooOld, 2, "go", LevelError, `set go: "1.26"`}},
		},
		{
			name:  "known builder image",
			file:  "version: 1\nbuilder: registry.acme/go:1\n",
			facts: facts,
			opt:   Options{BuilderGo: "1.25.7"},
			want:  []want{{RuleBuilderGoTooOld, 2, "builder", LevelError, "has Go 1.25.7"}},
		},
		{
			name:  "build arg",
			file:  "version: 1\n",
			facts: facts,
			opt:   Options{BuildArgs: map[string]string{"GO_VERSION": "1.24-alpine"}},
			want:  []want{{RuleBuilderGoTooOld, 1, "version", LevelError, "chosen by build arg GO_VERSION"}},
		},
	}
}

func toolchainLineIgnoredCases() []lintCase {
	facts := &gomod.Facts{Path: "example.com/m", Go: "1.24", Toolchain: "1.26.1"}
	return []lintCase{
		{name: "follows the toolchain line", file: "version: 1\n", facts: facts},
		{name: "no toolchain line", file: "version: 1\ngo: \"1.25\"\n", facts: &gomod.Facts{Path: "example.com/m", Go: "1.24"}},
		{name: "same minor tag", file: "version: 1\ngo: \"1.26\"\n", facts: facts},
		{name: "toolchain auto", file: "version: 1\ngo: \"1.25\"\nmodules:\n  toolchain: auto\n", facts: facts},
		{name: "toolchain build arg", file: "version: 1\ngo: \"1.25\"\n", facts: facts, opt: Options{BuildArgs: map[string]string{"GOTOOLCHAIN": "go1.26.1"}}},
		{name: "newer builder", file: "version: 1\nbuilder: registry.acme/go:1\n", facts: facts, opt: Options{BuilderGo: "1.26.8"}},
		{
			name:  "older go:",
			file:  "version: 1\ngo: \"1.25\"\n",
			facts: facts,
			want:  []want{{RuleToolchainLineIgnored, 2, "go", 0, "go.mod's toolchain line asks for go1.26.1, but the builder golang:1.25 (chosen by Gopherfile go) has Go 1.25 and GOTOOLCHAIN is local"}},
		},
		{
			name:  "explicit local",
			file:  "version: 1\ngo: \"1.25\"\nmodules:\n  toolchain: local\n",
			facts: facts,
			want:  []want{{RuleToolchainLineIgnored, 4, "modules.toolchain", 0, "modules.toolchain: auto"}},
		},
		{
			name:  "known builder",
			file:  "version: 1\n",
			facts: facts,
			opt:   Options{BuilderGo: "1.26.0"},
			want:  []want{{RuleToolchainLineIgnored, 1, "version", 0, "has Go 1.26.0"}},
		},
		{
			name:  "go line too new is an error instead",
			file:  "version: 1\ngo: \"1.23\"\n",
			facts: facts,
		},
	}
}

// testDeprecated replaces the (empty) table of deprecated fields while the
// deprecated-fields cases run.
var testDeprecated = []deprecation{
	{Field: "builds[].gcflags", Msg: "use flags: [-gcflags=...]"},
	{Field: "image.workdir", Msg: "the base image sets it"},
}

func deprecatedFieldsCases() []lintCase {
	return []lintCase{
		{name: "none written", file: "version: 1\nbuilds:\n  - main: ./cmd/a\n"},
		{
			name: "written",
			file: "version: 1\nbuilds:\n  - main: ./cmd/a\n  - main: ./cmd/b\n    gcflags: -N\nimage:\n  workdir: /app\n",
			want: []want{
				{RuleDeprecatedField, 5, "builds[1].gcflags", 0, "builds[1].gcflags is deprecated: use flags: [-gcflags=...]"},
				{RuleDeprecatedField, 7, "image.workdir", 0, "the base image sets it"},
			},
		},
	}
}

func tidyOffCases() []lintCase {
	return []lintCase{
		{name: "default", file: "version: 1\n", facts: defaultFacts},
		{name: "check", file: "version: 1\ntidy: check\n", facts: defaultFacts},
		{name: "off", file: "version: 1\ntidy: \"off\"\n", facts: defaultFacts,
			want: []want{{RuleTidyOff, 2, "tidy", 0, "missing go.sum entry"}}},
	}
}

func cgoWithStaticBaseCases() []lintCase {
	return []lintCase{
		{name: "default", file: "version: 1\n", facts: defaultFacts},
		{name: "cgo off", file: "version: 1\nenv:\n  CGO_ENABLED: 0\nimage:\n  base: scratch\n", facts: defaultFacts},
		{name: "glibc base", file: "version: 1\nenv:\n  CGO_ENABLED: 1\nimage:\n  base: gcr.io/distroless/base-debian12:nonroot\n", facts: defaultFacts},
		{name: "top-level cgo makes the default base glibc", file: "version: 1\nenv:\n  CGO_ENABLED: 1\n", facts: defaultFacts},
		{
			name:  "one build with cgo on the default static base",
			file:  "version: 1\nbuilds:\n  - main: ./cmd/a\n    env: {CGO_ENABLED: 1}\n",
			facts: defaultFacts,
			want:  []want{{RuleCgoWithStaticBase, 4, "builds[0].env.CGO_ENABLED", 0, "the built-in static base (the default base) has none"}},
		},
		{
			name:  "cgo: true on scratch",
			file:  "version: 1\ncgo: true\nimage:\n  base: scratch\n",
			facts: defaultFacts,
			want:  []want{{RuleCgoWithStaticBase, 2, "cgo", 0, "scratch (image.base)"}},
		},
		{
			name:  "scratch",
			file:  "version: 1\nenv:\n  CGO_ENABLED: \"1\"\nimage:\n  base: scratch\n",
			facts: defaultFacts,
			want:  []want{{RuleCgoWithStaticBase, 3, "env.CGO_ENABLED", 0, "scratch (image.base)"}},
		},
		{
			name:  "chainguard static from a build arg",
			file:  "version: 1\nenv:\n  CGO_ENABLED: 1\nimage:\n  base: debian:12\n",
			facts: defaultFacts,
			opt:   Options{BuildArgs: map[string]string{"BASE_IMAGE": "cgr.dev/chainguard/static:latest"}},
			want:  []want{{RuleCgoWithStaticBase, 3, "env.CGO_ENABLED", 0, "(build arg BASE_IMAGE)"}},
		},
		{
			name:  "build env wins",
			file:  "version: 1\nenv:\n  CGO_ENABLED: 1\nbuilds:\n  - main: ./cmd/a\n    env: {CGO_ENABLED: 0}\n  - main: ./cmd/b\n    env:\n      CGO_ENABLED: 1\nimage:\n  base: scratch\n",
			facts: defaultFacts,
			want:  []want{{RuleCgoWithStaticBase, 9, "builds[1].env.CGO_ENABLED", 0, "CGO_ENABLED=1"}},
		},
		{
			name:  "top level reaches a build without env",
			file:  "version: 1\nenv:\n  CGO_ENABLED: 1\nbuilds:\n  - main: ./cmd/a\n    env: {CGO_ENABLED: 0}\n  - main: ./cmd/b\nimage:\n  base: scratch\n",
			facts: defaultFacts,
			want:  []want{{RuleCgoWithStaticBase, 3, "env.CGO_ENABLED", 0, "CGO_ENABLED=1"}},
		},
	}
}

// TestEveryRuleTested: every rule in Rules has a table with a case that
// expects it, at the rule's level, and every table belongs to a listed rule.
func TestEveryRuleTested(t *testing.T) {
	known := map[string]bool{}
	for _, r := range Rules {
		known[r.Name] = true
		if r.Level != LevelInfo && r.Level != LevelWarning && r.Level != LevelError {
			t.Errorf("rule %s has level %d", r.Name, r.Level)
		}
		cases, ok := ruleCases[r.Name]
		if !ok {
			continue // TestRules reports it
		}
		expected := false
		for _, c := range cases() {
			for _, w := range c.want {
				if w.rule != r.Name {
					t.Errorf("table of %s, case %q: expects rule %s", r.Name, c.name, w.rule)
				}
				level := w.level
				if level == 0 {
					level = r.Level
				}
				if level != r.Level {
					t.Errorf("table of %s, case %q: expects level %d, Rules says %d", r.Name, c.name, level, r.Level)
				}
				expected = true
			}
		}
		if !expected {
			t.Errorf("rule %s has no test case that expects a warning", r.Name)
		}
	}
	for r := range ruleCases {
		if !known[r] {
			t.Errorf("ruleCases has a table for %s, which is not listed in Rules", r)
		}
	}
}

func TestWarningString(t *testing.T) {
	tests := []struct {
		w    Warning
		want string
	}{
		{Warning{Rule: "root-user", Line: 7, Msg: "m"}, "Gopherfile:7: [root-user] m"},
		{Warning{Rule: "tidy-off", Msg: "m"}, "Gopherfile: [tidy-off] m"},
	}
	for _, tt := range tests {
		if got := tt.w.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestNilSpec(t *testing.T) {
	if got := Check(nil, nil, nil, Options{}); got != nil {
		t.Errorf("Check(nil) = %v", got)
	}
}

// TestGolden checks the full, sorted output for Gopherfiles that trip many
// rules at once (testdata/*.Gopherfile → testdata/*.golden; go test -update
// rewrites the golden files).
func TestGolden(t *testing.T) {
	tests := []struct {
		name  string
		facts *gomod.Facts
		opt   Options
	}{
		{"clean", &gomod.Facts{Path: "github.com/acme/tool", Go: "1.26.0"}, Options{BuilderGo: "1.26.8"}},
		{"many", &gomod.Facts{Path: "github.com/acme/tool", Go: "1.22", Toolchain: "1.26.1"}, Options{BuilderGo: "1.25.9", BuildArgs: map[string]string{"GOFLAGS": "-insecure"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("testdata", tt.name+".Gopherfile"))
			if err != nil {
				t.Fatal(err)
			}
			s, pos, err := spec.Parse(src)
			if err != nil {
				t.Fatal(err)
			}
			got := list(Check(s, pos, moduleOf(tt.facts), tt.opt))
			goldenfile.Check(t, filepath.Join("testdata", tt.name+".golden"), got)
		})
	}
}

// moduleOf is the module of go.mod facts alone (nil for nil).
func moduleOf(f *gomod.Facts) *gomod.Module {
	if f == nil {
		return nil
	}
	return &gomod.Module{Facts: f}
}
