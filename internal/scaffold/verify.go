package scaffold

import (
	"fmt"
	"reflect"

	"github.com/gopherfile/gopherfile/internal/spec"
)

// Meant is the Gopherfile init means to write, as the spec it should parse
// to: the version, module:, go:, cgo:, tidy: and the builds, and nothing
// else (no builder:, env:, image: or modules:, which init never writes).
func (p *Project) Meant() *spec.Spec {
	s := &spec.Spec{Version: 1}
	if p.ModuleDir != "." {
		s.Module = p.ModuleDir
	}
	if g := p.Go; g != nil && g.Use {
		s.Go = spec.GoVersion(g.Version)
	}
	if p.CGO {
		t := true
		s.CGO = &t
	}
	if p.TidyOff {
		s.Tidy = spec.TidyOff
	}
	names := p.Names()
	for i, b := range p.Builds {
		s.Builds = append(s.Builds, spec.Build{Name: names[i], Main: b.Main, Tags: b.Tags, Ldflags: b.Ldflags, Flags: b.Flags, Env: b.Env})
	}
	return s
}

// Verify parses text, the Gopherfile Render wrote, and checks that it says
// exactly what init meant (Meant): values from the tree (a release config's
// env, a module path, directory names) must not have added a field of their
// own or changed one, whatever characters they hold.
func (p *Project) Verify(text string) (*spec.Spec, spec.Positions, error) {
	got, pos, err := spec.Parse([]byte(text))
	if err != nil {
		return nil, nil, fmt.Errorf("the Gopherfile init wrote does not parse: %w", err)
	}
	want := p.Meant()
	if !reflect.DeepEqual(normalize(got), normalize(want)) {
		return nil, nil, fmt.Errorf("the Gopherfile init wrote reads back as %+v, not as the %+v it meant: a value from the tree did not survive quoting; nothing was written", normalize(got), normalize(want))
	}
	return got, pos, nil
}

// normalize makes empty lists and maps nil, so that a spec and its parsed
// text compare equal.
func normalize(s *spec.Spec) spec.Spec {
	c := *s
	c.Builds = nil
	for _, b := range s.Builds {
		if len(b.Tags) == 0 {
			b.Tags = nil
		}
		if len(b.Flags) == 0 {
			b.Flags = nil
		}
		if len(b.Env) == 0 {
			b.Env = nil
		}
		c.Builds = append(c.Builds, b)
	}
	return c
}
