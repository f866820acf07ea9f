// Package gomod reads the facts a build needs from go.mod, go.work and
// vendor/modules.txt: the module path, the Go version the module asks for, local
// replace directories and workspace modules, and whether the module is vendored.
// It is pure: callers read the files (from the build context) and pass the bytes.
package gomod

import (
	"fmt"
	"go/version"
	"path"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
)

// Facts is what go.mod says that matters to an image build.
type Facts struct {
	// Path is the module path, e.g. github.com/acme/tool.
	Path string
	// Go is the go line, e.g. "1.22" or "1.22.3"; empty when go.mod has none.
	Go string
	// Toolchain is the version of the toolchain line without the "go" prefix,
	// e.g. "1.26.1"; empty when go.mod has none (or says "default").
	Toolchain string
	// GoLine and ToolchainLine are the lines of the go and toolchain lines
	// in go.mod, 0 when there is none: errors about the Go version that
	// go.mod chose name them.
	GoLine, ToolchainLine int
	// LocalReplaces are the directories of replace directives that point at local
	// paths, relative to the module directory, cleaned, with forward slashes.
	LocalReplaces []string
	// Requires is the number of require lines.
	Requires int
	// RequirePaths are the module paths of the require lines, in order.
	RequirePaths []string
}

// Parse reads go.mod. filename is used in error messages only.
func Parse(filename string, data []byte) (*Facts, error) {
	f, err := modfile.Parse(filename, data, nil)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", filename, err)
	}
	if f.Module == nil || f.Module.Mod.Path == "" {
		return nil, fmt.Errorf("%s has no module line: run `go mod init MODULE_PATH`", filename)
	}
	facts := &Facts{Path: f.Module.Mod.Path, Requires: len(f.Require)}
	for _, r := range f.Require {
		facts.RequirePaths = append(facts.RequirePaths, r.Mod.Path)
	}
	if f.Go != nil {
		facts.Go = f.Go.Version
		facts.GoLine = f.Go.Syntax.Start.Line
	}
	if f.Toolchain != nil && f.Toolchain.Name != "default" {
		facts.Toolchain = strings.TrimPrefix(f.Toolchain.Name, "go")
		facts.ToolchainLine = f.Toolchain.Syntax.Start.Line
	}
	seen := map[string]bool{}
	for _, r := range f.Replace {
		if !modfile.IsDirectoryPath(r.New.Path) {
			continue
		}
		if path.IsAbs(r.New.Path) || strings.Contains(r.New.Path, `\`) {
			return nil, fmt.Errorf("%s:%d: replace %s => %s points at an absolute path, which cannot be in the build context: use a path relative to go.mod",
				filename, r.Syntax.Start.Line, r.Old.Path, r.New.Path)
		}
		dir := path.Clean(r.New.Path)
		if !seen[dir] {
			seen[dir] = true
			facts.LocalReplaces = append(facts.LocalReplaces, dir)
		}
	}
	return facts, nil
}

// Workspace is what go.work says.
type Workspace struct {
	// Go is the go line of go.work.
	Go string
	// Toolchain is the toolchain line without "go".
	Toolchain string
	// GoLine and ToolchainLine are their lines in go.work, 0 when absent.
	GoLine, ToolchainLine int
	// Use lists the module directories, relative to go.work, cleaned.
	Use []string
	// LocalReplaces are go.work's own local replace directories.
	LocalReplaces []string
}

// ParseWork reads go.work.
func ParseWork(filename string, data []byte) (*Workspace, error) {
	f, err := modfile.ParseWork(filename, data, nil)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", filename, err)
	}
	w := &Workspace{}
	if f.Go != nil {
		w.Go = f.Go.Version
		w.GoLine = f.Go.Syntax.Start.Line
	}
	if f.Toolchain != nil && f.Toolchain.Name != "default" {
		w.Toolchain = strings.TrimPrefix(f.Toolchain.Name, "go")
		w.ToolchainLine = f.Toolchain.Syntax.Start.Line
	}
	for _, u := range f.Use {
		if path.IsAbs(u.Path) {
			return nil, fmt.Errorf("%s: use %s is an absolute path: use a path relative to go.work", filename, u.Path)
		}
		w.Use = append(w.Use, path.Clean(u.Path))
	}
	for _, r := range f.Replace {
		if modfile.IsDirectoryPath(r.New.Path) && !path.IsAbs(r.New.Path) {
			w.LocalReplaces = append(w.LocalReplaces, path.Clean(r.New.Path))
		}
	}
	return w, nil
}

// BinaryName is the default binary name for a main package: the last element of
// its import path, skipping a major-version suffix (github.com/acme/tool/v2 → tool,
// gopkg.in/yaml.v3 → yaml), as module.SplitPathVersion splits it.
func BinaryName(importPath string) string {
	p := path.Clean(importPath)
	if prefix, _, ok := module.SplitPathVersion(p); ok {
		p = prefix
	}
	if b := path.Base(p); b != "." && b != "/" && b != ".." {
		return b
	}
	return "app"
}

// BuilderVersion is the Go version to pick the builder image by: the toolchain line
// when there is one, else the go line shortened to major.minor (the newest patch
// of that release satisfies it). Empty when go.mod names neither.
func (f *Facts) BuilderVersion() string {
	if f.Toolchain != "" {
		return f.Toolchain
	}
	return MajorMinor(f.Go)
}

// MajorMinor turns "1.22.3" or "1.22rc1" into "1.22"; other input is returned as is.
func MajorMinor(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return v
	}
	minor := parts[1]
	for i, c := range minor {
		if c < '0' || c > '9' {
			minor = minor[:i]
			break
		}
	}
	return parts[0] + "." + minor
}

// Compare compares two Go versions with or without the "go" prefix ("1.22",
// "1.22.3", "go1.23rc1") the way the go command does (go/version): -1, 0 or
// +1. A language version sorts before its releases ("1.22" < "1.22rc1" <
// "1.22.0"); an invalid version sorts before every valid one.
func Compare(a, b string) int {
	return version.Compare("go"+strings.TrimPrefix(a, "go"), "go"+strings.TrimPrefix(b, "go"))
}

// CheckPath reports whether p is a valid module path.
func CheckPath(p string) error { return module.CheckPath(p) }
