package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/gopherfile/gopherfile/internal/gomod"
)

// fetchEnv is the go command's environment for fetching: GOTOOLCHAIN=auto,
// so that a module whose go line is newer than the host's Go is fetched with
// the Go it asks for (the host's Go only copies the tree; the builder under
// test is the Gopherfile's).
func fetchEnv() []string {
	return append(os.Environ(), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=auto")
}

// download runs `go mod download -json MODULE@VERSION` and returns the
// module's directory in the module cache.
func download(ctx context.Context, mod, version string) (string, error) {
	tmp, err := os.MkdirTemp("", "corpus-dl-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, "go.mod"), []byte("module gopherfile.local/corpus\n"), 0o644); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", mod+"@"+version)
	cmd.Dir = tmp
	cmd.Env = fetchEnv()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	var info struct{ Dir, Error string }
	_ = json.Unmarshal(out.Bytes(), &info)
	if err != nil || info.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s: %v %s %s", mod, version, err, info.Error, errb.String())
	}
	return info.Dir, nil
}

// copyTree copies a module from the (read-only) module cache into dst,
// writable.
func copyTree(src, dst string) error {
	return filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		switch {
		case fi.IsDir():
			return os.MkdirAll(target, 0o755)
		case fi.Mode().IsRegular():
			in, err := os.Open(p)
			if err != nil {
				return err
			}
			defer in.Close()
			out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fi.Mode().Perm()|0o200)
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, in); err != nil {
				out.Close()
				return err
			}
			return out.Close()
		}
		return nil
	})
}

// fetch puts the repository's tree in dir: the main module (in r.Dir), the
// other workspace modules and a go.work, vendor/ when the project vendors.
// It returns what it did, for the table.
func fetch(ctx context.Context, r repo, dir string) (string, error) {
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	var notes []string
	mods := append([]wsModule{{r.Module, r.Dir}}, r.Workspace...)
	var goLine string
	var use []string
	for _, m := range mods {
		src, err := download(ctx, m.Module, r.Version)
		if err != nil {
			return "", err
		}
		dst := filepath.Join(dir, filepath.FromSlash(m.Dir))
		if err := copyTree(src, dst); err != nil {
			return "", fmt.Errorf("copying %s: %w", m.Module, err)
		}
		if data, err := os.ReadFile(filepath.Join(dst, "go.mod")); err == nil {
			if f, err := modfile.ParseLax("go.mod", data, nil); err == nil && f.Go != nil && (goLine == "" || gomod.Compare(f.Go.Version, goLine) > 0) {
				goLine = f.Go.Version
			}
		}
		use = append(use, "./"+m.Dir)
	}
	if len(r.Workspace) > 0 {
		sort.Strings(use)
		work := fmt.Sprintf("go %s\n\nuse (\n\t%s\n)\n", goLine, strings.Join(use, "\n\t"))
		if err := os.WriteFile(filepath.Join(dir, "go.work"), []byte(work), 0o644); err != nil {
			return "", err
		}
		// The repository commits a go.work.sum (the checksums of the
		// modules the workspace needs beyond each module's go.sum);
		// go mod download in the workspace writes the same.
		cmd := exec.CommandContext(ctx, "go", "mod", "download")
		cmd.Dir = dir
		cmd.Env = fetchEnv()
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go mod download in the workspace (for go.work.sum): %v\n%s", err, out)
		}
		notes = append(notes, fmt.Sprintf("assembled from %d published modules with a go.work, and the go.work.sum the repository commits made with go mod download", len(mods)))
	}
	if r.Vendor {
		cmd := exec.CommandContext(ctx, "go", "mod", "vendor")
		cmd.Dir = filepath.Join(dir, filepath.FromSlash(r.Dir))
		cmd.Env = fetchEnv()
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go mod vendor: %v\n%s", err, out)
		}
		notes = append(notes, "vendor/ restored with go mod vendor")
	}
	return strings.Join(notes, "; "), nil
}
