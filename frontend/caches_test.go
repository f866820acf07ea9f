package frontend

import (
	"testing"

	digest "github.com/opencontainers/go-digest"
)

// TestToolchainID: the compile caches are keyed by the builder image's
// digest; a builder without one (a local named context) shares none.
func TestToolchainID(t *testing.T) {
	d := digest.FromString("golang")
	for _, tt := range []struct {
		c    *imageConfig
		want string
	}{
		{nil, ""},
		{&imageConfig{ref: "docker.io/library/golang:1.27.4"}, ""},
		{&imageConfig{ref: "docker.io/library/golang:1.27.4", digest: d}, "image " + d.String()},
		// The same image under another name is the same toolchain.
		{&imageConfig{ref: "registry.acme/golang:1.27", digest: d}, "image " + d.String()},
	} {
		if got := toolchainID(tt.c); got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.c, got, tt.want)
		}
	}
}
