package arch

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/goenv"
)

// settingOwner is the one package that spells the names.
const settingOwner = "internal/goenv"

// notProduct are the folders whose Go files are not the product: the
// repository's tools (a module of their own or run by hand), the example
// programs users copy, and the packages only tests import.
var notProduct = []string{"hack", "examples", "integration"}

// testSupport are the packages only tests import: they may spell setting
// names (a test proxy serves GOPROXY), but their functions are kept short
// like the product's.
var testSupport = []string{"internal/testproxy", "internal/testgit", "internal/golden"}

// TestSettingNames fails when a product Go file outside internal/goenv
// spells a go setting's name as a string literal: the names are constants
// of goenv (goenv.GOPROXY), so that which settings the product passes,
// forwards and explains is written in one place. Names of Gopherfile's own
// variables (GOPHERFILE_*) are not go settings.
func TestSettingNames(t *testing.T) {
	var bad []string
	checked := 0
	for _, f := range productFiles(t) {
		if under(f.rel, testSupport) {
			continue
		}
		if strings.HasPrefix(f.rel, settingOwner+"/") {
			continue
		}
		for _, lit := range goenv.ValueLiterals(f.file) {
			checked++
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				continue
			}
			if name, ok := goenv.SpellsSetting(s); ok {
				bad = append(bad, f.fset.Position(lit.Pos()).String()+": "+strconv.Quote(s)+
					" spells a go setting: use goenv."+name+" (add the constant to internal/goenv/names.go if it is new; go run ./hack/settingnames -w FILE rewrites a file)")
			}
		}
	}
	for _, b := range bad {
		t.Error(b)
	}
	if checked < 1000 {
		t.Errorf("scanned %d string literals; the scan finds too few, so it is broken", checked)
	}
}

type productFile struct {
	rel  string // slash-separated, from the repository root
	fset *token.FileSet
	file *ast.File
}

// under reports whether the file rel is in one of the folders.
func under(rel string, folders []string) bool {
	for _, d := range folders {
		if strings.HasPrefix(rel, d+"/") {
			return true
		}
	}
	return false
}

// productFiles parses every non-test Go file of the module (not testdata,
// not the folders in notProduct), with the test support packages only
// when asked for (withSupport is testSupport, or nothing).
func productFiles(t *testing.T, withSupport ...string) []productFile {
	t.Helper()
	root := "../.."
	var out []productFile
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, root+"/"))
		if d.IsDir() {
			name := d.Name()
			if name == "testdata" || name == "vendor" || name == "node_modules" || (strings.HasPrefix(name, ".") && p != root) {
				return filepath.SkipDir
			}
			for _, np := range notProduct {
				if rel == np {
					return filepath.SkipDir
				}
			}
			if under(rel+"/", testSupport) && !under(rel+"/", withSupport) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		out = append(out, productFile{rel: rel, fset: fset, file: file})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 100 {
		t.Fatalf("found %d product Go files under %s; the walk is broken", len(out), root)
	}
	return out
}
