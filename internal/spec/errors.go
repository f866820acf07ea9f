package spec

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxErrors is how many problems one Parse reports; the rest are counted.
const MaxErrors = 20

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

// First returns the first of fields that is written in the Gopherfile, else
// the last one: the field a message about a choice points at (the go: line,
// else builder:, else the version: line of a Gopherfile that chose neither).
func (p Positions) First(fields ...string) string {
	for _, f := range fields {
		if _, ok := p[f]; ok {
			return f
		}
	}
	return fields[len(fields)-1]
}

// GoFields are the fields that choose the builder's Go, in the order a
// message about the builder's Go points at them.
var GoFields = []string{"go", "builder", "version"}

// Error is a problem with a Gopherfile: where it is, what is wrong and what to do.
// Parse and Validate return every problem they find, as errors.Join of
// *Error values in the order of their lines; Errors takes them apart.
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

// Errors returns the *Error values in err (one, or those errors.Join joined),
// in order.
func Errors(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if e, ok := err.(*Error); ok {
			out = append(out, e)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var e *Error
		if errors.As(err, &e) {
			out = append(out, e)
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}

// report collects the problems of one Gopherfile.
type report struct {
	pos  Positions
	errs []*Error
}

// add records a problem with field, at the field's line.
func (r *report) add(field, msg, hint string) {
	r.errs = append(r.errs, &Error{Pos: r.pos.Of(field), Field: field, Msg: msg, Hint: hint})
}

// addError records a problem found while decoding.
func (r *report) addError(e *Error) { r.errs = append(r.errs, e) }

// err joins the problems, sorted by position (stable: problems on one line
// keep the order they were found in), at most MaxErrors of them; nil when
// there are none.
func (r *report) err() error {
	if len(r.errs) == 0 {
		return nil
	}
	errs := slices.Clone(r.errs)
	slices.SortStableFunc(errs, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Column, b.Pos.Column))
	})
	out := make([]error, 0, min(len(errs), MaxErrors)+1)
	for i, e := range errs {
		if i == MaxErrors {
			out = append(out, &Error{Pos: e.Pos, Msg: fmt.Sprintf("and %d more problems after this line", len(errs)-MaxErrors),
				Hint: "fix the ones above first"})
			break
		}
		out = append(out, e)
	}
	if len(out) == 1 {
		return out[0]
	}
	return errors.Join(out...)
}

// maxQuoted is how much of a value an error message quotes.
const maxQuoted = 80

// quote is %q of v, shortened to maxQuoted bytes: a message names the value
// the user wrote without echoing kilobytes of a hostile file.
func quote(v string) string {
	if len(v) <= maxQuoted {
		return fmt.Sprintf("%q", v)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return fmt.Sprintf("%q...", v[:cut])
}
