// Command gopherfile builds Go images from a Gopherfile against a buildkitd,
// running the frontend in-process (no frontend image needed), and helps write
// and check Gopherfiles.
//
//	gopherfile build [-f FILE] [--target T] [--platform P] [--build-arg K=V] [-o OUTPUT] [--addr BUILDKIT_HOST] [DIR]
//	gopherfile doctor [--host] [--format json] [-f FILE] [--build-arg K=V] [--secret S] [--ssh S] [--network N] [--addr BUILDKIT_HOST] [DIR]
//	gopherfile init [--force] [DIR]
//	gopherfile lint [-f FILE] [--strict] [--build-arg K=V] [--builder-go VERSION] [DIR]
//	gopherfile schema
//	gopherfile version
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/moby/buildkit/solver/errdefs"

	"github.com/gopherfile/gopherfile/internal/step"
)

const usage = `gopherfile builds Go container images from a Gopherfile with BuildKit.

Usage:
  gopherfile build [flags] [DIR]   build DIR (default ".") with DIR/Gopherfile
  gopherfile doctor [flags] [DIR]  predict, before a build, whether go mod download will work in the builder
  gopherfile init [--force] [DIR]  write DIR/Gopherfile for the module in DIR
  gopherfile lint [flags] [DIR]    check DIR/Gopherfile and DIR/go.mod
  gopherfile schema                print the JSON schema of the Gopherfile format
  gopherfile version               print the version

Run 'gopherfile COMMAND --help' for the flags of a command.
`

func main() {
	// Inside a build step, the binary is the step helper (see helper.go).
	if len(os.Args) > 1 && os.Args[1] == step.Arg {
		os.Exit(step.Main(os.Args[2:]))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command line args and returns the exit status: 0 on success
// and for --help, 1 when the command failed, 2 for bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "build":
		err = buildCmd(ctx, args[1:], stdout, stderr)
	case "doctor":
		err = doctorCmd(ctx, args[1:], stdout, stderr)
	case "init":
		err = initCmd(args[1:], stdout, stderr)
	case "lint":
		err = lintCmd(args[1:], stdout, stderr)
	case "schema":
		err = schemaCmd(args[1:], stdout, stderr)
	case "version", "--version":
		err = versionCmd(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		if len(args) == 2 && args[1] != "" && args[1] != "help" && args[1][0] != '-' {
			return run(ctx, []string{args[1], "--help"}, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "gopherfile: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	var exit exitError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.As(err, &exit):
		return int(exit)
	}
	printError(stderr, err)
	return 1
}

// printError prints err and, when it carries a Gopherfile location, the lines.
func printError(w io.Writer, err error) {
	fmt.Fprintf(w, "ERROR: %v\n", err)
	for _, s := range errdefs.Sources(err) {
		_ = s.Print(w)
	}
}
