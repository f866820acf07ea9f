package safefile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("small", "1.26.3\n")
	write("big", strings.Repeat("x", 2000))
	os.Symlink("/dev/zero", filepath.Join(dir, "zero"))
	os.Symlink("small", filepath.Join(dir, "link"))
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	fsys := os.DirFS(dir)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if got, err := ReadFile(fsys, "small", 100); err != nil || string(got) != "1.26.3\n" {
			t.Errorf("small: %q %v", got, err)
		}
		if got, err := ReadFile(fsys, "link", 100); err != nil || string(got) != "1.26.3\n" {
			t.Errorf("a link to a regular file: %q %v", got, err)
		}
		var tl *TooLargeError
		if _, err := ReadFile(fsys, "big", 1000); !errors.As(err, &tl) || !strings.Contains(err.Error(), "big is larger than") {
			t.Errorf("big: %v", err)
		}
		var nr *NotRegularError
		if _, err := ReadFile(fsys, "zero", 1000); !errors.As(err, &nr) || !strings.Contains(err.Error(), "a device") {
			t.Errorf("a link to /dev/zero: %v", err)
		}
		if _, err := ReadFile(fsys, "fifo", 1000); !errors.As(err, &nr) || !strings.Contains(err.Error(), "a named pipe") {
			t.Errorf("a FIFO: %v", err)
		}
		if _, err := Open(fsys, "fifo", 1000); !errors.As(err, &nr) {
			t.Errorf("Open of a FIFO: %v", err)
		}
		r, err := Open(fsys, "big", 10)
		if err != nil {
			t.Error(err)
			return
		}
		if b, _ := io.ReadAll(r); len(b) != 10 {
			t.Errorf("Open read %d bytes, want the limit 10", len(b))
		}
		r.Close()
		if _, err := OpenRegular(filepath.Join(dir, "link")); !errors.As(err, &nr) {
			t.Errorf("OpenRegular followed a link: %v", err)
		}
		if _, err := OpenRegular(filepath.Join(dir, "fifo")); !errors.As(err, &nr) {
			t.Errorf("OpenRegular of a FIFO: %v", err)
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a read hung (on /dev/zero or the FIFO)")
	}
}

func TestWrites(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling")
	os.Symlink(filepath.Join(dir, "created-through-the-link"), dangling)
	if err := CreateNew(dangling, []byte("x"), 0o644); err == nil {
		t.Error("CreateNew wrote through a dangling link")
	}
	if _, err := os.Stat(filepath.Join(dir, "created-through-the-link")); err == nil {
		t.Error("the dangling link's target was created")
	}
	link := filepath.Join(dir, "link")
	os.Symlink(target, link)
	if err := Replace(link, []byte("x"), 0o644); err == nil || !strings.Contains(err.Error(), "is a symbolic link (to "+target+")") {
		t.Errorf("Replace of a link: %v", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("the link's target was changed to %q", b)
	}
	plain := filepath.Join(dir, "plain")
	if err := CreateNew(plain, []byte("one"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CreateNew(plain, []byte("two"), 0o644); err == nil {
		t.Error("CreateNew replaced a file")
	}
	if err := Replace(plain, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(plain); string(b) != "two" {
		t.Errorf("Replace wrote %q", b)
	}
	out := filepath.Join(dir, "copy")
	if err := CopyRegular(link, out, 0o644); err == nil {
		t.Error("CopyRegular copied a link")
	}
	if err := CopyRegular(plain, out, 0o644); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(out); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o644 {
		t.Errorf("the copy: %v %v", fi, err)
	}
}
