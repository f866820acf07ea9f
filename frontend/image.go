package frontend

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerui"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/frontend/plan"
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

// loadImage returns the state and config of an image for a platform. A named
// context with the image's name (--build-context golang:1.26=docker-image://...)
// replaces it. field is the spec field that chose the image, for errors.
func (b *build) loadImage(ctx context.Context, ref string, pl ocispecs.Platform, field string) (*llb.State, *imageConfig, error) {
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
