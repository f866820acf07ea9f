package gotoolchain

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/gopherfile/gopherfile/internal/dirsum"
)

// HashZip is the h1 hash of a module zip, as go.sum and the checksum
// database record it (dirhash.HashZip's result), with the entries hashed
// on every core: a toolchain zip holds about 250 MB of files.
func HashZip(file string) (string, error) {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return "", err
	}
	defer zr.Close()
	seen := map[string]bool{}
	for _, f := range zr.File {
		if seen[f.Name] {
			return "", fmt.Errorf("the zip holds %q twice", f.Name)
		}
		seen[f.Name] = true
	}
	sums, err := eachFile(zr.File, hashFile)
	if err != nil {
		return "", err
	}
	return dirsum.Hash1(byName(zr.File, sums))
}

// hashFile is the hex SHA-256 of a zip entry's contents.
func hashFile(f *zip.File) (string, error) {
	in, err := f.Open()
	if err != nil {
		return "", fmt.Errorf("reading %s from the zip: %w", f.Name, err)
	}
	defer in.Close()
	h := sha256.New()
	if _, err := io.Copy(h, in); err != nil {
		return "", fmt.Errorf("reading %s from the zip: %w", f.Name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// eachFile runs fn on every file, as many at once as the step has cores
// (at most 4), and returns fn's results in the files' order; it stops at
// the first error.
func eachFile(files []*zip.File, fn func(*zip.File) (string, error)) ([]string, error) {
	out := make([]string, len(files))
	var g errgroup.Group
	g.SetLimit(min(runtime.GOMAXPROCS(0), 4))
	for i, f := range files {
		g.Go(func() error {
			sum, err := fn(f)
			out[i] = sum
			return err
		})
	}
	return out, g.Wait()
}

// byName maps the files' names to their sums.
func byName(files []*zip.File, sums []string) map[string]string {
	m := make(map[string]string, len(files))
	for i, f := range files {
		m[f.Name] = sums[i]
	}
	return m
}

// Verify checks that the zip has the hash want (source names where want
// came from, for the error).
func Verify(file, vers, want, source string) error {
	got, err := HashZip(file)
	if err != nil {
		return fmt.Errorf("hashing the toolchain zip %s: %w", file, err)
	}
	if got != want {
		return &SecurityError{Version: vers, Got: got, Want: want, Source: source}
	}
	return nil
}

// Extract unpacks the toolchain zip of module version vers into dst, a
// GOROOT: the files under the zip's golang.org/toolchain@<vers>/ prefix but
// the standard library's tests (stdTest), and returns how many it wrote,
// computing the zip's h1 hash on the way, which must be want (source says
// where want came from): one pass over the zip, on every core. A module
// zip carries no file modes, so, as the go command does after a toolchain
// download, the programs (bin/, pkg/tool/, lib/wasm/go_*_exec) become
// executable. Paths that leave dst and anything but regular files and
// directories are refused before anything is written. On an error dst
// holds a partial tree: the caller discards it.
func Extract(file, vers, dst, want, source string) (files int, err error) {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return 0, fmt.Errorf("opening the toolchain zip: %w", err)
	}
	defer zr.Close()
	entries, err := toolchainEntries(zr.File, vers)
	if err != nil {
		return 0, err
	}
	prefix := Module + "@" + vers + "/"
	var written atomic.Int64
	sums, err := eachFile(entries, func(f *zip.File) (string, error) {
		name := strings.TrimPrefix(f.Name, prefix)
		if stdTest(name) {
			return hashFile(f)
		}
		written.Add(1)
		return writeFile(f, filepath.Join(dst, filepath.FromSlash(name)), modeOf(name))
	})
	if err != nil {
		return 0, err
	}
	n := int(written.Load())
	got, err := dirsum.Hash1(byName(entries, sums))
	if err != nil {
		return n, err
	}
	if got != want {
		return n, &SecurityError{Version: vers, Got: got, Want: want, Source: source}
	}
	return n, nil
}

// stdTest reports whether name, a path in GOROOT, is a test file or test
// data of the standard library or the Go commands (src/**/*_test.go,
// src/**/testdata/**): half of a toolchain's files (6,072 of 12,072 files,
// 37 of 227 MB in Go 1.27), which building, vetting and testing a module
// never read. Only go test std (or cmd) would.
func stdTest(name string) bool {
	rest, ok := strings.CutPrefix(name, "src/")
	if !ok {
		return false
	}
	return strings.HasSuffix(rest, "_test.go") || strings.HasPrefix(rest, "testdata/") || strings.Contains(rest, "/testdata/")
}

// toolchainEntries are the zip's files (not its directory entries), each
// checked to be a regular file under the module's prefix, once.
func toolchainEntries(files []*zip.File, vers string) ([]*zip.File, error) {
	prefix := Module + "@" + vers + "/"
	seen := map[string]bool{}
	var out []*zip.File
	for _, f := range files {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		name, ok := strings.CutPrefix(f.Name, prefix)
		if !ok || name == "" {
			return nil, fmt.Errorf("the toolchain zip holds %q, outside %s", f.Name, prefix)
		}
		if !filepath.IsLocal(name) || strings.Contains(name, "\\") || !f.Mode().IsRegular() && f.Mode().Type() != 0 {
			return nil, fmt.Errorf("the toolchain zip holds the unsafe entry %q", f.Name)
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("the toolchain zip holds %q twice", f.Name)
		}
		seen[f.Name] = true
		out = append(out, f)
	}
	return out, nil
}

func writeFile(f *zip.File, target string, mode os.FileMode) (string, error) {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return "", err
	}
	in, err := f.Open()
	if err != nil {
		return "", fmt.Errorf("reading %s from the toolchain zip: %w", f.Name, err)
	}
	defer in.Close()
	out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", target, err)
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(out, h), in); err != nil {
		out.Close()
		return "", fmt.Errorf("writing %s: %w", target, err)
	}
	return hex.EncodeToString(h.Sum(nil)), out.Close()
}

// modeOf is the mode of a file of the GOROOT.
func modeOf(name string) os.FileMode {
	switch {
	case strings.HasPrefix(name, "bin/"), strings.HasPrefix(name, "pkg/tool/"):
		return 0o755
	case strings.HasPrefix(name, "lib/wasm/"):
		if ok, _ := path.Match("go_*_exec", path.Base(name)); ok {
			return 0o755
		}
	}
	return 0o644
}
