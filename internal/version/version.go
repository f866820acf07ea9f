// Package version holds the version of the gopherfile binaries, set at link time
// with -ldflags "-X github.com/gopherfile/gopherfile/internal/version.Version=v1.2.3".
package version

// Version of this build; "dev" when not stamped.
var Version = "dev"
