package dirsum

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/dirhash"
)

// TestHash1: Hash1 from the files' sums is dirhash.Hash1 of the files.
func TestHash1(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"a.go": "package a\n", "b/c.txt": "", "b/d/e": strings.Repeat("x", 100000), "Z": "upper"}
	sums := map[string]string{}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(content), 0o644)
		s := sha256.Sum256([]byte(content))
		sums["example.com/m@v1.0.0/"+name] = hex.EncodeToString(s[:])
	}
	want, err := dirhash.HashDir(dir, "example.com/m@v1.0.0", dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Hash1(sums); err != nil || got != want {
		t.Errorf("Hash1 = %s, %v; dirhash says %s", got, err, want)
	}
	sums["example.com/m@v1.0.0/x\ny"] = sums["example.com/m@v1.0.0/a.go"]
	if _, err := Hash1(sums); !errors.Is(err, ErrNewline) {
		t.Errorf("a name with a newline: %v", err)
	}
}
