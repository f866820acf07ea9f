// Command gopherfile builds Go images from a Gopherfile against a buildkitd,
// running the frontend in-process (no frontend image needed).
//
//	gopherfile build [-f FILE] [--target T] [--platform P] [--build-arg K=V] [-o OUTPUT] [--addr BUILDKIT_HOST] [DIR]
//	gopherfile version
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/moby/buildkit/solver/errdefs"
)

const usage = `gopherfile builds Go container images from a Gopherfile with BuildKit.

Usage:
  gopherfile build [flags] [DIR]   build DIR (default ".") with DIR/Gopherfile
  gopherfile version               print the version

Run 'gopherfile build --help' for the build flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

func run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "build":
		err = buildCmd(ctx, args[1:])
	case "version", "--version":
		err = versionCmd()
	case "help", "-h", "--help":
		fmt.Fprint(os.Stdout, usage)
		return 0
	default:
		fmt.Fprintf(os.Stderr, "gopherfile: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		if errors.Is(err, errUsage) {
			return 2
		}
		printError(err)
		return 1
	}
	return 0
}

var errUsage = errors.New("usage")

// printError prints err and, when it carries a Gopherfile location, the lines.
func printError(err error) {
	fmt.Fprintf(os.Stderr, "ERROR: %v\n", err)
	for _, s := range errdefs.Sources(err) {
		_ = s.Print(os.Stderr)
	}
}
