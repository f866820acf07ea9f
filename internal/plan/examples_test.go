package plan

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	goldenfile "github.com/gopherfile/gopherfile/internal/golden"
	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/spec"
)

// TestExamplePlans keeps a JSON snapshot of the plan of every example
// (testdata/examples/NAME.json), so that a change in the layer between the
// spec and the graph is reviewed as a diff, like the graph's golden LLB.
// The options are fixed: no build args, the default target, a fixed epoch.
func TestExamplePlans(t *testing.T) {
	dirs, err := filepath.Glob("../../examples/*/Gopherfile")
	if err != nil {
		t.Fatal(err)
	}
	epoch := time.Unix(1700000000, 0).UTC()
	n := 0
	for _, gf := range dirs {
		dir := filepath.Dir(gf)
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(gf)
			if err != nil {
				t.Fatal(err)
			}
			s, _, err := spec.Parse(src)
			if err != nil {
				t.Fatal(err)
			}
			m, err := gomod.Load(context.Background(), gomod.FSReader{FS: os.DirFS(dir)}, s.Module, gomod.LoadOptions{DefaultMain: len(s.Builds) == 0})
			if err != nil {
				// examples/private is a Gopherfile to copy into a module of
				// one's own: it has no go.mod. Its plan is that of a module
				// example.com/app.
				m = &gomod.Module{Facts: &gomod.Facts{Path: "example.com/app", Go: "1.26"}}
			}
			p, err := New(s, *m, Options{Epoch: &epoch})
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(p, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			goldenfile.Check(t, filepath.Join("testdata", "examples", name+".json"), string(got)+"\n")
		})
		n++
	}
	if n < 8 {
		t.Fatalf("found %d examples with a Gopherfile, want every one of examples/", n)
	}
}
