package plan

import (
	"fmt"
	"go/version"
	"strings"

	"github.com/gopherfile/gopherfile/internal/gomod"
)

// goReleases is the newest patch release of each Go minor line since 1.21 (the
// first with toolchain lines and golang.org/toolchain modules), as this
// frontend version knows them, with the h1 hashes of their toolchain modules
// (golang.org/toolchain@v0.0.1-go<version>.linux-<arch>, verified against the
// checksum database) for the build platforms the table carries. The default
// Go is the newest patch of go.mod's go line, or the last row's, so the same
// frontend version always picks the same Go; a toolchain fetched from the
// module proxy is checked against these hashes, and one the table does not
// know against the checksum database. It is updated with each Go release:
// `bash hack/go-releases.sh` prints the rows. Last updated 2026-12-06.
var goReleases = []goRelease{
	{"1.21", 13, map[string]string{"amd64": "h1:THKeCuuOK6mnQhbTbvvH9CKU3D4lwUERQax+yRXCVJk="}},
	{"1.22", 12, map[string]string{"amd64": "h1:Hdh4VJAlDWzMnhKpqDwqJJr+sE7NgsJ86dyR4wrv2oY=", "arm64": "h1:d5pIIWRmHJcXHnW+PRQ5RyowiqOcFC/80DB4FGToaPU="}},
	{"1.23", 12, map[string]string{"amd64": "h1:CQZ55qhuGAYcgv4npnr3DsfZP3i8URMjkpv7TYHRIH4=", "arm64": "h1:FoNoCtUqJ+1gDkTifcxxvzIZ7BTuiegbA2e7KxArmks="}},
	{"1.24", 13, map[string]string{"amd64": "h1:5sgfUhn9QCgVl4UYj32GrIYFHI3bi2UX55tNfupXwxc=", "arm64": "h1:l0oOtQpOBay3IDfyGSF3ZLivy3x5c1byllrr/QfyDeM="}},
	{"1.25", 14, map[string]string{"amd64": "h1:XriDgll2yv4W2YeUo2X/WuUuy+iGJkXGH0CQloMBEXo=", "arm64": "h1:tccCYNAEolyjUyQVNxD/wJuly2Sx85m+OUkzGIhO1oY="}},
	{"1.26", 11, map[string]string{"amd64": "h1:KyINmJ/FQdKRmDYGuTAAXkumyeR2DyUlSNHZj7XaLFg=", "arm64": "h1:GFS9FmglLJxMwOSuun3qb8tBjpr8ibzOkt8tBrRLrnk="}},
	{"1.27", 4, map[string]string{"amd64": "h1:8Tl0rBb7KdISSdPkZBjlpZxsUBb+004GI/SM2XbmSqI=", "arm64": "h1:vCmfNA8b+T0RfElhx3mNdgu1UrIuyzZCgTrRiUWLnOI="}},
}

// goRelease is one row of the release table.
type goRelease struct {
	Minor  string
	Newest int // patch number of the newest release, e.g. 4 for 1.27.4
	// Hashes are the h1 hashes of the newest release's toolchain module by
	// GOARCH ("amd64", "arm64").
	Hashes map[string]string
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
// is one; else the newest patch this frontend knows of the go line's minor
// (go 1.25.0 → 1.25.14: the Go the module is written for, with its fixes);
// else, without a go line, the newest Go this frontend knows. Never older
// than the go line, nor than MinTidyGo when the tidy check runs (tidy).
func defaultGo(m gomod.Module, tidy bool) choice {
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
	if goLine == "" || !version.IsValid("go"+goLine) {
		return choice{newest, fmt.Sprintf("the newest Go release this frontend knows (%s has no toolchain line and no go line)", goFile)}
	}
	if gomod.Compare(goLine, newest) > 0 {
		return choice{goLine, fmt.Sprintf("%s's go line %s, newer than Go %s, the newest release this frontend knows", goFile, goLine, newest)}
	}
	floor, note := goLine, ""
	if tidy && gomod.Compare(floor, MinTidyGo) < 0 {
		floor = MinTidyGo
		note = fmt.Sprintf(" (the tidy check needs Go %s or newer, for go mod tidy -diff)", MinTidyGo)
	}
	v := newestPatchFrom(floor)
	lang := strings.TrimPrefix(version.Lang("go"+v), "go")
	why := fmt.Sprintf("%s's go line %s and no toolchain line: the newest Go %s release this frontend knows, %s%s", goFile, goLine, lang, v, note)
	if note == "" && version.Lang("go"+v) != version.Lang("go"+goLine) {
		why = fmt.Sprintf("%s's go line %s and no toolchain line: Go %s, the newest release of the oldest line this frontend knows", goFile, goLine, v)
	}
	return choice{v, why}
}

// newestPatchFrom is the newest patch of the first minor line in the table
// at or above v's (v is at most NewestGo).
func newestPatchFrom(v string) string {
	lang := version.Lang("go" + v)
	for _, row := range goReleases {
		if version.Compare("go"+row.Minor, lang) >= 0 {
			return fmt.Sprintf("%s.%d", row.Minor, row.Newest)
		}
	}
	return NewestGo()
}

// ToolchainHash is the h1 hash of the toolchain module of Go v for linux
// on goarch that the table carries, "" when it has none (a patch that is
// not its line's newest, another architecture, a line it does not know).
func ToolchainHash(v, goarch string) string {
	lang := strings.TrimPrefix(version.Lang("go"+v), "go")
	for _, row := range goReleases {
		if row.Minor == lang && fmt.Sprintf("%s.%d", row.Minor, row.Newest) == v {
			return row.Hashes[goarch]
		}
	}
	return ""
}
