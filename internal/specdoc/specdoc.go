// Package specdoc generates the Gopherfile reference (Markdown, for docs/reference.md)
// and the Gopherfile JSON schema from the Go types of package internal/spec, so
// that those types and their doc comments are the single source of both.
//
// It parses the package's source with go/parser, starts at type Spec and walks
// the fields recursively. A field is documented when it is exported and has a
// yaml tag with a name; its YAML name is the tag name and its description is its
// doc comment, joined into one paragraph. The conventions it reads:
//
//   - A field whose yaml tag has no omitempty option is required.
//   - The top-level integer field "version" must be SchemaVersion.
//   - A named string type's values are the constants declared with that type
//     (`const TidyCheck TidyMode = "check"`): the schema gets an enum, in
//     declaration order, and the reference lists them.
//   - A constant of a named integer type whose name starts with Min or Max is
//     the type's minimum or maximum.
//   - Constants whose name starts with Default are defaults, not values.
//   - A string constant named after a named string type plus "Pattern"
//     (`const DurationPattern = ...`) is the pattern its values match; such a
//     type is a JSON string only.
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
	"regexp"
	"slices"
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
	name string // kindStruct: the Go type name; a scalar: its named type, if any

	// The facts of a named scalar type, from the constants declared for it.
	enum     []string
	min, max *int64
	pattern  string
}

// field is one documented struct field.
type field struct {
	name     string // YAML name
	doc      string // one paragraph
	typ      *typ
	required bool
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

// parsedPkg holds the type and constant declarations of the spec package.
type parsedPkg struct {
	fset  *token.FileSet
	types map[string]*ast.TypeSpec
	docs  map[string]*ast.CommentGroup
	// consts are the constants of each named type, in declaration order.
	consts map[string][]constant
	// strings are the untyped (or string) constants with a string literal value.
	strings map[string]string
}

// constant is a declared constant with a literal value.
type constant struct {
	name  string
	value ast.Expr
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
	p := &parsedPkg{fset: token.NewFileSet(), types: map[string]*ast.TypeSpec{}, docs: map[string]*ast.CommentGroup{},
		consts: map[string][]constant{}, strings: map[string]string{}}
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
			if ok && gd.Tok == token.CONST {
				p.addConsts(gd)
				continue
			}
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
		t, err := resolve(p, ts.Type, depth+1)
		if err != nil || t.name != "" || (t.kind != kindString && t.kind != kindInt) {
			return t, err
		}
		named := *t
		named.name = e.Name
		if err := p.facts(&named); err != nil {
			return nil, fmt.Errorf("type %s: %w", e.Name, err)
		}
		return &named, nil
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

// addConsts records the constants of a const declaration that have a literal
// value: by their type when it is named, and the string ones by name.
func (p *parsedPkg) addConsts(gd *ast.GenDecl) {
	for _, spec := range gd.Specs {
		vs := spec.(*ast.ValueSpec)
		if len(vs.Values) != len(vs.Names) {
			continue // iota-style repetition: no literal
		}
		for i, id := range vs.Names {
			lit, ok := vs.Values[i].(*ast.BasicLit)
			if !ok {
				continue
			}
			if t, ok := vs.Type.(*ast.Ident); ok && t.Name != "string" && t.Name != "int" {
				p.consts[t.Name] = append(p.consts[t.Name], constant{id.Name, lit})
			}
			if lit.Kind == token.STRING && (vs.Type == nil || isIdent(vs.Type, "string")) {
				if v, err := strconv.Unquote(lit.Value); err == nil {
					p.strings[id.Name] = v
				}
			}
		}
	}
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// facts fills in the enum, bounds and pattern of the named scalar type t.name
// from its constants.
func (p *parsedPkg) facts(t *typ) error {
	if pat, ok := p.strings[t.name+"Pattern"]; ok && t.kind == kindString {
		if _, err := regexp.Compile(pat); err != nil {
			return fmt.Errorf("%sPattern: %w", t.name, err)
		}
		t.pattern = pat
	}
	for _, c := range p.consts[t.name] {
		lit := c.value.(*ast.BasicLit)
		if strings.HasPrefix(c.name, "Default") {
			continue // a default, not a value of its own
		}
		switch {
		case t.kind == kindString && t.pattern != "":
			// a value of a patterned type (an example), not an enum
		case t.kind == kindString && lit.Kind == token.STRING:
			v, err := strconv.Unquote(lit.Value)
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			if slices.Contains(t.enum, v) {
				return fmt.Errorf("%s: the value %q is declared twice", c.name, v)
			}
			t.enum = append(t.enum, v)
		case t.kind == kindInt && lit.Kind == token.INT:
			v, err := strconv.ParseInt(lit.Value, 0, 64)
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			switch {
			case strings.HasPrefix(c.name, "Min"):
				t.min = &v
			case strings.HasPrefix(c.name, "Max"):
				t.max = &v
			}
		default:
			return fmt.Errorf("the constant %s is not a %s literal", c.name, map[kind]string{kindString: "string", kindInt: "integer"}[t.kind])
		}
	}
	if len(t.enum) == 1 {
		return fmt.Errorf("one constant is not an enum: declare every value, or none")
	}
	return nil
}
