package spec

import (
	"bytes"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/buildkit/util/suggest"
	"go.yaml.in/yaml/v3"
)

// Limits that bound the work Parse does on hostile input. They are checked before
// anything else happens.
const (
	MaxFileSize  = 256 << 10 // bytes in a Gopherfile
	MaxNodes     = 20000     // YAML nodes, counting every alias expansion
	MaxListItems = 1000      // items in one list or map
	MaxDepth     = 32        // nesting of YAML collections
)

// Pos is a position in the Gopherfile, 1-based. The zero Pos means "the whole file".
type Pos struct {
	Line   int
	Column int
}

// Positions maps field paths ("builds[0].main", "image.base") to where they are
// written in the Gopherfile.
type Positions map[string]Pos

// Of returns the position of the field at path, or of its closest written parent,
// or line 1.
func (p Positions) Of(path string) Pos {
	for path != "" {
		if pos, ok := p[path]; ok {
			return pos
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return Pos{Line: 1, Column: 1}
}

// Error is a problem with a Gopherfile: where it is, what is wrong and what to do.
type Error struct {
	Pos   Pos
	Field string // field path, e.g. builds[0].main; empty for the whole file
	Msg   string
	Hint  string // what the user should do; may be empty
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("Gopherfile")
	if e.Pos.Line > 0 {
		fmt.Fprintf(&b, " line %d", e.Pos.Line)
		if e.Pos.Column > 0 {
			fmt.Fprintf(&b, ", column %d", e.Pos.Column)
		}
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString(" (")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Parse reads a Gopherfile, checks every field and returns the spec and where
// each field was written. It does not apply defaults that depend on go.mod; the
// plan does that.
func Parse(data []byte) (*Spec, Positions, error) {
	if len(data) > MaxFileSize {
		return nil, nil, &Error{Msg: fmt.Sprintf("the file is %d bytes, more than the limit of %d", len(data), MaxFileSize),
			Hint: "a Gopherfile is a short YAML file; is -f pointing at the right file?"}
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, nil, &Error{Msg: "the file contains a NUL byte; it is not a text file", Hint: "is -f pointing at the right file?"}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, nil, yamlError(err)
	}
	if root.Kind == 0 || (root.Kind == yaml.DocumentNode && len(root.Content) == 0) {
		return nil, nil, &Error{Pos: Pos{Line: 1}, Msg: "the Gopherfile is empty", Hint: "the smallest Gopherfile is the line `version: 1`"}
	}
	if err := checkSize(&root); err != nil {
		return nil, nil, err
	}
	d := &decoder{pos: Positions{}}
	var s Spec
	if err := d.decode(&root, reflect.ValueOf(&s).Elem(), "", 0); err != nil {
		return nil, nil, err
	}
	if err := validate(&s, d.pos, d.seen); err != nil {
		return nil, nil, err
	}
	return &s, d.pos, nil
}

// yamlError turns a yaml.v3 syntax error ("yaml: line 3: did not find expected key")
// into an *Error with the line.
func yamlError(err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	e := &Error{Msg: "invalid YAML: " + msg, Hint: "check the indentation and quoting around that line"}
	if strings.HasPrefix(msg, "line ") {
		rest := msg[len("line "):]
		if i := strings.Index(rest, ":"); i > 0 {
			if n, convErr := strconv.Atoi(rest[:i]); convErr == nil {
				e.Pos = Pos{Line: n}
				e.Msg = "invalid YAML: " + strings.TrimSpace(rest[i+1:])
			}
		}
	}
	return e
}

// checkSize walks the YAML tree, following aliases, and refuses it when it
// expands to more than MaxNodes nodes or nests deeper than MaxDepth: this stops
// alias bombs before any other work.
func checkSize(root *yaml.Node) error {
	count := 0
	var walk func(n *yaml.Node, depth int) error
	walk = func(n *yaml.Node, depth int) error {
		count++
		if count > MaxNodes {
			return &Error{Pos: nodePos(n), Msg: fmt.Sprintf("the YAML has more than %d nodes (counting alias expansions)", MaxNodes),
				Hint: "do not use YAML anchors and aliases to repeat large blocks"}
		}
		if depth > MaxDepth {
			return &Error{Pos: nodePos(n), Msg: fmt.Sprintf("the YAML is nested more than %d levels deep", MaxDepth)}
		}
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			return walk(n.Alias, depth+1)
		}
		for _, c := range n.Content {
			if err := walk(c, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(root, 0)
}

type decoder struct {
	pos   Positions
	seen  map[string]bool // field paths that were written (even as null)
	nodes int
}

func nodePos(n *yaml.Node) Pos { return Pos{Line: n.Line, Column: n.Column} }

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "true/false"
		case "!!null":
			return "null"
		}
		return "a string"
	}
	return "something else"
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string, depth int) error {
	d.nodes++
	if d.nodes > MaxNodes {
		return &Error{Pos: nodePos(n), Msg: fmt.Sprintf("the YAML has more than %d nodes (counting alias expansions)", MaxNodes),
			Hint: "do not use YAML anchors and aliases to repeat large blocks"}
	}
	if depth > MaxDepth {
		return &Error{Pos: nodePos(n), Field: path, Msg: fmt.Sprintf("nested more than %d levels deep", MaxDepth)}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return d.decode(n.Content[0], v, path, depth)
	case yaml.AliasNode:
		return d.decode(n.Alias, v, path, depth+1)
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil // an empty value leaves the default
	}
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		if err := d.decode(n, elem.Elem(), path, depth); err != nil {
			return err
		}
		v.Set(elem)
	case reflect.Struct:
		return d.decodeStruct(n, v, path, depth)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			return &Error{Pos: nodePos(n), Field: path, Msg: "must be a string, not " + kindName(n)}
		}
		v.SetString(n.Value)
	case reflect.Int:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			return &Error{Pos: nodePos(n), Field: path, Msg: fmt.Sprintf("must be a whole number, not %s %q", kindName(n), n.Value)}
		}
		i, err := strconv.ParseInt(n.Value, 0, 32)
		if err != nil {
			return &Error{Pos: nodePos(n), Field: path, Msg: fmt.Sprintf("%q is not a valid number", n.Value)}
		}
		v.SetInt(i)
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			return &Error{Pos: nodePos(n), Field: path, Msg: fmt.Sprintf("must be true or false, not %s %q", kindName(n), n.Value)}
		}
		v.SetBool(n.Value == "true" || n.Value == "True" || n.Value == "TRUE")
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			hint := ""
			if n.Kind == yaml.ScalarNode {
				hint = fmt.Sprintf("write a list, e.g. [%q]", n.Value)
			}
			return &Error{Pos: nodePos(n), Field: path, Msg: "must be a list, not " + kindName(n), Hint: hint}
		}
		if len(n.Content) > MaxListItems {
			return &Error{Pos: nodePos(n), Field: path, Msg: fmt.Sprintf("has %d items, more than the limit of %d", len(n.Content), MaxListItems)}
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			d.pos[p] = nodePos(item)
			if err := d.decode(item, s.Index(i), p, depth+1); err != nil {
				return err
			}
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return &Error{Pos: nodePos(n), Field: path, Msg: "must be a map of names to values, not " + kindName(n)}
		}
		if len(n.Content)/2 > MaxListItems {
			return &Error{Pos: nodePos(n), Field: path, Msg: fmt.Sprintf("has %d entries, more than the limit of %d", len(n.Content)/2, MaxListItems)}
		}
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.Value == "" {
				return &Error{Pos: nodePos(k), Field: path, Msg: "map keys must be non-empty strings"}
			}
			if m.MapIndex(reflect.ValueOf(k.Value)).IsValid() {
				return &Error{Pos: nodePos(k), Field: path, Msg: fmt.Sprintf("the key %q is written twice", k.Value), Hint: "keep one of them"}
			}
			p := path + "." + k.Value
			d.pos[p] = nodePos(k)
			ev := reflect.New(v.Type().Elem()).Elem()
			if err := d.decode(val, ev, p, depth+1); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(k.Value), ev)
		}
		v.Set(m)
	default:
		return &Error{Pos: nodePos(n), Field: path, Msg: fmt.Sprintf("internal error: cannot decode into %s", v.Type())}
	}
	return nil
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string, depth int) error {
	if n.Kind != yaml.MappingNode {
		what := "the Gopherfile"
		if path != "" {
			what = path
		}
		return &Error{Pos: nodePos(n), Msg: fmt.Sprintf("%s must be a map of fields, not %s", what, kindName(n)),
			Hint: "write `field: value` lines"}
	}
	fields := structFields(v.Type())
	written := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return &Error{Pos: nodePos(k), Field: path, Msg: "field names must be plain strings"}
		}
		if line, dup := written[k.Value]; dup {
			return &Error{Pos: nodePos(k), Field: path, Msg: fmt.Sprintf("the field %q is written twice (first on line %d)", k.Value, line), Hint: "keep one of them"}
		}
		written[k.Value] = k.Line
		p := k.Value
		if path != "" {
			p = path + "." + k.Value
		}
		idx, ok := fields[k.Value]
		if !ok {
			return unknownField(k, path, fields)
		}
		d.pos[p] = nodePos(k)
		if d.seen == nil {
			d.seen = map[string]bool{}
		}
		d.seen[p] = true
		if err := d.decode(val, v.Field(idx), p, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// structFields maps yaml names to field indexes.
func structFields(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			m[name] = i
		}
	}
	return m
}

func unknownField(k *yaml.Node, path string, fields map[string]int) error {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	where := "at the top level"
	if path != "" {
		where = "in " + path
	}
	hint := "known fields: " + strings.Join(names, ", ")
	if best := closest(k.Value, names); best != "" {
		hint = fmt.Sprintf("did you mean %q? known fields: %s", best, strings.Join(names, ", "))
	}
	return &Error{Pos: nodePos(k), Msg: fmt.Sprintf("unknown field %q %s", k.Value, where), Hint: hint}
}

// closest returns the field name the user probably meant: a case-insensitive
// match, else one within edit distance 2 (BuildKit's suggest helper, the same
// that the Dockerfile frontend uses), else "".
func closest(s string, names []string) string {
	if len(s) > 64 {
		return "" // not a typo; and edit distance is quadratic
	}
	for _, n := range names {
		if strings.EqualFold(s, n) {
			return n
		}
	}
	m, ok := suggest.Search(s, names, false)
	if !ok {
		return ""
	}
	for _, n := range names {
		if strings.EqualFold(n, m) {
			return n // the name as declared, not in the user's case
		}
	}
	return ""
}
