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
				if info.FetchesModules && !info.Networked {
					t.Errorf("kind %q fetches modules offline", k)
				}
				if onTheWay := info.Compiles || Kind(k) == Download || Kind(k) == ModView || Kind(k) == Toolchain; info.Background && onTheWay {
					t.Errorf("kind %q is on the way to the image and cannot run in the background", k)
				}
				checkCachePolicy(t, Kind(k), info)
			}
		}
	}
	if n < 9 {
		t.Fatalf("found %d Kind constants; the scan is broken", n)
	}
}

// checkCachePolicy: every kind has a decided build cache policy, and the
// trust rules of docs/caches.md hold in the table: a step that holds
// secrets or runs the tree's code never writes the shared compile cache.
func checkCachePolicy(t *testing.T, k Kind, info KindInfo) {
	t.Helper()
	if info.Cache == CacheUndecided {
		t.Errorf("kind %q has no build cache policy (KindInfo.Cache): decide which cache it writes (docs/caches.md)", k)
	}
	shared := info.Cache == CacheCompile || info.Cache == CacheOutput
	if info.Networked && shared {
		t.Errorf("kind %q holds secrets and writes the shared compile cache (%s)", k, info.Cache)
	}
	if info.RunsTreeCode && info.Cache != CacheOwn {
		t.Errorf("kind %q runs the tree's code with cache policy %s, want %s", k, info.Cache, CacheOwn)
	}
	if info.RunsTreeCode && info.Networked {
		t.Errorf("kind %q runs the tree's code with the secrets", k)
	}
	if k.CachePolicy() != info.Cache {
		t.Errorf("kind %q: CachePolicy() = %s, table %s", k, k.CachePolicy(), info.Cache)
	}
}
