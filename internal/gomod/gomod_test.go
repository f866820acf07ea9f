package gomod

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	f, err := Parse("go.mod", []byte(`module github.com/acme/tool/v2

go 1.25.0

toolchain go1.26.1

require golang.org/x/mod v0.20.0

replace (
	example.com/lib => ./lib
	example.com/other => ../other/
	example.com/fork => github.com/acme/fork v1.0.0
	example.com/lib2 => ./lib
)
`))
	if err != nil {
		t.Fatal(err)
	}
	if f.Path != "github.com/acme/tool/v2" || f.Go != "1.25.0" || f.Toolchain != "1.26.1" || f.Requires != 1 {
		t.Errorf("facts: %+v", f)
	}
	if got := strings.Join(f.LocalReplaces, ","); got != "lib,../other" {
		t.Errorf("local replaces: %s", got)
	}
	if f.BuilderVersion() != "1.26.1" {
		t.Errorf("toolchain line wins: %s", f.BuilderVersion())
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"go 1.22\n", "no module line"},
		{"module x\nreplace a => /abs/path\n", "absolute path"},
		{"module x\nrequire (\n", "go.mod"},
	} {
		if _, err := Parse("go.mod", []byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestBuilderVersion(t *testing.T) {
	for _, tt := range []struct {
		f    Facts
		want string
	}{
		{Facts{Go: "1.22"}, "1.22"},
		{Facts{Go: "1.22.3"}, "1.22"},
		{Facts{Go: "1.23rc1"}, "1.23"},
		{Facts{Go: "1.22", Toolchain: "1.26.8"}, "1.26.8"},
		{Facts{}, ""},
	} {
		if got := tt.f.BuilderVersion(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestCompare(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"1.26.8", "1.26", 1},
		{"1.26", "1.26.0", -1},
		{"go1.26.1", "1.26.1", 0},
		{"1.26rc1", "1.26", 1},
		{"1.22rc1", "1.22.0", -1},
		{"junk", "1.20", -1},
		{"1.25.9", "1.26", -1},
		{"1.26rc1", "1.26.0", -1},
		{"1.27", "1.26.8", 1},
	} {
		if got := Compare(tt.a, tt.b); got != tt.want {
			t.Errorf("Compare(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestBinaryName(t *testing.T) {
	for in, want := range map[string]string{
		"github.com/acme/tool":    "tool",
		"github.com/acme/tool/v2": "tool",
		"./cmd/server":            "server",
		"go.yaml.in/yaml/v3":      "yaml",
		"example.com/m/cmd/x/":    "x",
		"v2":                      "v2",
		"github.com/acme/v2/v3":   "v2",
	} {
		if got := BinaryName(in); got != want {
			t.Errorf("BinaryName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseWork(t *testing.T) {
	w, err := ParseWork("go.work", []byte("go 1.26\n\nuse (\n\t./svc\n\t./lib/\n)\n"))
	if err != nil {
		t.Fatal(err)
	}
	if w.Go != "1.26" || strings.Join(w.Use, ",") != "svc,lib" {
		t.Errorf("%+v", w)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("module x\n\ngo 1.22\n"))
	f.Add([]byte("module x\nreplace a => ./b\ntoolchain go1.26.1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		facts, err := Parse("go.mod", data)
		if err == nil && facts.Path == "" {
			t.Fatal("no error and no module path")
		}
		_, _ = ParseWork("go.work", data)
	})
}
