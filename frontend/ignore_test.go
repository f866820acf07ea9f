package frontend

import (
	"strings"
	"testing"
)

func TestIgnoreHint(t *testing.T) {
	for _, tc := range []struct {
		file, pattern, buildFile string
		want                     []string
	}{
		{".dockerignore", "*", "Gopherfile", []string{`.dockerignore leaves go.mod out of the build context (its pattern "*")`, "BuildKit reads Gopherfile.dockerignore instead", "`gopherfile init` writes it"}},
		{".dockerignore", "", "build/Gopherfile.prod", []string{".dockerignore leaves go.mod out of the build context.", "for the build file Gopherfile.prod BuildKit reads Gopherfile.prod.dockerignore"}},
		{"Gopherfile.dockerignore", "go.*", "Gopherfile", []string{`Gopherfile.dockerignore leaves go.mod out of the build context (its pattern "go.*"): change it`}},
	} {
		got := ignoreHint("go.mod", tc.file, tc.pattern, tc.buildFile)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("ignoreHint(%q, %q, %q) = %q, want it to say %q", tc.file, tc.pattern, tc.buildFile, got, w)
			}
		}
	}
}
