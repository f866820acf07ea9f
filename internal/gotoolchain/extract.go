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
	"strings"

	"github.com/gopherfile/gopherfile/internal/dirsum"

	"golang.org/x/mod/sumdb/dirhash"
)

// HashZip is the h1 hash of a module zip, as go.sum and the checksum
// database record it.
func HashZip(file string) (string, error) {
	return dirhash.HashZip(file, dirhash.Hash1)
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
// GOROOT: the files under the zip's golang.org/toolchain@<vers>/ prefix,
// computing the zip's h1 hash on the way, which must be want (source says
// where want came from): one pass over the zip. A module zip carries no
// file modes, so, as the go command does after a toolchain download, the
// programs (bin/, pkg/tool/, lib/wasm/go_*_exec) become executable. Paths
// that leave dst and anything but regular files and directories are
// refused. On an error dst holds a partial tree: the caller discards it.
func Extract(file, vers, dst, want, source string) (files int, err error) {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return 0, fmt.Errorf("opening the toolchain zip: %w", err)
	}
	defer zr.Close()
	prefix := Module + "@" + vers + "/"
	sums := map[string]string{}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		name, ok := strings.CutPrefix(f.Name, prefix)
		if !ok || name == "" {
			return files, fmt.Errorf("the toolchain zip holds %q, outside %s", f.Name, prefix)
		}
		if !filepath.IsLocal(name) || strings.Contains(name, "\\") || !f.Mode().IsRegular() && f.Mode().Type() != 0 {
			return files, fmt.Errorf("the toolchain zip holds the unsafe entry %q", f.Name)
		}
		if _, dup := sums[f.Name]; dup {
			return files, fmt.Errorf("the toolchain zip holds %q twice", f.Name)
		}
		sum, err := writeFile(f, filepath.Join(dst, filepath.FromSlash(name)), modeOf(name))
		if err != nil {
			return files, err
		}
		sums[f.Name] = sum
		files++
	}
	got, err := dirsum.Hash1(sums)
	if err != nil {
		return files, err
	}
	if got != want {
		return files, &SecurityError{Version: vers, Got: got, Want: want, Source: source}
	}
	return files, nil
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
