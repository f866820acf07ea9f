package lint

import (
	"path"
	"sort"
	"strings"

	"github.com/distribution/reference"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/spec"
)

// imageSetting is an image reference with where it came from.
type imageSetting struct {
	ref string
	// what names the setting in messages: "image.base", "build arg BASE_IMAGE".
	what string
	// field is the Gopherfile field, "" for a build arg.
	field string
}

// base returns the runtime base image as the build resolves it.
func (c *checker) base() imageSetting {
	cgo := false
	if p := c.resolved(); p != nil {
		cgo = p.CGO
	}
	ref, origin := plan.ChooseBase(c.s, c.opt.BuildArgs, cgo)
	if ref == "" {
		ref = plan.BuiltinBase
	}
	img := imageSetting{ref: ref, what: origin}
	if origin == plan.OriginBase {
		img.field = "image.base"
	}
	return img
}

// builder is the builder choice as the build makes it: with the go.mod facts
// when they are known.
func (c *checker) builder() plan.BuilderChoice {
	if c.plan != nil {
		return plan.BuilderChoice{Image: c.plan.Builder, GoVersion: c.plan.GoVersion, Origin: c.plan.BuilderOrigin, Reason: c.plan.BuilderReason}
	}
	return plan.ChooseBuilder(c.s, c.opt.BuildArgs, gomod.Module{Facts: c.facts})
}

// builderImage returns the builder image when the Gopherfile or a build arg
// names it; false when it is the default golang:<go>.
func (c *checker) builderImage() (imageSetting, bool) {
	b := c.builder()
	switch b.Origin {
	case plan.OriginBuilderArg:
		return imageSetting{ref: b.Image, what: b.Origin}, true
	case plan.OriginBuilder:
		return imageSetting{ref: b.Image, what: "builder", field: "builder"}, true
	}
	return imageSetting{}, false
}

func (c *checker) unpinnedImages() {
	images := []imageSetting{c.base()}
	if b, ok := c.builderImage(); ok {
		images = append(images, b)
	}
	for _, img := range images {
		if img.ref == spec.Scratch {
			continue
		}
		named, err := reference.ParseNormalizedNamed(img.ref)
		if err != nil {
			continue // spec.Parse checks the Gopherfile; a bad build arg fails the build
		}
		if _, ok := named.(reference.Digested); ok {
			continue
		}
		tagged, ok := named.(reference.Tagged)
		switch {
		case !ok:
			c.add(RuleUnpinnedBase, LevelWarning, img.field,
				"%s %s has no tag, so it means %s:latest, which changes under you: pin a tag (e.g. %s:1.2), or best a digest (%s:1.2@sha256:…).",
				img.what, img.ref, img.ref, reference.FamiliarName(named), reference.FamiliarName(named))
		case tagged.Tag() == "latest":
			c.add(RuleUnpinnedBase, LevelWarning, img.field,
				"%s %s uses the tag latest, which changes under you: pin a version tag (e.g. %s:1.2), or best a digest (%s:1.2@sha256:…).",
				img.what, img.ref, reference.FamiliarName(named), reference.FamiliarName(named))
		}
	}
}

// hasNoLibc reports whether a base image has no C library: scratch, and the
// "static" images of distroless and Chainguard (gcr.io/distroless/static-debian12,
// cgr.dev/chainguard/static).
func hasNoLibc(ref string) bool {
	if ref == spec.Scratch || ref == plan.BuiltinBase {
		return true
	}
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return false
	}
	name := path.Base(reference.Path(named))
	return name == "static" || strings.HasPrefix(name, "static-")
}

func (c *checker) cgoWithStaticBase() {
	base := c.base()
	if !hasNoLibc(base.ref) {
		return
	}
	// The fields that turn cgo on for at least one binary: a build's own env
	// wins over the top-level setting (env.CGO_ENABLED, or cgo: true).
	top, topField := c.s.Env["CGO_ENABLED"], "env.CGO_ENABLED"
	if p := c.resolved(); p != nil {
		if v, ok := plan.EnvValue(p.Env, "CGO_ENABLED"); ok && v != top {
			top, topField = v, c.pos.First("cgo", "env.CGO_ENABLED")
		}
	}
	fields := map[string]bool{}
	builds := c.s.Builds
	if len(builds) == 0 {
		builds = []spec.Build{{}}
	}
	for i, b := range builds {
		if v, ok := b.Env["CGO_ENABLED"]; ok {
			if v == "1" {
				fields[indexField("builds", i)+".env.CGO_ENABLED"] = true
			}
			continue
		}
		if top == "1" {
			fields[topField] = true
		}
	}
	sorted := make([]string, 0, len(fields))
	for f := range fields {
		sorted = append(sorted, f)
	}
	sort.Strings(sorted)
	for _, f := range sorted {
		c.add(RuleCgoWithStaticBase, LevelWarning, f,
			"CGO_ENABLED=1 links the binary against the C library, but the base image %s (%s) has none: the container fails to start with \"no such file or directory\". "+
				"Use a base with glibc such as gcr.io/distroless/base-debian12, or set CGO_ENABLED: \"0\" when the code does not need cgo.",
			base.ref, base.what)
	}
}
