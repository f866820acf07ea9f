package modview

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestEarlyViewThenTheRest: the early view, made before this build's
// download, holds what other builds left in the shared cache (lib, from
// B); the view after the download starts from it, copies only what the
// download added (A's private module) and ends up with exactly the files of
// a view made in one go, contents included.
func TestEarlyViewThenTheRest(t *testing.T) {
	f := newFixture(t)
	shared := filepath.Join(t.TempDir(), "shared")
	f.goCmd(t, f.b, shared, "GOPROXY="+f.proxy.URL(), "mod", "download")
	sums := []string{filepath.Join(f.a, "go.sum")}
	view := filepath.Join(t.TempDir(), "view")

	early, err := Build(context.Background(), Config{Src: shared, Dst: view, SumFiles: sums})
	if err != nil {
		t.Fatal(err)
	}
	if early.Modules != 1 || early.Kept != 0 || !slices.Equal(early.Missing, []string{"example.com/private/secret@v1.0.0"}) {
		t.Fatalf("early view: %+v, want lib copied and the private module missing", early)
	}

	f.goCmd(t, f.a, shared, "GOPROXY="+f.proxy.URL(), "mod", "download") // this build's download
	rest, err := Build(context.Background(), Config{Src: shared, Dst: view, SumFiles: sums})
	if err != nil {
		t.Fatal(err)
	}
	if rest.Modules != 1 || rest.Kept != 1 || len(rest.Missing) != 0 || rest.ModFiles != 1 {
		t.Fatalf("view after the download: %+v, want the private module and its go.mod copied, lib kept", rest)
	}

	whole := filepath.Join(t.TempDir(), "whole")
	if _, err := Build(context.Background(), Config{Src: shared, Dst: whole, SumFiles: sums}); err != nil {
		t.Fatal(err)
	}
	got, want := listFiles(t, view), listFiles(t, whole)
	if !slices.Equal(got, want) {
		t.Fatalf("early view + the rest:\n%v\nwant (one view):\n%v", got, want)
	}
	for _, name := range want {
		a, errA := os.ReadFile(filepath.Join(view, name))
		b, errB := os.ReadFile(filepath.Join(whole, name))
		if errA != nil || errB != nil || string(a) != string(b) {
			t.Errorf("%s differs: %q (%v), want %q (%v)", name, a, errA, b, errB)
		}
	}
}
