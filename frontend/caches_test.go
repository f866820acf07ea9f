package frontend

import (
	"testing"

	digest "github.com/opencontainers/go-digest"

	"github.com/gopherfile/gopherfile/internal/plan"
)

// TestToolchainID: the compile caches are keyed by the exact toolchain: the
// toolchain from the module proxy by its version and h1 hash on the build
// platform's arch, a builder image by its digest; a builder without one (a
// local named context) shares none.
func TestToolchainID(t *testing.T) {
	d := digest.FromString("golang")
	image := &plan.Plan{}
	proxy := &plan.Plan{Toolchain: &plan.Toolchain{GoVersion: "1.27.4", Hashes: map[string]string{"amd64": "h1:abc=", "arm64": "h1:def="}}}
	for _, tt := range []struct {
		p    *plan.Plan
		arch string
		c    *imageConfig
		want string
	}{
		{image, "amd64", nil, ""},
		{image, "amd64", &imageConfig{ref: "docker.io/library/golang:1.27.4"}, ""},
		{image, "amd64", &imageConfig{ref: "docker.io/library/golang:1.27.4", digest: d}, "image " + d.String()},
		// The same image under another name is the same toolchain.
		{image, "amd64", &imageConfig{ref: "registry.acme/golang:1.27", digest: d}, "image " + d.String()},
		// The toolchain from the module proxy: the build platform's zip.
		{proxy, "amd64", nil, "go1.27.4@h1:abc="},
		{proxy, "arm64", nil, "go1.27.4@h1:def="},
		// A release the table does not know: the version until the fetch
		// step's verified hash is in the plan (resolveToolchain).
		{&plan.Plan{Toolchain: &plan.Toolchain{GoVersion: "1.28.0"}}, "amd64", nil, "go1.28.0"},
	} {
		if got := toolchainID(tt.p, tt.arch, tt.c); got != tt.want {
			t.Errorf("%+v %s %+v: got %q, want %q", tt.p.Toolchain, tt.arch, tt.c, got, tt.want)
		}
	}
}
