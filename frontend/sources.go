package frontend

import (
	"context"
	"fmt"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/frontend/dockerui"

	"github.com/gopherfile/gopherfile/internal/graph"
)

// loadSources loads the named contexts of sources:. A context the build is
// not given fails at the line of its sources: entry, with the flag to add.
func (b *build) loadSources(ctx context.Context) ([]graph.Source, error) {
	var out []graph.Source
	buildPlatform := platforms.Normalize(platforms.DefaultSpec())
	if len(b.bc.BuildPlatforms) > 0 {
		buildPlatform = b.bc.BuildPlatforms[0]
	}
	for _, src := range b.plan.Sources {
		field := src.Field + ".context"
		nc, err := b.bc.NamedContext(src.Context, dockerui.ContextOpt{Platform: &buildPlatform, ResolveMode: b.bc.ImageResolveMode.String()})
		if err != nil {
			return nil, b.fieldError(field, fmt.Errorf("loading the build context %q of %s: %w", src.Context, src.Field, err))
		}
		if nc == nil {
			return nil, b.fieldError(field, fmt.Errorf("%s names the build context %q, which this build is not given: add --build-context %s=DIR (or =docker-image://REF, =target:NAME...) to docker buildx build or gopherfile build, or contexts = { %s = \"target:NAME\" } to the bake target",
				src.Field, src.Context, src.Context, src.Context))
		}
		st, _, err := nc.Load(ctx)
		if err != nil {
			return nil, b.fieldError(field, fmt.Errorf("loading the build context %q of %s: %w", src.Context, src.Field, err))
		}
		if st == nil {
			return nil, b.fieldError(field, fmt.Errorf("the build context %q of %s is empty", src.Context, src.Field))
		}
		out = append(out, graph.Source{State: *st, Dst: src.Dst, Name: src.Context, Field: field})
	}
	return out, nil
}
