// Package golden compares test output with golden files. Every test package
// that imports it gets one -update flag, which rewrites the golden files
// instead of comparing: `go test ./PKG -update`, then review the diff.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// update is the -update flag of the test binary.
var update = flag.Bool("update", false, "rewrite the golden files instead of comparing with them")

// Update reports whether -update was given.
func Update() bool { return *update }

// Check compares got with the file at path, or writes it there with -update
// (creating the directory).
func Check(t testing.TB, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("output differs from %s (run go test -update and review the diff):\n--- got\n%s--- want\n%s", path, got, want)
	}
}
