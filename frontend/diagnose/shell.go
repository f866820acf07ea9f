package diagnose

import (
	"regexp"
	"strconv"
	"strings"
)

// ShellPatterns returns two POSIX extended regular expressions, for grep -E,
// that reproduce ShouldRetry: a failed step's output should be retried when
// some line matches transient and no line matches permanent.
//
//	if grep -Eq "$TRANSIENT" out.txt && ! grep -Eq "$PERMANENT" out.txt; then retry; fi
//
// The patterns contain no single quote and no newline, so they can be
// embedded in a shell script between single quotes. They use only syntax
// that POSIX ERE and Go's RE2 share.
func ShellPatterns() (transient, permanent string) {
	var t, p []string
	for _, m := range markers {
		if m.class.Transient() {
			t = append(t, "("+m.pattern+")")
		} else {
			p = append(p, "("+m.pattern+")")
		}
	}
	return strings.Join(t, "|"), strings.Join(p, "|")
}

// reDownloading matches the line the go command prints for every module it
// fetches while building.
var reDownloading = regexp.MustCompile(`^go: downloading (\S+) (\S+)$`)

// ColdCache reports a CacheLost finding when output shows that at least
// modules modules (and at least one) were downloaded again by go build,
// go test or go list ("go: downloading M V" lines). go mod download prints
// no such lines; a caller that knows the module cache should have been warm
// can create the finding itself. Classify never reports CacheLost, since a
// cold cache is slow but not a failure.
func ColdCache(output string, modules int) (Finding, bool) {
	if modules < 1 {
		modules = 1
	}
	seen := make(map[string]bool)
	first := ""
	for _, line := range strings.Split(strings.ReplaceAll(output, "\r\n", "\n"), "\n") {
		if m := reDownloading.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			if first == "" {
				first = strings.TrimSpace(line)
			}
			seen[m[1]+"@"+m[2]] = true
		}
	}
	if len(seen) < modules {
		return Finding{}, false
	}
	return Finding{Class: CacheLost, Detail: strconv.Itoa(len(seen)), Line: first}, true
}
