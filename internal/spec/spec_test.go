package spec

import (
	"errors"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	s, pos, err := Parse([]byte(`# syntax=docker.io/gopherfile/frontend:1
version: 1
go: "1.26"
platforms: [linux/amd64, linux/arm64, linux/arm/v7]
env:
  CGO_ENABLED: 0
builds:
  - name: server
    main: ./cmd/server
    ldflags: -s -w
    tags: [netgo, osusergo]
  - main: cmd/worker
    output: /app/worker
image:
  base: scratch
  cmd: ["--port", "8080"]
  expose: [8080, 53/udp]
  labels: {team: core}
`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != 1 || s.Go != "1.26" || len(s.Builds) != 2 || s.Builds[0].Name != "server" {
		t.Fatalf("unexpected spec: %+v", s)
	}
	if s.Env["CGO_ENABLED"] != "0" {
		t.Errorf("env numbers are kept as written, got %q", s.Env["CGO_ENABLED"])
	}
	if got := pos.Of("builds[1].main"); got.Line != 12 {
		t.Errorf("builds[1].main at line %d, want 12", got.Line)
	}
	if got := pos.Of("builds[1].tags"); got.Line != 12 {
		t.Errorf("an unwritten field falls back to its parent item: got line %d, want 12", got.Line)
	}
	if s.Image.Expose[0] != "8080" {
		t.Errorf("expose: %v", s.Image.Expose)
	}
}

func TestParseSmallest(t *testing.T) {
	s, _, err := Parse([]byte("version: 1\n"))
	if err != nil || s.Version != 1 {
		t.Fatalf("got %+v, %v", s, err)
	}
}

// TestParseErrors is the table of malformed and hostile Gopherfiles: each fails
// with a message that names the line and says what to do.
func TestParseErrors(t *testing.T) {
	deep := strings.Repeat("[", 200) + strings.Repeat("]", 200)
	bomb := `version: 1
a: &a ["x","x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
`
	many := "version: 1\nbuilds:\n" + strings.Repeat("  - main: .\n", MaxListItems+1)
	tests := []struct {
		name string
		in   string
		line int
		want []string
	}{
		{"empty", "", 1, []string{"empty", "version: 1"}},
		{"only comment", "# syntax=x\n", 1, []string{"empty"}},
		{"missing version", "go: \"1.26\"\n", 1, []string{"missing the version field", "version: 1"}},
		{"version 2", "version: 2\n", 1, []string{"unsupported version 2", "# syntax="}},
		{"version string", "version: one\n", 1, []string{"version", "whole number"}},
		{"version float", "version: 1.5\n", 1, []string{"whole number"}},
		{"version huge", "version: 99999999999999999999\n", 1, []string{"whole number"}},
		{"top-level list", "- version: 1\n", 1, []string{"map of fields"}},
		{"top-level scalar", "hello\n", 1, []string{"map of fields"}},
		{"yaml syntax", "version: 1\nbuilds:\n  - main: .\n   name: x\n", 2, []string{"invalid YAML"}},
		{"tab indentation", "version: 1\nimage:\n\tbase: scratch\n", 3, []string{"invalid YAML"}},
		{"unknown field", "version: 1\nbuilder_image: x\n", 2, []string{`unknown field "builder_image"`, "known fields"}},
		{"typo suggests", "version: 1\nbuild:\n  - main: .\n", 2, []string{`did you mean "builds"`}},
		{"unknown nested", "version: 1\nimage:\n  entrypoints: [x]\n", 3, []string{`unknown field "entrypoints" in image`, `did you mean "entrypoint"`}},
		{"duplicate key", "version: 1\nversion: 1\n", 2, []string{"written twice", "first on line 1"}},
		{"duplicate env key", "version: 1\nenv:\n  A: 1\n  A: 2\n", 4, []string{"written twice"}},
		{"builds not list", "version: 1\nbuilds: ./cmd/x\n", 2, []string{"builds", "must be a list"}},
		{"entrypoint string", "version: 1\nimage:\n  entrypoint: /app\n", 3, []string{"image.entrypoint", "must be a list", `["/app"]`}},
		{"env list", "version: 1\nenv: [A=1]\n", 2, []string{"env", "map of names"}},
		{"env bad name", "version: 1\nenv:\n  1BAD: x\n", 3, []string{"not a valid environment variable name"}},
		{"env nested map", "version: 1\nenv:\n  A: {b: c}\n", 3, []string{"env.A", "must be a string"}},
		{"image not map", "version: 1\nimage: scratch\n", 2, []string{"image must be a map"}},
		{"main escapes", "version: 1\nbuilds:\n  - main: ../other\n", 3, []string{"builds[0].main", "outside the build context"}},
		{"main absolute", "version: 1\nbuilds:\n  - main: /etc\n", 3, []string{"relative path"}},
		{"main pattern", "version: 1\nbuilds:\n  - main: ./cmd/...\n", 3, []string{"package pattern"}},
		{"main backslash", "version: 1\nbuilds:\n  - main: .\\cmd\n", 3, []string{"forward slashes"}},
		{"bad name", "version: 1\nbuilds:\n  - name: a/b\n", 3, []string{"not a valid binary name"}},
		{"duplicate names", "version: 1\nbuilds:\n  - name: a\n  - name: a\n", 4, []string{"already built by builds[0]"}},
		{"output relative", "version: 1\nbuilds:\n  - output: bin/x\n", 3, []string{"not an absolute path"}},
		{"output root", "version: 1\nbuilds:\n  - output: /\n", 3, []string{"image root"}},
		{"output traversal", "version: 1\nbuilds:\n  - output: /app/../../etc/passwd\n", 3, []string{"contains .."}},
		{"duplicate outputs", "version: 1\nbuilds:\n  - {name: a, output: /x}\n  - {name: b, output: /x}\n", 4, []string{"already the output"}},
		{"flag without dash", "version: 1\nbuilds:\n  - flags: [race]\n", 3, []string{"not a go build flag"}},
		{"flag -o", "version: 1\nbuilds:\n  - flags: [-o=/tmp/x]\n", 3, []string{"-o is set by Gopherfile"}},
		{"tag with space", "version: 1\nbuilds:\n  - tags: [\"a b\"]\n", 3, []string{"not a build tag"}},
		{"bad platform", "version: 1\nplatforms: [linux/amd65]\n", 2, []string{"platforms[0]", "not supported"}},
		{"windows platform", "version: 1\nplatforms: [windows/amd64]\n", 2, []string{"only linux"}},
		{"garbage platform", "version: 1\nplatforms: [\"!!\"]\n", 2, []string{"not a platform"}},
		{"bad go version", "version: 1\ngo: latest\n", 2, []string{"not a Go version"}},
		{"go version float", "version: 1\ngo: 1.2.3.4\n", 2, []string{"not a Go version"}},
		{"bad tidy", "version: 1\ntidy: yes\n", 2, []string{"tidy", `"check"`}},
		{"bad base", "version: 1\nimage:\n  base: \"UPPER/Case:tag\"\n", 3, []string{"image.base", "not a valid image reference"}},
		{"bad builder", "version: 1\nbuilder: \"::\"\n", 2, []string{"builder", "not a valid image reference"}},
		{"bad port", "version: 1\nimage:\n  expose: [http]\n", 3, []string{"not a port"}},
		{"port range", "version: 1\nimage:\n  expose: [70000]\n", 3, []string{"out of range"}},
		{"workdir relative", "version: 1\nimage:\n  workdir: app\n", 3, []string{"not an absolute path"}},
		{"user with space", "version: 1\nimage:\n  user: \"a b\"\n", 3, []string{"not a user"}},
		{"module escapes", "version: 1\nmodule: ../x\n", 2, []string{"outside the build context"}},
		{"module absolute", "version: 1\nmodule: /src\n", 2, []string{"relative path"}},
		{"bool as string list", "version: 1\nplatforms: true\n", 2, []string{"must be a list"}},
		{"deep nesting", "version: 1\nbuilds: " + deep + "\n", 0, []string{"nested more than"}},
		{"alias bomb", bomb, 0, []string{"nodes (counting alias expansions)"}},
		{"too many builds", many, 3, []string{"more than the limit"}},
		{"huge file", "version: 1\n#" + strings.Repeat("x", MaxFileSize), 0, []string{"more than the limit"}},
		{"nul byte", "version: 1\x00\n", 0, []string{"NUL byte"}},
		{"label empty name", "version: 1\nimage:\n  labels: {\"\": x}\n", 3, []string{"non-empty"}},
		{"key is a map", "version: 1\n? {a: b}\n: c\n", 2, []string{"plain strings"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Parse([]byte(tt.in))
			if err == nil {
				t.Fatal("want an error")
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("want *spec.Error, got %T: %v", err, err)
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not contain %q", msg, w)
				}
			}
			if tt.line > 0 && se.Pos.Line != tt.line {
				t.Errorf("line %d, want %d (%s)", se.Pos.Line, tt.line, msg)
			}
			if strings.Contains(msg, "goroutine") || strings.Contains(msg, "panic") {
				t.Errorf("message looks like a crash: %s", msg)
			}
		})
	}
	if len(tests) < 40 {
		t.Errorf("the hostile-input table should hold at least 40 cases, has %d", len(tests))
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"version: 1\n",
		"version: 1\nbuilds:\n  - name: a\n    main: ./cmd/a\n",
		"version: 1\nimage: {base: scratch, expose: [80]}\n",
		"a: &a [*a]\n",
		"version: 1\nenv: {A: 1}\nplatforms: [linux/arm/v7]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, pos, err := Parse(data)
		if err != nil {
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if se.Msg == "" {
				t.Fatal("empty message")
			}
			return
		}
		if s == nil || pos == nil || s.Version != 1 {
			t.Fatalf("success without a valid spec: %+v", s)
		}
	})
}
