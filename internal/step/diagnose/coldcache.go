package diagnose

import (
	"regexp"
	"strconv"
	"strings"
)

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
