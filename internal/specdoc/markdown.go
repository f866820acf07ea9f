package specdoc

import (
	"fmt"
	"strings"
)

// Markdown renders the Gopherfile reference of the spec package in specDir: one
// section per struct type (the top level first, then the nested types by field
// path, e.g. builds[] and image), each a table of Field, Type and Description.
// The sections are level-3 headings with explicit anchors (spec-<path>), so the
// text can sit under any level-2 heading of docs/reference.md.
func Markdown(specDir string) (string, error) {
	m, err := load(specDir)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i, s := range m.sections {
		if i > 0 {
			b.WriteString("\n")
		}
		title := "Top level"
		if s.path != "" {
			title = "`" + s.path + "`"
		}
		fmt.Fprintf(&b, "### <a id=\"%s\"></a>%s\n\n", anchor(s.path), title)
		if s.st.doc != "" {
			b.WriteString(escapeMarkdown(s.st.doc, false))
			b.WriteString("\n\n")
		}
		b.WriteString("| Field | Type | Description |\n")
		b.WriteString("| --- | --- | --- |\n")
		for _, f := range s.st.fields {
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", f.name, m.markdownType(f.typ), escapeMarkdown(f.doc, true))
		}
	}
	return b.String(), nil
}

// anchor is the HTML id of the section at path: "spec-top-level" for the top
// level, else "spec-" and the path with every run of other characters than
// letters and digits turned into "-", e.g. "spec-builds" for "builds[]".
func anchor(path string) string {
	if path == "" {
		return "spec-top-level"
	}
	var b strings.Builder
	b.WriteString("spec")
	dash := true
	for _, r := range strings.ToLower(path) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash {
				b.WriteByte('-')
				dash = false
			}
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	return b.String()
}

// markdownType is the YAML-ish name of t, with struct types linked to their
// sections.
func (m *model) markdownType(t *typ) string {
	switch t.kind {
	case kindString:
		if len(t.enum) > 0 {
			q := make([]string, len(t.enum))
			for i, v := range t.enum {
				q[i] = "`" + v + "`"
			}
			return "string: " + strings.Join(q, ", ")
		}
		return "string"
	case kindInt:
		switch {
		case t.min != nil && t.max != nil:
			return fmt.Sprintf("integer, %d to %d", *t.min, *t.max)
		case t.min != nil:
			return fmt.Sprintf("integer, %d or more", *t.min)
		}
		return "integer"
	case kindBool:
		return "boolean"
	case kindList:
		if t.elem.kind == kindString && len(t.elem.enum) > 0 {
			return "list of " + strings.Replace(m.markdownType(t.elem), "string:", "strings:", 1)
		}
		if t.elem.kind == kindStruct {
			return "list of " + m.markdownType(t.elem)
		}
		return "list of " + m.markdownType(t.elem) + "s"
	case kindMap:
		return "map of " + m.markdownType(t.elem) + "s"
	case kindStruct:
		return fmt.Sprintf("[%s](#%s)", t.name, anchor(m.sections[m.byType[t.name]].path))
	}
	return "unknown"
}

// escapeMarkdown makes doc comment text safe in Markdown: outside code spans it
// escapes backslashes, "*", "<" and ">" (so "<name>" is not taken for an HTML
// tag); in a table cell it also escapes "|", inside code spans too (GFM reads
// "\|" in a cell's code span as "|").
func escapeMarkdown(s string, inTable bool) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '`' {
			n := runLen(s[i:], '`')
			if end := closingRun(s[i+n:], n); end >= 0 {
				code := s[i : i+n+end+n]
				if inTable {
					code = strings.ReplaceAll(code, "|", `\|`)
				}
				b.WriteString(code)
				i += n + end + n
				continue
			}
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		switch c := s[i]; c {
		case '\\', '*':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '|':
			if inTable {
				b.WriteString(`\|`)
			} else {
				b.WriteByte(c)
			}
		default:
			b.WriteByte(c)
		}
		i++
	}
	return b.String()
}

// runLen is the number of c bytes s starts with.
func runLen(s string, c byte) int {
	n := 0
	for n < len(s) && s[n] == c {
		n++
	}
	return n
}

// closingRun returns the index in s of the first run of exactly n backticks, or -1.
func closingRun(s string, n int) int {
	for i := 0; i < len(s); {
		if s[i] != '`' {
			i++
			continue
		}
		k := runLen(s[i:], '`')
		if k == n {
			return i
		}
		i += k
	}
	return -1
}
