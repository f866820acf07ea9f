package plan

import (
	"fmt"
	"path"
	"strings"

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
	// From is the setting or the line that chose it, for errors that point
	// at it.
	From ChoiceFrom
}

// The module files a choice can come from. go.mod's path in a ChoiceFrom is
// relative to the build context (the module's directory joined).
const (
	GoModFile  = "go.mod"
	GoWorkFile = "go.work"
)

// ChoiceFrom is where a choice of the plan came from: a Gopherfile field (whose
// line the frontend finds in the spec's positions), a line of go.mod or
// go.work, or a build arg; and that in words, for messages.
type ChoiceFrom struct {
	// Field is the Gopherfile field that chose, "" when none did.
	Field string `json:"field,omitempty"`
	// File is go.mod (with the module's directory) or go.work when one of
	// their lines chose, and Line that line (0 if unknown).
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	// What says it in words: `go: "1.26" in the Gopherfile`, "the
	// toolchain line of go.mod (line 4: toolchain go1.26.1)", "build arg
	// GO_VERSION".
	What string `json:"what"`
}

// lineSource is the ChoiceFrom of a go or toolchain line (kind) of file, which
// says value at line n.
func lineSource(file, kind, value string, n int) ChoiceFrom {
	if n > 0 {
		return ChoiceFrom{File: file, Line: n, What: fmt.Sprintf("the %s line of %s (line %d: %s %s)", kind, file, n, kind, value)}
	}
	return ChoiceFrom{File: file, What: fmt.Sprintf("the %s line of %s", kind, file)}
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
		c.From = ChoiceFrom{What: OriginBuilderArg}
	case s.Builder != "":
		c.Image, c.Origin = s.Builder, OriginBuilder
		c.Reason = "the Gopherfile's builder: " + s.Builder
		c.From = ChoiceFrom{Field: "builder", What: "builder: in the Gopherfile"}
	}
	switch {
	case args[ArgGoVersion] != "":
		c.GoVersion = args[ArgGoVersion]
		if c.Origin == "" {
			c.Origin = OriginGoArg
			c.Reason = fmt.Sprintf("--build-arg %s=%s", ArgGoVersion, c.GoVersion)
			c.From = ChoiceFrom{What: OriginGoArg}
		}
	case s.Go != "":
		c.GoVersion = string(s.Go)
		if c.Origin == "" {
			c.Origin = OriginGo
			c.Reason = fmt.Sprintf("the Gopherfile's go: %q", s.Go)
			c.From = ChoiceFrom{Field: "go", What: fmt.Sprintf("go: %q in the Gopherfile", c.GoVersion)}
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
			c.From = d.from
			if c.From.File == GoModFile {
				c.From = moduleFile(s, c.From)
			}
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

// moduleFile is from with go.mod's path in the build context: in the
// Gopherfile's module: directory, the same words.
func moduleFile(s *spec.Spec, from ChoiceFrom) ChoiceFrom {
	dir := cleanDir(s.Module)
	if dir == "." {
		return from
	}
	file := path.Join(dir, GoModFile)
	from.What = strings.Replace(from.What, " of "+GoModFile, " of "+file, 1)
	from.File = file
	return from
}
