// Package version holds the version of the gopherfile binaries, set at link time
// with -ldflags "-X github.com/gopherfile/gopherfile/internal/version.Version=v1.2.3".
package version

import "runtime/debug"

// Version of this build: the stamped version, else the module version of
// `go install github.com/gopherfile/gopherfile/cmd/...@vX`, else "dev".
var Version = "dev"

func init() {
	if Version != "dev" {
		return
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		Version = bi.Main.Version
	}
}
