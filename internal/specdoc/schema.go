package specdoc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
)

// Identity of the generated schema.
const (
	SchemaDialect = "https://json-schema.org/draft/2020-12/schema"
	SchemaID      = "https://gopherfile.dev/schema/v1.json"
	SchemaTitle   = "Gopherfile"
	// SchemaVersion is the value the top-level version field must have.
	SchemaVersion = 1
)

// Schema renders the JSON Schema (draft 2020-12) of a Gopherfile from the spec
// package in specDir. Every struct is an object with additionalProperties false
// and its doc comments as descriptions; nested structs are in $defs, named after
// their Go types. Properties keep the declaration order. The output is indented
// with two spaces and ends with a newline.
//
// String fields also accept YAML numbers and booleans, as the Gopherfile parser
// does (it keeps the scalar as written: CGO_ENABLED: 0, expose: [8080]),
// except those of a named type with values, which are strings of those values,
// and those of a named type with a pattern, which are strings matching it, or
// numbers when a YAML number can be written for it (the pattern matches
// 1.26: go: 1.26); integers of a named type with Min/Max
// constants get a minimum and maximum.
func Schema(specDir string) ([]byte, error) {
	m, err := load(specDir)
	if err != nil {
		return nil, err
	}
	root := m.structs[RootType]
	doc := object{
		{"$schema", SchemaDialect},
		{"$id", SchemaID},
		{"title", SchemaTitle},
	}
	doc = append(doc, m.objectSchema(root, true)...)
	if len(m.sections) > 1 {
		var defs object
		for _, s := range m.sections[1:] {
			defs = append(defs, member{s.st.name, m.objectSchema(s.st, false)})
		}
		doc = append(doc, member{"$defs", defs})
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encoding the schema: %w", err)
	}
	return b.Bytes(), nil
}

// objectSchema is the schema of a struct type; top says it is the whole file.
func (m *model) objectSchema(st *structType, top bool) object {
	var o object
	if st.doc != "" {
		o = append(o, member{"description", st.doc})
	}
	o = append(o, member{"type", "object"}, member{"additionalProperties", false})
	var required []string
	props := object{}
	for _, f := range st.fields {
		if f.required {
			required = append(required, f.name)
		}
		p := object{{"description", f.doc}}
		p = append(p, m.typeSchema(f.typ)...)
		if top && f.name == "version" && f.typ.kind == kindInt {
			p = append(p, member{"const", SchemaVersion})
		}
		props = append(props, member{f.name, p})
	}
	if len(required) > 0 {
		o = append(o, member{"required", required})
	}
	return append(o, member{"properties", props})
}

// typeSchema is the schema keywords of a field type.
func (m *model) typeSchema(t *typ) object {
	switch t.kind {
	case kindString:
		if t.pattern != "" {
			if re := regexp.MustCompile(t.pattern); re.MatchString("1.26") {
				return object{{"type", []string{"string", "number"}}, {"pattern", t.pattern}}
			}
			return object{{"type", "string"}, {"pattern", t.pattern}}
		}
		if len(t.enum) > 0 {
			return object{{"type", "string"}, {"enum", t.enum}}
		}
		return object{{"type", []string{"string", "number", "boolean"}}}
	case kindInt:
		o := object{{"type", "integer"}}
		if t.min != nil {
			o = append(o, member{"minimum", *t.min})
		}
		if t.max != nil {
			o = append(o, member{"maximum", *t.max})
		}
		return o
	case kindBool:
		return object{{"type", "boolean"}}
	case kindList:
		return object{{"type", "array"}, {"items", m.typeSchema(t.elem)}}
	case kindMap:
		return object{{"type", "object"}, {"additionalProperties", m.typeSchema(t.elem)}}
	case kindStruct:
		return object{{"$ref", "#/$defs/" + t.name}}
	}
	return nil
}

// member is one key of an object.
type member struct {
	key   string
	value any
}

// object is a JSON object that keeps the order of its keys.
type object []member

// MarshalJSON implements json.Marshaler.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := marshalNoEscape(m.key)
		if err != nil {
			return nil, err
		}
		v, err := marshalNoEscape(m.value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshalNoEscape is json.Marshal without escaping <, > and &.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
