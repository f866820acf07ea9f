package graph

import (
	"strings"
	"testing"

	bk "github.com/moby/buildkit/client/llb"

	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// TestBesideTheDownload: the early module view and the tidy check hold no
// download step, so the frontend solves them beside it; the view after the
// download starts from the early view. With the module cache in the layer
// (no view) the tidy check still reads the download step's output.
func TestBesideTheDownload(t *testing.T) {
	p := testPlan(t, "version: 1\n", facts, false)
	in := testInputs(p)
	g := New(p, in)
	g.UseRecord([]byte("gopherfile download record\nabc\ngo.mod\n"))
	early, ok := g.EarlyView(stepconfig.Build)
	if !ok {
		t.Fatal("no early view")
	}
	for name, st := range map[string]bk.State{"early view": early, "tidy check": g.Tidy()} {
		if out := describe(t, st, in.BuildPlatform); strings.Contains(out, "go mod download") || strings.Contains(out, DownloadDir) {
			t.Errorf("the %s waits for the download step:\n%s", name, out)
		}
	}
	bins, err := g.Compile(in.BuildPlatform)
	if err != nil {
		t.Fatal(err)
	}
	out := describe(t, bins, in.BuildPlatform)
	if !strings.Contains(out, `EXEC "[deps] early module view`) || !strings.Contains(out, `EXEC "[deps] module view`) {
		t.Errorf("the compile does not read the view made of the early view and the rest:\n%s", out)
	}

	layer := testPlan(t, "version: 1\ncache: {modules: layer}\n", facts, false)
	lin := testInputs(layer)
	lg := New(layer, lin)
	if _, ok := lg.EarlyView(stepconfig.Build); ok {
		t.Error("an early view with the modules in the layer")
	}
	if out := describe(t, lg.Tidy(), lin.BuildPlatform); !strings.Contains(out, "go mod download") {
		t.Errorf("with the modules in the layer, the tidy check does not read the download step:\n%s", out)
	}
}
