package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopherfile/gopherfile/internal/spec"
)

// Issue 21 item 7: values from the tree cannot add fields to the Gopherfile
// init writes. A .goreleaser.yaml env entry whose key holds a newline and a
// top-level builder: (confirmed before the fix), and a module path with a
// newline, are left out or quoted; the written file parses to what init
// meant, with no builder.
func TestInitHostileValues(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"go.mod":  "module example.com/tool\n\ngo 1.26\n",
		"main.go": mainGo,
		".goreleaser.yaml": "builds:\n  - main: .\n    binary: tool\n    env:\n" +
			"      - \"A: x\\nbuilder: evil.example/pwn:latest\\n#=1\"\n" +
			"      - \"GOOD=a\\nbuilder: evil.example/pwn:latest\"\n" +
			"      - \"CGO_ENABLED=0\"\n" +
			"    tags: [\"ok\\nbuilder: evil.example/pwn:latest\"]\n" +
			"    ldflags: [\"-s -w\\nbuilder: evil.example/pwn:latest\"]\n",
	})
	code, stdout, stderr := gopherfile(t, "init", dir)
	data, _ := os.ReadFile(filepath.Join(dir, "Gopherfile"))
	if code != 0 && code != 1 {
		t.Fatalf("exit status %d: %s\n%s", code, stderr, data)
	}
	s, _, err := spec.Parse(data)
	if err != nil {
		t.Fatalf("the written Gopherfile does not parse: %v\n%s", err, data)
	}
	if s.Builder != "" || strings.Contains(string(data), "\nbuilder:") {
		t.Errorf("a value from .goreleaser.yaml added a top-level builder:\n%s", data)
	}
	if len(s.Builds) != 1 {
		t.Fatalf("builds %+v", s.Builds)
	}
	b := s.Builds[0]
	if len(b.Env) != 0 || len(b.Tags) != 0 {
		t.Errorf("env %q, tags %q: want neither", b.Env, b.Tags)
	}
	flat := strings.Join(strings.Fields(strings.ReplaceAll(string(data), "\n  #", " ")), " ")
	for _, note := range []string{"left out: it is not an environment variable name", "env GOOD left out: its value holds a control character", "left out: it is not one build tag"} {
		if !strings.Contains(flat, note) {
			t.Errorf("no note %q in the Gopherfile:\n%s", note, data)
		}
	}
	t.Logf("stdout:\n%s", stdout)

	// A module path with a newline (a quoted module line) cannot leave the
	// comment it is printed in.
	dir = t.TempDir()
	writeFiles(t, dir, map[string]string{"go.mod": "module \"example.com/x\\nbuilder: evil.example/pwn:latest\"\n\ngo 1.26\n", "main.go": mainGo})
	code, _, stderr = gopherfile(t, "init", dir)
	data, _ = os.ReadFile(filepath.Join(dir, "Gopherfile"))
	if code == 0 {
		if s, _, err := spec.Parse(data); err != nil || s.Builder != "" {
			t.Errorf("module path with a newline: %v\n%s", err, data)
		}
	} else if len(data) != 0 {
		t.Errorf("init failed (%s) but wrote:\n%s", stderr, data)
	}
}

// Issue 21 item 8: init never writes through a symbolic link.
func TestInitSymlinks(t *testing.T) {
	files := map[string]string{
		"go.mod":        "module example.com/m\n\ngo 1.26\n",
		"main.go":       mainGo,
		".dockerignore": "*\n!m\n",
	}
	// A dangling Gopherfile.dockerignore: init used to create its target.
	dir := t.TempDir()
	writeFiles(t, dir, files)
	outside := filepath.Join(t.TempDir(), "planted")
	os.Symlink(outside, filepath.Join(dir, "Gopherfile.dockerignore"))
	code, _, stderr := gopherfile(t, "init", dir)
	if code == 0 || !strings.Contains(stderr, "is a symbolic link") {
		t.Errorf("exit status %d, want a refusal naming the link:\n%s", code, stderr)
	}
	if _, err := os.Lstat(outside); err == nil {
		t.Error("init created the target of the dangling Gopherfile.dockerignore")
	}
	if _, err := os.Lstat(filepath.Join(dir, "Gopherfile")); err == nil {
		t.Error("init wrote the Gopherfile although it refused the ignore file")
	}

	// init --force on a Gopherfile that is a link: the target is kept.
	dir = t.TempDir()
	writeFiles(t, dir, map[string]string{"go.mod": files["go.mod"], "main.go": mainGo})
	target := filepath.Join(t.TempDir(), "precious")
	os.WriteFile(target, []byte("do not truncate\n"), 0o644)
	os.Symlink(target, filepath.Join(dir, "Gopherfile"))
	code, _, stderr = gopherfile(t, "init", "--force", dir)
	if code == 0 || !strings.Contains(stderr, "is a symbolic link (to "+target+")") {
		t.Errorf("--force on a link: exit status %d:\n%s", code, stderr)
	}
	if b, _ := os.ReadFile(target); string(b) != "do not truncate\n" {
		t.Errorf("--force changed the link's target to %q", b)
	}
	// Without --force, a dangling Gopherfile link is refused too.
	os.Remove(filepath.Join(dir, "Gopherfile"))
	os.Symlink(filepath.Join(t.TempDir(), "nothing"), filepath.Join(dir, "Gopherfile"))
	if code, _, stderr = gopherfile(t, "init", dir); code == 0 || !strings.Contains(stderr, "is a symbolic link") {
		t.Errorf("a dangling Gopherfile link: exit status %d:\n%s", code, stderr)
	}
}

// Issue 21 item 14: files init reads are bounded and regular: a
// .go-version that is a link to /dev/zero, a README that is a FIFO and a
// release config that is a link to /dev/zero do not hang init.
func TestInitBoundedReads(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"go.mod": "module example.com/m\n\ngo 1.26\n", "main.go": mainGo})
	os.Symlink("/dev/zero", filepath.Join(dir, ".go-version"))
	os.Symlink("/dev/zero", filepath.Join(dir, ".goreleaser.yaml"))
	os.Symlink("/dev/zero", filepath.Join(dir, "zero.go"))
	if err := syscall.Mkfifo(filepath.Join(dir, "README.md"), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var code int
	var stderr string
	go func() {
		code, _, stderr = gopherfile(t, "init", dir)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("init hung on /dev/zero or a FIFO")
	}
	// zero.go makes the module root no main package for the lint checks:
	// init says so (exit status 1) instead of reading forever.
	if code != 1 || !strings.Contains(stderr, "zero.go is not a regular file (a device)") {
		t.Errorf("exit status %d, want 1 naming zero.go: %s", code, stderr)
	}
	if !strings.Contains(stderr, ".goreleaser.yaml not read: .goreleaser.yaml is not a regular file (a device)") {
		t.Errorf("no note about the release config:\n%s", stderr)
	}
	if code, _, stderr := gopherfile(t, "lint", "-f", filepath.Join(dir, ".go-version"), dir); code == 0 || !strings.Contains(stderr, "not a regular file") {
		t.Errorf("lint -f /dev/zero: exit status %d: %s", code, stderr)
	}
}
