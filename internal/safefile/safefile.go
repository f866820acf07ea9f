// Package safefile reads and writes files of a tree that may be hostile: a
// source tree from a pull request, a build step's output that a test wrote
// into. Reads are bounded and take regular files only (a link to /dev/zero
// or a FIFO is refused before it is opened, not read forever); writes never
// follow a symbolic link, and copies copy regular files only.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Limits of the files Gopherfile reads from a tree.
const (
	// MaxGoMod bounds go.mod, go.work, go.sum and vendor/modules.txt: the go
	// command's own limit for a go.mod file.
	MaxGoMod = 16 << 20
	// MaxConfig bounds the small files gopherfile init reads (release
	// configs, .go-version, a README, a Dockerfile, a CI workflow).
	MaxConfig = 1 << 20
	// MaxGoFile bounds a Go source file read to find its package clause and
	// imports.
	MaxGoFile = 64 << 20
)

// TooLargeError is a file larger than a read's limit.
type TooLargeError struct {
	Name string
	Max  int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %s, more than Gopherfile reads", e.Name, size(e.Max))
}

// NotRegularError is a file that is not a regular file (a device, a FIFO, a
// socket, a directory), or a link to one.
type NotRegularError struct {
	Name string
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is not a regular file (%s): Gopherfile reads regular files only", e.Name, kind(e.Mode))
}

func size(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "mode " + m.String()
}

// ReadFile reads name from fsys, at most max bytes: the file (or what a link
// points at) must be a regular file, checked before it is opened.
func ReadFile(fsys fs.FS, name string, max int64) ([]byte, error) {
	fi, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &NotRegularError{Name: name, Mode: fi.Mode()}
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAll(f, name, max)
}

// Open opens name in fsys for reading, at most max bytes, if it is a
// regular file.
func Open(fsys fs.FS, name string, max int64) (io.ReadCloser, error) {
	fi, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &NotRegularError{Name: name, Mode: fi.Mode()}
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(f, max), f}, nil
}

// ReadPath reads the file at path, at most max bytes, if it is a regular
// file; a symbolic link is followed (see OpenRegular for one that is not).
func ReadPath(path string, max int64) ([]byte, error) {
	return ReadFile(os.DirFS(filepath.Dir(path)), filepath.Base(path), max)
}

// OpenRegular opens path for reading without following a symbolic link in
// its last element, and only if it is a regular file.
func OpenRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, &NotRegularError{Name: path, Mode: fs.ModeSymlink}
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, &NotRegularError{Name: path, Mode: fi.Mode()}
	}
	return f, nil
}

func readAll(r io.Reader, name string, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, &TooLargeError{Name: name, Max: max}
	}
	return data, nil
}

// CreateNew writes a new file: it fails when anything is at path already,
// a dangling symbolic link included, and never writes through a link.
func CreateNew(path string, data []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// Replace writes path through a new temporary file in its directory, renamed
// over it, so that a reader never sees half a file. What is at path now must
// be a regular file or nothing: a symbolic link (whose target a plain write
// would truncate) is refused.
func Replace(path string, data []byte, perm fs.FileMode) error {
	if err := CheckReplaceable(path); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), perm); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// CheckReplaceable reports an error unless path is absent or a regular file.
func CheckReplaceable(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		if fi.Mode()&fs.ModeSymlink != 0 {
			target, _ := os.Readlink(path)
			return fmt.Errorf("%s is a symbolic link (to %s): Gopherfile does not write through links; remove it, or replace it by the file itself", path, target)
		}
		return &NotRegularError{Name: path, Mode: fi.Mode()}
	}
	return nil
}

// CopyRegular copies src to dst (through a temporary file, renamed) if src
// is a regular file, not a symbolic link or anything else: an export must
// not carry a link that points at the machine that unpacks it.
func CopyRegular(src, dst string, perm fs.FileMode) error {
	in, err := OpenRegular(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".gopherfile-*")
	if err != nil {
		return err
	}
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), perm); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), dst)
}
