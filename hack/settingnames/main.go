// Command settingnames rewrites the go setting names a Go file spells as
// string literals into the constants of internal/goenv: "GOPROXY" becomes
// goenv.GOPROXY and "GOPROXY=off" goenv.GOPROXY + "=off", with the import
// added. internal/arch's TestSettingNames fails on such a literal; this is
// the mechanical fix (for a file that a merge brought back, say).
//
//	go run ./hack/settingnames FILE...      list the literals
//	go run ./hack/settingnames -w FILE...   rewrite the files
//
// A name that internal/goenv has no constant for yet needs one in
// internal/goenv/names.go first (the rewritten file does not build
// otherwise).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/gopherfile/gopherfile/internal/goenv"
)

const goenvPath = "github.com/gopherfile/gopherfile/internal/goenv"

func main() {
	write := flag.Bool("w", false, "rewrite the files (default: list the literals)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: %s [-w] FILE...\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	failed := false
	for _, p := range flag.Args() {
		n, err := rewrite(p, *write)
		if err != nil {
			fmt.Fprintln(os.Stderr, "settingnames:", err)
			failed = true
			continue
		}
		if *write && n > 0 {
			fmt.Printf("%s: %d literals\n", p, n)
		}
	}
	if failed {
		os.Exit(1)
	}
}

type edit struct {
	off, end int
	text     string
}

// rewrite lists (or, with write, replaces) the setting literals of the Go
// file p and returns how many it found.
func rewrite(p string, write bool) (int, error) {
	src, err := os.ReadFile(p)
	if err != nil {
		return 0, err
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, p, src, parser.ParseComments)
	if err != nil {
		return 0, err
	}
	if f.Name.Name == "goenv" {
		return 0, fmt.Errorf("%s: package goenv spells the names itself", p)
	}
	var edits []edit
	for _, lit := range goenv.ValueLiterals(f) {
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			continue
		}
		name, ok := goenv.SpellsSetting(s)
		if !ok {
			continue
		}
		text := "goenv." + name
		if _, value, has := strings.Cut(s, "="); has {
			text += " + " + strconv.Quote("="+value)
		}
		if !write {
			fmt.Printf("%s: %s → %s\n", fset.Position(lit.Pos()), lit.Value, text)
		}
		edits = append(edits, edit{fset.Position(lit.Pos()).Offset, fset.Position(lit.End()).Offset, text})
	}
	n := len(edits)
	if !write || n == 0 {
		return n, nil
	}
	if !imports(f, goenvPath) {
		edits = append(edits, importEdit(fset, f, src))
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].off > edits[j].off })
	out := src
	for _, e := range edits {
		out = append(append(append([]byte{}, out[:e.off]...), e.text...), out[e.end:]...)
	}
	formatted, err := format.Source(out)
	if err != nil {
		return 0, fmt.Errorf("%s: the rewritten file does not parse: %w", p, err)
	}
	return n, os.WriteFile(p, formatted, 0o644)
}

func imports(f *ast.File, path string) bool {
	for _, s := range f.Imports {
		if s.Path.Value == strconv.Quote(path) {
			return true
		}
	}
	return false
}

// importEdit adds the goenv import: after the last import of this module
// (go/format sorts it into that group), else as a group of its own after
// the last import, else as a declaration after the package clause.
func importEdit(fset *token.FileSet, f *ast.File, src []byte) edit {
	line := "\t" + strconv.Quote(goenvPath) + "\n"
	var last, own *ast.ImportSpec
	for _, s := range f.Imports {
		last = s
		if strings.HasPrefix(s.Path.Value, `"github.com/gopherfile/gopherfile/`) {
			own = s
		}
	}
	endOfLine := func(s *ast.ImportSpec) int {
		at := fset.Position(s.End()).Offset
		if i := bytes.IndexByte(src[at:], '\n'); i >= 0 {
			return at + i + 1
		}
		return len(src)
	}
	switch {
	case own != nil:
		at := endOfLine(own)
		return edit{at, at, line}
	case last != nil && hasParens(f):
		at := endOfLine(last)
		return edit{at, at, "\n" + line}
	case last != nil:
		// import "x" without parentheses: a second declaration.
		at := endOfLine(last)
		return edit{at, at, "import " + strconv.Quote(goenvPath) + "\n"}
	}
	at := fset.Position(f.Name.End()).Offset
	return edit{at, at, "\n\nimport " + strconv.Quote(goenvPath)}
}

// hasParens reports whether the file's first import declaration is a
// parenthesised group.
func hasParens(f *ast.File) bool {
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			return g.Lparen.IsValid()
		}
	}
	return false
}
