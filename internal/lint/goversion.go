package lint

import (
	"fmt"
	"strings"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/spec"
)

// builderGo is the Go version of the builder as far as it is known.
type builderGo struct {
	version string
	// exact is false for a major.minor image tag such as golang:1.26, which
	// has the newest patch release of 1.26: only major.minor is compared then.
	exact bool
	// desc names the builder in messages.
	desc string
}

// builderGo returns the Go version of the builder: Options.BuilderGo when
// given, else the version in the default image name golang:<go>. ok is false
// for a builder image named by builder: or BUILDER_IMAGE, whose Go version is
// not known without the image.
func (c *checker) builderGo() (b builderGo, ok bool) {
	ch := c.builder()
	desc := fmt.Sprintf("the builder %s (chosen by %s)", ch.Image, ch.Origin)
	if c.opt.BuilderGo != "" {
		return builderGo{version: c.opt.BuilderGo, exact: true, desc: desc}, true
	}
	if ch.Named() || ch.FromModule() && c.plan == nil {
		return builderGo{}, false
	}
	if c.plan == nil {
		desc = "the builder " + ch.Image
	}
	v, _, _ := strings.Cut(ch.GoVersion, "-") // golang:1.26-alpine has Go 1.26
	if !spec.IsGoVersion(v) {
		return builderGo{}, false
	}
	exact := strings.Count(v, ".") >= 2 || strings.Contains(v, "rc") || strings.Contains(v, "beta")
	return builderGo{version: v, exact: exact, desc: desc}, true
}

// olderThan reports whether the builder's Go is older than the version want.
func (b builderGo) olderThan(want string) bool {
	if b.exact {
		return gomod.Compare(b.version, want) < 0
	}
	return gomod.Compare(gomod.MajorMinor(b.version), gomod.MajorMinor(want)) < 0
}

// toolchainLocal reports whether the go command must use the builder's own Go
// (GOTOOLCHAIN=local, the default) and where that was set.
func (c *checker) toolchainLocal() (local bool, field string) {
	if v, ok := c.s.Env["GOTOOLCHAIN"]; ok {
		return v == "local", "env.GOTOOLCHAIN"
	}
	d := c.downloads()
	if d == nil {
		return true, ""
	}
	s, ok := d.Setting("GOTOOLCHAIN")
	if !ok {
		return true, ""
	}
	return s.Value == "local", s.Field
}

// goField is the Gopherfile field a finding about the Go version points at.
func (c *checker) goField() string { return c.pos.First(spec.GoFields...) }

func (c *checker) goVersions() {
	if c.facts == nil {
		return
	}
	f := c.facts
	b, known := c.builderGo()
	local, _ := c.toolchainLocal()

	if known && local && f.Go != "" && b.olderThan(f.Go) {
		c.add(RuleBuilderGoTooOld, LevelError, c.goField(),
			"go.mod needs go >= %s, but %s has Go %s and GOTOOLCHAIN is local, so the build fails: %s, or set modules.toolchain: auto to let the go command download Go %s.",
			f.Go, b.desc, b.version, c.useGo(gomod.MajorMinor(f.Go)), f.Go)
	} else if known && local && f.Toolchain != "" && b.olderThan(f.Toolchain) {
		field := c.pos.First("modules.toolchain", "env.GOTOOLCHAIN", "go", "builder", "version")
		c.add(RuleToolchainLineIgnored, LevelWarning, field,
			"go.mod's toolchain line asks for go%s, but %s has Go %s and GOTOOLCHAIN is local, so the toolchain line is ignored and Go %s builds the module: "+
				"%s, or set modules.toolchain: auto to let the go command download go%s.",
			f.Toolchain, b.desc, b.version, b.version, c.useGo(f.Toolchain), f.Toolchain)
	}

	if c.opt.BuilderGo != "" && f.Go != "" &&
		gomod.Compare(gomod.MajorMinor(f.Go), gomod.MajorMinor(c.opt.BuilderGo)) < 0 {
		newer := gomod.MajorMinor(c.opt.BuilderGo)
		c.add(RuleGoLineOlder, LevelInfo, c.pos.First("go", "version"),
			"go.mod's go line is %s and the builder has Go %s (informational): a newer Go builds the module fine, but the go line sets the language version, so features of Go %s and later stay off in this module. "+
				"Raise it with `go get go@%s` when you want them.",
			f.Go, c.opt.BuilderGo, nextMinor(f.Go), newer)
	}
}

// useGo says how to get a builder with Go version v, for the setting that
// chose the builder.
func (c *checker) useGo(v string) string {
	switch c.builder().Origin {
	case plan.OriginBuilderArg:
		return fmt.Sprintf("pass a --build-arg %s with Go %s", plan.ArgBuilderImage, v)
	case plan.OriginGoArg:
		return fmt.Sprintf("pass --build-arg %s=%s (or none, to follow go.mod)", plan.ArgGoVersion, v)
	case plan.OriginBuilder:
		return fmt.Sprintf("use a builder: image with Go %s", v)
	case plan.OriginGo:
		return fmt.Sprintf("set go: %q, or remove go: to follow go.mod", v)
	}
	return fmt.Sprintf("set go: %q", v)
}

// nextMinor turns "1.22.3" into "1.23".
func nextMinor(v string) string {
	var major, minor int
	if _, err := fmt.Sscanf(gomod.MajorMinor(v), "%d.%d", &major, &minor); err != nil {
		return v
	}
	return fmt.Sprintf("%d.%d", major, minor+1)
}
