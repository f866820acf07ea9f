package stepconfig

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"
)

// TestEveryKindHasItsFacts: every Kind constant declared in this package is
// in the table of kinds, with its stage.
func TestEveryKindHasItsFacts(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "stepconfig.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, sp := range gd.Specs {
			vs := sp.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Kind" {
				continue
			}
			for _, v := range vs.Values {
				k, _ := strconv.Unquote(v.(*ast.BasicLit).Value)
				n++
				info, ok := Kind(k).Info()
				if !ok || info.Stage == "" {
					t.Errorf("kind %q has no entry (or no stage) in the table of kinds", k)
				}
				if info.Networked && info.Compiles {
					t.Errorf("kind %q both fetches modules and compiles: a step with secrets runs no compiler", k)
				}
			}
		}
	}
	if n < 9 {
		t.Fatalf("found %d Kind constants; the scan is broken", n)
	}
}
