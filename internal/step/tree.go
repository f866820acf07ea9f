package step

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// depFileNames are the files the go command reads as module metadata. In
// the steps that hold secrets they must be regular files of the build
// context: a symbolic link to a secret mount would put the secret in go's
// output (a parse error, the tidy diff) and in the tidy target's export.
var depFileNames = map[string]bool{"go.mod": true, "go.sum": true, "go.work": true, "go.work.sum": true, "modules.txt": true}

// checkTree runs before the go command in a step that holds secrets. Every
// dependency file the step reads (Net.TreeFiles) must be a regular file
// inside the build context, reached through no link that leaves it; with
// Net.WalkGoFiles (the tidy steps, which read every Go file of the module)
// no Go file or go.mod in the tree may be a link that leaves the build
// context. The go command cannot read the secrets anyway (dropExec); this
// names the file instead of letting go fail on it, and keeps links to other
// files of the builder (/proc/self/environ, the module cache) out too.
func (h *helper) checkTree() error {
	n := h.cfg.Net
	if n.SrcDir == "" {
		return nil
	}
	root, err := filepath.EvalSymlinks(n.SrcDir)
	if err != nil {
		return fmt.Errorf("reading the build context: %w", err)
	}
	for _, f := range n.TreeFiles {
		if err := checkDepFile(root, f); err != nil {
			return err
		}
	}
	if !n.WalkGoFiles {
		return nil
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable: go will say so
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.Type()&fs.ModeSymlink == 0 || !(strings.HasSuffix(d.Name(), ".go") || depFileNames[d.Name()]) {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		if target, inside := resolvesInside(root, p); !inside {
			return fmt.Errorf("%s is a symbolic link to %s, outside the build context: go mod tidy reads every Go file and go.mod of the module, and the tidy check runs with the build's secrets, so it reads files of the build context only. Replace the link by the file itself (cp --remove-destination \"$(readlink -f %s)\" %s), or leave it out of the build context in .dockerignore",
				filepath.ToSlash(rel), target, filepath.ToSlash(rel), filepath.ToSlash(rel))
		}
		return nil
	})
}

// checkDepFile checks one dependency file, relative to root: absent, or a
// regular file (not a link) whose directories do not lead out of root.
func checkDepFile(root, rel string) error {
	p := filepath.Join(root, filepath.FromSlash(rel))
	fi, err := os.Lstat(p)
	if err != nil {
		if _, inside := resolvesInside(root, filepath.Dir(p)); !inside {
			return depFileError(rel, "is in a directory that is a symbolic link out of the build context")
		}
		return nil // absent
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, _ := os.Readlink(p)
		return depFileError(rel, "is a symbolic link (to "+target+")")
	}
	if !fi.Mode().IsRegular() {
		return depFileError(rel, "is not a regular file")
	}
	if _, inside := resolvesInside(root, p); !inside {
		return depFileError(rel, "is in a directory that is a symbolic link out of the build context")
	}
	return nil
}

func depFileError(rel, what string) error {
	return fmt.Errorf("%s %s: the steps that hold the build's secrets (go mod download, the tidy check) read go.mod, go.sum, go.work, go.work.sum and vendor/modules.txt only as regular files of the build context, never through a link. Replace the link by the file itself (cp --remove-destination \"$(readlink -f %s)\" %s) and commit that",
		rel, what, rel, rel)
}

// resolvesInside resolves the links of p (in the step's own file system,
// as the go command would) and reports whether the result is root or below
// it; target is where it leads ("a missing file" when it leads nowhere).
func resolvesInside(root, p string) (target string, inside bool) {
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		// A link to nothing: where it points, lexically.
		t, lerr := os.Readlink(p)
		if lerr != nil {
			return "a missing file", true
		}
		if !filepath.IsAbs(t) {
			t = filepath.Join(filepath.Dir(p), t)
		}
		r = filepath.Clean(t)
	}
	if r == root || strings.HasPrefix(r, root+string(filepath.Separator)) {
		return r, true
	}
	return r, false
}
