package step

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/gopherfile/gopherfile/internal/step/modview"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// moduleView copies the build's modules from the shared module cache into
// the step's output, each verified against go.sum (package modview). A
// module whose files changed in the shared cache stops the build.
func (h *helper) moduleView(ctx context.Context) int {
	o := h.cfg.ModView
	if o == nil || h.cfg.Record == nil {
		h.printf("gopherfile: the module view step has no configuration")
		return 2
	}
	if !o.Early && !h.checkCache() {
		return stepconfig.ExitCacheLost
	}
	var sums []string
	for _, f := range o.SumFiles {
		sums = append(sums, filepath.Join(h.cfg.Record.SrcDir, f))
	}
	part, err := modview.ParsePart(o.Part)
	if err != nil {
		h.printf("gopherfile: module view: %v", err)
		return 2
	}
	start := time.Now()
	st, err := modview.Build(ctx, modview.Config{Src: o.Src, Dst: o.Dst, SumFiles: sums, Toolchains: o.Toolchains, Part: part})
	var me *modview.MismatchError
	switch {
	case errors.As(err, &me):
		h.printf("gopherfile: %v.", err)
		h.printf("gopherfile: the builder's shared module cache holds a copy of %s that the go command did not write: "+
			"another build on this builder (a Dockerfile or a frontend with the same cache mount id) changed it. "+
			"Nothing of it was used. Remove the builder's cache mounts (docker buildx prune --filter type=exec.cachemount), "+
			"give builds of different trust a namespace each (--build-arg BUILDKIT_CACHE_MOUNT_NS, docs/caches.md), and build again.", me.Module)
		return 1
	case err != nil:
		h.printf("gopherfile: module view: %v", err)
		return 1
	}
	h.printf("%s", viewSummary(o.Early, part, st, time.Since(start)))
	return 0
}

// viewSummary is the line a module view step prints.
func viewSummary(early bool, part modview.Part, st modview.Stats, took time.Duration) string {
	what := ""
	if part == modview.PartBuild {
		what = " without their tests"
	}
	name := "module view"
	if early {
		name = "early module view (beside go mod download)"
	}
	msg := fmt.Sprintf("gopherfile: %s: %d modules%s (%d files, %.1f MB) and %d go.mod files verified against go.sum in %s",
		name, st.Modules, what, st.Files, float64(st.Bytes)/1e6, st.ModFiles, took.Round(10*time.Millisecond))
	if st.Kept > 0 {
		msg += fmt.Sprintf(", %d more modules from the early view", st.Kept)
	}
	switch {
	case early && len(st.Missing) > 0:
		msg += fmt.Sprintf("; %d not in the builder's module cache yet (the view after go mod download copies them)", len(st.Missing))
	case len(st.Missing) > 0:
		msg += fmt.Sprintf("; %d named by go.sum but not downloaded (the go command fetches only what the build needs)", len(st.Missing))
	}
	return msg
}
