package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/containerd/platforms"
	"github.com/distribution/reference"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerui"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/plan"
)

// imageConfig is a resolved image's config.
type imageConfig struct {
	ref string
	img *dockerspec.DockerOCIImage
	// digest is the image's digest as resolved ("" for a named context
	// that is no image: a local directory, another build's output).
	digest digest.Digest
	// pinned is ref@digest when the registry said the digest.
	pinned string
}

// pinnedRef is the image reference with its digest when known.
func (c *imageConfig) pinnedRef() string {
	if c == nil {
		return "(unknown)"
	}
	if c.pinned != "" {
		return c.pinned
	}
	return c.ref
}

func baseImgConfig(c *imageConfig) *dockerspec.DockerOCIImage {
	if c == nil {
		return nil
	}
	return c.img
}

// loadedImage is a loadImage result.
type loadedImage struct {
	st  *llb.State
	cfg *imageConfig
	err error
}

// prefetchBases loads, in parallel, the builder image for the build platform
// and the runtime base for every target platform (when the target is an
// image), so that the per-platform builds find them resolved. A runtime base
// that cannot be loaded (no variant for a platform, a wrong name) is an error
// now, before any step runs; the builder's error is the caller's to word.
func (b *build) prefetchBases(ctx context.Context, targets []ocispecs.Platform, buildPlatform ocispecs.Platform) error {
	p := b.plan
	type job struct {
		ref, field string
		pl         ocispecs.Platform
	}
	var jobs []job
	if p.Toolchain == nil {
		jobs = append(jobs, job{p.Builder, "builder", buildPlatform})
	}
	if p.Target == plan.TargetImage && p.Image.Pulled() {
		if len(targets) == 0 {
			targets = []ocispecs.Platform{buildPlatform}
		}
		for _, t := range targets {
			jobs = append(jobs, job{p.Image.Base, "image.base", t})
		}
	}
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = b.loadImage(ctx, j.ref, j.pl, j.field)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, j := range jobs {
		if j.field == "image.base" && errs[i] != nil {
			return errs[i]
		}
	}
	return nil
}

// loadImage returns the state and config of an image for a platform,
// remembering the result for the rest of the build. A named
// context with the image's name (--build-context golang:1.26=docker-image://...)
// replaces it. field is the spec field that chose the image, for errors.
func (b *build) loadImage(ctx context.Context, ref string, pl ocispecs.Platform, field string) (*llb.State, *imageConfig, error) {
	key := ref + " " + platforms.FormatAll(platforms.Normalize(pl)) + " " + field
	b.imagesMu.Lock()
	if b.images == nil {
		b.images = map[string]*loadedImage{}
	}
	if l, ok := b.images[key]; ok && l.err == nil {
		b.imagesMu.Unlock()
		return l.st, l.cfg, nil
	}
	b.imagesMu.Unlock()
	st, cfg, err := b.resolveImage(ctx, ref, pl, field)
	b.imagesMu.Lock()
	b.images[key] = &loadedImage{st, cfg, err}
	b.imagesMu.Unlock()
	return st, cfg, err
}

// resolveImage is loadImage without the memory.
func (b *build) resolveImage(ctx context.Context, ref string, pl ocispecs.Platform, field string) (*llb.State, *imageConfig, error) {
	var captured digest.Digest
	nc, err := b.bc.NamedContext(ref, dockerui.ContextOpt{Platform: &pl, ResolveMode: b.bc.ImageResolveMode.String(), CaptureDigest: &captured})
	if err != nil {
		return nil, nil, b.fieldError(field, fmt.Errorf("loading the named context for %s: %w", ref, err))
	}
	if nc != nil {
		st, img, err := nc.Load(ctx)
		if err != nil {
			return nil, nil, b.fieldError(field, fmt.Errorf("loading the named context for %s: %w", ref, err))
		}
		if st != nil {
			s := *st
			if img != nil {
				dt, err := json.Marshal(img)
				if err == nil {
					s, err = s.WithImageConfig(dt)
				}
				if err != nil {
					return nil, nil, err
				}
			}
			return &s, &imageConfig{ref: ref, img: img, digest: captured}, nil
		}
	}
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return nil, nil, b.fieldError(field, fmt.Errorf("%q is not a valid image reference: %w", ref, err))
	}
	ref = reference.TagNameOnly(named).String()
	_, dgst, dt, err := b.c.ResolveImageConfig(ctx, ref, sourceresolver.Opt{
		LogName: "[internal] load metadata for " + ref,
		ImageOpt: &sourceresolver.ResolveImageOpt{
			Platform:    &pl,
			ResolveMode: b.bc.ImageResolveMode.String(),
		},
	})
	if err != nil {
		return nil, nil, b.resolveError(ref, pl, field, err)
	}
	var img dockerspec.DockerOCIImage
	if err := json.Unmarshal(dt, &img); err != nil {
		return nil, nil, b.fieldError(field, fmt.Errorf("reading the config of %s: %w", ref, err))
	}
	pinned := ref
	if dgst != "" {
		pinned = ref + "@" + dgst.String()
	}
	name := "[internal] " + ref
	if field == "builder" && b.plan != nil {
		// The log says why the go steps run in an image.
		name = fmt.Sprintf("[builder] %s: %s", ref, b.plan.RunnerReason)
	}
	st := llb.Image(pinned, llb.Platform(pl), llb.WithCustomName(name))
	st, err = st.WithImageConfig(dt)
	if err != nil {
		return nil, nil, err
	}
	return &st, &imageConfig{ref: ref, img: &img, digest: dgst, pinned: pinned}, nil
}

// builderGoVersion is the Go version the builder image says it has.
func builderGoVersion(c *imageConfig) string {
	if c == nil || c.img == nil {
		return ""
	}
	v, _ := plan.EnvValue(c.img.Config.Env, goenv.GOLANG_VERSION)
	return v
}

// resolveError explains an image that cannot be resolved: for the builder,
// which setting chose it (at that setting's line, or go.mod's); for the base,
// the platform it lacks.
func (b *build) resolveError(ref string, pl ocispecs.Platform, field string, err error) error {
	platform := platforms.FormatAll(platforms.Normalize(pl))
	noPlatform := strings.Contains(err.Error(), "no match for platform")
	if field == "builder" {
		field, why := b.builderChoice()
		hint := "check that the tag exists (the official golang images are tagged like 1.26 and 1.26.8)"
		if noPlatform {
			hint = fmt.Sprintf("the image has no %s variant; the builder runs on the build platform", platform)
		}
		return b.fieldError(field, fmt.Errorf("resolving the builder image %s (chosen by %s): %w: %s; or choose another with go:, builder: or --build-arg %s=...",
			ref, why, err, hint, plan.ArgBuilderImage))
	}
	if noPlatform {
		return b.fieldError(field, fmt.Errorf("the runtime base image %s has no %s variant (%w): choose a base image that has one, or build for the platforms it has (platforms: or --platform)",
			ref, platform, err))
	}
	return b.fieldError(field, fmt.Errorf("resolving the runtime base image %s for %s: %w", ref, platform, err))
}

// builderChoice says which spec field chose the builder image (for the error
// line; "" when none did) and, in words, what chose it: the plan's record of
// the choice (a go.mod or go.work line names itself).
func (b *build) builderChoice() (field, why string) {
	f := b.plan.BuilderFrom
	if f.What == "" {
		return "", b.plan.BuilderOrigin
	}
	return f.Field, f.What
}
