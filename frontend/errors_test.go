package frontend

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/util/grpcerrors"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/spec"
)

// TestFieldErrorKeepsContext: an error that wraps a gRPC status (as an image
// that does not resolve does) reaches the client with the whole message, not
// just the status's.
func TestFieldErrorKeepsContext(t *testing.T) {
	b := &build{pos: spec.Positions{"go": {Line: 3}}, src: &dockerui.Source{}}
	// As the gateway client returns it: a gRPC status error, made typed by grpcerrors.FromGRPC.
	inner := grpcerrors.FromGRPC(status.Error(codes.NotFound, "docker.io/library/golang:1.99: not found"))
	err := b.fieldError("go", fmt.Errorf("resolving the builder image golang:1.99 (chosen by go:): %w", inner))
	got := status.Convert(grpcerrors.ToGRPC(context.Background(), err)).Message()
	for _, w := range []string{"Gopherfile line 3", "resolving the builder image", "not found"} {
		if !strings.Contains(got, w) {
			t.Errorf("the client sees %q, without %q", got, w)
		}
	}
}

// TestBuilderChoice: the builder error names what chose the image.
func TestBuilderChoice(t *testing.T) {
	facts := &gomod.Facts{Path: "m", Go: "1.99", GoLine: 3}
	for _, tt := range []struct {
		gf, field, want string
		facts           *gomod.Facts
	}{
		{"version: 1\ngo: \"1.99\"\n", "go", `go: "1.99" in the Gopherfile`, facts},
		{"version: 1\nbuilder: x/y:1\n", "builder", "builder: in the Gopherfile", facts},
		{"version: 1\n", "", "the go line of go.mod (line 3: go 1.99)", facts},
		{"version: 1\n", "", "the toolchain line of go.mod (line 4: toolchain go1.99.1)", &gomod.Facts{Path: "m", Go: "1.98", GoLine: 3, Toolchain: "1.99.1", ToolchainLine: 4}},
	} {
		s, pos, err := spec.Parse([]byte(tt.gf))
		if err != nil {
			t.Fatal(err)
		}
		m := &gomod.Module{Facts: tt.facts}
		p, err := plan.New(s, *m, plan.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b := &build{spec: s, pos: pos, plan: p, mod: m}
		field, why := b.builderChoice()
		if field != tt.field || why != tt.want {
			t.Errorf("%q: builderChoice = %q, %q; want %q, %q", tt.gf, field, why, tt.field, tt.want)
		}
	}
}
