package plan

import (
	"slices"
	"testing"
)

func TestStaticCgoFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		flags   []string
		goflags string
		want    []string
	}{
		{"no flags", nil, "", []string{"-ldflags=-linkmode=external -extldflags=-static", "-tags=netgo,osusergo"}},
		{"ldflags and tags kept", []string{"-ldflags=-s -w -X main.version=1.0", "-tags=sqlite_omit_load_extension"}, "",
			[]string{"-ldflags=-s -w -X main.version=1.0 -linkmode=external -extldflags=-static", "-tags=sqlite_omit_load_extension,netgo,osusergo"}},
		{"separate values", []string{"-tags", "a,b", "-ldflags", "-s", "-race"}, "",
			[]string{"-ldflags=-s -linkmode=external -extldflags=-static", "-tags=a,b,netgo,osusergo", "-race"}},
		{"tags of GOFLAGS kept", []string{"-tags=a"}, "-mod=readonly -tags=gf1,gf2", []string{"-ldflags=-linkmode=external -extldflags=-static", "-tags=gf1,gf2,a,netgo,osusergo"}},
		{"netgo not twice", []string{"--tags=netgo"}, "", []string{"-ldflags=-linkmode=external -extldflags=-static", "-tags=netgo,osusergo"}},
		{"other flags in order", []string{"-gcflags=all=-N", "-v"}, "", []string{"-ldflags=-linkmode=external -extldflags=-static", "-tags=netgo,osusergo", "-gcflags=all=-N", "-v"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := StaticCgoFlags(tc.flags, tc.goflags); !slices.Equal(got, tc.want) {
				t.Errorf("StaticCgoFlags(%q, %q)\n got %q\nwant %q", tc.flags, tc.goflags, got, tc.want)
			}
		})
	}
}
