package plan

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/spec"
)

func ldflagsOf(t *testing.T, p *Plan) string {
	t.Helper()
	for _, f := range p.Binaries[0].Flags {
		if v, ok := strings.CutPrefix(f, "-ldflags="); ok {
			return v
		}
	}
	return ""
}

// TestLdflagsInjection: a template value that would split -ldflags (and so
// set linker flags of its own, like -X main.admin=true) is refused, naming
// the build arg and the field; a value of one word is stamped.
func TestLdflagsInjection(t *testing.T) {
	const gf = "version: 1\nbuilds:\n  - ldflags: \"-X main.version={{.Version}} -X main.commit={{.Commit}} -X main.flavor={{.Arg \\\"FLAVOR\\\"}}\"\n"
	facts := &gomod.Facts{Path: "example.com/m", Go: "1.26"}
	tests := []struct {
		name string
		args map[string]string
		vcs  string
		want []string // in the error; empty: the build plans
	}{
		{"space", map[string]string{"VERSION": "1.0 -X main.admin=true"}, "", []string{"builds[0].ldflags", "the build arg VERSION", "a space", "-X main.admin=true"}},
		{"tab", map[string]string{"VERSION": "1.0\t-X"}, "", []string{"the build arg VERSION", `'\t'`}},
		{"newline", map[string]string{"COMMIT": "abc\n-X main.admin=true"}, "", []string{"the build arg COMMIT", "a newline"}},
		{"double quote", map[string]string{"FLAVOR": `a"-X main.admin=true"`}, "", []string{"the build arg FLAVOR", "quote"}},
		{"single quote", map[string]string{"FLAVOR": "a'b"}, "", []string{"the build arg FLAVOR", "quote"}},
		{"backslash", map[string]string{"FLAVOR": `a\b`}, "", []string{"FLAVOR"}},
		{"NUL", map[string]string{"FLAVOR": "a\x00b"}, "", []string{"FLAVOR"}},
		{"unicode space", map[string]string{"VERSION": "1.0\u00a0x"}, "", []string{"VERSION"}},
		{"VCS revision is checked too", nil, "abc def", []string{"the git revision BuildKit reported"}},
		{"one word", map[string]string{"VERSION": "1.2.3-rc.1+build.5", "FLAVOR": "pro=yes,a:b"}, "0123abc", nil},
		{"unused arg with spaces is fine", map[string]string{"OTHER": "a b", "VERSION": "1"}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(mustSpec(t, gf), gomod.Module{Facts: facts}, Options{BuildArgs: tt.args, VCSRevision: tt.vcs})
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				ld := ldflagsOf(t, p)
				// Every field after -X is one name=value.
				fields := strings.Fields(ld)
				for i, f := range fields {
					if f == "-X" && (i+1 >= len(fields) || strings.HasPrefix(fields[i+1], "-")) {
						t.Errorf("-X without a value in %q", ld)
					}
				}
				if strings.Count(ld, "-X") != 3 {
					t.Errorf("ldflags %q", ld)
				}
				return
			}
			if err == nil {
				t.Fatalf("want an error, got ldflags %q", ldflagsOf(t, p))
			}
			pe, ok := err.(*Error)
			if !ok || pe.Field != "builds[0].ldflags" {
				t.Errorf("error %T %+v, want a plan.Error at builds[0].ldflags", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestLdflagsBounded: templates that would expand without bound are refused
// (by spec.Parse) or stopped at spec.MaxTemplateOutput (by the plan).
func TestLdflagsBounded(t *testing.T) {
	facts := &gomod.Facts{Path: "example.com/m", Go: "1.26"}
	big := strings.Repeat("x", 1000)
	tests := []struct {
		name     string
		template string
		args     map[string]string
		want     string
	}{
		{"many printf", strings.Repeat(`{{printf "%0999d" 1}}`, 100), nil, "more than 64 KiB"},
		{"large build arg", `-X main.v={{.Arg "BIG"}}`, map[string]string{"BIG": strings.Repeat(big, 70)}, "more than 64 KiB"},
		{"repeated large build arg", strings.Repeat(`{{.Arg "BIG"}}`, 100), map[string]string{"BIG": big}, "more than 64 KiB"},
		{"just under", strings.Repeat(`{{printf "%0999d" 1}}`, 60), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &spec.Spec{Version: 1, Builds: []spec.Build{{Ldflags: tt.template}}}
			start := time.Now()
			p, err := New(s, gomod.Module{Facts: facts}, Options{BuildArgs: tt.args})
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("planning took %s", d)
			}
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if n := len(ldflagsOf(t, p)); n < 59000 || n > spec.MaxTemplateOutput+10 {
					t.Errorf("ldflags of %d bytes", n)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestSourceDateEpoch(t *testing.T) {
	for _, tt := range []struct {
		v    string
		want int64 // -1: nil; -2: error
	}{
		{"", -1}, {"context", -1}, {"0", 0}, {"1700000000", 1700000000},
		{"notanumber", -2}, {"1.5", -2}, {"-1", -2}, {"99999999999999", -2}, {" 1", -2},
	} {
		got, err := SourceDateEpoch(map[string]string{ArgEpoch: tt.v})
		switch {
		case tt.want == -2:
			if err == nil || !strings.Contains(err.Error(), "--build-arg SOURCE_DATE_EPOCH="+tt.v) || !strings.Contains(err.Error(), "git log -1 --format=%ct") {
				t.Errorf("%q: error %v", tt.v, err)
			}
		case tt.want == -1:
			if err != nil || got != nil {
				t.Errorf("%q: %v %v", tt.v, got, err)
			}
		default:
			if err != nil || got == nil || got.Unix() != tt.want {
				t.Errorf("%q: %v %v", tt.v, got, err)
			}
		}
	}
	if got, err := SourceDateEpoch(nil); got != nil || err != nil {
		t.Errorf("no build args: %v %v", got, err)
	}
}

// TestImagePaths: binaries that collide with each other or with the files,
// workdir and volumes of the image are refused at the field that collides.
func TestImagePaths(t *testing.T) {
	facts := &gomod.Facts{Path: "example.com/m", Go: "1.26"}
	tests := []struct {
		name  string
		gf    string
		field string
		want  string
	}{
		{"file replaces the default binary", "version: 1\nimage:\n  files: [{src: a.txt, dst: /usr/local/bin/m}]\n", "image.files[0].dst", "the copy would replace the binary"},
		{"file replaces an output", "version: 1\nbuilds:\n  - output: /app/x\nimage:\n  files: [{src: a, dst: /app/x/}]\n", "image.files[0].dst", "is /app/x"},
		{"file inside a binary", "version: 1\nbuilds:\n  - name: srv\nimage:\n  files: [{src: a, dst: /usr/local/bin/srv/conf}]\n", "image.files[0].dst", "is inside /usr/local/bin/srv"},
		{"binary inside a binary", "version: 1\nbuilds:\n  - {name: a, output: /app/a}\n  - {name: b, output: /app/a/b}\n", "builds[1].output", "inside /app/a"},
		{"workdir is a binary", "version: 1\nbuilds:\n  - output: /app\nimage:\n  workdir: /app\n", "image.workdir", "not a directory"},
		{"volume hides a binary", "version: 1\nbuilds:\n  - output: /data/x\nimage:\n  volumes: [/data]\n", "image.volumes[0]", "would hide the binary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(mustSpec(t, tt.gf), gomod.Module{Facts: facts}, Options{})
			pe, ok := err.(*Error)
			if !ok || pe.Field != tt.field || !strings.Contains(pe.Msg, tt.want) || !strings.HasPrefix(pe.Msg, tt.field+": ") {
				t.Errorf("got %v (%T), want %s: ...%s", err, err, tt.field, tt.want)
			}
		})
	}
	// Neighbours that are fine: a file next to the binary, a folder merged into its directory.
	ok := "version: 1\nbuilds:\n  - output: /app/x\nimage:\n  workdir: /app\n  volumes: [/data]\n  files:\n    - {src: a, dst: /app/x.yaml}\n    - {src: d, dst: /app}\n"
	if _, err := New(mustSpec(t, ok), gomod.Module{Facts: facts}, Options{}); err != nil {
		t.Errorf("fine neighbours: %v", err)
	}
}

// FuzzLdflags: rendering any ldflags template with any build args is bounded
// in output and time, never panics, and never lets a build arg add an ldflags
// field: whatever a template value holds, the expansion has as many fields
// as the template with one-word values.
func FuzzLdflags(f *testing.F) {
	for _, s := range []struct{ tmpl, version, arg string }{
		{"-X main.v={{.Version}}", "1.0", "x"},
		{"-X main.v={{.Version}}", "1.0 -X main.admin=true", "x"},
		{`{{if .Commit}}-X main.c={{.Commit}}{{else}}-X main.c=none{{end}}`, "1", "a\nb"},
		{`-X main.f={{.Arg "A"}} {{printf "%.7s" .Version}}`, "abcdefghij", "a'b"},
		{`{{printf "%0999d" 1}}{{printf "%0999d" 1}}`, "", ""},
		{`{{range 9}}{{end}}`, "", ""},
		{`{{define "x"}}{{template "x"}}{{end}}{{template "x"}}`, "", ""},
		{`{{.}}`, "", ""},
		{`{{printf "%*d" 99999999 1}}`, "", ""},
		{`{{print .Version .Version .Version}}`, "v", ""},
	} {
		f.Add(s.tmpl, s.version, s.arg)
	}
	f.Fuzz(func(t *testing.T, tmpl, version, arg string) {
		if len(tmpl) > 4096 || len(version) > 4096 || len(arg) > 4096 {
			return
		}
		st := Stamp{Version: version, Commit: "0123abc", args: map[string]string{"A": arg, "VERSION": version}}
		start := time.Now()
		out, err := st.render(tmpl)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("rendering took %s: %q", d, tmpl)
		}
		if err != nil {
			if !utf8.ValidString(err.Error()) && utf8.ValidString(tmpl) {
				t.Errorf("invalid UTF-8 in the error: %q", err)
			}
			return
		}
		if len(out) > spec.MaxTemplateOutput {
			t.Fatalf("%d bytes of output", len(out))
		}
		if !strings.Contains(tmpl, "{{") {
			return
		}
		// Same template with one-word values: the field count must not change
		// when the values are as given (they passed the check, so they hold
		// no whitespace).
		plain := Stamp{Version: strings.Repeat("v", len(version)), Commit: "0123abc", args: map[string]string{"A": strings.Repeat("a", len(arg)), "VERSION": "v"}}
		ref, err := plain.render(tmpl)
		if err == nil && len(strings.Fields(out)) != len(strings.Fields(ref)) && !strings.Contains(tmpl, "if") && !strings.Contains(tmpl, "eq") && !strings.Contains(tmpl, "ne") && !strings.Contains(tmpl, "printf") {
			t.Errorf("a value changed the number of ldflags fields: %q gives %q (with plain values %q)", tmpl, out, ref)
		}
	})
}
