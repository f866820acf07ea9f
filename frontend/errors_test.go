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
		work            *gomod.Workspace
		args            map[string]string
	}{
		{gf: "version: 1\ngo: \"1.99\"\n", field: "go", want: `go: "1.99" in the Gopherfile`, facts: facts},
		{gf: "version: 1\nbuilder: x/y:1\n", field: "builder", want: "builder: in the Gopherfile", facts: facts},
		{gf: "version: 1\n", want: "the go line of go.mod (line 3: go 1.99)", facts: facts},
		{gf: "version: 1\n", want: "the toolchain line of go.mod (line 4: toolchain go1.99.1)", facts: &gomod.Facts{Path: "m", Go: "1.98", GoLine: 3, Toolchain: "1.99.1", ToolchainLine: 4}},
		// Issue 23: the frontend worked these out again from go.mod and
		// missed go.work, a module: directory and a custom toolchain name.
		{gf: "version: 1\nmodule: app\n", want: "the go line of go.work (line 2: go 1.99)", facts: facts, work: &gomod.Workspace{Go: "1.99", GoLine: 2}},
		{gf: "version: 1\nmodule: app\n", want: "the toolchain line of go.work (line 3: toolchain go1.99.2)", facts: facts, work: &gomod.Workspace{Go: "1.99", GoLine: 2, Toolchain: "1.99.2", ToolchainLine: 3}},
		{gf: "version: 1\nmodule: svc\n", want: "the go line of svc/go.mod (line 3: go 1.99)", facts: facts},
		{gf: "version: 1\n", want: "the toolchain line of go.mod (line 4: toolchain go1.99.1-custom)", facts: &gomod.Facts{Path: "m", Go: "1.98", GoLine: 3, Toolchain: "1.99.1-custom", ToolchainLine: 4}},
		{gf: "version: 1\n", want: "build arg GO_VERSION", facts: facts, args: map[string]string{plan.ArgGoVersion: "1.99.3"}},
	} {
		s, pos, err := spec.Parse([]byte(tt.gf))
		if err != nil {
			t.Fatal(err)
		}
		m := &gomod.Module{Facts: tt.facts, Work: tt.work}
		p, err := plan.New(s, *m, plan.Options{BuildArgs: tt.args})
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
