package frontend

import (
	"errors"
	"fmt"
	"strings"

	"github.com/moby/buildkit/client/llb"
	gwpb "github.com/moby/buildkit/frontend/gateway/pb"

	"github.com/gopherfile/gopherfile/internal/graph"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// Frontend options by which a client that runs Build in-process (the
// gopherfile CLI) hands it the step helper; the frontend image finds its
// own image instead (the gateway's CurrentFrontend).
const (
	// OptHelperLocal names a local source holding the helper binary, and
	// OptHelperFile the binary's file name in it.
	OptHelperLocal = "gopherfile:helper-local"
	OptHelperFile  = "gopherfile:helper-file"
	// OptHelperImage is an image whose /bin/gopherfile-frontend is the helper.
	OptHelperImage = "gopherfile:helper-image"
)

// frontendBinary is the helper's path in the frontend image.
const frontendBinary = "/bin/gopherfile-frontend"

// stepHelper returns the file system that holds the step helper and the
// helper's path in the steps.
func (b *build) stepHelper() (llb.State, string, error) {
	if cf, ok := b.c.(interface{ CurrentFrontend() (*llb.State, error) }); ok {
		st, err := cf.CurrentFrontend()
		if err != nil {
			return llb.State{}, "", fmt.Errorf("gopherfile: reading the frontend image for the step helper: %w", err)
		}
		if st != nil {
			return *st, graph.HelperDir + frontendBinary, nil
		}
	}
	opts := b.bc.BuildOpts().Opts
	if name, file := opts[OptHelperLocal], opts[OptHelperFile]; name != "" && file != "" && !strings.Contains(file, "/") {
		st := llb.Local(name,
			llb.SessionID(b.bc.BuildOpts().SessionID),
			llb.FollowPaths([]string{file}),
			llb.SharedKeyHint("gopherfile-helper"),
			llb.WithCustomName("[internal] load the step helper"))
		return st, graph.HelperDir + "/" + file, nil
	}
	if ref := opts[OptHelperImage]; ref != "" {
		return llb.Image(ref, llb.WithCustomName("[internal] load the step helper "+ref)), graph.HelperDir + frontendBinary, nil
	}
	return llb.State{}, "", errors.New("gopherfile: the build steps need the step helper, and this frontend has none: " +
		"run Gopherfile through its frontend image (the # syntax= line, or --build-arg BUILDKIT_SYNTAX=<image>), " +
		"or with the gopherfile CLI on a BuildKit of version 0.10 or newer")
}

// checkSyntaxPinned: with an untrusted Gopherfile, the frontend must have
// been chosen by the build (--build-arg BUILDKIT_SYNTAX=...), not by the
// Gopherfile's own # syntax= line, which could as well name a frontend that
// hands the secrets to anyone. The gopherfile CLI runs the frontend
// in-process: no line chooses it.
func (b *build) checkSyntaxPinned() error {
	if !b.plan.Untrusted {
		return nil
	}
	opts := b.bc.BuildOpts().Opts
	if opts[OptHelperLocal] != "" || opts[OptHelperImage] != "" {
		return nil // the CLI
	}
	if b.bc.BuildArgs["BUILDKIT_SYNTAX"] != "" {
		return nil
	}
	return fmt.Errorf("gopherfile: --build-arg %s=1 says the Gopherfile is untrusted, but the frontend was chosen by its # syntax= line, which an untrusted Gopherfile could point at any frontend: add --build-arg BUILDKIT_SYNTAX=docker.io/gopherfile/frontend:1@sha256:<digest> to the build command (BuildKit then ignores the line)", plan.ArgUntrusted)
}

// isCacheLost reports whether a solve failed because an offline step found
// the module cache mount without the modules the download step recorded.
func isCacheLost(err error) bool { return isExit(err, stepconfig.ExitCacheLost) }

// isExit reports whether a solve failed because a step exited with code.
func isExit(err error, code int) bool {
	var ee *gwpb.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode == uint32(code)
	}
	return err != nil && strings.Contains(err.Error(), fmt.Sprintf("exit code: %d", code))
}
