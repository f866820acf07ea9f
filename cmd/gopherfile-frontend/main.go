// Command gopherfile-frontend is the BuildKit gateway frontend that the frontend
// image runs: BuildKit starts it for a Gopherfile whose first line is
// `# syntax=<frontend image>` (or with --build-arg BUILDKIT_SYNTAX=<image>).
// The frontend mounts its own image into the build steps and runs this
// binary there as `gopherfile-frontend step` (package step).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/moby/buildkit/frontend/gateway/grpcclient"
	"github.com/moby/buildkit/util/appcontext"
	_ "github.com/moby/buildkit/util/grpcutil/encoding/proto"
	"github.com/sirupsen/logrus"

	"github.com/gopherfile/gopherfile/frontend"
	"github.com/gopherfile/gopherfile/internal/step"
	"github.com/gopherfile/gopherfile/internal/version"
)

func main() {
	// Inside a build step, the same binary is the step helper.
	if len(os.Args) > 1 && os.Args[1] == step.Arg {
		os.Exit(step.Main(os.Args[2:]))
	}
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println("gopherfile-frontend", version.Version)
		return
	}
	if err := grpcclient.RunFromEnvironment(appcontext.Context(), frontend.Build); err != nil {
		logrus.Errorf("gopherfile frontend: %v", err)
		os.Exit(1)
	}
}
