package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/containerd/platforms"
	"github.com/distribution/reference"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerui"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/frontend/plan"
	"github.com/gopherfile/gopherfile/frontend/spec"
)

// imageConfig is a resolved image's config.
type imageConfig struct {
	ref string
	img *dockerspec.DockerOCIImage
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
// image), so that the per-platform builds find them resolved.
func (b *build) prefetchBases(ctx context.Context, targets []ocispecs.Platform, buildPlatform ocispecs.Platform) error {
	p := b.plan
	type job struct {
		ref, field string
		pl         ocispecs.Platform
	}
	jobs := []job{{p.Builder, "builder", buildPlatform}}
	if p.Target == plan.TargetImage && p.Image.Base != spec.Scratch {
		if len(targets) == 0 {
			targets = []ocispecs.Platform{buildPlatform}
		}
		for _, t := range targets {
			jobs = append(jobs, job{p.Image.Base, "image.base", t})
		}
	}
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, _ = b.loadImage(ctx, j.ref, j.pl, j.field)
		}()
	}
	wg.Wait()
	return ctx.Err()
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
	nc, err := b.bc.NamedContext(ref, dockerui.ContextOpt{Platform: &pl, ResolveMode: b.bc.ImageResolveMode.String()})
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
			return &s, &imageConfig{ref: ref, img: img}, nil
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
		return nil, nil, b.fieldError(field, fmt.Errorf("resolving the image %s: %w", ref, err))
	}
	var img dockerspec.DockerOCIImage
	if err := json.Unmarshal(dt, &img); err != nil {
		return nil, nil, b.fieldError(field, fmt.Errorf("reading the config of %s: %w", ref, err))
	}
	pinned := ref
	if dgst != "" {
		pinned = ref + "@" + dgst.String()
	}
	st := llb.Image(pinned, llb.Platform(pl), llb.WithCustomName("[internal] "+ref))
	st, err = st.WithImageConfig(dt)
	if err != nil {
		return nil, nil, err
	}
	return &st, &imageConfig{ref: ref, img: &img}, nil
}

// builderGoVersion is the Go version the builder image says it has.
func builderGoVersion(c *imageConfig) string {
	if c == nil || c.img == nil {
		return ""
	}
	v, _ := plan.EnvValue(c.img.Config.Env, "GOLANG_VERSION")
	return v
}
