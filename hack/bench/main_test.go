package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFindRepo: run from hack/bench (its own module), the bench finds the
// product's repository root two levels up, not its own go.mod.
func TestFindRepo(t *testing.T) {
	got, err := findRepo()
	if err != nil {
		t.Fatal(err)
	}
	want, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("findRepo() = %s, want %s", got, want)
	}
	if _, err := os.Stat(filepath.Join(got, "cmd", "gopherfile")); err != nil {
		t.Errorf("no cmd/gopherfile in %s: %v", got, err)
	}
}
