//go:build integration

package integration

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/testproxy"
)

// TestProxyFallback: GOPROXY's "," falls through on 404/410 only and "|" on any
// error, exactly as the go command does, through real builds.
func TestProxyFallback(t *testing.T) {
	tests := []struct {
		name   string
		status int
		sep    string
		ok     bool
		want   string
	}{
		{"comma falls through on 404", 404, ",", true, ""},
		{"comma falls through on 410", 410, ",", true, ""},
		{"comma stops on 500", 500, ",", false, "row 3"},
		{"pipe falls through on 500", 500, "|", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mod := privateModule(t) // a module of its own: the shared module cache never has it
			good := startProxy(t, mod)
			bad := startProxy(t)
			bad.SetStatus("example.com", tt.status) // every module path (without the leading slash)
			dir := moduleUsing(t, good, mod, fmt.Sprintf("  proxy: %s%s%s\n  nosumdb: [example.com/*]\n  retries: 1\n", bad.URL(), tt.sep, good.URL()))
			r := cli(t, dir, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
			if tt.ok {
				mustOK(t, r)
				if bad.Requests() == 0 {
					t.Errorf("the first proxy was never asked")
				}
				return
			}
			if r.err == nil {
				t.Fatalf("want a failure:\n%s", tail(r.out, 20))
			}
			if !strings.Contains(r.out, tt.want) || !strings.Contains(r.out, "|") {
				t.Errorf("want %q and the | advice:\n%s", tt.want, tail(r.out, 20))
			}
		})
	}
}

// TestCatalogueRows induces catalogue rows through real builds and checks each
// ends with its classified explanation.
func TestCatalogueRows(t *testing.T) {
	tests := []struct {
		name  string
		mod   func(m testproxy.Module) testproxy.Module
		extra string // more Gopherfile lines
		gosum bool   // write go.sum
		want  []string
	}{
		{"row 11 path mismatch", func(m testproxy.Module) testproxy.Module {
			m.Files["go.mod"] = "module example.com/somebody/else\n\ngo 1.22\n"
			return m
		}, "", true, []string{"module declares its path as", "row 11"}},
		{"row 12 dependency needs newer go", func(m testproxy.Module) testproxy.Module {
			m.Files["go.mod"] = "module " + m.Path + "\n\ngo 1.99\n"
			return m
		}, "", true, []string{"requires go >= 1.99", "row 12"}},
		{"row 13 go.sum incomplete", func(m testproxy.Module) testproxy.Module { return m }, "tidy: off\n", false, []string{"updating go.sum", "row 13", "--target tidy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mod := tt.mod(privateModule(t))
			p := startProxy(t, mod)
			dir := moduleUsing(t, p, mod, fmt.Sprintf("  proxy: %s\n  nosumdb: [example.com/*]\n  retries: 1\n", p.URL()))
			if tt.extra != "" {
				writeFile(t, filepath.Join(dir, "Gopherfile"), readFile(t, filepath.Join(dir, "Gopherfile"))+tt.extra)
			}
			if !tt.gosum {
				writeFile(t, filepath.Join(dir, "go.sum"), "")
			}
			r := cli(t, dir, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
			if r.err == nil {
				t.Fatalf("want a failure:\n%s", tail(r.out, 20))
			}
			for _, w := range tt.want {
				if !strings.Contains(r.out, w) {
					t.Errorf("output lacks %q:\n%s", w, tail(r.out, 25))
				}
			}
		})
	}
}
