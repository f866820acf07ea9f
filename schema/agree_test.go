package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/gopherfile/gopherfile/internal/spec"
)

// compiled is the embedded schema, compiled by a JSON Schema (draft 2020-12)
// validator.
func compiled(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(JSON))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("gopherfile.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("gopherfile.schema.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return s
}

// schemaAccepts validates a Gopherfile (YAML) against the schema.
func schemaAccepts(t *testing.T, s *jsonschema.Schema, gopherfile string) error {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(gopherfile), &v); err != nil {
		t.Fatalf("test input is not YAML: %v", err)
	}
	// Through JSON, as an editor would see it (numbers as float64 or json.Number).
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(doc)
}

// TestSchemaAgreesWithValidation: for enums, ranges and the patterned
// strings, the schema accepts exactly what spec.Parse accepts. (An empty or
// null value, which Parse reads as "the default", is outside this test: the
// schema wants the field left out.)
func TestSchemaAgreesWithValidation(t *testing.T) {
	s := compiled(t)
	var cases []string
	// Every value of every enum, and values that are not.
	for _, v := range append(spec.TidyMode("").Values(), "never", "Check") {
		cases = append(cases, fmt.Sprintf("version: 1\ntidy: %q\n", v))
	}
	for _, v := range append(spec.CacheMode("").Values(), "disk", "mounts") {
		cases = append(cases, fmt.Sprintf("version: 1\ncache:\n  modules: %q\n  build: %q\n", v, v))
	}
	for _, field := range []string{"netrc", "cacert", "ssh"} {
		for _, v := range append(spec.SecretMode("").Values(), "yes", "optinal") {
			cases = append(cases, fmt.Sprintf("version: 1\nmodules:\n  %s: %q\n", field, v))
		}
	}
	// Ranges.
	for _, n := range []int{-1, int(spec.MinRetries), 6, int(spec.MaxRetries), int(spec.MaxRetries) + 1, 1000} {
		cases = append(cases, fmt.Sprintf("version: 1\nmodules:\n  retries: %d\n", n))
	}
	for _, n := range []int{-5, -1, 0, 3} {
		cases = append(cases, fmt.Sprintf("version: 1\nimage:\n  healthcheck:\n    cmd: [/x]\n    retries: %d\n", n))
	}
	// Durations (healthcheck: zero or more; the pattern is the shape).
	for _, d := range []string{"30s", "1m30s", "1.5h", ".5s", "0", "100ms", "2us", "5", "-1s", "+1s", "1d", "s", "1 s", "abc"} {
		cases = append(cases, fmt.Sprintf("version: 1\nimage:\n  healthcheck:\n    cmd: [/x]\n    interval: %q\n", d))
	}
	// Go versions, quoted and as YAML numbers.
	for _, v := range []string{`"1.26"`, `"1.26.8"`, `"1.27rc1"`, "1.26", "1.20", `"1.x"`, `"go1.26"`, `"2.0"`, `"1.26.8-alpine"`, "true"} {
		cases = append(cases, fmt.Sprintf("version: 1\ngo: %s\n", v))
	}
	// Platforms.
	for _, p := range []string{"linux/amd64", "linux/arm64", "linux/arm/v7", "linux/arm/v6", "linux/amd64/v3", "linux/386", "linux/riscv64",
		"linux/s390x", "linux/ppc64le", "linux/loong64", "linux/mips64le", "linux/x86_64", "linux/aarch64",
		"windows/amd64", "darwin/arm64", "linux/amd65", "linux", "amd64", "Linux/AMD64", "linux/arm64/", "linux/mips"} {
		cases = append(cases, fmt.Sprintf("version: 1\nplatforms: [%q]\n", p))
	}
	for _, c := range cases {
		_, _, parseErr := spec.Parse([]byte(c))
		schemaErr := schemaAccepts(t, s, c)
		if (parseErr == nil) != (schemaErr == nil) {
			t.Errorf("the schema and spec.Parse disagree on\n%s\nspec.Parse: %v\nschema:     %v", c, parseErr, schemaErr)
		}
	}
	if len(cases) < 60 {
		t.Errorf("only %d cases", len(cases))
	}
}

// TestSchemaEnumsAreTheSpecValues: each enum in the schema is exactly the
// Values() list that validation uses, in order.
func TestSchemaEnumsAreTheSpecValues(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(JSON, &doc); err != nil {
		t.Fatal(err)
	}
	strs := func(vs []string) []any {
		out := make([]any, len(vs))
		for i, v := range vs {
			out[i] = v
		}
		return out
	}
	toStrings := func(vs any) []string {
		var out []string
		switch vs := vs.(type) {
		case []spec.TidyMode:
			for _, v := range vs {
				out = append(out, string(v))
			}
		case []spec.CacheMode:
			for _, v := range vs {
				out = append(out, string(v))
			}
		case []spec.SecretMode:
			for _, v := range vs {
				out = append(out, string(v))
			}
		}
		return out
	}
	for _, c := range []struct {
		path   string
		values any
	}{
		{"properties.tidy", spec.TidyMode("").Values()},
		{"$defs.Cache.properties.modules", spec.CacheMode("").Values()},
		{"$defs.Cache.properties.build", spec.CacheMode("").Values()},
		{"$defs.Modules.properties.netrc", spec.SecretMode("").Values()},
		{"$defs.Modules.properties.cacert", spec.SecretMode("").Values()},
		{"$defs.Modules.properties.ssh", spec.SecretMode("").Values()},
	} {
		var v any = doc
		for _, k := range strings.Split(c.path, ".") {
			v = v.(map[string]any)[k]
		}
		got, _ := v.(map[string]any)["enum"].([]any)
		if want := strs(toStrings(c.values)); !slices.Equal(got, want) {
			t.Errorf("%s.enum = %v, want %v", c.path, got, want)
		}
	}
}
