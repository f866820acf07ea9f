package specdoc

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// repoRoot is the repository root, two directories above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found: %v", err)
	}
	return root
}

// TestRepoDocsUpToDate is `go run ./cmd/gfdocs -check` as a test: the schema and
// the reference in docs/reference.md must match internal/spec.
func TestRepoDocsUpToDate(t *testing.T) {
	root := repoRoot(t)
	files, genErr := Generate(root)
	if files == nil {
		t.Fatal(genErr)
	}
	stale, err := Stale(root, files)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) > 0 {
		t.Errorf("%s out of date with %s: run %s", strings.Join(stale, ", "), SpecDir, Command)
	}
	if genErr != nil {
		t.Error(genErr) // it says to add the markers and run Command
	}
}

func TestSplice(t *testing.T) {
	const ref = "### Reference\n"
	want := "# Title\n\n" + BeginMarker + "\n\n" + ref + "\n" + EndMarker + "\n\nMore.\n"
	for _, c := range []struct {
		name, doc, want, err string
	}{
		{"empty section", "# Title\n\n" + BeginMarker + "\n" + EndMarker + "\n\nMore.\n", want, ""},
		{"stale section", "# Title\n\n" + BeginMarker + "\nold text\n| a | b |\n" + EndMarker + "\n\nMore.\n", want, ""},
		{"up to date", want, want, ""},
		{"crlf and spaces", "# Title\r\n\r\n" + BeginMarker + "  \r\n" + EndMarker + "\r\n", "# Title\r\n\r\n" + BeginMarker + "\n\n" + ref + "\n" + EndMarker + "\r\n", ""},
		{"no markers", "# Title\n", "", "no line"},
		{"no end", BeginMarker + "\n", "", "no line \"" + EndMarker},
		{"no begin", EndMarker + "\n", "", "no line \"" + BeginMarker},
		{"marker inside a line", "see " + BeginMarker + "\n" + EndMarker + "\n", "", "no line"},
		{"reversed", EndMarker + "\n" + BeginMarker + "\n", "", "comes before"},
		{"twice", BeginMarker + "\n" + EndMarker + "\n" + BeginMarker + "\n", "", "twice"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Splice([]byte(c.doc), ref)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error = %v, want one containing %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("got\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}

// TestGenerateWriteCheck runs the gfdocs cycle on a copy of the test spec: the
// first check finds the files stale, writing fixes them, and text outside
// the markers is kept.
func TestGenerateWriteCheck(t *testing.T) {
	root := t.TempDir()
	specDir := filepath.Join(root, filepath.FromSlash(SpecDir))
	if err := os.MkdirAll(specDir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(testSpecDir, "spec.go"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(specDir, "spec.go"), src, 0o644); err != nil {
		t.Fatal(err)
	}

	// Without docs/reference.md: the schema is still generated, with an error saying what to add.
	files, err := Generate(root)
	if err == nil || !strings.Contains(err.Error(), BeginMarker) || !strings.Contains(err.Error(), Command) {
		t.Fatalf("Generate without docs/reference.md: error = %v, want one naming the markers and %s", err, Command)
	}
	if len(files) != 1 || files[0].Path != SchemaPath {
		t.Fatalf("Generate without docs/reference.md returned %d files, want the schema", len(files))
	}

	readme := "# Test\n\nIntro.\n\n" + BeginMarker + "\n" + EndMarker + "\n\nOutro.\n"
	if err := os.MkdirAll(filepath.Join(root, filepath.Dir(ReferencePath)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, ReferencePath), []byte(readme), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err = Generate(root)
	if err != nil {
		t.Fatal(err)
	}
	stale, err := Stale(root, files)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{SchemaPath, ReferencePath}; !reflect.DeepEqual(stale, want) {
		t.Fatalf("stale = %v, want %v", stale, want)
	}
	written, err := Write(root, files)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(written, stale) {
		t.Errorf("written = %v, want %v", written, stale)
	}
	files, err = Generate(root)
	if err != nil {
		t.Fatal(err)
	}
	if stale, err := Stale(root, files); err != nil || len(stale) > 0 {
		t.Fatalf("after Write: stale = %v, %v", stale, err)
	}
	if written, err := Write(root, files); err != nil || len(written) > 0 {
		t.Fatalf("second Write wrote %v, %v", written, err)
	}
	got, err := os.ReadFile(filepath.Join(root, ReferencePath))
	if err != nil {
		t.Fatal(err)
	}
	md, err := Markdown(testSpecDir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), "# Test\n\nIntro.\n\n") || !strings.HasSuffix(string(got), EndMarker+"\n\nOutro.\n") || !strings.Contains(string(got), md) {
		t.Errorf("docs/reference.md after Write:\n%s", got)
	}
}

// TestExamplesMatchSchema is a light check of the examples against the
// committed schema: every key must be a property of its object (through $ref,
// arrays and maps), required keys must be there, and scalars must have one of
// the allowed types and values. It is not a full JSON Schema validator.
func TestExamplesMatchSchema(t *testing.T) {
	root := repoRoot(t)
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(SchemaPath)))
	if err != nil {
		t.Fatalf("%v (run %s)", err, Command)
	}
	var schema map[string]any
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatalf("%s: %v", SchemaPath, err)
	}
	paths, err := filepath.Glob(filepath.Join(root, "examples", "*", "Gopherfile"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no examples/*/Gopherfile found")
	}
	for _, path := range paths {
		rel, _ := filepath.Rel(root, path)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := yaml.Unmarshal(src, &doc); err != nil {
				t.Fatal(err)
			}
			for _, problem := range checkValue(schema, schema, doc, "") {
				t.Error(problem)
			}
		})
	}
}

func TestCheckValue(t *testing.T) {
	schema, err := Schema(testSpecDir)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(schema, &s); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, yaml string
		want       []string
	}{
		{"valid", "version: 1\nname: 8080\nmode: safe\ntags: [a, 1, true]\nenv: {A: 0}\nitems:\n  - id: x\n    retries: 2\n    limits: {cpu: 1, flags: [true]}\noutput: {dir: /o, counts: {a: 1}}\n", nil},
		{"unknown top-level key", "version: 1\nnmae: x\n", []string{"nmae: not a field of the schema"}},
		{"unknown nested key", "version: 1\nitems:\n  - id: x\n    limits: {gpu: 1}\n", []string{"items[0].limits.gpu: not a field of the schema"}},
		{"unknown key through a pointer", "version: 1\noutput: {directory: x}\n", []string{"output.directory: not a field of the schema"}},
		{"missing required", "name: x\nitems: [{retries: 1}]\n", []string{"version: required", "items[0].id: required"}},
		{"wrong version", "version: 2\n", []string{"version: 2, want 1"}},
		{"not in enum", "version: 1\nmode: slow\n", []string{`mode: "slow" is not one of [fast safe off]`}},
		{"wrong types", "version: 1\nverbose: yes\ntags: a\nenv: {A: [1]}\n", []string{"verbose: a string, want boolean", "tags: a string, want array", "env.A: a list, want string or number or boolean"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var doc map[string]any
			if err := yaml.Unmarshal([]byte(c.yaml), &doc); err != nil {
				t.Fatal(err)
			}
			got := checkValue(s, s, doc, "")
			slices.Sort(got)
			want := slices.Clone(c.want)
			slices.Sort(want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("problems = %q, want %q", got, want)
			}
		})
	}
}

// checkValue returns the problems of value v (decoded from YAML) at path
// against schema node s; root resolves "#/$defs/..." references.
func checkValue(root, s map[string]any, v any, path string) []string {
	if ref, ok := s["$ref"].(string); ok {
		name, ok := strings.CutPrefix(ref, "#/$defs/")
		def, found := lookup(root, "$defs."+name).(map[string]any)
		if !ok || !found {
			return []string{fmt.Sprintf("%s: unresolved $ref %q", path, ref)}
		}
		s = def
	}
	if types := schemaTypes(s); len(types) > 0 && !hasType(types, v) {
		return []string{fmt.Sprintf("%s: %s, want %s", path, yamlKind(v), strings.Join(types, " or "))}
	}
	if c, ok := s["const"]; ok && fmt.Sprint(c) != fmt.Sprint(v) {
		return []string{fmt.Sprintf("%s: %v, want %v", path, v, c)}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		return []string{fmt.Sprintf("%s: %q is not one of %v", path, fmt.Sprint(v), enum)}
	}
	join := func(key string) string {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	var problems []string
	switch v := v.(type) {
	case map[string]any:
		props, hasProps := s["properties"].(map[string]any)
		for _, r := range asStrings(s["required"]) {
			if _, ok := v[r]; !ok {
				problems = append(problems, join(r)+": required")
			}
		}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			var sub map[string]any
			if hasProps {
				sub, _ = props[k].(map[string]any)
			}
			if sub == nil {
				sub, _ = s["additionalProperties"].(map[string]any)
			}
			if sub == nil {
				problems = append(problems, join(k)+": not a field of the schema")
				continue
			}
			problems = append(problems, checkValue(root, sub, v[k], join(k))...)
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, item := range v {
				problems = append(problems, checkValue(root, items, item, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return problems
}

// hasType says whether v has one of types; an integer is also a number.
func hasType(types []string, v any) bool {
	t := jsonType(v)
	return slices.Contains(types, t) || t == "integer" && slices.Contains(types, "number")
}

func schemaTypes(s map[string]any) []string {
	switch t := s["type"].(type) {
	case string:
		return []string{t}
	case []any:
		return asStrings(t)
	}
	return nil
}

func asStrings(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// jsonType is the JSON Schema type of a value decoded by yaml.v3.
func jsonType(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case int, int64, uint64:
		return "integer"
	case float64:
		return "number"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// yamlKind names a value's kind for messages.
func yamlKind(v any) string {
	switch jsonType(v) {
	case "object":
		return "a map"
	case "array":
		return "a list"
	case "string":
		return "a string"
	case "boolean":
		return "a boolean"
	case "integer", "number":
		return "a number"
	case "null":
		return "null"
	}
	return fmt.Sprintf("%T", v)
}
