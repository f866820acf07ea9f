package gitinfo

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// dirReader reads a directory as the frontend reads the build context:
// regular files only, bounded.
type dirReader string

func (d dirReader) open(name string) (*os.File, error) {
	p := filepath.Join(string(d), filepath.FromSlash(name))
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	return os.Open(p)
}

func (d dirReader) ReadFile(name string, max int) ([]byte, error) {
	return d.ReadRange(name, 0, max)
}

func (d dirReader) ReadRange(name string, off, n int) ([]byte, error) {
	f, err := d.open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, n)
	m, err := f.ReadAt(buf, int64(off))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return buf[:m], nil
}

func (d dirReader) ReadDir(name string) ([]Entry, error) {
	es, err := os.ReadDir(filepath.Join(string(d), filepath.FromSlash(name)))
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, e := range es {
		out = append(out, Entry{Name: e.Name(), Dir: e.IsDir()})
	}
	return out, nil
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@example.com",
		"GIT_COMMITTER_DATE=2026-11-05T10:00:00Z", "GIT_AUTHOR_DATE=2026-11-05T10:00:00Z")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestRead(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is needed to make the test repositories")
	}
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(dir, "a.go"), []byte("package a\n"), 0o644)
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "one")
	first := git(t, dir, "rev-parse", "HEAD")
	git(t, dir, "tag", "v1.2.3")
	git(t, dir, "tag", "-a", "-m", "release", "v1.10.0")
	git(t, dir, "tag", "not-semver")
	when := time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)

	check := func(name, wantCommit, wantTag, wantVersion string) {
		t.Helper()
		info, err := Read(dirReader(dir), ".git")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if info.Commit != wantCommit || info.Tag != wantTag || !info.Time.Equal(when) || info.ModuleVersion() != wantVersion {
			t.Errorf("%s: %+v (version %s), want commit %s, tag %s, version %s", name, info, info.ModuleVersion(), wantCommit, wantTag, wantVersion)
		}
	}
	check("loose", first, "v1.10.0", "v1.10.0")
	if got := (Info{Tag: "v1.10.0"}).Version(); got != "1.10.0" {
		t.Errorf("Version %q", got)
	}
	git(t, dir, "gc", "-q")
	if _, err := os.Stat(filepath.Join(dir, ".git/packed-refs")); err != nil {
		t.Fatal("git gc left no packed-refs")
	}
	check("packed", first, "v1.10.0", "v1.10.0")

	os.WriteFile(filepath.Join(dir, "b.go"), []byte("package a\n"), 0o644)
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "two")
	second := git(t, dir, "rev-parse", "HEAD")
	check("untagged", second, "", "v0.0.0-20261105100000-"+second[:12])

	git(t, dir, "checkout", "-q", "--detach", "v1.2.3")
	check("detached at a tag", first, "v1.10.0", "v1.10.0")
}

func TestReadHostile(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"HEAD out of refs": {".git/HEAD": "ref: ../../../etc/passwd\n"},
		"HEAD garbage":     {".git/HEAD": "hello\n"},
		"ref loop":         {".git/HEAD": "ref: refs/heads/a\n", ".git/refs/heads/a": "ref: refs/heads/a\n"},
		"no HEAD":          {".git/config": ""},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for p, c := range files {
				os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
				os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644)
			}
			if info, err := Read(dirReader(dir), ".git"); err == nil {
				t.Errorf("read %+v", info)
			}
		})
	}
	// A HEAD that is a link is not followed.
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, ".git"), 0o755)
	os.WriteFile(filepath.Join(dir, "secret"), []byte("0123456789012345678901234567890123456789\n"), 0o644)
	os.Symlink("../secret", filepath.Join(dir, ".git/HEAD"))
	if _, err := Read(dirReader(dir), ".git"); !errors.Is(err, ErrNoRepo) {
		t.Errorf("a linked HEAD was read: %v", err)
	}
}

// prefetchReader serves loose objects only after Prefetch named them, as
// the frontend's reader does.
type prefetchReader struct {
	dirReader
	fetched map[string]bool
}

func (p *prefetchReader) Prefetch(names []string) {
	for _, n := range names {
		p.fetched[n] = true
	}
}

func (p *prefetchReader) ReadFile(name string, max int) ([]byte, error) {
	if strings.HasPrefix(name, ".git/objects/") && !p.fetched[name] {
		return nil, errors.New("not prefetched")
	}
	return p.dirReader.ReadFile(name, max)
}

func TestReadPrefetches(t *testing.T) {
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(dir, "a.go"), []byte("package a\n"), 0o644)
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "one")
	git(t, dir, "tag", "-a", "-m", "release", "v2.0.0")
	r := &prefetchReader{dirReader: dirReader(dir), fetched: map[string]bool{}}
	info, err := Read(r, ".git")
	if err != nil {
		t.Fatal(err)
	}
	if info.Tag != "v2.0.0" || info.Time.IsZero() {
		t.Errorf("with prefetched objects: %+v", info)
	}
	if len(r.fetched) != 2 {
		t.Errorf("prefetched %v, want the commit and the tag object", r.fetched)
	}
}
