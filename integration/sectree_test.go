//go:build integration

package integration

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 21: a hostile source tree (and, with GOPHERFILE_UNTRUSTED, a hostile
// Gopherfile) next to the build's secrets. Each test builds through the
// frontend image as CI does (docker buildx build with the README's flags)
// and looks for the secrets in the output, the exported files and the
// image.

// daemon runs one build on one of the three builders under test.
type daemon struct {
	name  string
	build func(t *testing.T, dir string, args ...string) result
}

// daemons are BuildKit v0.33.1 and v0.20.2 through docker buildx, and
// Docker Engine's own BuildKit through docker build.
func daemons(t *testing.T) []daemon {
	requireOldBuildKit(t)
	requireDocker(t)
	return []daemon{
		{"buildx " + builder, func(t *testing.T, dir string, args ...string) result { return buildx(t, dir, args...) }},
		{"buildx " + oldBuilder + " (BuildKit " + oldVersion + ")", func(t *testing.T, dir string, args ...string) result { return buildxOn(t, oldBuilder, dir, args...) }},
		{"docker engine", func(t *testing.T, dir string, args ...string) result {
			return docker(t, dir, append([]string{"build"}, args...)...)
		}},
	}
}

// leakyTree is a module without requirements whose file name is a symbolic
// link to target, with a Gopherfile that names a private host (so the git
// token secret is mounted, as the README's CI recipe does).
func leakyTree(t *testing.T, name, target, gopherfile string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/leak\n\ngo 1.26\n")
	writeFile(t, filepath.Join(dir, "main.go"), "package main\n\nfunc main() {}\n")
	if gopherfile == "" {
		gopherfile = "version: 1\nmodules:\n  private: [github.com/acme/*]\n"
	}
	writeFile(t, filepath.Join(dir, "Gopherfile"), gopherfile)
	os.Remove(filepath.Join(dir, name))
	os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
	if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// noSecret fails when any of secrets is in s.
func noSecret(t *testing.T, what, s string, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		if strings.Contains(s, sec) {
			t.Errorf("%s holds the secret %q:\n%s", what, sec, relGrep(s, sec))
		}
	}
}

// noSecretInDir fails when a file under dir holds a secret or is not a
// regular file.
func noSecretInDir(t *testing.T, dir string, secrets ...string) {
	t.Helper()
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return nil
		}
		if !fi.Mode().IsRegular() {
			t.Errorf("the export holds %s, which is not a regular file (%s)", p, fi.Mode().Type())
			return nil
		}
		dt, _ := os.ReadFile(p)
		noSecret(t, "the exported "+p, string(dt), secrets...)
		return nil
	})
}

// TestSecretsNeverThroughTheTree: issue 21 item 1, confirmed before the fix
// through docker buildx build with the README's CI flags. The tree's go.sum
// is a link to the git token secret (the tidy check printed the token), or
// to the netrc secret with --target tidy -o DIR (the netrc was exported as
// go.sum), or go.mod reads a link to the token through the Gopherfile's
// GOFLAGS=-modfile (past the tree check: the go command itself must not be
// able to open the secret), or /proc/1/environ (the step's environment with
// a proxy password from a build arg). On BuildKit v0.33.1, v0.20.2 and
// Docker Engine, each build fails, saying why, and no secret is anywhere.
func TestSecretsNeverThroughTheTree(t *testing.T) {
	token := fmt.Sprintf("ghp_%016x", rand.Uint64())
	netrcPass := fmt.Sprintf("nrc%016x", rand.Uint64())
	proxyPass := fmt.Sprintf("pxy%016x", rand.Uint64())
	t.Setenv("GF_TEST_TOKEN", token)
	netrc := filepath.Join(t.TempDir(), "netrc")
	writeFile(t, netrc, "machine github.com login ci password "+netrcPass+"\n")
	secrets := []string{"--secret", "id=GIT_AUTH_TOKEN.github.com,env=GF_TEST_TOKEN", "--secret", "id=netrc,src=" + netrc}
	base := []string{"--progress", "plain", "-f", "Gopherfile", "--build-arg", "BUILDKIT_SYNTAX=" + frontImg, "--platform", "linux/amd64"}
	tests := []struct {
		name       string
		file, link string
		gopherfile string
		args       []string
		export     bool // --target tidy -o DIR
		vendored   bool // vendor/modules.txt: no download step
		want       []string
	}{
		{name: "go.sum is the git token", file: "go.sum", link: "/run/secrets/GIT_AUTH_TOKEN.github.com",
			want: []string{"go.sum is a symbolic link (to /run/secrets/GIT_AUTH_TOKEN.github.com)", "regular files of the build context"}},
		{name: "go.mod is the git token", file: "go.mod", link: "/run/secrets/GIT_AUTH_TOKEN.github.com",
			want: []string{"go.mod"}},
		{name: "tidy target exports the netrc as go.sum", file: "go.sum", link: "/run/secrets/netrc", export: true,
			want: []string{"go.sum is a symbolic link (to /run/secrets/netrc)"}},
		// A vendored module has no download step: the tidy check (tidy:
		// check) is the step with the secrets, and it reads the whole tree.
		// (--target tidy: no compile races it, failing for want of the file.)
		{name: "go reads the token itself (GOFLAGS=-modfile)", file: "leak.mod", link: "/run/secrets/GIT_AUTH_TOKEN.github.com", vendored: true, export: true,
			gopherfile: "version: 1\ntidy: check\nenv:\n  GOFLAGS: -modfile=leak.mod\nmodules:\n  private: [github.com/acme/*]\n",
			want:       []string{"leak.mod", "permission denied"}},
		{name: "go reads the step's environment", file: "env.mod", link: "/proc/1/environ", vendored: true, export: true,
			gopherfile: "version: 1\ntidy: check\nenv:\n  GOFLAGS: -modfile=env.mod\nmodules:\n  private: [github.com/acme/*]\n",
			args:       []string{"--build-arg", "GOPROXY=http://ci:" + proxyPass + "@127.0.0.1:9/"},
			want:       []string{"env.mod", "permission denied"}},
		{name: "the tidy check reads a Go file that is the token", file: "pkg/leak.go", link: "/run/secrets/GIT_AUTH_TOKEN.github.com",
			want: []string{"pkg/leak.go is a symbolic link to /run/secrets/GIT_AUTH_TOKEN.github.com, outside the build context"}},
	}
	for _, d := range daemons(t) {
		for _, tt := range tests {
			t.Run(d.name+"/"+tt.name, func(t *testing.T) {
				dir := leakyTree(t, tt.file, tt.link, tt.gopherfile)
				if tt.vendored {
					writeFile(t, filepath.Join(dir, "vendor/modules.txt"), "")
				}
				out := t.TempDir()
				args := append(append(append([]string{}, base...), secrets...), tt.args...)
				if tt.export {
					args = append(args, "--target", "tidy", "-o", "type=local,dest="+out, ".")
				} else {
					args = append(args, "-o", "type=local,dest="+out, ".")
				}
				r := d.build(t, dir, args...)
				if r.err == nil {
					t.Errorf("the build succeeded:\n%s", tail(r.out, 30))
				}
				for _, w := range tt.want {
					if !strings.Contains(r.out, w) {
						t.Errorf("the output lacks %q:\n%s", w, tail(r.out, 30))
					}
				}
				noSecret(t, "the build output", r.out, token, netrcPass, proxyPass)
				noSecretInDir(t, out, token, netrcPass, proxyPass)
				if tt.export {
					if _, err := os.Lstat(filepath.Join(out, "go.sum")); err == nil {
						t.Errorf("the tidy target exported go.sum")
					}
				}
			})
		}
	}
}
