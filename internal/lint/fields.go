package lint

import (
	"fmt"
	"regexp"
	"sort"

	"github.com/gopherfile/gopherfile/internal/spec"
)

// deprecation is a field that still works but should be replaced.
type deprecation struct {
	// Field is the field path with list indexes written as [], e.g.
	// "builds[].gcflags" or "image.user".
	Field string
	// Msg says what to write instead.
	Msg string
}

// deprecated lists the deprecated fields; adding one is a line here, e.g.
//
//	{Field: "builds[].flags", Msg: "use builds[].args instead"},
var deprecated = []deprecation{}

var listIndexRE = regexp.MustCompile(`\[[0-9]+\]`)

func (c *checker) deprecatedFields() {
	if len(deprecated) == 0 {
		return
	}
	written := make([]string, 0, len(c.pos))
	for f := range c.pos {
		written = append(written, f)
	}
	sort.Strings(written)
	for _, f := range written {
		generic := listIndexRE.ReplaceAllString(f, "[]")
		for _, d := range deprecated {
			if generic == d.Field {
				c.add(RuleDeprecatedField, LevelWarning, f, "%s is deprecated: %s", f, d.Msg)
			}
		}
	}
}

func (c *checker) tidyOff() {
	if c.s.Tidy != spec.TidyOff {
		return
	}
	c.add(RuleTidyOff, LevelInfo, "tidy",
		"tidy: off skips the `go mod tidy -diff` check (informational): a go.mod or go.sum that is out of date then shows up later, in the build step, as \"missing go.sum entry\". "+
			"Fix them with `docker buildx build --target tidy -o . -f Gopherfile .`, or remove tidy: off.")
}

func indexField(list string, i int) string { return fmt.Sprintf("%s[%d]", list, i) }
