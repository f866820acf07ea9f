package spdx

import (
	"debug/buildinfo"
	"encoding/json"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// TestSPDXFromBuildInfo writes the SBOM of two binaries' build info and
// checks every module is listed once, with a purl.
func TestSPDXFromBuildInfo(t *testing.T) {
	mods := []*debug.Module{
		{Path: "golang.org/x/mod", Version: "v0.42.0", Sum: "h1:abc="},
		{Path: "github.com/moby/buildkit", Version: "v0.33.1"},
		{Path: "example.com/fork", Version: "v1.0.0", Replace: &debug.Module{Path: "example.com/myfork", Version: "v1.0.1", Sum: "h1:fork="}},
		{Path: "example.com/lib", Version: "v1.2.0", Replace: &debug.Module{Path: "../lib"}},
	}
	a := &buildinfo.BuildInfo{GoVersion: "go1.26.8", Path: "example.com/app/cmd/a", Deps: mods[:2]}
	b := &buildinfo.BuildInfo{GoVersion: "go1.26.8", Path: "example.com/app/cmd/b", Deps: mods[1:]}
	origin := func(path string, local bool) string {
		if local {
			return "local"
		}
		return "proxy for " + path
	}
	dt, err := FromBuildInfo([]*buildinfo.BuildInfo{a, b}, Options{ModulePath: "example.com/app", ModuleVersion: "v1.2.3",
		Created: time.Unix(1700000000, 0), Tool: "gopherfile-test", Origin: origin, Toolchain: "golang:1.26@sha256:abc"})
	if err != nil {
		t.Fatal(err)
	}
	var doc Document
	if err := json.Unmarshal(dt, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SPDXVersion != "SPDX-2.3" || doc.CreationInfo.Created != "2023-11-14T22:13:20Z" {
		t.Errorf("header %+v", doc)
	}
	s := string(dt)
	for _, want := range []string{"pkg:golang/golang.org/x/mod@v0.42.0", "pkg:golang/github.com/moby/buildkit@v0.33.1", "pkg:golang/stdlib@1.26.8", "pkg:golang/example.com/fork@v1.0.1",
		"go.sum h1:fork= replaced by example.com/myfork@v1.0.1", `"relationshipType": "DESCRIBES"`, `"sourceInfo": "proxy for golang.org/x/mod"`,
		`"comment": "go.sum h1:abc="`, "pkg:golang/example.com/app@v1.2.3", `"sourceInfo": "local"`, "replaced by ../lib",
		`"name": "go toolchain"`, `"sourceInfo": "golang:1.26@sha256:abc"`, `"relationshipType": "BUILD_TOOL_OF"`} {
		if !strings.Contains(s, want) {
			t.Errorf("SBOM lacks %q", want)
		}
	}
	if len(doc.Packages) != 7 || len(doc.Relationships) != len(doc.Packages) {
		t.Errorf("%d packages, %d relationships", len(doc.Packages), len(doc.Relationships))
	}
}
