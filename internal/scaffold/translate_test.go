package scaffold

import (
	"reflect"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/spec"
)

func TestSplitFlags(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"-s -w", []string{"-s", "-w"}},
		{`-X "main.date={{ .CommitDate }}" -X 'a=b c'`, []string{"-X", "main.date={{ .CommitDate }}", "-X", "a=b c"}},
		{`-X main.d={{date "2006-01-02 15:04"}}`, []string{"-X", `main.d={{date "2006-01-02 15:04"}}`}},
		{"  -a\t-tags  netgo\n", []string{"-a", "-tags", "netgo"}},
	}
	for _, tt := range tests {
		if got := splitFlags(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitFlags(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTranslateLdflags(t *testing.T) {
	tests := []struct {
		in    []string
		want  string
		notes []string
	}{
		{[]string{"-s -w -X main.version={{.Version}}"}, "-X main.version={{.Version}}", nil},
		{[]string{"-X main.v={{ .Tag }} -X main.c={{.FullCommit}} -X main.d={{.Date}} -X main.n={{ .ProjectName }}"}, "-X main.v={{.Version}} -X main.c={{.Commit}} -X main.d={{.Date}} -X main.n=tool", nil},
		{[]string{"-X main.b={{.Branch}}", "-X main.u={{user}}@{{host}} -X main.ok=1"}, "-X main.ok=1", []string{"main.b={{.Branch}}", "main.u={{user}}@{{host}}"}},
		{[]string{"{{ .Env.LDFLAGS }}"}, "", []string{"{{ .Env.LDFLAGS }}"}},
		{[]string{`-extldflags "-static"`}, "-extldflags -static", nil},
		{[]string{`-X 'main.builtBy=goreleaser ci'`}, "-X 'main.builtBy=goreleaser ci'", nil},
	}
	for _, tt := range tests {
		got, notes := translateLdflags(tt.in, "tool")
		if got != tt.want {
			t.Errorf("translateLdflags(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if len(notes) != len(tt.notes) {
			t.Errorf("translateLdflags(%q) notes %q, want %d", tt.in, notes, len(tt.notes))
			continue
		}
		for i, n := range tt.notes {
			if !strings.Contains(notes[i], n) {
				t.Errorf("note %q does not name %q", notes[i], n)
			}
		}
	}
}

func TestTranslateFlags(t *testing.T) {
	tags, keep, notes := translateFlags([]string{"-trimpath", "-v -a", "-tags=netgo,osusergo", "-tags static_build", "-mod=mod", "-buildmode=pie", "-pgo={{.Env.PGO}}"})
	if strings.Join(tags, ",") != "netgo,osusergo,static_build" || strings.Join(keep, " ") != "-buildmode=pie" || len(notes) != 2 {
		t.Errorf("tags %q, keep %q, notes %q", tags, keep, notes)
	}
}

func TestNames(t *testing.T) {
	tests := []struct {
		module string
		builds []Build
		want   []string
	}{
		{"github.com/acme/tool/v2", []Build{{Main: "."}}, []string{"tool"}},
		{"example.com/m", []Build{{Main: "./cmd/a"}, {Main: "./tools/a"}, {Main: "./x/tools/a"}}, []string{"a", "tools-a", "x-tools-a"}},
		{"example.com/srv", []Build{{Main: "."}, {Main: "./cmd/srv"}}, []string{"srv", "cmd-srv"}},
		{"example.com/m", []Build{{Main: "./cmd/my tool"}, {Main: "./cmd/ünï"}}, []string{"my-tool", "n"}},
		{"example.com/m", []Build{{Name: "bin", Main: "./cmd/a"}, {Name: "bin", Main: "./cmd/b"}}, []string{"bin", "cmd-b"}},
		// Every build is a --target: not the name of a fixed target.
		{"example.com/acme", []Build{{Main: "./cmd/test"}, {Main: "./tools/deps"}, {Name: "image", Main: "./cmd/img"}}, []string{"acme-test", "acme-deps", "acme-image"}},
	}
	for _, tt := range tests {
		p := &Project{ModulePath: tt.module, Builds: tt.builds}
		if got := p.Names(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s %v: names %q, want %q", tt.module, tt.builds, got, tt.want)
		}
	}
}

func TestQuote(t *testing.T) {
	for _, s := range []string{"a", "./cmd/a", ".", "null", "True", "~", "my tool", "a: b", "#x", "-x", "ünï", `q"uote`, "a\nbuilder: evil", "\\x41", "tab\there"} {
		text := "version: 1\nbuilds:\n  - main: " + quote(s) + "\n"
		sp, _, err := spec.Parse([]byte(text))
		if err != nil && !strings.Contains(err.Error(), "builds[0].main") {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if err == nil && sp.Builds[0].Main != s {
			t.Errorf("%q written as %s reads back as %q", s, quote(s), sp.Builds[0].Main)
		}
	}
}

// TestGoVersionHint: which file's Go version init writes, and when not.
func TestGoVersionHint(t *testing.T) {
	tests := []struct {
		name  string
		goMod string
		files map[string]string
		want  string // "1.25.3 from FILE", "unused 1.20 from FILE", or "" for none
	}{
		{"none", "go 1.24", nil, ""},
		{".go-version first", "go 1.24", map[string]string{".go-version": "1.25.3\n", ".tool-versions": "golang 1.25.1\n"}, "1.25.3 from .go-version"},
		{".tool-versions", "go 1.24", map[string]string{".tool-versions": "nodejs 20\ngolang 1.25.1\n"}, "1.25.1 from .tool-versions"},
		{"Dockerfile with a digest", "go 1.24", map[string]string{"Dockerfile": "FROM --platform=$BUILDPLATFORM golang:1.26.2@sha256:abc AS b\n"}, "1.26.2 from Dockerfile"},
		{"Dockerfile with an ARG is not a version", "go 1.24", map[string]string{"Dockerfile": "FROM golang:${GO_VERSION}-trixie\n"}, ""},
		{"workflow matrix is skipped", "go 1.24", map[string]string{".github/workflows/ci.yml": "go-version: [1.24, 1.25]\n"}, ""},
		{"workflow stable is skipped", "go 1.24", map[string]string{".github/workflows/ci.yml": "go-version: stable\n"}, ""},
		{"older than the go line", "go 1.24.2", map[string]string{".go-version": "1.23.1\n"}, "unused 1.23.1 from .go-version"},
		{"a minor tag of the go line's minor is fine", "go 1.24.2", map[string]string{"Dockerfile": "FROM golang:1.24\n"}, "1.24 from Dockerfile"},
		{"too old for the tidy check, then the next one", "go 1.20", map[string]string{".tool-versions": "golang 1.20.14\n", "Dockerfile": "FROM golang:1.25 AS b\n"}, "1.25 from Dockerfile"},
		{"too old for the tidy check", "go 1.20", map[string]string{".tool-versions": "golang 1.20.14\n"}, "unused 1.20.14 from .tool-versions"},
		{"not a release", "go 1.24", map[string]string{".go-version": "1.25.99\n"}, "unused 1.25.99 from .go-version"},
		{"toolchain line: nothing", "go 1.24\n\ntoolchain go1.25.0", map[string]string{".go-version": "1.25.3\n"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"go.mod": "module example.com/m\n\n" + tt.goMod + "\n", "main.go": mainGo}
			for k, v := range tt.files {
				files[k] = v
			}
			p := analyze(t, files)
			got := ""
			if g := p.Go; g != nil {
				got = g.Version + " from " + g.File
				if !g.Use {
					got = "unused " + got
				}
			}
			if got != tt.want {
				t.Errorf("go version %q, want %q", got, tt.want)
			}
		})
	}
}

// Verify refuses a Gopherfile that does not read back as what init meant:
// Go's \x escape is a byte, YAML's a code point, so a main with an invalid
// UTF-8 byte would change; and a text with an extra field is refused.
func TestVerify(t *testing.T) {
	p := &Project{ModuleDir: ".", ModulePath: "example.com/m", Builds: []Build{{Name: "m", Main: ".", Ldflags: "-X main.v=\xff"}}}
	if _, _, err := p.Verify(p.Render()); err == nil || !strings.Contains(err.Error(), "nothing was written") {
		t.Errorf("an invalid byte: %v", err)
	}
	p = &Project{ModuleDir: ".", ModulePath: "example.com/m", Builds: []Build{{Name: "m", Main: "."}}}
	if _, _, err := p.Verify(p.Render()); err != nil {
		t.Fatalf("a plain project: %v", err)
	}
	if _, _, err := p.Verify(p.Render() + "builder: evil.example/pwn:latest\n"); err == nil {
		t.Error("an extra builder: was accepted")
	}
}
