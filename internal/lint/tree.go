package lint

import (
	"path"
	"strings"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/gosrc"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/spec"
)

// build is one binary as the checks that read the tree see it.
type build struct {
	field  string // "builds[0]", or "version" for the default build
	main   string // relative to the module dir
	output string
	tags   []string
	cgo    bool
}

// builds returns the binaries the Gopherfile makes, from the plan when there
// is one, else from the spec alone.
func (c *checker) builds() []build {
	var out []build
	if c.plan != nil {
		for _, b := range c.plan.Binaries {
			// With cgo unset, a binary that needs cgo is built with it.
			bd := build{field: b.Field, main: b.Main, output: b.Output, cgo: c.plan.CGO || c.plan.CGOAuto}
			for _, f := range b.Flags {
				if t, ok := strings.CutPrefix(f, "-tags="); ok {
					bd.tags = append(bd.tags, strings.Split(t, ",")...)
				}
			}
			if v, ok := plan.EnvValue(b.Env, "CGO_ENABLED"); ok {
				bd.cgo = v == "1"
			}
			out = append(out, bd)
		}
		return out
	}
	env, set := c.s.Env["CGO_ENABLED"]
	top := env == "1" || (!set && (c.s.CGO == nil || *c.s.CGO))
	if len(c.s.Builds) == 0 {
		return []build{{field: "version", main: ".", cgo: top}}
	}
	for i, b := range c.s.Builds {
		bd := build{field: indexField("builds", i), main: b.Main, output: b.Output, tags: b.Tags, cgo: top}
		if bd.main == "" {
			bd.main = "."
		}
		if v, ok := b.Env["CGO_ENABLED"]; ok {
			bd.cgo = v == "1"
		}
		if bd.output == "" && b.Name != "" {
			bd.output = path.Join(spec.DefaultBinDir, b.Name)
		}
		out = append(out, bd)
	}
	return out
}

// mainPackages: every build's main is a main package for linux with its tags.
func (c *checker) mainPackages() {
	if c.opt.Tree == nil || c.facts == nil {
		return
	}
	tree := gosrc.Tree{FS: c.opt.Tree}
	modDir := path.Clean("./" + c.s.Module)
	for _, b := range c.builds() {
		dir := path.Join(modDir, b.main)
		if dir == ".." || strings.HasPrefix(dir, "../") {
			continue // outside the context: the build says so
		}
		why := tree.WhyNotMain(dir, gosrc.Config{Tags: b.tags, CGO: b.cgo})
		if why == "" {
			continue
		}
		field := b.field + ".main"
		if !c.written(field) {
			field = b.field
		}
		main := b.main
		if b.field == "version" {
			main = ". (the default: no builds: listed)"
		}
		c.add(RuleMainNotMain, LevelError, field,
			"main %s does not build a program: %s. Point main at a main package (`gopherfile init` lists them), or set tags: when its files need build tags.", main, why)
	}
}

// entrypoint: image.entrypoint runs a binary a build makes (or a file the
// image gets).
func (c *checker) entrypoint() {
	if len(c.s.Image.Entrypoint) == 0 || c.plan == nil {
		return
	}
	ep := c.s.Image.Entrypoint[0]
	have := map[string]bool{}
	var outputs []string
	for _, b := range c.plan.Binaries {
		have[b.Output] = true
		outputs = append(outputs, b.Output)
	}
	for _, f := range c.s.Image.Files {
		have[path.Clean(f.Dst)] = true
	}
	if have[path.Clean(ep)] {
		return
	}
	if !strings.Contains(ep, "/") { // found through the image's PATH
		for _, o := range outputs {
			if path.Base(o) == ep && pathDirs[path.Dir(o)] {
				return
			}
		}
	}
	base := c.base()
	if !hasNoLibc(base.ref) {
		return // a base with programs of its own may have it
	}
	c.add(RuleEntrypointNotBuilt, LevelError, "image.entrypoint",
		"image.entrypoint runs %s, which no build makes (they make %s) and image.files does not add, and the base %s (%s) has no programs of its own, so the container fails to start. "+
			"Use the output of a build, or remove entrypoint: to run the first binary.",
		ep, strings.Join(outputs, ", "), base.ref, base.what)
}

// pathDirs are the directories of the PATH of the usual base images.
var pathDirs = map[string]bool{"/usr/local/sbin": true, "/usr/local/bin": true, "/usr/sbin": true, "/usr/bin": true, "/sbin": true, "/bin": true}

// ccWithoutCGO: cc is set while no binary builds with cgo.
func (c *checker) ccWithoutCGO() {
	if len(c.s.CC) == 0 {
		return
	}
	for _, b := range c.builds() {
		if b.cgo {
			return
		}
	}
	c.add(RuleCCWithoutCGO, LevelWarning, "cc",
		"cc names C compilers, but no build uses cgo (cgo: false or CGO_ENABLED: 0), so they are never run: remove cc:, or the setting that turns cgo off.")
}

// tidyNeedsGo: the tidy check needs Go 1.23 (go mod tidy -diff).
func (c *checker) tidyNeedsGo() {
	p := c.resolved()
	if p == nil || c.plan == nil || !c.plan.Tidy {
		return
	}
	b, known := c.builderGo()
	if !known || !b.olderThan(plan.MinTidyGo) {
		return
	}
	field := c.pos.First("tidy", "go", "builder", "version")
	c.add(RuleTidyNeedsGo123, LevelError, field,
		"the tidy check runs `go mod tidy -diff`, which Go %s added, but %s has Go %s, so the build fails: %s, or set tidy: off.",
		plan.MinTidyGo, b.desc, b.version, c.useGo(gomod.MajorMinor(plan.NewestGo())))
}
