package scaffold

import (
	"fmt"
	"regexp"
	"strings"
)

// templateRE finds the {{...}} actions of a release config's templates.
var templateRE = regexp.MustCompile(`\{\{-?\s*(.*?)\s*-?\}\}`)

// templateMap maps the template actions of goreleaser and promu to those of
// a Gopherfile's ldflags ({{.Version}}, {{.Commit}}, {{.Date}}).
var templateMap = map[string]string{
	".Version":          "{{.Version}}",
	".RawVersion":       "{{.Version}}",
	".Tag":              "{{.Version}}",
	".Commit":           "{{.Commit}}",
	".FullCommit":       "{{.Commit}}",
	".ShortCommit":      "{{.Commit}}",
	".Revision":         "{{.Commit}}",
	".Date":             "{{.Date}}",
	".CommitDate":       "{{.Date}}",
	`date "2006-01-02"`: "{{.Date}}",
}

// translateTemplate rewrites s for a Gopherfile: {{.ProjectName}} becomes
// the name, known actions become ours; ok is false when an action has no
// counterpart (.Env.X, .Branch, user, host, a custom date format).
func translateTemplate(s, projectName string) (string, bool) {
	ok := true
	out := templateRE.ReplaceAllStringFunc(s, func(m string) string {
		action := templateRE.FindStringSubmatch(m)[1]
		if action == ".ProjectName" {
			return projectName
		}
		if r, found := templateMap[action]; found {
			return r
		}
		if strings.HasPrefix(action, "date ") {
			return "{{.Date}}"
		}
		ok = false
		return m
	})
	return out, ok
}

// splitFlags splits a flag string like the go command does (quotes group),
// keeping template actions ({{ .Version }}, {{date "2006"}}) whole.
func splitFlags(s string) []string {
	var out []string
	var cur strings.Builder
	quote := byte(0)
	in, depth := false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.HasPrefix(s[i:], "{{"):
			depth++
			cur.WriteString("{{")
			i++
			in = true
		case depth > 0 && strings.HasPrefix(s[i:], "}}"):
			depth--
			cur.WriteString("}}")
			i++
		case depth > 0:
			cur.WriteByte(c)
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == ' ' || c == '\t' || c == '\n':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

func joinFlags(fields []string) string {
	out := make([]string, len(fields))
	for i, f := range fields {
		if strings.ContainsAny(f, " \t'\"") {
			f = "'" + strings.ReplaceAll(f, "'", "") + "'"
		}
		out[i] = f
	}
	return strings.Join(out, " ")
}

// translateLdflags turns a release config's ldflags into a Gopherfile's:
// -s and -w go (binaries are stripped by default), each -X whose template
// has no Gopherfile counterpart goes with a note, the rest stays.
func translateLdflags(ldflags []string, projectName string) (string, []string) {
	var keep, notes []string
	fields := splitFlags(strings.Join(ldflags, " "))
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		switch {
		case f == "-s" || f == "-w":
			continue
		case f == "-X" && i+1 < len(fields):
			i++
			v, ok := translateTemplate(fields[i], projectName)
			if !ok {
				notes = append(notes, fmt.Sprintf("ldflags -X %s left out: its template has no Gopherfile counterpart ({{.Version}}, {{.Commit}}, {{.Date}}, {{.Arg \"NAME\"}})", fields[i]))
				continue
			}
			keep = append(keep, "-X", v)
		case strings.HasPrefix(f, "-X="), strings.HasPrefix(f, "-X") && len(f) > 2:
			v, ok := translateTemplate(f, projectName)
			if !ok {
				notes = append(notes, fmt.Sprintf("ldflags %s left out: its template has no Gopherfile counterpart", f))
				continue
			}
			keep = append(keep, v)
		default:
			v, ok := translateTemplate(f, projectName)
			if !ok {
				notes = append(notes, fmt.Sprintf("ldflags %s left out: its template has no Gopherfile counterpart", f))
				continue
			}
			keep = append(keep, v)
		}
	}
	return joinFlags(keep), notes
}

// translateFlags splits a release config's go build flags into build tags
// and the flags a Gopherfile keeps: -trimpath (always on), -v, -x and -a (a
// cached build) go, -mod= goes (the frontend picks it).
func translateFlags(flags []string) (tags, keep, notes []string) {
	fields := splitFlags(strings.Join(flags, " "))
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		switch {
		case f == "-tags" && i+1 < len(fields):
			i++
			tags = append(tags, splitTags(fields[i])...)
		case strings.HasPrefix(f, "-tags="):
			tags = append(tags, splitTags(strings.TrimPrefix(f, "-tags="))...)
		case f == "-trimpath" || f == "-v" || f == "-x" || f == "-a":
		case strings.HasPrefix(f, "-mod="):
			notes = append(notes, fmt.Sprintf("flag %s left out: the frontend builds with the module cache or vendor/ it has", f))
		case strings.Contains(f, "{{"):
			notes = append(notes, fmt.Sprintf("flag %s left out: a template", f))
		default:
			keep = append(keep, f)
		}
	}
	return tags, keep, notes
}

func splitTags(s string) []string {
	var out []string
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}
