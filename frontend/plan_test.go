package frontend

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"
	"testing"
)

// TestOnePlan keeps one plan per Build call: plan.New is called in one
// function of the package (makePlan), and makePlan only from planned, which
// runs it once (sync.Once) for the build and every subrequest. So --call
// check, outline and targets see the plan the build uses, with its options.
func TestOnePlan(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string][]string{} // callee → functions calling it
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
					name := types.ExprString(sel.X) + "." + sel.Sel.Name
					calls[name] = append(calls[name], fn.Name.Name)
				}
				return true
			})
		}
	}
	if got := calls["plan.New"]; len(got) != 1 || got[0] != "makePlan" {
		t.Errorf("plan.New is called from %v; want once, from makePlan", got)
	}
	if got := calls["b.makePlan"]; len(got) != 1 || got[0] != "planned" {
		t.Errorf("makePlan is called from %v; want once, from planned", got)
	}
	if got := calls["b.planOnce.Do"]; len(got) != 1 || got[0] != "planned" {
		t.Errorf("planOnce.Do is called from %v; want once, from planned", got)
	}
}
