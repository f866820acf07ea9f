package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/gopherfile/gopherfile/internal/version"
)

func versionString() string { return version.Version }

const versionUsage = `Usage: gopherfile version

Prints the version of gopherfile and the Go version it was built with.
`

func versionCmd(args []string, stdout, stderr io.Writer) error {
	c := newCommand("version", versionUsage, stdout, stderr)
	positional, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return c.usageError("no arguments expected, got %q", positional)
	}
	fmt.Fprintf(stdout, "gopherfile %s (%s %s/%s)\n", versionString(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
