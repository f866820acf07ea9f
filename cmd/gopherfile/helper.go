package main

import (
	"context"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client"
	"github.com/tonistiigi/fsutil"

	"github.com/gopherfile/gopherfile/frontend"
	"github.com/gopherfile/gopherfile/internal/version"
)

// The build steps run the step helper. The CLI runs the frontend in-process,
// so it provides the helper itself: its own binary, sent as a local source,
// when that binary can run in the build steps (a static Linux binary for the
// builder's platform, as `make build` makes); otherwise the frontend image of
// the same version (docker.io/gopherfile/frontend:VERSION), or the image
// given with --helper-image.

// helperLocal is the name of the local source that holds the binary.
const helperLocal = "gopherfile-helper"

// helperImageFor is the frontend image of this version.
func helperImageFor(v string) string { return "docker.io/gopherfile/frontend:" + v }

// helperSource sets the frontend attrs and local mounts that hand the
// frontend its step helper.
func helperSource(ctx context.Context, c *client.Client, image string, attrs map[string]string, mounts map[string]fsutil.FS) error {
	if image != "" {
		attrs[frontend.OptHelperImage] = image
		return nil
	}
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err == nil && runtime.GOOS == "linux" && static(exe) && workerArch(ctx, c) == runtime.GOARCH {
		dir, file := filepath.Split(exe)
		fs, err := fsutil.NewFS(dir)
		if err == nil {
			fs, err = fsutil.NewFilterFS(fs, &fsutil.FilterOpt{IncludePatterns: []string{file}})
		}
		if err != nil {
			return fmt.Errorf("sending the step helper (%s): %w", exe, err)
		}
		mounts[helperLocal] = fs
		attrs[frontend.OptHelperLocal] = helperLocal
		attrs[frontend.OptHelperFile] = file
		return nil
	}
	if version.Version == "dev" {
		return fmt.Errorf("the build steps need the step helper: this gopherfile binary cannot run in them (it must be a static linux/%s binary, e.g. CGO_ENABLED=0 go build ./cmd/gopherfile), "+
			"and a dev build has no frontend image of its own version: pass --helper-image with a Gopherfile frontend image", workerArchOr(ctx, c))
	}
	attrs[frontend.OptHelperImage] = helperImageFor(version.Version)
	return nil
}

// static reports whether the ELF binary at p has no dynamic loader.
func static(p string) bool {
	f, err := elf.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}

// workerArch is the architecture of the buildkitd's first worker, "" if unknown.
func workerArch(ctx context.Context, c *client.Client) string {
	ws, err := c.ListWorkers(ctx)
	if err != nil || len(ws) == 0 || len(ws[0].Platforms) == 0 {
		return ""
	}
	return platforms.Normalize(ws[0].Platforms[0]).Architecture
}

func workerArchOr(ctx context.Context, c *client.Client) string {
	if a := workerArch(ctx, c); a != "" {
		return a
	}
	return "amd64"
}
