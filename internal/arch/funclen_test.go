package arch

import (
	"go/ast"
	"sort"
	"strings"
	"testing"
)

// maxFuncLines is the longest a product function may be, from its func
// line to its closing brace.
const maxFuncLines = 80

// longFuncs are the functions allowed over maxFuncLines for now, by
// "file function" (a method is Type.Name). The list only shrinks: the test
// fails when one of them is short, so that its entry goes.
var longFuncs = map[string]string{}

// TestFuncLength fails for every product function over maxFuncLines that
// longFuncs does not list, and for every entry of longFuncs that is no
// longer long (or no longer exists).
func TestFuncLength(t *testing.T) {
	seen := map[string]bool{}
	var long []string
	for _, f := range productFiles(t, testSupport...) {
		for _, d := range f.file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			n := f.fset.Position(fn.End()).Line - f.fset.Position(fn.Pos()).Line + 1
			if n <= maxFuncLines {
				continue
			}
			key := f.rel + " " + funcName(fn)
			seen[key] = true
			if _, ok := longFuncs[key]; !ok {
				long = append(long, key)
				t.Errorf("%s: %s is %d lines, over %d: split it", f.fset.Position(fn.Pos()), funcName(fn), n, maxFuncLines)
			}
		}
	}
	for key := range longFuncs {
		if !seen[key] {
			t.Errorf("%q is in longFuncs but no longer over %d lines (or gone): remove its entry", key, maxFuncLines)
		}
	}
	sort.Strings(long)
	if len(long) > 0 {
		t.Logf("over %d lines:\n%s", maxFuncLines, strings.Join(long, "\n"))
	}
}

// funcName is Name, or Type.Name for a method.
func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	t := fn.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
			continue
		case *ast.IndexExpr:
			t = x.X
			continue
		case *ast.IndexListExpr:
			t = x.X
			continue
		}
		break
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name + "." + fn.Name.Name
	}
	return fn.Name.Name
}
