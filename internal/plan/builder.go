package plan

import (
	"fmt"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/spec"
)

// Where the builder image comes from, in the order of precedence: the first
// one set chooses it. These are Plan.BuilderOrigin's values.
const (
	OriginBuilderArg = "build arg " + ArgBuilderImage
	OriginBuilder    = "Gopherfile builder"
	OriginGoArg      = "build arg " + ArgGoVersion
	OriginGo         = "Gopherfile go"
	OriginGoMod      = "go.mod"
	OriginGoWork     = "go.work"
)

// BuilderChoice is the builder image, its Go version as far as the settings
// say, and which setting chose it.
type BuilderChoice struct {
	// Image is the builder image reference.
	Image string
	// GoVersion is the Go of golang:<GoVersion>, the default image; for a
	// named image (OriginBuilderArg, OriginBuilder) it is what go: or
	// GO_VERSION say, if anything, not necessarily the image's Go.
	GoVersion string
	// Origin is one of the Origin constants.
	Origin string
	// Reason says why, for --call outline and errors.
	Reason string
}

// Named reports whether the image is named by a setting (builder: or
// BUILDER_IMAGE) rather than golang:<go>, so its Go version is not known
// before the image is.
func (c BuilderChoice) Named() bool {
	return c.Origin == OriginBuilderArg || c.Origin == OriginBuilder
}

// FromModule reports whether the module's files (go.mod, go.work) chose it.
func (c BuilderChoice) FromModule() bool {
	return c.Origin == OriginGoMod || c.Origin == OriginGoWork
}

// ChooseBuilder applies the builder precedence: build arg BUILDER_IMAGE, the
// Gopherfile's builder:, build arg GO_VERSION, the Gopherfile's go:, then
// go.work and go.mod (defaultGo). m.Facts may be nil (go.mod not known): the
// module's choice is then the newest Go this frontend knows.
func ChooseBuilder(s *spec.Spec, args map[string]string, m gomod.Module) BuilderChoice {
	var c BuilderChoice
	switch {
	case args[ArgBuilderImage] != "":
		c.Image, c.Origin = args[ArgBuilderImage], OriginBuilderArg
		c.Reason = fmt.Sprintf("--build-arg %s=%s", ArgBuilderImage, c.Image)
	case s.Builder != "":
		c.Image, c.Origin = s.Builder, OriginBuilder
		c.Reason = "the Gopherfile's builder: " + s.Builder
	}
	switch {
	case args[ArgGoVersion] != "":
		c.GoVersion = args[ArgGoVersion]
		if c.Origin == "" {
			c.Origin = OriginGoArg
			c.Reason = fmt.Sprintf("--build-arg %s=%s", ArgGoVersion, c.GoVersion)
		}
	case s.Go != "":
		c.GoVersion = string(s.Go)
		if c.Origin == "" {
			c.Origin = OriginGo
			c.Reason = fmt.Sprintf("the Gopherfile's go: %q", s.Go)
		}
	default:
		d := defaultGo(m, tidyRuns(s, m))
		c.GoVersion = d.version
		if c.Origin == "" {
			c.Origin = OriginGoMod
			if m.Work != nil && (m.Work.Go != "" || m.Work.Toolchain != "") {
				c.Origin = OriginGoWork
			}
			c.Reason = d.why
		}
	}
	if c.Image == "" {
		c.Image = "golang:" + c.GoVersion
	}
	return c
}

// tidyRuns reports whether the tidy check runs by default for the written
// (not defaulted) spec: the rules of New.
func tidyRuns(s *spec.Spec, m gomod.Module) bool {
	switch s.Tidy {
	case spec.TidyOff:
		return false
	case "":
		if m.Work != nil || m.Vendored {
			return false
		}
		if m.Facts != nil && OldTidyReason(m.Facts.Go) != "" {
			return false
		}
	}
	return true
}
