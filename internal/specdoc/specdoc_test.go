package specdoc

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	goldenfile "github.com/gopherfile/gopherfile/internal/golden"
)

const testSpecDir = "testdata/spec"

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", "golden", name), string(got))
}

func TestMarkdownGolden(t *testing.T) {
	md, err := Markdown(testSpecDir)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "reference.md", []byte(md))
}

func TestSchemaGolden(t *testing.T) {
	schema, err := Schema(testSpecDir)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "schema.json", schema)
	if !json.Valid(schema) {
		t.Fatal("the schema is not valid JSON")
	}
	if !strings.HasSuffix(string(schema), "}\n") {
		t.Error("the schema does not end with a newline")
	}
}

// TestSchemaShape checks the properties the README and editors rely on,
// independently of the golden file.
func TestSchemaShape(t *testing.T) {
	data, err := Schema(testSpecDir)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	defs, _ := s["$defs"].(map[string]any)
	objects := map[string]map[string]any{"top level": s}
	for name, d := range defs {
		objects[name] = d.(map[string]any)
	}
	for name, o := range objects {
		if o["additionalProperties"] != false {
			t.Errorf("%s: additionalProperties = %v, want false", name, o["additionalProperties"])
		}
		props, _ := o["properties"].(map[string]any)
		for key, p := range props {
			if d, _ := p.(map[string]any)["description"].(string); d == "" {
				t.Errorf("%s.%s has no description", name, key)
			}
		}
	}
	if got, want := slices.Sorted(maps.Keys(defs)), []string{"Item", "Limits", "Output"}; !reflect.DeepEqual(got, want) {
		t.Errorf("$defs = %v, want %v", got, want)
	}
	for _, c := range []struct {
		path string
		want any
	}{
		{"$id", SchemaID},
		{"required", []any{"version"}},
		{"properties.version.const", 1.0},
		{"properties.mode.enum", []any{"fast", "safe", "off"}},
		{"properties.mode.type", "string"},
		{"properties.wait.type", "string"},
		{"properties.wait.pattern", "^[0-9]+[smh]$"},
		{"properties.waits.items.pattern", "^[0-9]+[smh]$"},
		{"$defs.Item.properties.tries.minimum", 1.0},
		{"$defs.Item.properties.tries.maximum", 9.0},
		{"$defs.Item.properties.retries.minimum", nil},
		{"properties.level.enum", nil},
		{"properties.name.enum", nil},
		{"properties.items.items.$ref", "#/$defs/Item"},
		{"properties.output.$ref", "#/$defs/Output"},
		{"$defs.Item.required", []any{"id"}},
		{"$defs.Item.properties.retries.type", "integer"},
		{"$defs.Output.properties.counts.additionalProperties.type", "integer"},
		{"$defs.Limits.properties.flags.items.type", "boolean"},
	} {
		if got := lookup(s, c.path); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.path, got, c.want)
		}
	}
	for _, skipped := range []string{"internal", "Skipped", "NoTag", "-"} {
		if lookup(s, "properties."+skipped) != nil {
			t.Errorf("field %s is in the schema", skipped)
		}
	}
}

// lookup follows a dotted path of object keys ("$ref" and "$defs" included).
func lookup(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func TestDeterministic(t *testing.T) {
	md1, err1 := Markdown(testSpecDir)
	s1, err2 := Schema(testSpecDir)
	for i := 0; i < 5; i++ {
		md2, err3 := Markdown(testSpecDir)
		s2, err4 := Schema(testSpecDir)
		for _, err := range []error{err1, err2, err3, err4} {
			if err != nil {
				t.Fatal(err)
			}
		}
		if md1 != md2 || string(s1) != string(s2) {
			t.Fatal("two runs gave different output")
		}
	}
}

func TestEscapeMarkdown(t *testing.T) {
	for _, c := range []struct {
		in      string
		inTable bool
		want    string
	}{
		{"plain text", true, "plain text"},
		{"a|b", true, `a\|b`},
		{"a|b", false, "a|b"},
		{"Default: golang:<go>.", true, "Default: golang:&lt;go&gt;."},
		{"code `a|b <c>` stays", true, "code `a\\|b <c>` stays"},
		{"code `a|b` outside a table", false, "code `a|b` outside a table"},
		{"double ``a ` b`` span", true, "double ``a ` b`` span"},
		{"unclosed ` backtick <x>", true, "unclosed ` backtick &lt;x&gt;"},
		{`globs like acme/* and C:\dir`, true, `globs like acme/\* and C:\\dir`},
	} {
		if got := escapeMarkdown(c.in, c.inTable); got != c.want {
			t.Errorf("escapeMarkdown(%q, %v) = %q, want %q", c.in, c.inTable, got, c.want)
		}
	}
}

func TestAnchor(t *testing.T) {
	for path, want := range map[string]string{
		"":                   "spec-top-level",
		"builds[]":           "spec-builds",
		"image":              "spec-image",
		"modules":            "spec-modules",
		"builds[].limits":    "spec-builds-limits",
		"modules.gitHosts[]": "spec-modules-githosts",
	} {
		if got := anchor(path); got != want {
			t.Errorf("anchor(%q) = %q, want %q", path, got, want)
		}
	}
}

// TestUnsupported checks that a field specdoc cannot describe is an error that
// names it, rather than a silently missing row.
func TestUnsupported(t *testing.T) {
	for _, c := range []struct {
		name, src, want string
	}{
		{"float", "type Spec struct {\n\t// X.\n\tX float64 `yaml:\"x\"`\n}", "field Spec.X: unsupported type float64"},
		{"map key", "type Spec struct {\n\t// X.\n\tX map[int]string `yaml:\"x\"`\n}", "field Spec.X: unsupported map key type"},
		{"map of lists", "type Spec struct {\n\t// X.\n\tX map[string][]string `yaml:\"x\"`\n}", "field Spec.X: unsupported map value type"},
		{"list of lists", "type Spec struct {\n\t// X.\n\tX [][]string `yaml:\"x\"`\n}", "field Spec.X: unsupported list of lists"},
		{"array", "type Spec struct {\n\t// X.\n\tX [2]string `yaml:\"x\"`\n}", "field Spec.X: unsupported array type"},
		{"interface", "type Spec struct {\n\t// X.\n\tX any `yaml:\"x\"`\n}", "field Spec.X: unsupported type any"},
		{"embedded", "type Spec struct {\n\tInner\n}\n\n// Inner.\ntype Inner struct{}", "embedded field in Spec"},
		{"no doc", "type Spec struct {\n\tX string `yaml:\"x\"`\n}", "field Spec.X has no doc comment"},
		{"not a struct", "type Spec []string", "Spec is not a struct"},
		{"no Spec", "type Other struct{}", "no type Spec"},
		{"syntax", "type Spec struct {", "parsing spec source"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "spec.go"), []byte("package spec\n\n"+c.src+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Markdown(dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Markdown error = %v, want one containing %q", err, c.want)
			}
			if _, err := Schema(dir); err == nil {
				t.Fatal("Schema did not fail")
			}
		})
	}
	if _, err := Markdown(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no Go files") {
		t.Errorf("empty dir: error = %v, want one about no Go files", err)
	}
}
