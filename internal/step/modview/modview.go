// Package modview builds a module view: a module cache (GOMODCACHE layout)
// that holds only the modules the build's go.sum files name, copied from the
// builder's shared module cache and verified on the way.
//
// The go command trusts an extracted module directory once it exists: it
// checks go.sum against the .ziphash file next to the zip, never the files
// themselves. A shared module cache that another build on the builder can
// write (a plain Dockerfile with the same cache id, a build with its own
// proxy and no checksum database) can therefore hand a build changed
// sources. A view is verified instead: every extracted directory is copied
// (regular files only) and hashed with the go.sum algorithm
// (golang.org/x/mod/sumdb/dirhash, h1) against the go.sum line, every
// go.mod file against its /go.mod line. A mismatch stops the step.
//
// Steps that run the tree's own code (go test, go generate) see only the
// view, so they can neither list nor read the other projects' modules on
// the builder; no version control clone (cache/vcs) and no zip is copied.
// A build whose steps read no dependency's tests takes the build part
// (Part): every file but the _test.go files and testdata directories.
package modview

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"

	"github.com/gopherfile/gopherfile/internal/gosum"
)

// Config says what to copy from where.
type Config struct {
	// Src is the shared module cache (read-only).
	Src string
	// Dst is the view: a missing directory, or one that holds an earlier
	// view of the same go.sum files (the early view, made while the
	// download ran), whose module versions are kept as they are.
	Dst string
	// SumFiles are the go.sum (and go.work.sum) files of the build; a
	// missing one is skipped.
	SumFiles []string
	// Toolchains are Go versions ("go1.25.3") whose golang.org/toolchain
	// modules are copied too when the shared cache has them (GOTOOLCHAIN is
	// not local, so the go command may switch to one). go.sum does not name
	// them: each is checked against its own .ziphash, which the go command
	// wrote after checking the zip with the checksum database.
	Toolchains []string
	// Workers is how many modules are copied at once (default 4).
	Workers int
	// Part is which files of each module the view holds (default PartAll).
	Part Part
}

// Stats say what a view holds.
type Stats struct {
	// Modules are the extracted module directories copied and verified;
	// ModFiles the go.mod files.
	Modules, ModFiles int
	// Kept are the module directories Dst already held (the early view).
	Kept int
	// Files and Bytes count the files of the extracted directories.
	Files int
	Bytes int64
	// Missing are module versions go.sum names whose directory the shared
	// cache does not hold (never downloaded, e.g. test dependencies of
	// another platform): the go command reports them if it needs them.
	Missing []string
}

// MismatchError is a module in the shared cache whose files do not match
// go.sum: something other than the go command wrote it.
type MismatchError struct {
	// Module is path@version, or path@version/go.mod for a go.mod file.
	Module string
	// Want is go.sum's hash, Got the hash of the files in the cache, or
	// the problem found (a symbolic link, a special file).
	Want, Got string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("%s in the shared module cache does not match go.sum: go.sum has %s, the cache holds %s", e.Module, e.Want, e.Got)
}

// Build copies and verifies the modules the go.sum files name from Src to
// Dst. It stops at the first module that does not match go.sum.
func Build(ctx context.Context, cfg Config) (Stats, error) {
	sums, err := gosum.ReadFiles(cfg.SumFiles...)
	if err != nil {
		return Stats{}, err
	}
	sums = append(sums, toolchainSums(cfg)...)
	if err := os.MkdirAll(cfg.Dst, 0o755); err != nil {
		return Stats{}, fmt.Errorf("creating the module view: %w", err)
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = 4
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		st      Stats
		mu      sync.Mutex
		files   atomic.Int64
		size    atomic.Int64
		wg      sync.WaitGroup
		jobs    = make(chan gosum.Entry)
		missing []string
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range jobs {
				res, err := copyModule(cfg, s)
				if err != nil {
					cancel(err)
					continue
				}
				files.Add(int64(res.files))
				size.Add(res.bytes)
				mu.Lock()
				if res.dir {
					st.Modules++
				}
				if res.kept {
					st.Kept++
				}
				if res.mod {
					st.ModFiles++
				}
				if res.missing {
					missing = append(missing, s.String())
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, s := range sums {
		select {
		case jobs <- s:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return Stats{}, err
	}
	if len(cfg.Toolchains) > 0 {
		copyTree(filepath.Join(cfg.Src, "cache", "download", "sumdb"), filepath.Join(cfg.Dst, "cache", "download", "sumdb"))
	}
	sort.Strings(missing)
	st.Files, st.Bytes, st.Missing = int(files.Load()), size.Load(), missing
	return st, nil
}

// toolchainModule is the module path of the Go toolchains the go command
// downloads for GOTOOLCHAIN switches.
const toolchainModule = "golang.org/toolchain"

// toolchainSums are the toolchain modules of cfg.Toolchains in the shared
// cache, with the hash of their own .ziphash as the one to check.
func toolchainSums(cfg Config) []gosum.Entry {
	var out []gosum.Entry
	dl := filepath.Join(cfg.Src, "cache", "download", filepath.FromSlash(toolchainModule), "@v")
	for _, goVersion := range cfg.Toolchains {
		matches, _ := filepath.Glob(filepath.Join(dl, "v0.0.1-"+goVersion+".*.ziphash"))
		for _, m := range matches {
			v := strings.TrimSuffix(filepath.Base(m), ".ziphash")
			zh, err := readRegular(m)
			if err != nil || module.Check(toolchainModule, v) != nil {
				continue
			}
			out = append(out, gosum.Entry{Path: toolchainModule, Version: v, Zip: strings.TrimSpace(string(zh))})
		}
	}
	return out
}

// copied is what copyModule did for one module version.
type copied struct {
	dir, mod, missing, kept bool
	files                   int
	bytes                   int64
}

// copyModule copies one module version: its go.mod file (cache/download)
// and, when go.sum has its zip hash, its extracted directory.
func copyModule(cfg Config, s gosum.Entry) (copied, error) {
	var res copied
	escPath, err := module.EscapePath(s.Path)
	if err != nil {
		return res, nil
	}
	escVersion, err := module.EscapeVersion(s.Version)
	if err != nil {
		return res, nil
	}
	dl := filepath.Join("cache", "download", filepath.FromSlash(escPath), "@v")
	if s.Mod != "" && !present(filepath.Join(cfg.Dst, dl, escVersion+".mod")) {
		ok, err := copyGoMod(cfg, s, filepath.Join(dl, escVersion+".mod"))
		if err != nil {
			return res, err
		}
		res.mod = ok
	}
	if s.Path == toolchainModule {
		// Checked by the go command against the checksum database (its
		// cached tiles are copied with it), not against go.sum.
		copyPlain(filepath.Join(cfg.Src, dl, escVersion+".mod"), filepath.Join(cfg.Dst, dl, escVersion+".mod"))
	}
	// .info files say when a version was published (go list -m); they
	// hold no code and cannot be checked against go.sum.
	copyPlain(filepath.Join(cfg.Src, dl, escVersion+".info"), filepath.Join(cfg.Dst, dl, escVersion+".info"))
	dir, err := copyDir(cfg, s, dl, escPath, escVersion)
	dir.mod = res.mod
	if err != nil || !dir.dir {
		return dir, err
	}
	return dir, writeFile(filepath.Join(cfg.Dst, dl, escVersion+".ziphash"), []byte(s.Zip+"\n"))
}

// copyDir copies the extracted directory of one module version (the files
// of cfg.Part), when go.sum has its zip hash and the shared cache holds it.
func copyDir(cfg Config, s gosum.Entry, dl, escPath, escVersion string) (copied, error) {
	var res copied
	if s.Zip == "" {
		return res, nil
	}
	rel := filepath.FromSlash(escPath) + "@" + escVersion
	if present(filepath.Join(cfg.Dst, rel)) {
		// An earlier view verified it (copyVerified renames a module
		// directory into place only when the whole of it matched).
		res.kept = true
		return res, nil
	}
	src := filepath.Join(cfg.Src, rel)
	zh, err := os.ReadFile(filepath.Join(cfg.Src, dl, escVersion+".ziphash"))
	if fi, derr := os.Lstat(src); derr != nil || !fi.IsDir() || err != nil || extracting(cfg, dl, escVersion) {
		// Not downloaded, or not yet whole: go writes .ziphash before it
		// extracts, and extracts in place, the .partial file beside the
		// zip saying so until the last file is written (the tidy check,
		// beside this step, may be extracting a module the download step
		// did not need).
		res.missing = true
		return res, nil
	}
	if got := strings.TrimSpace(string(zh)); got != s.Zip {
		return res, &MismatchError{Module: s.String(), Want: s.Zip, Got: got + " (its .ziphash file)"}
	}
	n, size, err := copyVerified(src, filepath.Join(cfg.Dst, rel), s.String(), s.Zip, cfg.Part)
	if err != nil {
		return res, err
	}
	res.dir, res.files, res.bytes = true, n, size
	return res, nil
}

// extracting reports whether the go command is extracting a module version
// into the shared cache (or stopped while it did): its .partial file is
// there. Checked after the directory: go writes .partial before it creates
// the directory and removes it after the last file.
func extracting(cfg Config, dl, escVersion string) bool {
	_, err := os.Lstat(filepath.Join(cfg.Src, dl, escVersion+".partial"))
	return !errors.Is(err, fs.ErrNotExist)
}

// copyGoMod copies a go.mod file of cache/download after checking it
// against go.sum; false when the cache has none.
func copyGoMod(cfg Config, s gosum.Entry, rel string) (bool, error) {
	dt, err := readRegular(filepath.Join(cfg.Src, rel))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, &MismatchError{Module: s.String() + "/go.mod", Want: s.Mod, Got: err.Error()}
	}
	got, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(dt)), nil
	})
	if err != nil {
		return false, err
	}
	if got != s.Mod {
		return false, &MismatchError{Module: s.String() + "/go.mod", Want: s.Mod, Got: got}
	}
	return true, writeFile(filepath.Join(cfg.Dst, rel), dt)
}

// readRegular reads a regular file (not through a link), at most 16 MiB
// (go.mod files are far smaller).
func readRegular(p string) ([]byte, error) {
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", filepath.Base(p))
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 16<<20))
}

// present reports whether the view already has p (from the early view).
func present(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// copyPlain copies a small regular file if it is there and dst is not.
func copyPlain(src, dst string) {
	if present(dst) {
		return
	}
	if dt, err := readRegular(src); err == nil {
		writeFile(dst, dt)
	}
}

func writeFile(p string, dt []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, dt, 0o444)
}

// copyTree copies the regular files of a directory tree, if it is there.
func copyTree(src, dst string) {
	filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if d.Type().IsRegular() {
			copyPlain(p, filepath.Join(dst, rel))
		}
		return nil
	})
}
