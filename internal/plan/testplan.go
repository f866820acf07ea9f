package plan

import (
	"strings"

	"github.com/gopherfile/gopherfile/internal/spec"
)

// testPlan is the go test and go vet configuration; s has its defaults.
func testPlan(s *spec.Spec) Test {
	t := Test{Packages: s.Test.Packages, Network: s.Test.Network}
	var tags []string
	if len(s.Test.Tags) > 0 {
		tags = []string{"-tags=" + strings.Join(s.Test.Tags, ",")}
	}
	t.VetFlags = append(t.VetFlags, tags...)
	t.Flags = append(t.Flags, tags...)
	if s.Test.Race {
		t.Flags = append(t.Flags, "-race")
	}
	if s.Test.Short {
		t.Flags = append(t.Flags, "-short")
	}
	t.Flags = append(t.Flags, s.Test.Args...)
	return t
}
