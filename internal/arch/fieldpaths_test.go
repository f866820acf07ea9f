package arch

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/specdoc"
)

// fieldPackages are the packages that tie messages to Gopherfile fields.
var fieldPackages = []string{"frontend", "internal/plan", "internal/lint", "internal/graph", "internal/scaffold"}

// fieldCalls are the functions whose string arguments are field paths: the
// frontend's fieldError, loc and location, spec.Positions' Of and First.
var fieldCalls = map[string]bool{"fieldError": true, "loc": true, "location": true, "Of": true, "First": true}

// dotted is a string that looks like a field path: name.name or name[N].name.
var dotted = regexp.MustCompile(`^[a-z][A-Za-z]*(\[\d*\])?(\.[A-Za-z_][A-Za-z0-9_]*(\[\d*\])?)+$`)

var index = regexp.MustCompile(`\[\d+\]`)

// TestFieldPaths checks every Gopherfile field path written as a string in
// the product: the arguments of fieldError, loc, Of and First, the Field of
// a composite literal, and any dotted string whose first part is a top-level
// field. A typo would point a user at line 1, or at the wrong line.
func TestFieldPaths(t *testing.T) {
	fields, err := specdoc.Fields("../spec")
	if err != nil {
		t.Fatal(err)
	}
	valid := func(p string) bool {
		p = index.ReplaceAllString(p, "[]")
		if _, ok := fields[p]; ok {
			return true
		}
		// A map's entries: env.CGO_ENABLED, cc.linux/arm64.
		for i := strings.IndexByte(p, '.'); i > 0; i = strings.IndexByte(p[i+1:], '.') + i + 1 {
			if f, ok := fields[p[:i]]; ok && f.Map {
				return true
			}
			if strings.IndexByte(p[i+1:], '.') < 0 {
				break
			}
		}
		return false
	}
	// The top-level fields that have fields or entries of their own (go is a
	// field, go.mod is a file name).
	top := map[string]bool{}
	for p, f := range fields {
		if strings.ContainsAny(p, ".[") || f.Map {
			top[strings.SplitN(strings.SplitN(p, ".", 2)[0], "[", 2)[0]] = true
		}
	}
	checked := 0
	for _, dir := range fieldPackages {
		files, _ := filepath.Glob(filepath.Join("../..", dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			fset := token.NewFileSet()
			file, err := parser.ParseFile(fset, f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			check := func(lit *ast.BasicLit, why string) {
				s, err := strconv.Unquote(lit.Value)
				if err != nil || s == "" {
					return
				}
				checked++
				if !valid(s) {
					t.Errorf("%s: %q (%s) is not a Gopherfile field path", fset.Position(lit.Pos()), s, why)
				}
			}
			ast.Inspect(file, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					name := ""
					switch fn := n.Fun.(type) {
					case *ast.SelectorExpr:
						name = fn.Sel.Name
					case *ast.Ident:
						name = fn.Name
					}
					args := n.Args
					if name == "add" && len(args) >= 3 { // lint's checker.add(rule, level, field, ...)
						args, name = args[2:3], "fieldError"
					}
					if fieldCalls[name] {
						for _, a := range args {
							if lit, ok := a.(*ast.BasicLit); ok && lit.Kind == token.STRING {
								check(lit, "argument of "+name)
							}
						}
					}
				case *ast.KeyValueExpr:
					if k, ok := n.Key.(*ast.Ident); ok && (k.Name == "Field" || k.Name == "field") {
						if lit, ok := n.Value.(*ast.BasicLit); ok && lit.Kind == token.STRING {
							check(lit, "a Field")
						}
					}
				case *ast.BasicLit:
					if n.Kind != token.STRING {
						return true
					}
					s, _ := strconv.Unquote(n.Value)
					if dotted.MatchString(s) && top[strings.SplitN(strings.SplitN(s, ".", 2)[0], "[", 2)[0]] {
						check(n, "a dotted string")
					}
				}
				return true
			})
		}
	}
	if checked < 20 {
		t.Errorf("checked %d field paths; the scan finds too few, so it is broken", checked)
	}
}
