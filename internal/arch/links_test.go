package arch

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// docLink is a Markdown link or image: [text](target) or [text](target "title").
var docLink = regexp.MustCompile(`\]\(([^()\s]+)(?:\s+"[^"]*")?\)`)

// htmlAnchor is an explicit anchor: <a id="x"> or <a name="x">.
var htmlAnchor = regexp.MustCompile(`<a\s+(?:id|name)="([^"]+)"`)

// codeSpan is inline code, whose text is not a link.
var codeSpan = regexp.MustCompile("`[^`]*`")

// TestDocLinks checks every relative link of README.md and docs/*.md: the
// file (or folder) it names exists, and its #anchor is a heading (as GitHub
// makes anchors of headings) or an <a id> of that file. The README is split
// into docs/, so a moved section must not leave a link pointing nowhere.
func TestDocLinks(t *testing.T) {
	root := "../.."
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	docs = append([]string{filepath.Join(root, "README.md")}, docs...)
	anchorCache := map[string]map[string]bool{}
	anchorsOf := func(path string) (map[string]bool, error) {
		if a, ok := anchorCache[path]; ok {
			return a, nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		a := markdownAnchors(string(data))
		anchorCache[path] = a
		return a, nil
	}
	checked := 0
	for _, doc := range docs {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, doc)
		for i, line := range proseLines(string(data)) {
			for _, m := range docLink.FindAllStringSubmatch(codeSpan.ReplaceAllString(line, ""), -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				checked++
				file, anchor, _ := strings.Cut(target, "#")
				path := doc
				if file != "" {
					path = filepath.Join(filepath.Dir(doc), filepath.FromSlash(file))
					if _, err := os.Stat(path); err != nil {
						t.Errorf("%s:%d: link %q: %s does not exist", rel, i+1, target, file)
						continue
					}
				}
				if anchor == "" || !strings.HasSuffix(path, ".md") {
					continue
				}
				anchors, err := anchorsOf(path)
				if err != nil {
					t.Fatal(err)
				}
				if !anchors[anchor] {
					t.Errorf("%s:%d: link %q: no heading or anchor #%s in %s", rel, i+1, target, anchor, filepath.Base(path))
				}
			}
		}
	}
	if checked < 50 {
		t.Errorf("checked %d relative links; the scan finds too few, so it is broken", checked)
	}
}

// proseLines returns the lines of a Markdown document with the lines of
// fenced code blocks blanked (their brackets are code, not links).
func proseLines(doc string) []string {
	lines := strings.Split(doc, "\n")
	fence := ""
	for i, l := range lines {
		trimmed := strings.TrimSpace(l)
		switch {
		case fence == "" && (strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~")):
			fence = trimmed[:3]
			lines[i] = ""
		case fence != "" && strings.HasPrefix(trimmed, fence):
			fence = ""
			lines[i] = ""
		case fence != "":
			lines[i] = ""
		}
	}
	return lines
}

// markdownAnchors are the anchors of a document: GitHub's anchor of each
// heading (lower case, punctuation dropped, spaces as hyphens, -1, -2 for a
// repeated one) and every <a id> or <a name>.
func markdownAnchors(doc string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, l := range proseLines(doc) {
		for _, m := range htmlAnchor.FindAllStringSubmatch(l, -1) {
			out[m[1]] = true
		}
		if !strings.HasPrefix(l, "#") {
			continue
		}
		text := strings.TrimSpace(strings.TrimLeft(l, "#"))
		if text == "" || !strings.HasPrefix(l, strings.Repeat("#", len(l)-len(strings.TrimLeft(l, "#")))+" ") {
			continue
		}
		slug := headingSlug(text)
		if n := seen[slug]; n > 0 {
			out[slug+"-"+strconv.Itoa(n)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}

// htmlTag is an inline HTML tag of a heading (<a id="x"></a>), not text.
var htmlTag = regexp.MustCompile(`<[^>]*>`)

// headingSlug is GitHub's anchor for a heading's text.
func headingSlug(text string) string {
	text = htmlTag.ReplaceAllString(text, "")
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}
