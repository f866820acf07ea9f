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
		{Path: "example.com/fork", Version: "v1.0.0", Replace: &debug.Module{Path: "example.com/myfork", Version: "v1.0.1"}},
	}
	a := &buildinfo.BuildInfo{GoVersion: "go1.26.8", Path: "example.com/app/cmd/a", Deps: mods[:2]}
	b := &buildinfo.BuildInfo{GoVersion: "go1.26.8", Path: "example.com/app/cmd/b", Deps: mods[1:]}
	dt, err := FromBuildInfo("example.com/app", []*buildinfo.BuildInfo{a, b}, time.Unix(1700000000, 0), "gopherfile-test")
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
	for _, want := range []string{"pkg:golang/golang.org/x/mod@v0.42.0", "pkg:golang/github.com/moby/buildkit@v0.33.1", "pkg:golang/stdlib@1.26.8", "pkg:golang/example.com/fork@v1.0.1", "replaced by example.com/myfork@v1.0.1", `"relationshipType": "DESCRIBES"`} {
		if !strings.Contains(s, want) {
			t.Errorf("SBOM lacks %q", want)
		}
	}
	if len(doc.Packages) != 5 || len(doc.Relationships) != len(doc.Packages) {
		t.Errorf("%d packages, %d relationships", len(doc.Packages), len(doc.Relationships))
	}
}
