// Package gosrc reads Go packages from a source tree the way the go command
// builds them for linux: go/build with GOOS=linux, the build tags of a build
// and cgo on or off, over any fs.FS (a directory on disk, a build context).
// `gopherfile init` uses it to find main packages and cgo use, and the lint
// checks to tell whether a build's main is a main package.
package gosrc

import (
	"errors"
	"fmt"
	"go/build"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/gopherfile/gopherfile/internal/safefile"
)

// Tree is a Go source tree: Root is the directory of the build context (or of
// the repository), FS reads it with slash paths relative to Root.
type Tree struct {
	FS fs.FS
}

// Config is how a package is built.
type Config struct {
	// GOOS and GOARCH default to linux and amd64.
	GOOS, GOARCH string
	// Tags are the build tags (go build -tags).
	Tags []string
	// CGO is CGO_ENABLED=1.
	CGO bool
}

// Package is what go/build says about one directory.
type Package struct {
	// Dir is the slash path of the directory in the tree ("." for the root).
	Dir string
	// Name is the package name of the files that build (tests excluded);
	// empty when none do.
	Name string
	// Files are the .go files that build (cgo ones included), CgoFiles those
	// of them that import "C".
	Files, CgoFiles []string
	// Ignored are the .go files that build constraints exclude.
	Ignored []string
	// Imports of the files that build (tests excluded), sorted.
	Imports []string
}

// IsMain reports whether the package is a main package that builds.
func (p *Package) IsMain() bool { return p != nil && p.Name == "main" && len(p.Files) > 0 }

// context is a go/build context that reads t.FS. Paths it sees are absolute
// slash paths with the tree's root at "/".
func (t Tree) context(cfg Config) *build.Context {
	ctx := build.Default
	ctx.GOROOT, ctx.GOPATH = "", ""
	ctx.GOOS, ctx.GOARCH = cfg.GOOS, cfg.GOARCH
	if ctx.GOOS == "" {
		ctx.GOOS = "linux"
	}
	if ctx.GOARCH == "" {
		ctx.GOARCH = "amd64"
	}
	ctx.CgoEnabled = cfg.CGO
	ctx.BuildTags = cfg.Tags
	ctx.ToolTags = nil
	ctx.Dir = "/"
	rel := func(p string) string {
		p = strings.TrimPrefix(path.Clean(p), "/")
		if p == "" {
			return "."
		}
		return p
	}
	ctx.JoinPath = func(elem ...string) string { return path.Join(elem...) }
	ctx.IsAbsPath = func(p string) bool { return strings.HasPrefix(p, "/") }
	ctx.SplitPathList = func(string) []string { return nil }
	ctx.HasSubdir = func(root, dir string) (string, bool) {
		r, err := relPath(root, dir)
		return r, err == nil
	}
	ctx.IsDir = func(p string) bool {
		fi, err := fs.Stat(t.FS, rel(p))
		return err == nil && fi.IsDir()
	}
	ctx.ReadDir = func(dir string) ([]fs.FileInfo, error) {
		entries, err := fs.ReadDir(t.FS, rel(dir))
		if err != nil {
			return nil, err
		}
		out := make([]fs.FileInfo, 0, len(entries))
		for _, e := range entries {
			fi, err := e.Info()
			if err != nil {
				continue
			}
			out = append(out, fi)
		}
		return out, nil
	}
	// A Go file of the tree is read only if it is a regular file, and only
	// so far (go/build reads the package clause and the imports).
	ctx.OpenFile = func(p string) (io.ReadCloser, error) { return safefile.Open(t.FS, rel(p), safefile.MaxGoFile) }
	return &ctx
}

func relPath(root, dir string) (string, error) {
	root, dir = path.Clean(root), path.Clean(dir)
	if root == dir {
		return ".", nil
	}
	if root == "/" {
		return strings.TrimPrefix(dir, "/"), nil
	}
	if strings.HasPrefix(dir, root+"/") {
		return dir[len(root)+1:], nil
	}
	return "", fmt.Errorf("%s is not under %s", dir, root)
}

// Load reads the package in dir (a slash path relative to the tree root). A
// directory without Go files that build gives a Package with no Name and no
// error; files of two packages give an error naming them.
func (t Tree) Load(dir string, cfg Config) (*Package, error) {
	dir = path.Clean(dir)
	ctx := t.context(cfg)
	bp, err := ctx.ImportDir(path.Join("/", dir), 0)
	p := &Package{Dir: dir}
	if bp != nil {
		p.Ignored = append(append(p.Ignored, bp.IgnoredGoFiles...), bp.IgnoredOtherFiles...)
		sort.Strings(p.Ignored)
	}
	var noGo *build.NoGoError
	if errors.As(err, &noGo) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("reading the Go package in %s: %w", dir, err)
	}
	p.Files = append(append([]string{}, bp.GoFiles...), bp.CgoFiles...)
	sort.Strings(p.Files)
	if len(p.Files) > 0 { // (test files alone give a name too)
		p.Name = bp.Name
	}
	p.CgoFiles = bp.CgoFiles
	for _, imp := range bp.Imports {
		if imp != "C" {
			p.Imports = append(p.Imports, imp)
		}
	}
	return p, nil
}

// Exists reports whether dir is a directory of the tree.
func (t Tree) Exists(dir string) bool {
	fi, err := fs.Stat(t.FS, path.Clean(dir))
	return err == nil && fi.IsDir()
}

// WhyNotMain explains why dir is not a main package that builds for linux
// with cfg, or returns "" when it is one.
func (t Tree) WhyNotMain(dir string, cfg Config) string {
	shown := dir
	if path.Clean(dir) == "." {
		shown = "the root directory"
	}
	if !t.Exists(dir) {
		return fmt.Sprintf("there is no directory %s", dir)
	}
	p, err := t.Load(dir, cfg)
	if err != nil {
		return err.Error()
	}
	if p.IsMain() {
		return ""
	}
	tags := "no build tags"
	if len(cfg.Tags) > 0 {
		tags = "the build tags " + strings.Join(cfg.Tags, ",")
	}
	switch {
	case p.Name == "" && len(p.Ignored) > 0:
		return fmt.Sprintf("no Go file in %s builds for linux with %s (build constraints exclude %s)", shown, tags, strings.Join(p.Ignored, ", "))
	case p.Name == "":
		return fmt.Sprintf("%s has no Go files", shown)
	default:
		return fmt.Sprintf("%s is package %s, not a main package, for linux with %s", shown, p.Name, tags)
	}
}

// Dirs returns the directories under dir (dir included) that may hold
// packages of the module whose go.mod is in dir: it skips vendor, testdata,
// directories whose name starts with . or _, and directories with a go.mod
// of their own (other modules). Sorted, slash paths relative to the tree root.
func (t Tree) Dirs(dir string) ([]string, error) {
	dir = path.Clean(dir)
	var out []string
	err := fs.WalkDir(t.FS, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			return nil // an unreadable directory is not ours to judge
		}
		if !d.IsDir() {
			return nil
		}
		if p != dir {
			name := d.Name()
			if name == "vendor" || name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return fs.SkipDir
			}
			if _, err := fs.Stat(t.FS, path.Join(p, "go.mod")); err == nil {
				return fs.SkipDir
			}
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing the packages under %s: %w", dir, err)
	}
	sort.Strings(out)
	return out, nil
}

// DefaultMain is the main package a Gopherfile without builds: builds, for
// the module in modDir (a slash path in the tree) whose binary name (the
// last element of the module path) is name: "." when the module root is a
// main package for linux or cmd/<name> is not one, else "./cmd/<name>".
func (t Tree) DefaultMain(modDir, name string) string {
	if t.WhyNotMain(modDir, Config{CGO: true}) == "" {
		return "."
	}
	cmd := path.Join("cmd", name)
	if t.WhyNotMain(path.Join(modDir, cmd), Config{CGO: true}) == "" {
		return "./" + cmd
	}
	return "."
}
