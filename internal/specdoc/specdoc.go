// Package specdoc generates the Gopherfile reference (Markdown, for README.md)
// and the Gopherfile JSON schema from the Go types of package frontend/spec, so
// that those types and their doc comments are the single source of both.
//
// It parses the package's source with go/parser, starts at type Spec and walks
// the fields recursively. A field is documented when it is exported and has a
// yaml tag with a name; its YAML name is the tag name and its description is its
// doc comment, joined into one paragraph. The conventions it reads:
//
//   - A field whose yaml tag has no omitempty option is required.
//   - The top-level integer field "version" must be SchemaVersion.
//   - A string field whose doc comment lists its values as
//     `"a" (default), "b" or "c"` (after a colon, separated by commas, semicolons
//     or "or") gets an enum of those values. When the list is in any doubt (a
//     quoted example, an unquoted alternative) no enum is emitted.
//
// Supported field types: string, integer and boolean kinds, pointers to them,
// structs of the package, slices of scalars or structs, and maps from string to
// scalars. Anything else is an error that names the field, so a new field cannot
// silently go undocumented.
package specdoc

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// RootType is the Go type of a whole Gopherfile.
const RootType = "Spec"

type kind int

const (
	kindString kind = iota
	kindInt
	kindBool
	kindList
	kindMap
	kindStruct
)

// typ is the YAML shape of a Go type.
type typ struct {
	kind kind
	elem *typ   // kindList and kindMap
	name string // kindStruct: the Go type name
}

// field is one documented struct field.
type field struct {
	name     string // YAML name
	doc      string // one paragraph
	typ      *typ
	required bool
	enum     []string
}

// structType is a documented struct type.
type structType struct {
	name   string
	doc    string
	fields []field
}

// section is a struct type reached at a YAML path; every struct type has one
// section, at the first path that reaches it.
type section struct {
	path string // "" for the top level, else e.g. "builds[]" or "image"
	st   *structType
}

// model is the parsed spec package.
type model struct {
	structs  map[string]*structType
	sections []section      // walk order: the top level first, then depth first
	byType   map[string]int // struct type name -> index in sections
}

// parsedPkg holds the type declarations of the spec package.
type parsedPkg struct {
	fset  *token.FileSet
	types map[string]*ast.TypeSpec
	docs  map[string]*ast.CommentGroup
}

// load parses the Go files of specDir (without tests) and builds the model.
func load(specDir string) (*model, error) {
	p, err := parsePkg(specDir)
	if err != nil {
		return nil, err
	}
	m := &model{structs: map[string]*structType{}, byType: map[string]int{}}
	if _, ok := p.types[RootType]; !ok {
		return nil, fmt.Errorf("no type %s in %s", RootType, specDir)
	}
	if err := m.walk(p, RootType, ""); err != nil {
		return nil, err
	}
	return m, nil
}

func parsePkg(specDir string) (*parsedPkg, error) {
	paths, err := filepath.Glob(filepath.Join(specDir, "*.go"))
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", specDir, err)
	}
	sort.Strings(paths)
	p := &parsedPkg{fset: token.NewFileSet(), types: map[string]*ast.TypeSpec{}, docs: map[string]*ast.CommentGroup{}}
	pkgName := ""
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading spec source: %w", err)
		}
		f, err := parser.ParseFile(p.fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("parsing spec source: %w", err)
		}
		if pkgName == "" {
			pkgName = f.Name.Name
		} else if f.Name.Name != pkgName {
			return nil, fmt.Errorf("%s: package %s, want %s", path, f.Name.Name, pkgName)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, s := range gd.Specs {
				ts := s.(*ast.TypeSpec)
				p.types[ts.Name.Name] = ts
				doc := ts.Doc
				if doc == nil && len(gd.Specs) == 1 {
					doc = gd.Doc
				}
				p.docs[ts.Name.Name] = doc
			}
		}
	}
	if pkgName == "" {
		return nil, fmt.Errorf("no Go files in %s", specDir)
	}
	return p, nil
}

// walk adds the section of struct type name at path, then the sections of the
// struct types its fields reach, depth first in declaration order.
func (m *model) walk(p *parsedPkg, name, path string) error {
	if _, done := m.byType[name]; done {
		return nil
	}
	ts := p.types[name]
	stt, ok := ts.Type.(*ast.StructType)
	if !ok {
		return fmt.Errorf("%s: %s is not a struct", p.fset.Position(ts.Pos()), name)
	}
	st := &structType{name: name, doc: paragraph(p.docs[name])}
	m.structs[name] = st
	m.byType[name] = len(m.sections)
	m.sections = append(m.sections, section{path: path, st: st})

	var children []struct{ name, path string }
	for _, f := range stt.Fields.List {
		where := p.fset.Position(f.Pos())
		if len(f.Names) == 0 {
			return fmt.Errorf("%s: embedded field in %s: not supported by specdoc", where, name)
		}
		yamlName, opts := "", ""
		if f.Tag != nil {
			tag, err := strconv.Unquote(f.Tag.Value)
			if err != nil {
				return fmt.Errorf("%s: bad struct tag: %w", where, err)
			}
			yamlName, opts, _ = strings.Cut(reflect.StructTag(tag).Get("yaml"), ",")
		}
		for _, id := range f.Names {
			if !id.IsExported() || yamlName == "" || yamlName == "-" {
				continue
			}
			t, err := resolve(p, f.Type, 0)
			if err != nil {
				return fmt.Errorf("%s: field %s.%s: %w", where, name, id.Name, err)
			}
			doc := f.Doc
			if doc == nil {
				doc = f.Comment
			}
			fd := field{
				name:     yamlName,
				doc:      paragraph(doc),
				typ:      t,
				required: !hasOption(opts, "omitempty"),
			}
			if fd.doc == "" {
				return fmt.Errorf("%s: field %s.%s has no doc comment", where, name, id.Name)
			}
			if t.kind == kindString {
				fd.enum = parseEnum(fd.doc)
			}
			st.fields = append(st.fields, fd)
			childPath := yamlName
			if path != "" {
				childPath = path + "." + yamlName
			}
			switch {
			case t.kind == kindStruct:
				children = append(children, struct{ name, path string }{t.name, childPath})
			case t.kind == kindList && t.elem.kind == kindStruct:
				children = append(children, struct{ name, path string }{t.elem.name, childPath + "[]"})
			}
		}
	}
	for _, c := range children {
		if err := m.walk(p, c.name, c.path); err != nil {
			return err
		}
	}
	return nil
}

func hasOption(opts, want string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

// resolve maps a field's Go type expression to its YAML shape.
func resolve(p *parsedPkg, e ast.Expr, depth int) (*typ, error) {
	if depth > 10 {
		return nil, fmt.Errorf("type definitions nested too deeply")
	}
	switch e := e.(type) {
	case *ast.Ident:
		switch e.Name {
		case "string":
			return &typ{kind: kindString}, nil
		case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
			return &typ{kind: kindInt}, nil
		case "bool":
			return &typ{kind: kindBool}, nil
		}
		ts, ok := p.types[e.Name]
		if !ok {
			return nil, fmt.Errorf("unsupported type %s", e.Name)
		}
		if _, ok := ts.Type.(*ast.StructType); ok {
			return &typ{kind: kindStruct, name: e.Name}, nil
		}
		return resolve(p, ts.Type, depth+1)
	case *ast.StarExpr:
		return resolve(p, e.X, depth+1)
	case *ast.ArrayType:
		if e.Len != nil {
			return nil, fmt.Errorf("unsupported array type (use a slice)")
		}
		elem, err := resolve(p, e.Elt, depth+1)
		if err != nil {
			return nil, err
		}
		if elem.kind == kindList || elem.kind == kindMap {
			return nil, fmt.Errorf("unsupported list of lists or maps")
		}
		return &typ{kind: kindList, elem: elem}, nil
	case *ast.MapType:
		if k, ok := e.Key.(*ast.Ident); !ok || k.Name != "string" {
			return nil, fmt.Errorf("unsupported map key type (only string)")
		}
		elem, err := resolve(p, e.Value, depth+1)
		if err != nil {
			return nil, err
		}
		if elem.kind != kindString && elem.kind != kindInt && elem.kind != kindBool {
			return nil, fmt.Errorf("unsupported map value type (only strings, integers and booleans)")
		}
		return &typ{kind: kindMap, elem: elem}, nil
	}
	return nil, fmt.Errorf("unsupported type %T", e)
}

// paragraph joins a doc comment into one line of text.
func paragraph(cg *ast.CommentGroup) string {
	if cg == nil {
		return ""
	}
	return strings.Join(strings.Fields(cg.Text()), " ")
}

// parseEnum returns the allowed values of a string field when its doc comment
// lists them in the form `: "a" (default), "b" (what it does) or "c"`, and nil
// when there is no such list or when it cannot be read with certainty.
//
// The list is the clause from the last ": " before the value marked (default)
// to the end of that sentence. Every quoted string in the clause must start an
// item (follow the colon, ", ", "; " or " or "), there must be at least two, and
// nothing after the last one may add another alternative.
func parseEnum(doc string) []string {
	const marker = `" (default)`
	mi := strings.Index(doc, marker)
	if mi < 0 {
		return nil
	}
	open := strings.LastIndex(doc[:mi], `"`) // the opening quote of the default value
	if open < 0 {
		return nil
	}
	start := strings.LastIndex(doc[:open], ": ")
	if start < 0 {
		return nil
	}
	start += len(": ")
	if start != open {
		return nil // the default value does not start the clause
	}
	clause := doc[start:]
	if end := sentenceEnd(clause); end >= 0 {
		clause = clause[:end]
	}
	var values []string
	lastEnd := 0
	for i := 0; i < len(clause); {
		switch clause[i] {
		case '`': // skip code spans
			j := strings.IndexByte(clause[i+1:], '`')
			if j < 0 {
				return nil
			}
			i += j + 2
			continue
		case '"':
			j := strings.IndexByte(clause[i+1:], '"')
			if j < 0 {
				return nil
			}
			before := clause[:i]
			if i != 0 && !strings.HasSuffix(before, ", ") && !strings.HasSuffix(before, "; ") && !strings.HasSuffix(before, " or ") {
				return nil
			}
			v := clause[i+1 : i+1+j]
			if v == "" || strings.ContainsAny(v, " \t") {
				return nil
			}
			values = append(values, v)
			i += j + 2
			lastEnd = i
			continue
		}
		i++
	}
	rest := clause[lastEnd:]
	if strings.HasPrefix(rest, " (") {
		if j := strings.IndexByte(rest, ')'); j >= 0 {
			rest = rest[j+1:]
		}
	}
	if strings.Contains(rest, ", ") || strings.Contains(rest, "; ") || strings.Contains(rest, " or ") {
		return nil
	}
	if len(values) < 2 {
		return nil
	}
	seen := map[string]bool{}
	for _, v := range values {
		if seen[v] {
			return nil
		}
		seen[v] = true
	}
	return values
}

// sentenceEnd returns the index of the "." that ends the first sentence of s
// (a period at the end, or followed by a space and an upper-case letter), or -1.
// Periods inside quotes and code spans do not count.
func sentenceEnd(s string) int {
	var inQuote, inCode bool
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '`' && !inQuote:
			inCode = !inCode
		case c == '"' && !inCode:
			inQuote = !inQuote
		case c == '.' && !inQuote && !inCode:
			if i == len(s)-1 {
				return i
			}
			if i+2 < len(s) && s[i+1] == ' ' && s[i+2] >= 'A' && s[i+2] <= 'Z' {
				return i
			}
		}
	}
	return -1
}
