//go:build integration

package integration

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInput runs broken Gopherfiles and modules through docker buildx build
// (the frontend image) and checks each error names the line and says what to do.
func TestBadInput(t *testing.T) {
	tests := []struct {
		name       string
		gopherfile string
		files      map[string]string
		want       []string
	}{
		{"yaml syntax", "version: 1\nimage:\n\tbase: scratch\n", nil, []string{"Gopherfile line 3", "invalid YAML", ">>>"}},
		{"unknown field", "version: 1\nimage:\n  entrypoints: [/x]\n", nil, []string{"Gopherfile line 3", `unknown field "entrypoints" in image`, `did you mean "entrypoint"`}},
		{"wrong type", "version: 1\nbuilds: ./cmd/x\n", nil, []string{"Gopherfile line 2", "builds: must be a list"}},
		{"unknown version", "version: 7\n", nil, []string{"Gopherfile line 1", "unsupported version 7"}},
		{"missing go.mod", "version: 1\n", map[string]string{"go.mod": ""}, []string{"no go.mod in the build context", "go mod init"}},
		{"main missing", "version: 1\nbuilds:\n  - main: ./cmd/nope\n", nil, []string{"./cmd/nope of binary nope does not exist", "Gopherfile:3"}},
		{"main not main", "version: 1\nbuilds:\n  - main: ./lib\n", map[string]string{"lib/lib.go": "package lib\n\nfunc X() int { return 1 }\n"}, []string{"is not a main package (package lib)"}},
		{"untidy", "version: 1\n", map[string]string{
			"go.mod":        "module example.com/hello\n\ngo 1.26\n\nrequire example.com/unused v0.0.0\n\nreplace example.com/unused => ./unused\n",
			"unused/go.mod": "module example.com/unused\n\ngo 1.26\n",
			"unused/u.go":   "package unused\n",
		}, []string{"not tidy", "example.com/unused", "--target tidy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyDir(t, "examples/hello")
			writeFile(t, filepath.Join(dir, "Gopherfile"), tt.gopherfile)
			for name, content := range tt.files {
				if content == "" {
					if err := removeFile(filepath.Join(dir, name)); err != nil {
						t.Fatal(err)
					}
					continue
				}
				writeFile(t, filepath.Join(dir, name), content)
			}
			r := buildx(t, dir, "--progress", "plain", "-f", "Gopherfile", "--build-arg", "BUILDKIT_SYNTAX="+frontImg, "-o", "type=oci,dest="+filepath.Join(t.TempDir(), "x.tar"), ".")
			if r.err == nil {
				t.Fatalf("the build succeeded; want an error\n%s", r.out)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.out, w) {
					t.Errorf("output lacks %q:\n%s", w, tail(r.out, 40))
				}
			}
			for _, bad := range []string{"goroutine ", "panic:", ".go:"} {
				if strings.Contains(errorLines(r.out), bad) {
					t.Errorf("the error looks like a crash or stack trace (%q):\n%s", bad, tail(r.out, 40))
				}
			}
		})
	}
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// errorLines is the part of buildx output from the first ERROR line on.
func errorLines(s string) string {
	if i := strings.Index(s, "ERROR:"); i >= 0 {
		return s[i:]
	}
	return ""
}
