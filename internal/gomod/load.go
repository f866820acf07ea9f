package gomod

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"testing/fstest"

	"github.com/gopherfile/gopherfile/internal/gosrc"
	"github.com/gopherfile/gopherfile/internal/safefile"
)

// Module is what a build needs to know about the context's Go files.
type Module struct {
	// Facts from go.mod.
	Facts *Facts
	// Work is go.work at the context root, if any.
	Work *Workspace
	// Vendored is true when the module builds from vendor/ (see IsVendored).
	Vendored bool
	// DefaultMain is the main package built when the Gopherfile lists no
	// builds: "." (also when empty) or "./cmd/<module name>" when the module
	// root has no main package and that directory has one (gosrc.DefaultMain).
	DefaultMain string
}

// Reader reads files of a build context: slash paths relative to its root.
// The frontend reads through BuildKit's gateway, gopherfile init and lint
// through the file system (FSReader).
type Reader interface {
	// ReadFiles returns those of names that exist as regular files. A file
	// larger than safefile.MaxGoMod is an error.
	ReadFiles(ctx context.Context, names []string) (map[string][]byte, error)
	// GoFiles returns the .go files directly in each of dirs, keyed by
	// their path; a missing directory has none.
	GoFiles(ctx context.Context, dirs []string) (map[string][]byte, error)
}

// NoGoModError is Load's error when there is no go.mod in the directory.
type NoGoModError struct {
	// Path is where go.mod was looked for, e.g. "services/api/go.mod".
	Path string
}

func (e *NoGoModError) Error() string {
	return fmt.Sprintf("there is no go.mod in the build context at %s", e.Path)
}

// LoadOptions say what Load reads beyond go.mod.
type LoadOptions struct {
	// DefaultMain finds the main package of a Gopherfile without builds.
	DefaultMain bool
}

// Load reads the module in dir (the Gopherfile's module:, "." for the root):
// go.mod, go.work at the root, vendor/modules.txt, and the go.mod of every
// local replace and workspace module inside the context, which must be there.
// It is the one place these rules live, for the frontend, init and lint.
func Load(ctx context.Context, r Reader, dir string, opt LoadOptions) (*Module, error) {
	dir = path.Clean("./" + dir)
	modPath := path.Join(dir, "go.mod")
	vendorPath := path.Join(dir, "vendor/modules.txt")
	files, err := r.ReadFiles(ctx, []string{modPath, vendorPath, "go.work"})
	if err != nil {
		return nil, err
	}
	data, ok := files[modPath]
	if !ok {
		return nil, &NoGoModError{Path: modPath}
	}
	facts, err := Parse(modPath, data)
	if err != nil {
		return nil, err
	}
	m := &Module{Facts: facts}
	if w, ok := files["go.work"]; ok {
		if m.Work, err = ParseWork("go.work", w); err != nil {
			return nil, err
		}
	}
	_, hasVendor := files[vendorPath]
	m.Vendored = IsVendored(facts, m.Work, hasVendor)
	if opt.DefaultMain {
		name := BinaryName(facts.Path)
		dirs := []string{dir, path.Join(dir, "cmd", name)}
		gofiles, err := r.GoFiles(ctx, dirs)
		if err != nil {
			return nil, err
		}
		tree := fstest.MapFS{}
		for p, data := range gofiles {
			tree[p] = &fstest.MapFile{Data: data}
		}
		m.DefaultMain = gosrc.Tree{FS: tree}.DefaultMain(dir, name)
	}
	if err := checkLocalModules(ctx, r, dir, m); err != nil {
		return nil, err
	}
	return m, nil
}

// IsVendored is go's rule for building from vendor/ by default: a
// vendor/modules.txt next to go.mod, no workspace, and a go line of 1.14 or
// newer (or none).
func IsVendored(f *Facts, work *Workspace, hasModulesTxt bool) bool {
	return hasModulesTxt && work == nil && (f.Go == "" || Compare(f.Go, "1.14") >= 0)
}

// LocalModules are the go.mod files of the local replaces of the module in
// dir and of the workspace's modules, as context paths; those outside the
// context start with "../".
func LocalModules(dir string, m *Module) []string {
	var need []string
	for _, r := range m.Facts.LocalReplaces {
		need = append(need, path.Join(dir, r, "go.mod"))
	}
	if m.Work != nil {
		for _, u := range m.Work.Use {
			need = append(need, path.Join(u, "go.mod"))
		}
	}
	return need
}

// checkLocalModules fails when a local module inside the context has no
// go.mod (the download step needs it). Those outside the context are the
// plan's to refuse, at the Gopherfile line that chose the module.
func checkLocalModules(ctx context.Context, r Reader, dir string, m *Module) error {
	var inside []string
	for _, n := range LocalModules(dir, m) {
		if !strings.HasPrefix(n, "../") {
			inside = append(inside, n)
		}
	}
	if len(inside) == 0 {
		return nil
	}
	got, err := r.ReadFiles(ctx, inside)
	if err != nil {
		return err
	}
	for _, n := range inside {
		if _, ok := got[n]; !ok {
			return fmt.Errorf("%s is not in the build context, but go.mod or go.work points at its directory (a local replace or a workspace module): build from a directory that contains it, e.g. the repository root, and set module: to the directory of go.mod", n)
		}
	}
	return nil
}

// FSReader reads a context from a file system (os.DirFS of a directory)
// with safefile: regular files only (a symlink is followed only to a
// regular file; a device or a fifo is skipped), each bounded.
type FSReader struct {
	FS fs.FS
}

// ReadFiles implements Reader.
func (r FSReader) ReadFiles(_ context.Context, names []string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, n := range names {
		limit := int64(safefile.MaxGoMod)
		if strings.HasSuffix(n, ".go") {
			limit = safefile.MaxGoFile
		}
		data, err := safefile.ReadFile(r.FS, n, limit)
		var nr *safefile.NotRegularError
		if errors.Is(err, fs.ErrNotExist) || errors.As(err, &nr) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[n] = data
	}
	return out, nil
}

// GoFiles implements Reader.
func (r FSReader) GoFiles(ctx context.Context, dirs []string) (map[string][]byte, error) {
	var names []string
	for _, d := range dirs {
		entries, err := fs.ReadDir(r.FS, d)
		if err != nil {
			continue // no such directory
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".go") && !e.IsDir() {
				names = append(names, path.Join(d, e.Name()))
			}
		}
	}
	return r.ReadFiles(ctx, names)
}
