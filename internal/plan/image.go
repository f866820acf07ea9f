package plan

import (
	"maps"
	"time"

	"github.com/gopherfile/gopherfile/internal/spec"
)

// Where the runtime base image comes from, in the order of precedence.
const (
	OriginBaseArg     = "build arg " + ArgBaseImage
	OriginBase        = "image.base"
	OriginDefaultBase = "the default base"
)

// BuiltinBase is how the built-in static base is named in messages and in
// --call outline (Image.Base is "" for it).
const BuiltinBase = "the built-in static base"

// ChooseBase applies the base image precedence: build arg BASE_IMAGE, the
// Gopherfile's image.base, then the default (spec.DefaultCGOBase for a cgo
// build, else "": the built-in static base, which the frontend writes with
// the layout of spec.DefaultBase). origin is one of the OriginBase constants.
func ChooseBase(s *spec.Spec, args map[string]string, cgo bool) (ref, origin string) {
	switch {
	case args[ArgBaseImage] != "":
		return args[ArgBaseImage], OriginBaseArg
	case s.Image.Base != "":
		return s.Image.Base, OriginBase
	case cgo:
		return spec.DefaultCGOBase, OriginDefaultBase
	}
	return "", OriginDefaultBase
}

func image(s *spec.Spec, bins []Binary, args map[string]string, cgo bool) Image {
	img := Image{
		Cmd:        s.Image.Cmd,
		Env:        sortedEnv(s.Image.Env),
		User:       s.Image.User,
		Workdir:    s.Image.Workdir,
		Labels:     s.Image.Labels,
		Volumes:    s.Image.Volumes,
		StopSignal: s.Image.StopSignal,
		Files:      s.Image.Files,
	}
	img.Base, _ = ChooseBase(s, args, cgo)
	switch img.Base {
	case "":
		img.Builtin, img.BuiltinFiles = true, true
		img.Tzdata = *s.Image.Tzdata
	case spec.Scratch:
		img.BuiltinFiles = true
		img.Tzdata = *s.Image.Tzdata
	}
	if h := s.Image.Healthcheck; h != nil {
		img.Healthcheck = &Healthcheck{
			Test:        append([]string{"CMD"}, h.Cmd...),
			Retries:     int(h.Retries),
			Interval:    h.Interval.Value(),
			Timeout:     h.Timeout.Value(),
			StartPeriod: h.StartPeriod.Value(),
		}
	}
	img.Entrypoint = s.Image.Entrypoint
	if len(img.Entrypoint) == 0 {
		img.Entrypoint = []string{bins[0].Output}
	}
	for _, p := range s.Image.Expose {
		if n, err := spec.NormalizePort(p); err == nil {
			img.Expose = append(img.Expose, n)
		}
	}
	return img
}

// ociLabels are the org.opencontainers.image.* labels Gopherfile knows, under
// the user's labels (which win).
func ociLabels(p *Plan, bins []Binary, args map[string]string, opt Options) map[string]string {
	l := map[string]string{"org.opencontainers.image.title": bins[0].Name}
	if opt.VCSSource != "" {
		l["org.opencontainers.image.source"] = opt.VCSSource
	}
	if p.stamp.Commit != "" && (opt.VCSRevision != "" || opt.Git != nil && p.stamp.Commit == opt.Git.Commit) {
		l["org.opencontainers.image.revision"] = p.stamp.Commit
	}
	if v := args[ArgVersion]; v != "" {
		l["org.opencontainers.image.version"] = v
	} else if p.stamp.VersionFrom == "git" {
		l["org.opencontainers.image.version"] = p.stamp.Version
	}
	if opt.Epoch != nil {
		l["org.opencontainers.image.created"] = opt.Epoch.UTC().Format(time.RFC3339)
	}
	maps.Copy(l, p.Image.Labels)
	return l
}

// BaseName is the base for messages: the image reference, or BuiltinBase.
func (i Image) BaseName() string {
	if i.Builtin {
		return BuiltinBase
	}
	return i.Base
}

// Pulled reports whether the base is an image to pull (not scratch, not
// the built-in base).
func (i Image) Pulled() bool { return !i.Builtin && i.Base != spec.Scratch }

// DefaultUser is the image's user when neither image.user nor the base image
// sets one: the nonroot user.
func (Image) DefaultUser() string { return spec.NonrootUser }
