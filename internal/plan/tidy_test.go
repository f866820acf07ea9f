package plan

import (
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/gomod"
)

func TestTidyDefault(t *testing.T) {
	for _, tc := range []struct {
		name, gopherfile, goLine string
		vendored                 bool
		tidy                     bool
		reason                   string
	}{
		{"current go line", "version: 1\n", "1.21", false, true, ""},
		{"go 1.17", "version: 1\n", "1.17", false, true, ""},
		{"go 1.13: off with the reason", "version: 1\n", "1.13", false, false, "go.mod says go 1.13: since Go 1.17"},
		{"go 1.13 with tidy: check", "version: 1\ntidy: check\n", "1.13", false, true, ""},
		{"tidy: off", "version: 1\ntidy: \"off\"\n", "1.24", false, false, ""},
		{"vendored", "version: 1\n", "1.24", true, false, ""},
		{"no go line", "version: 1\n", "", false, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(mustSpec(t, tc.gopherfile), gomod.Module{Facts: &gomod.Facts{Path: "example.com/app", Go: tc.goLine}, Vendored: tc.vendored}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if p.Tidy != tc.tidy || (tc.reason == "") != (p.TidyOffReason == "") || !strings.Contains(p.TidyOffReason, tc.reason) {
				t.Errorf("tidy %v (%q), want %v (%q)", p.Tidy, p.TidyOffReason, tc.tidy, tc.reason)
			}
		})
	}
}
