package vulnreport

import (
	"fmt"
	"strings"
)

// maxPath is how many frames of a call path the text shows (the first and
// the last ones).
const maxPath = 12

// Text is the readable report of the build log: every reachable finding
// with its symbol, call path from main, fixed version and fix; then one line
// for the imported and one for the required ones. title names the run
// (platform, packages).
func (r *Report) Text(title string) string {
	var b strings.Builder
	reach, imp, req := r.Counts()
	fmt.Fprintf(&b, "govulncheck %s: %d reachable, %d imported but not called, %d in required modules only", title, reach, imp, req)
	if r.GoVersion != "" {
		fmt.Fprintf(&b, " (standard library of %s, %d modules)", r.GoVersion, r.Modules)
	}
	b.WriteString("\n")
	for _, f := range r.Findings {
		if f.Level != Reachable {
			continue
		}
		b.WriteString("\n")
		b.WriteString(f.Detail())
	}
	for _, lv := range []struct {
		level Level
		what  string
	}{{Imported, "imported, not called (not reachable)"}, {Required, "in required modules, not imported (not reachable)"}} {
		var ids []string
		for _, f := range r.Findings {
			if f.Level == lv.level {
				ids = append(ids, f.ID)
			}
		}
		if len(ids) > 0 {
			fmt.Fprintf(&b, "\n%s: %s\n", lv.what, strings.Join(ids, ", "))
		}
	}
	return b.String()
}

// Detail is one finding, as the log and a failed build show it.
func (f Finding) Detail() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", f.ID)
	if len(f.Aliases) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(f.Aliases, ", "))
	}
	if f.Summary != "" {
		fmt.Fprintf(&b, ": %s", f.Summary)
	}
	b.WriteString("\n")
	mod := f.Module
	if f.Version != "" {
		mod += "@" + f.Version
	}
	fmt.Fprintf(&b, "  module:  %s\n", mod)
	if f.Symbol != "" {
		fmt.Fprintf(&b, "  symbol:  %s\n", f.Symbol)
	}
	if len(f.Path) > 0 {
		b.WriteString("  path:    ")
		path := f.Path
		if len(path) > maxPath {
			path = append(append(append([]string{}, path[:maxPath/2]...), fmt.Sprintf("... %d more calls ...", len(f.Path)-maxPath)), path[len(path)-maxPath/2:]...)
		}
		b.WriteString(strings.Join(path, "\n           -> "))
		b.WriteString("\n")
	}
	if f.Fixed != "" {
		fmt.Fprintf(&b, "  fixed:   %s\n  fix:     %s\n", f.Fixed, f.Fix)
	} else {
		b.WriteString("  fixed:   no fixed version yet\n")
	}
	fmt.Fprintf(&b, "  more:    https://pkg.go.dev/vuln/%s\n", f.ID)
	return b.String()
}

// Allowed is a vulnerability ID the user accepts, with the reason.
type Allowed struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// Blocking splits the reachable findings into those that fail the build and
// those allow names (an ID or one of its aliases); unused lists the allowed
// IDs no reachable finding has.
func (r *Report) Blocking(allow []Allowed) (blocking []Finding, allowed []Finding, unused []Allowed) {
	used := map[int]bool{}
	for _, f := range r.Findings {
		if f.Level != Reachable {
			continue
		}
		i := match(f, allow)
		if i < 0 {
			blocking = append(blocking, f)
			continue
		}
		used[i] = true
		allowed = append(allowed, f)
	}
	for i, a := range allow {
		if !used[i] {
			unused = append(unused, a)
		}
	}
	return blocking, allowed, unused
}

func match(f Finding, allow []Allowed) int {
	for i, a := range allow {
		if strings.EqualFold(a.ID, f.ID) {
			return i
		}
		for _, al := range f.Aliases {
			if strings.EqualFold(a.ID, al) {
				return i
			}
		}
	}
	return -1
}
