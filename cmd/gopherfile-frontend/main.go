// Command gopherfile-frontend is the BuildKit gateway frontend that the frontend
// image runs: BuildKit starts it for a Gopherfile whose first line is
// `# syntax=<frontend image>` (or with --build-arg BUILDKIT_SYNTAX=<image>).
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
	"github.com/gopherfile/gopherfile/internal/version"
)

func main() {
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
