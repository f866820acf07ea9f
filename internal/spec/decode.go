package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
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

// Parse reads a Gopherfile, checks every field and returns the spec and where
// each field was written. It does not apply defaults that depend on go.mod; the
// plan does that. The error holds every problem found, in the order of their
// lines (see Errors), up to MaxErrors; the limits on size and nesting stop at
// once.
func Parse(data []byte) (*Spec, Positions, error) {
	if len(data) > MaxFileSize {
		return nil, nil, &Error{Msg: fmt.Sprintf("the file is %d bytes, more than the limit of %d", len(data), MaxFileSize),
			Hint: "a Gopherfile is a short YAML file; is -f pointing at the right file?"}
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, nil, &Error{Msg: "the file contains a NUL byte; it is not a text file", Hint: "is -f pointing at the right file?"}
	}
	root, err := document(data)
	if err != nil {
		return nil, nil, err
	}
	if err := checkSize(root); err != nil {
		return nil, nil, err
	}
	d := &decoder{r: &report{pos: Positions{}}}
	var s Spec
	top, err := d.decode(root, reflect.ValueOf(&s).Elem(), "", 0)
	if err != nil {
		return nil, nil, err
	}
	if top {
		s.validate(d.r)
	}
	if err := d.r.err(); err != nil {
		return nil, nil, err
	}
	return &s, d.r.pos, nil
}

// document returns the one YAML document of data. A second document (after a
// --- line) is an error: its settings would be silently ignored.
func document(data []byte) (*yaml.Node, error) {
	empty := &Error{Pos: Pos{Line: 1}, Msg: "the Gopherfile is empty", Hint: "the smallest Gopherfile is the line `version: 1`"}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, empty
		}
		return nil, yamlError(err)
	}
	if root.Kind == 0 || (root.Kind == yaml.DocumentNode && len(root.Content) == 0) {
		return nil, empty
	}
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		if errors.Is(err, io.EOF) {
			return &root, nil
		}
		if err != nil {
			return nil, yamlError(err)
		}
		if len(next.Content) == 0 || (next.Content[0].Kind == yaml.ScalarNode && next.Content[0].Tag == "!!null") {
			continue // a trailing --- with nothing after it
		}
		return nil, &Error{Pos: nodePos(&next), Msg: "a second YAML document starts here: a Gopherfile is one document, and the settings after this --- would be ignored",
			Hint: "remove the --- line and merge the settings into the first document, or put them in a Gopherfile of their own"}
	}
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

// decoder fills a Spec from YAML nodes. A node of the wrong shape is
// reported and skipped, so that one Parse reports every such problem; only
// the limits stop decoding.
type decoder struct {
	r     *report
	nodes int
}

// fail reports a problem at node n and skips the node.
func (d *decoder) fail(n *yaml.Node, field, msg, hint string) {
	d.r.addError(&Error{Pos: nodePos(n), Field: field, Msg: msg, Hint: hint})
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

// decode fills v from n. ok is false when n was skipped for its shape; err is
// a limit that stops the whole Parse.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string, depth int) (ok bool, err error) {
	d.nodes++
	if d.nodes > MaxNodes {
		return false, &Error{Pos: nodePos(n), Msg: fmt.Sprintf("the YAML has more than %d nodes (counting alias expansions)", MaxNodes),
			Hint: "do not use YAML anchors and aliases to repeat large blocks"}
	}
	if depth > MaxDepth {
		return false, &Error{Pos: nodePos(n), Field: path, Msg: fmt.Sprintf("nested more than %d levels deep", MaxDepth)}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return true, nil
		}
		return d.decode(n.Content[0], v, path, depth)
	case yaml.AliasNode:
		return d.decode(n.Alias, v, path, depth+1)
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return true, nil // an empty value leaves the default
	}
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		ok, err := d.decode(n, elem.Elem(), path, depth)
		if ok && err == nil {
			v.Set(elem)
		}
		return ok, err
	case reflect.Struct:
		return d.decodeStruct(n, v, path, depth)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.fail(n, path, "must be a string, not "+kindName(n), "")
			return false, nil
		}
		v.SetString(n.Value)
	case reflect.Int:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			d.fail(n, path, fmt.Sprintf("must be a whole number, not %s %s", kindName(n), quote(n.Value)), "")
			return false, nil
		}
		i, err := strconv.ParseInt(n.Value, 0, 32)
		if err != nil {
			d.fail(n, path, fmt.Sprintf("%s is not a valid number", quote(n.Value)), "")
			return false, nil
		}
		v.SetInt(i)
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			d.fail(n, path, fmt.Sprintf("must be true or false, not %s %s", kindName(n), quote(n.Value)), "")
			return false, nil
		}
		v.SetBool(n.Value == "true" || n.Value == "True" || n.Value == "TRUE")
	case reflect.Slice:
		return d.decodeList(n, v, path, depth)
	case reflect.Map:
		return d.decodeMap(n, v, path, depth)
	default:
		d.fail(n, path, fmt.Sprintf("internal error: cannot decode into %s", v.Type()), "")
		return false, nil
	}
	return true, nil
}

func (d *decoder) decodeList(n *yaml.Node, v reflect.Value, path string, depth int) (bool, error) {
	if n.Kind != yaml.SequenceNode {
		hint := ""
		if n.Kind == yaml.ScalarNode {
			hint = fmt.Sprintf("write a list, e.g. [%s]", quote(n.Value))
		}
		d.fail(n, path, "must be a list, not "+kindName(n), hint)
		return false, nil
	}
	if len(n.Content) > MaxListItems {
		d.fail(n, path, fmt.Sprintf("has %d items, more than the limit of %d", len(n.Content), MaxListItems), "")
		return false, nil
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		d.r.pos[p] = nodePos(item)
		if _, err := d.decode(item, s.Index(i), p, depth+1); err != nil {
			return false, err
		}
	}
	v.Set(s)
	return true, nil
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string, depth int) (bool, error) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "must be a map of names to values, not "+kindName(n), "")
		return false, nil
	}
	if len(n.Content)/2 > MaxListItems {
		d.fail(n, path, fmt.Sprintf("has %d entries, more than the limit of %d", len(n.Content)/2, MaxListItems), "")
		return false, nil
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			d.fail(k, path, "map keys must be non-empty strings", "")
			continue
		}
		key := reflect.ValueOf(k.Value).Convert(v.Type().Key())
		if m.MapIndex(key).IsValid() {
			d.fail(k, path, fmt.Sprintf("the key %s is written twice", quote(k.Value)), "keep one of them")
			continue
		}
		p := path + "." + k.Value
		d.r.pos[p] = nodePos(k)
		ev := reflect.New(v.Type().Elem()).Elem()
		ok, err := d.decode(val, ev, p, depth+1)
		if err != nil {
			return false, err
		}
		if ok {
			m.SetMapIndex(key, ev)
		}
	}
	v.Set(m)
	return true, nil
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string, depth int) (bool, error) {
	if n.Kind != yaml.MappingNode {
		what := "the Gopherfile"
		if path != "" {
			what = path
		}
		d.fail(n, "", fmt.Sprintf("%s must be a map of fields, not %s", what, kindName(n)), "write `field: value` lines")
		return false, nil
	}
	fields := structFields(v.Type())
	written := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.fail(k, path, "field names must be plain strings", "")
			continue
		}
		if line, dup := written[k.Value]; dup {
			d.fail(k, path, fmt.Sprintf("the field %s is written twice (first on line %d)", quote(k.Value), line), "keep one of them")
			continue
		}
		written[k.Value] = k.Line
		p := k.Value
		if path != "" {
			p = path + "." + k.Value
		}
		idx, ok := fields[k.Value]
		if !ok {
			d.r.addError(unknownField(k, path, fields))
			continue
		}
		d.r.pos[p] = nodePos(k)
		if _, err := d.decode(val, v.Field(idx), p, depth+1); err != nil {
			return false, err
		}
	}
	return true, nil
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

func unknownField(k *yaml.Node, path string, fields map[string]int) *Error {
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
	return &Error{Pos: nodePos(k), Msg: fmt.Sprintf("unknown field %s %s", quote(k.Value), where), Hint: hint}
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
