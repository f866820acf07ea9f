package frontend

import (
	"context"
	"fmt"
	"strings"

	"github.com/containerd/platforms"
	"github.com/distribution/reference"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// builderContext reports whether a named context replaces the builder image
// (--build-context golang:1.27.4=docker-image://..., as BuildKit's Dockerfile
// frontend allows for FROM), and returns what it says (the context's
// value, e.g. docker-image://registry.acme/go). The builder runs the download
// step with the build's secrets, so this is never silent: the builder
// reason, --call outline and a build warning name it.
func (b *build) builderContext(pl ocispecs.Platform) (string, bool) {
	nc, err := b.bc.NamedContext(b.plan.Builder, dockerui.ContextOpt{Platform: &pl})
	if err != nil || nc == nil {
		return "", false
	}
	name := b.plan.Builder
	if named, err := reference.ParseNormalizedNamed(name); err == nil {
		name = strings.TrimSuffix(reference.FamiliarString(named), ":latest")
	}
	opts := b.bc.BuildOpts().Opts
	v, ok := opts["context:"+name+"::"+platforms.FormatAll(platforms.Normalize(pl))]
	if !ok {
		v = opts["context:"+name]
	}
	return name + "=" + v, true
}

// noteBuilderContext adds a named context that replaces the builder to the
// builder reason and warns about it.
func (b *build) noteBuilderContext(ctx context.Context, pl ocispecs.Platform, warn bool) {
	c, ok := b.builderContext(pl)
	if !ok {
		return
	}
	p := b.plan
	p.BuilderReason = fmt.Sprintf("%s, replaced by the named context --build-context %s", p.BuilderReason, c)
	if warn {
		line := b.pos.Of("builder").Line
		if line == 0 {
			line = b.pos.Of("go").Line
		}
		b.src.Warn(ctx, fmt.Sprintf("the builder image %s is replaced by the named context --build-context %s: that image runs go mod download and the tidy check with the build's secrets and credentials; make sure it is the image you mean", p.Builder, c),
			gwclient.WarnOpts{Range: lineRange(line), Level: 1})
	}
}
