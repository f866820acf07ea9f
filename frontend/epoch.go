package frontend

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/moby/buildkit/frontend/dockerui"
)

// ArgSourceDateEpoch is the build arg that dates a reproducible image.
const ArgSourceDateEpoch = "SOURCE_DATE_EPOCH"

// sourceDateEpoch is the build's SOURCE_DATE_EPOCH, read as BuildKit's
// Dockerfile frontend reads it: the build arg in seconds since 1970, or
// "context" (or no build arg) for the commit time of a git context. It is nil
// when there is none (a local context without the build arg).
func sourceDateEpoch(ctx context.Context, bc *dockerui.Client) (*time.Time, error) {
	v, set := bc.BuildArgs[ArgSourceDateEpoch]
	if set && v != "" && v != "context" {
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil || sec < 0 {
			return nil, fmt.Errorf("gopherfile: --build-arg %s=%s: give the time in seconds since 1970 (e.g. $(git log -1 --format=%%ct)), or context for the commit time of a git context", ArgSourceDateEpoch, v)
		}
		t := time.Unix(sec, 0).UTC()
		return &t, nil
	}
	t, err := bc.ResolveMainContextSourceDateEpoch(ctx)
	if err != nil {
		if v == "context" {
			return nil, fmt.Errorf("gopherfile: --build-arg %s=context: reading the commit time of the build context: %w", ArgSourceDateEpoch, err)
		}
		return nil, nil
	}
	return t, nil
}
