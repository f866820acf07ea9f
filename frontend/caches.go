package frontend

import (
	"context"
	"fmt"
	"strings"

	"github.com/containerd/platforms"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/internal/graph"
	"github.com/gopherfile/gopherfile/internal/plan"
)

// toolchainID is the identity of the Go toolchain the go steps run
// (plan.Plan.ToolchainID), which names the shared compile caches: for the
// toolchain from the module proxy, its version and h1 hash on the build
// platform's arch (plan.Toolchain.Identity); else the builder image's
// digest. A builder from a named context that is no image (a local
// directory, another build's output) has none: its content can change
// under the same name, so no compile cache is shared for it.
func toolchainID(p *plan.Plan, buildArch string, c *imageConfig) string {
	if p.Toolchain != nil {
		return p.Toolchain.Identity(buildArch)
	}
	if c == nil || c.digest == "" {
		return ""
	}
	return "image " + c.digest.String()
}

// warnPrivateInLayer warns when cache.modules: layer puts private modules
// in the download step's layer, which --cache-to mode=max exports: whoever
// can pull the registry cache can read them.
func (b *build) warnPrivateInLayer(ctx context.Context) {
	mods := b.plan.PrivateInLayer
	if len(mods) == 0 {
		return
	}
	field := "cache.modules"
	if _, ok := b.pos[field]; !ok {
		field = "modules.private"
	}
	shown := mods
	if len(shown) > 5 {
		shown = append(append([]string(nil), shown[:5]...), fmt.Sprintf("and %d more", len(mods)-5))
	}
	msg := fmt.Sprintf("cache.modules is layer (set, or auto with --cache-from), so the private modules %s are in the download step's layer: "+
		"a registry cache exported with --cache-to mode=max holds their source, and whoever can pull that cache can read it. "+
		"Keep the cache reference as private as the modules, or set cache.modules: mount (version control clones never travel in the layer).",
		strings.Join(shown, ", "))
	b.src.Warn(ctx, msg, gwclient.WarnOpts{Range: lineRange(b.pos.Of(field).Line), Level: 1})
}

// outlineCaches adds the cache mounts a build can use to the outline,
// with the toolchain resolved from the builder image when it can be.
func (b *build) outlineCaches(ctx context.Context, p *plan.Plan, o *outline.Outline) {
	buildPlatform := platforms.Normalize(platforms.DefaultSpec())
	if len(b.bc.BuildPlatforms) > 0 {
		buildPlatform = b.bc.BuildPlatforms[0]
	}
	if p.Toolchain != nil {
		p.ToolchainID = toolchainID(p, buildPlatform.Architecture, nil)
	} else if _, img, err := b.loadImage(ctx, p.Builder, buildPlatform, "builder"); err == nil {
		p.ToolchainID = toolchainID(p, buildPlatform.Architecture, img)
	}
	targets := b.bc.TargetPlatforms
	if len(targets) == 0 {
		targets = []ocispecs.Platform{buildPlatform}
	}
	for _, c := range graph.CacheMounts(p, targets, buildPlatform) {
		o.Cache = append(o.Cache, outline.CacheMount{ID: c.ID})
	}
}
