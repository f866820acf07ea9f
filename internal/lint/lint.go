// Package lint checks a parsed Gopherfile, together with the go.mod facts and
// the build options, for settings that build but are likely mistakes or weaken
// the image: checksum verification turned off, a root user, a base image that
// moves under you, a go.mod toolchain line the builder ignores, cgo binaries on
// a base without a C library, and the like.
//
// It reads no images, and files only through Options.Tree (the build
// context, for the checks that read the source tree: that each main is a main
// package for linux). Check returns every finding, tied to Gopherfile lines,
// for the `gopherfile lint` command and the frontend's `--call check`
// subrequest. Every rule is listed in Rules.
package lint

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/gosrc"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/spec"
)

// Levels of a Warning, as BuildKit's warnings use them.
const (
	// LevelInfo is informational: worth knowing, not a problem. It does not
	// fail `gopherfile lint --strict`.
	LevelInfo = 0
	// LevelWarning is a setting that works but is risky or likely a mistake.
	LevelWarning = 1
	// LevelError is a setting the build fails with.
	LevelError = 2
)

// Options are the inputs of a check that do not come from files.
type Options struct {
	// BuilderGo is the Go version of the builder image if known, e.g. "1.26.8"
	// (the GOLANG_VERSION of the official image). Empty when unknown.
	BuilderGo string
	// BuildArgs as given with --build-arg.
	BuildArgs map[string]string
	// Tree reads the build context (slash paths relative to its root); nil
	// skips the checks that read the source tree.
	Tree fs.FS
}

// Warning is one finding.
type Warning struct {
	// Rule is the short kebab-case id of the rule, e.g. "root-user".
	Rule string `json:"rule"`
	// Field is the Gopherfile field path the finding is about, e.g. "image.user";
	// empty when it comes from a build arg or go.mod alone.
	Field string `json:"field,omitempty"`
	// Line is the Gopherfile line (1-based) of Field, or of its closest written
	// parent, or 1.
	Line int `json:"line"`
	// Msg says what is wrong and what to do.
	Msg string `json:"msg"`
	// Level is LevelInfo, LevelWarning or LevelError.
	Level int `json:"level"`
}

// String formats w like a compiler diagnostic: "Gopherfile:LINE: [rule] msg".
func (w Warning) String() string {
	if w.Line <= 0 {
		return fmt.Sprintf("Gopherfile: [%s] %s", w.Rule, w.Msg)
	}
	return fmt.Sprintf("Gopherfile:%d: [%s] %s", w.Line, w.Rule, w.Msg)
}

// Rule describes one check, for documentation and BuildKit's lint results.
type Rule struct {
	// Name is the id Warning.Rule carries.
	Name string
	// Level is the Level of its warnings.
	Level int
	// Description says what the rule finds.
	Description string
}

// Rule ids.
const (
	RulePlanError            = "plan-error"
	RuleWeakenedChecksums    = "weakened-checksums"
	RuleRootUser             = "root-user"
	RuleUnpinnedBase         = "unpinned-base"
	RuleGoLineOlder          = "go-line-older-than-builder-minor"
	RuleBuilderGoTooOld      = "builder-go-too-old"
	RuleToolchainLineIgnored = "toolchain-line-ignored"
	RuleDeprecatedField      = "deprecated-fields"
	RuleTidyOff              = "tidy-off"
	RuleCgoWithStaticBase    = "cgo-with-static-base"
	RuleMainNotMain          = "main-not-a-main-package"
	RuleEntrypointNotBuilt   = "entrypoint-not-built"
	RuleCCWithoutCGO         = "cc-without-cgo"
	RuleTidyNeedsGo123       = "tidy-needs-go-1.23"
)

// Rules lists every rule Check applies, in the order they are documented.
var Rules = []Rule{
	{RulePlanError, LevelError, "the Gopherfile and go.mod cannot be planned (e.g. two builds make the same binary, a local replace outside the build context); the build fails the same way"},
	{RuleWeakenedChecksums, LevelWarning, "download settings that weaken module security: GOSUMDB=off, GONOSUMDB, GOPRIVATE, GONOPROXY or GOINSECURE covering public hosts, GOFLAGS=-insecure"},
	{RuleRootUser, LevelWarning, "image.user is root (root, 0, 0:0)"},
	{RuleUnpinnedBase, LevelWarning, "image.base or builder (or BASE_IMAGE, BUILDER_IMAGE) has no tag or the tag latest"},
	{RuleGoLineOlder, LevelInfo, "informational: go.mod's go line is an older minor than the builder's Go, which hides newer language features"},
	{RuleBuilderGoTooOld, LevelError, "go.mod's go line needs a newer Go than the chosen builder has, and GOTOOLCHAIN is local"},
	{RuleToolchainLineIgnored, LevelWarning, "go.mod's toolchain line asks for a newer Go than the chosen builder has, and GOTOOLCHAIN is local, so it is ignored"},
	{RuleDeprecatedField, LevelWarning, "a field that still works but is deprecated"},
	{RuleTidyOff, LevelInfo, "informational: tidy: off skips the go mod tidy check"},
	{RuleCgoWithStaticBase, LevelWarning, "CGO_ENABLED=1 while the runtime base has no C library (distroless static, scratch)"},
	{RuleMainNotMain, LevelError, "a build's main is not a main package for linux with its build tags (missing, a library, or every file excluded by build constraints); needs the source tree"},
	{RuleEntrypointNotBuilt, LevelError, "image.entrypoint runs a program that no build makes and image.files does not add, on a base without programs of its own (distroless static, scratch)"},
	{RuleCCWithoutCGO, LevelWarning, "cc names C compilers, but cgo is off, so they are not used"},
	{RuleTidyNeedsGo123, LevelError, "the tidy check is on, but the builder's Go is older than 1.23, whose go mod tidy has no -diff"},
	{RuleGenerateNeedsNetwork, LevelError, "generate: is on and a //go:generate directive runs go run PKG@VERSION, which needs the network the generate step does not have (declare the generator with go get -tool instead); needs the source tree"},
}

// Planned is what planning the build gave: the go.mod facts (nil when the
// context has no go.mod), and the plan or the error that stopped it.
type Planned struct {
	Facts *gomod.Facts
	Plan  *plan.Plan
	Err   error
}

// Check returns the warnings for a parsed Gopherfile, sorted by line, planning
// the build as a build with opt.BuildArgs would (for callers that have no plan
// of their own: gopherfile lint and init). mod is what gomod.Load read; nil
// when there is no go.mod, and the rules that need it are then skipped. pos is
// the Positions spec.Parse returned (nil puts every warning on line 1).
func Check(s *spec.Spec, pos spec.Positions, mod *gomod.Module, opt Options) []Warning {
	if s == nil {
		return nil
	}
	var in Planned
	if mod != nil {
		m := *mod
		if m.DefaultMain == "" && opt.Tree != nil && len(s.Builds) == 0 {
			m.DefaultMain = gosrc.Tree{FS: opt.Tree}.DefaultMain(path.Clean("./"+s.Module), gomod.BinaryName(m.Facts.Path))
		}
		in.Facts = m.Facts
		in.Plan, in.Err = plan.New(s, m, plan.Options{BuildArgs: opt.BuildArgs})
	}
	return CheckPlan(s, pos, in, opt)
}

// CheckPlan returns the warnings for a Gopherfile and the plan the build made
// of it (the frontend's --call check): it plans nothing itself when the build
// planned. A planning error is reported as a plan-error finding.
func CheckPlan(s *spec.Spec, pos spec.Positions, in Planned, opt Options) []Warning {
	if s == nil {
		return nil
	}
	c := &checker{s: s, pos: pos, facts: in.Facts, opt: opt}
	switch {
	case in.Plan != nil:
		c.plan = in.Plan
	case in.Err != nil && in.Facts != nil:
		c.planError(in.Err)
	}
	for _, rule := range checks {
		rule(c)
	}
	out := c.out
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Msg < b.Msg
	})
	return out
}

// checks run in this order; Check sorts their output.
var checks = []func(*checker){
	(*checker).weakenedChecksums,
	(*checker).rootUser,
	(*checker).unpinnedImages,
	(*checker).goVersions,
	(*checker).deprecatedFields,
	(*checker).tidyOff,
	(*checker).cgoWithStaticBase,
	(*checker).mainPackages,
	(*checker).entrypoint,
	(*checker).ccWithoutCGO,
	(*checker).tidyNeedsGo,
	(*checker).generateNeedsNetwork,
}

type checker struct {
	s     *spec.Spec
	pos   spec.Positions
	facts *gomod.Facts
	opt   Options
	// plan is nil when facts is nil or planning failed.
	plan *plan.Plan
	// neutral is the plan resolved returns without plan; set on first use.
	neutral *plan.Plan
	out     []Warning
}

func (c *checker) add(rule string, level int, field, format string, args ...any) {
	c.out = append(c.out, Warning{Rule: rule, Field: field, Line: c.pos.Of(field).Line, Msg: fmt.Sprintf(format, args...), Level: level})
}

// written reports whether the field path was written in the Gopherfile.
func (c *checker) written(field string) bool {
	_, ok := c.pos[field]
	return ok
}

func (c *checker) planError(err error) {
	field, msg := "", err.Error()
	var pe *plan.Error
	if errors.As(err, &pe) {
		field = pe.Field
	}
	c.add(RulePlanError, LevelError, field, "%s", msg)
}

// resolved returns the plan, or when there is none (no go.mod facts, or a
// plan error) the plan of a neutral module with this Gopherfile's download
// settings, env and image, so that the rules see the download settings and the
// base image as the build resolves them. It is nil when even that fails.
func (c *checker) resolved() *plan.Plan {
	if c.plan != nil {
		return c.plan
	}
	if c.neutral == nil {
		neutral := *c.s
		neutral.Builds = nil
		neutral.Module = ""
		neutral.Builder = "lint.invalid/builder:neutral" // no Go version needed
		p, err := plan.New(&neutral, gomod.Module{Facts: &gomod.Facts{Path: "lint.invalid/module"}}, plan.Options{BuildArgs: c.opt.BuildArgs})
		if err != nil {
			p = &plan.Plan{}
		}
		c.neutral = p
	}
	if c.neutral.Builder == "" {
		return nil
	}
	return c.neutral
}

// downloads returns how modules are fetched, nil when unknown.
func (c *checker) downloads() *plan.Downloads {
	if p := c.resolved(); p != nil {
		return &p.Downloads
	}
	return nil
}

func (c *checker) weakenedChecksums() {
	d := c.downloads()
	if d == nil {
		return
	}
	for _, w := range d.SecurityWarnings() {
		c.add(RuleWeakenedChecksums, LevelWarning, w.Field, "%s", w.Msg)
	}
}

func (c *checker) rootUser() {
	u := c.s.Image.User
	if !isRoot(u) {
		return
	}
	c.add(RuleRootUser, LevelWarning, "image.user",
		"the container runs as root (user %q): a process that escapes the binary owns the container. Remove user: to keep the base image's nonroot user (65532 on distroless :nonroot), or set user: \"65532:65532\".", u)
}

// isRoot reports whether a user[:group] names uid 0.
func isRoot(u string) bool {
	user, _, _ := strings.Cut(strings.TrimSpace(u), ":")
	return user == "root" || user == "0"
}
