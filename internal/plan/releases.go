package plan

import (
	"fmt"
	"go/version"
	"strings"

	"github.com/gopherfile/gopherfile/internal/gomod"
)

// goReleases is the newest patch release of each Go minor line since 1.21 (the
// first with toolchain lines), as this frontend version knows them. The
// default builder is golang:<newest> of the last row, so the same frontend
// version always picks the same builder. It is updated with each Go release:
// `bash hack/go-releases.sh` prints the rows from the golang.org/toolchain
// versions the Go module proxy lists. Last updated 2026-12-01.
var goReleases = []struct {
	Minor  string
	Newest int // patch number of the newest release, e.g. 4 for 1.27.4
}{
	{"1.21", 13},
	{"1.22", 12},
	{"1.23", 12},
	{"1.24", 13},
	{"1.25", 14},
	{"1.26", 11},
	{"1.27", 4},
}

// MinTidyGo is the oldest Go whose go command has `go mod tidy -diff`, which
// the tidy check runs.
const MinTidyGo = "1.23"

// OldestTidyGo is the oldest go line whose go.sum today's go mod tidy
// leaves as it is: Go 1.17 (module graph pruning) changed which go.sum lines
// tidy keeps, so the go.sum of an older module almost always has lines
// today's tidy removes, which do not matter to the build.
const OldestTidyGo = "1.17"

// OldTidyReason says why the tidy check is off by default for a module whose
// go line is older than OldestTidyGo, "" when it is not.
func OldTidyReason(goLine string) string {
	if goLine == "" || gomod.Compare(goLine, OldestTidyGo) >= 0 {
		return ""
	}
	return fmt.Sprintf("go.mod says go %s: since Go %s, go mod tidy keeps fewer go.sum lines than the Go this module was tidied with, "+
		"so the check fails on most such modules over go.sum lines the build does not need. Turn it on (tidy: check) after go mod tidy with a newer Go", goLine, OldestTidyGo)
}

// NewestGo is the newest Go release this frontend version knows, e.g. "1.27.4":
// the default builder's Go when go.mod has no toolchain line.
func NewestGo() string {
	last := goReleases[len(goReleases)-1]
	return fmt.Sprintf("%s.%d", last.Minor, last.Newest)
}

// Release says what the table knows about a Go version v ("1.25.3", "1.25"
// or "1.25rc1"): Known is true when v is a release of a known minor line
// (an existing patch, or a release candidate of it), Newer when v is newer
// than every known release (a future Go the table has not seen).
type Release struct {
	Known, Newer bool
	// NewestPatch is the newest release of v's minor line, e.g. "1.25.14";
	// empty when the line is not in the table.
	NewestPatch string
}

// LookupGo returns what the table knows about v.
func LookupGo(v string) Release {
	gv := "go" + strings.TrimPrefix(v, "go")
	if !version.IsValid(gv) {
		return Release{}
	}
	r := Release{Newer: version.Compare(gv, "go"+NewestGo()) > 0}
	lang := strings.TrimPrefix(version.Lang(gv), "go")
	for _, row := range goReleases {
		if row.Minor != lang {
			continue
		}
		r.NewestPatch = fmt.Sprintf("%s.%d", row.Minor, row.Newest)
		r.Known = version.Compare(gv, "go"+r.NewestPatch) <= 0
	}
	return r
}

// choice is the Go version the default builder is chosen for, and why.
type choice struct {
	version, why string
}

// defaultGo chooses the builder's Go when neither go:, GO_VERSION nor a
// builder image is given: the toolchain line of go.work or go.mod when there
// is one, else the newest Go this frontend knows; never older than the go line.
func defaultGo(m gomod.Module) choice {
	var goLine, toolchain string
	if m.Facts != nil {
		goLine, toolchain = m.Facts.Go, m.Facts.Toolchain
	}
	goFile, tcFile := "go.mod", "go.mod"
	if m.Work != nil {
		if m.Work.Go != "" {
			goLine, goFile = m.Work.Go, "go.work"
		}
		if m.Work.Toolchain != "" {
			toolchain, tcFile = m.Work.Toolchain, "go.work"
		}
	}
	// A custom toolchain name (go1.25.3-custom, go1.25.3+auto) names the Go
	// release it is built on.
	toolchain, _, _ = strings.Cut(toolchain, "+")
	if base, _, ok := strings.Cut(toolchain, "-"); ok && version.IsValid("go"+base) {
		toolchain = base
	}
	if toolchain != "" && version.IsValid("go"+toolchain) && (goLine == "" || gomod.Compare(toolchain, goLine) >= 0) {
		return choice{toolchain, fmt.Sprintf("%s's toolchain line go%s", tcFile, toolchain)}
	}
	newest := NewestGo()
	if goLine != "" && gomod.Compare(goLine, newest) > 0 {
		return choice{goLine, fmt.Sprintf("%s's go line %s, newer than Go %s, the newest release this frontend knows", goFile, goLine, newest)}
	}
	why := fmt.Sprintf("the newest Go release this frontend knows (%s has no toolchain line", goFile)
	switch {
	case goLine == "":
		why += " and no go line)"
	default:
		why += fmt.Sprintf("; its go line %s is the oldest Go that may build it)", goLine)
	}
	return choice{newest, why}
}
