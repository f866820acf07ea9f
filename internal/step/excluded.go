package step

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/gosrc"
	"github.com/gopherfile/gopherfile/internal/step/diagnose"
)

// A failed compile whose errors are "build constraints exclude all Go files
// in DIR", or "undefined: q.Name" and "undefined: Name" for names that are
// declared only in files the build left out, is explained by those files:
// the cgo files of a package built without cgo (row 21), or the files other
// build tags, GOOS or GOARCH leave out (row 24). excludedFiles finds them in
// the tree and the module cache; the compile step builds again with cgo
// when that is all the build lacks and cgo is unset.

// maxUndefinedGroups bounds the packages excludedFiles looks into.
const maxUndefinedGroups = 8

// buildConfig is how the go command of the step builds packages.
func (h *helper) buildConfig() gosrc.Config {
	cfg := gosrc.Config{GOOS: "linux", GOARCH: runtime.GOARCH}
	if v, ok := h.getenv(goenv.GOOS); ok && v != "" {
		cfg.GOOS = v
	}
	if v, ok := h.getenv(goenv.GOARCH); ok && v != "" {
		cfg.GOARCH = v
	}
	if t := h.buildTags(); t != "" {
		cfg.Tags = strings.Split(t, ",")
	}
	v, _ := h.getenv(goenv.CGO_ENABLED)
	cfg.CGO = v == "1"
	return cfg
}

// excludedFiles returns what build constraints left out of the failed
// build whose output is output.
func (h *helper) excludedFiles(ctx context.Context, output string) []diagnose.Excluded {
	cfg := h.buildConfig()
	wd, _ := os.Getwd()
	var out []diagnose.Excluded
	dirs := diagnose.ExcludedDirs(output)
	keys := make([]string, 0, len(dirs))
	for d := range dirs {
		keys = append(keys, d)
	}
	sort.Strings(keys)
	for _, dir := range keys {
		if e, ok := excludedAll(absDir(wd, dir), cfg); ok {
			e.Dir, e.Line = dir, dirs[dir]
			e.Package = importPathOf(dirs[dir])
			out = append(out, e)
		}
	}
	return append(out, h.excludedDecls(ctx, output, wd, cfg)...)
}

// excludedAll explains a directory all of whose Go files the build left out.
func excludedAll(dir string, cfg gosrc.Config) (diagnose.Excluded, bool) {
	root := gosrc.Tree{FS: os.DirFS("/")}
	rel := strings.TrimPrefix(filepath.ToSlash(dir), "/")
	if !cfg.CGO {
		with := cfg
		with.CGO = true
		if p, err := root.Load(rel, with); err == nil && len(p.CgoFiles) > 0 {
			return diagnose.Excluded{Files: p.CgoFiles, Constraint: `import "C"`, Cgo: true}, true
		}
	}
	p, err := root.Load(rel, cfg)
	if err != nil {
		return diagnose.Excluded{}, false
	}
	files := goFiles(p.Ignored)
	if len(files) == 0 {
		return diagnose.Excluded{}, false
	}
	return diagnose.Excluded{Files: files, Constraint: constraints(dir, files)}, true
}

// importPathOf returns the package of "package P: build constraints ..." or
// "imports P: build constraints ...".
func importPathOf(line string) string {
	for _, prefix := range []string{"imports ", "package "} {
		if i := strings.Index(line, prefix); i >= 0 {
			rest := line[i+len(prefix):]
			if j := strings.Index(rest, ": "); j > 0 {
				return rest[:j]
			}
		}
	}
	return ""
}

// undefinedGroup is the "undefined:" errors of one package for one
// qualifier ("" for names of the package itself).
type undefinedGroup struct {
	pkg, qualifier string
	file, line     string // the first error's file and whole line
	names          map[string]bool
}

// excludedDecls explains "undefined:" errors by the left-out files that
// declare the names.
func (h *helper) excludedDecls(ctx context.Context, output, wd string, cfg gosrc.Config) []diagnose.Excluded {
	var groups []*undefinedGroup
	index := map[[2]string]*undefinedGroup{}
	for _, e := range diagnose.CompileErrors(output) {
		q, name, ok := e.Undefined()
		if !ok {
			continue
		}
		k := [2]string{e.Package, q}
		g := index[k]
		if g == nil {
			if len(groups) == maxUndefinedGroups {
				continue
			}
			g = &undefinedGroup{pkg: e.Package, qualifier: q, file: absFile(wd, e.File), line: strings.TrimSpace(e.Text), names: map[string]bool{}}
			index[k] = g
			groups = append(groups, g)
		}
		g.names[name] = true
	}
	if len(groups) == 0 {
		return nil
	}
	// The packages the qualifiers name: the imports of the files.
	imports := map[*undefinedGroup][]string{}
	var paths []string
	for _, g := range groups {
		if g.qualifier == "" {
			continue
		}
		imports[g] = fileImports(g.file, g.qualifier)
		paths = append(paths, imports[g]...)
	}
	pkgs := h.listPackages(ctx, paths)
	var out []diagnose.Excluded
	for _, g := range groups {
		dir, path := filepath.Dir(g.file), g.pkg
		if g.qualifier != "" {
			dir, path = "", ""
			for _, imp := range imports[g] {
				if p, ok := pkgs[imp]; ok && (p.name == g.qualifier || len(imports[g]) == 1) {
					dir, path = p.dir, imp
					break
				}
			}
			if dir == "" {
				continue
			}
		}
		if e, ok := declaredInExcluded(dir, g.names, cfg); ok {
			e.Package, e.Line = path, g.line
			out = append(out, e)
		}
	}
	return out
}

// fileImports returns the import paths of a Go file that qualifier may
// name: the one imported under that name, else every one imported without
// a name.
func fileImports(file, qualifier string) []string {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
	if err != nil {
		return nil
	}
	var unnamed []string
	for _, spec := range f.Imports {
		p, err := strconv.Unquote(spec.Path.Value)
		if err != nil || p == "C" {
			continue
		}
		switch {
		case spec.Name == nil:
			unnamed = append(unnamed, p)
		case spec.Name.Name == qualifier:
			return []string{p}
		}
	}
	return unnamed
}

type listedPackage struct{ name, dir string }

// listPackages asks the go command for the name and directory of packages,
// as a build with cgo sees them (a package whose files all need cgo has no
// name without it). nil when go list fails.
func (h *helper) listPackages(ctx context.Context, paths []string) map[string]listedPackage {
	if len(paths) == 0 {
		return nil
	}
	sort.Strings(paths)
	uniq := paths[:0]
	for i, p := range paths {
		if i == 0 || p != paths[i-1] {
			uniq = append(uniq, p)
		}
	}
	args := []string{"list", "-e", "-f", "{{.ImportPath}}\t{{.Name}}\t{{.Dir}}"}
	if t := h.buildTags(); t != "" {
		args = append(args, "-tags="+t)
	}
	cmd := h.goCommand(ctx, append(args, uniq...)...)
	cmd.Env = append(append([]string(nil), h.env...), goenv.CGO_ENABLED+"=1")
	var out bytes.Buffer
	cmd.Stdout = &out
	_ = cmd.Run() // -e: what it could list is on stdout
	pkgs := map[string]listedPackage{}
	for _, line := range strings.Split(out.String(), "\n") {
		f := strings.Split(line, "\t")
		if len(f) == 3 && f[2] != "" {
			pkgs[f[0]] = listedPackage{name: f[1], dir: f[2]}
		}
	}
	return pkgs
}

// declaredInExcluded finds the files of dir that the build left out and
// that declare one of names.
func declaredInExcluded(dir string, names map[string]bool, cfg gosrc.Config) (diagnose.Excluded, bool) {
	root := gosrc.Tree{FS: os.DirFS("/")}
	p, err := root.Load(strings.TrimPrefix(filepath.ToSlash(dir), "/"), cfg)
	if err != nil {
		return diagnose.Excluded{}, false
	}
	var files []string
	cgo := false
	for _, name := range goFiles(p.Ignored) {
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil || !declares(f, names) {
			continue
		}
		files = append(files, name)
		for _, imp := range f.Imports {
			if imp.Path.Value == `"C"` {
				cgo = true
			}
		}
	}
	if len(files) == 0 {
		return diagnose.Excluded{}, false
	}
	if cgo && !cfg.CGO {
		return diagnose.Excluded{Files: files, Constraint: `import "C"`, Cgo: true}, true
	}
	return diagnose.Excluded{Files: files, Constraint: constraints(dir, files)}, true
}

// declares reports whether a file declares one of names at package level.
func declares(f *ast.File, names map[string]bool) bool {
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && names[d.Name.Name] {
				return true
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if names[s.Name.Name] {
						return true
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if names[n.Name] {
							return true
						}
					}
				}
			}
		}
	}
	return false
}

// constraints returns the //go:build lines of files, "; "-separated, or
// "their file names (_linux.go, ...)" when they have none.
func constraints(dir string, files []string) string {
	seen := map[string]bool{}
	var out []string
	for _, name := range files {
		c := buildLine(filepath.Join(dir, name))
		if c == "" {
			c = "the file name " + name
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return strings.Join(out, "; ")
}

// buildLine returns the //go:build line of a Go file, "" if it has none.
func buildLine(file string) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, _ := f.Read(buf)
	for _, line := range strings.Split(string(buf[:n]), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "//go:build ") {
			return line
		}
		if strings.HasPrefix(line, "package ") {
			break
		}
	}
	return ""
}

// goFiles keeps the .go files that are not tests.
func goFiles(names []string) []string {
	var out []string
	for _, n := range names {
		if strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			out = append(out, n)
		}
	}
	return out
}

func absFile(wd, file string) string {
	if filepath.IsAbs(file) {
		return file
	}
	return filepath.Join(wd, file)
}

func absDir(wd, dir string) string { return absFile(wd, dir) }
