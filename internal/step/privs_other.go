//go:build !linux

package step

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
)

// Build steps run on Linux; the helper only needs to compile elsewhere (it
// is part of the gopherfile CLI).

func dropExec(argv []string) int {
	fmt.Fprintf(os.Stderr, "gopherfile: drop-exec runs on linux only, not %s\n", runtime.GOOS)
	return 126
}

func protectSelf() error { return nil }

func killOthers() {}

func startBackground(cmd *exec.Cmd) (warning string, err error) { return "", cmd.Start() }
