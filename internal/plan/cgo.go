package plan

import (
	"slices"
	"strings"
)

// StaticCgoTags are the build tags of a binary that cgo: unset builds with
// cgo: the pure Go DNS resolver and user lookup, as without cgo, since glibc's
// need its shared libraries at run time.
var StaticCgoTags = []string{"netgo", "osusergo"}

// StaticCgoLdflags link a cgo binary statically with the external linker, so
// that it runs on a base without a C library (the default static base).
const StaticCgoLdflags = "-linkmode=external -extldflags=-static"

// StaticCgoFlags returns the go build flags for building a binary with cgo
// when the Gopherfile leaves cgo unset and the binary needs it (CGOAuto):
// flags with StaticCgoTags added to its -tags and StaticCgoLdflags to its
// -ldflags. goflags is the step's GOFLAGS: a -tags there is replaced by one
// on the command line, so its tags are kept in the new one.
func StaticCgoFlags(flags []string, goflags string) []string {
	var tags []string
	for _, f := range strings.Fields(goflags) {
		if v, ok := flagValue(f, "tags"); ok {
			tags = append(tags, splitTags(v)...)
		}
	}
	var out []string
	ld, hasLd := "", false
	for i := 0; i < len(flags); i++ {
		f := flags[i]
		name := strings.TrimLeft(f, "-")
		if (name == "tags" || name == "ldflags") && i+1 < len(flags) && !strings.Contains(f, "=") {
			f = "-" + name + "=" + flags[i+1]
			i++
		}
		if v, ok := flagValue(f, "tags"); ok {
			tags = append(tags, splitTags(v)...)
			continue
		}
		if v, ok := flagValue(f, "ldflags"); ok {
			ld, hasLd = v, true
			continue
		}
		out = append(out, f)
	}
	for _, t := range StaticCgoTags {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	if hasLd && ld != "" {
		ld += " "
	}
	return append([]string{"-ldflags=" + ld + StaticCgoLdflags, "-tags=" + strings.Join(tags, ",")}, out...)
}

// flagValue returns the value of -name=v or --name=v.
func flagValue(f, name string) (string, bool) {
	for _, p := range []string{"-" + name + "=", "--" + name + "="} {
		if v, ok := strings.CutPrefix(f, p); ok {
			return v, true
		}
	}
	return "", false
}

// splitTags splits a -tags value: comma-separated, or the older space-separated form.
func splitTags(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
}
