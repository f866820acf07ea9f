//go:build integration

package integration

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestUntrustedGopherfile: issue 21 item 4. With --build-arg
// GOPHERFILE_UNTRUSTED=1 a Gopherfile cannot choose what runs next to the
// secrets (its builder:, a GOAUTH command, a toolchain nobody checks), each
// refused at its line before any step runs; and its env: does not reach the
// steps that hold secrets: GOFLAGS=-x shows go's fetches in the download
// step's log when the Gopherfile is trusted, and not when it is not, while
// the compile still gets it. Without BUILDKIT_SYNTAX, the frontend chosen
// by the Gopherfile's own # syntax= line refuses to run.
func TestUntrustedGopherfile(t *testing.T) {
	untrusted := []string{"--build-arg", "GOPHERFILE_UNTRUSTED=1"}
	refused := []struct {
		name, gopherfile string
		want             []string
	}{
		{"any builder", "version: 1\nbuilder: evil.example/pwn:latest\n",
			[]string{"Gopherfile line 2", "builder: evil.example/pwn:latest is not an image Gopherfile would choose", "GOPHERFILE_BUILDERS"}},
		{"a GOAUTH command", "version: 1\nmodules:\n  auth: cat /run/secrets/netrc\n",
			[]string{"Gopherfile line 3", `modules.auth: "cat /run/secrets/netrc" runs a command`}},
		{"a toolchain without the checksum database", "version: 1\nmodules:\n  toolchain: auto\n  sumdb: \"off\"\n",
			[]string{"Gopherfile line 3", "GOTOOLCHAIN=auto lets the go command download and run the toolchain", "GOSUMDB=off"}},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyDir(t, "examples/hello")
			writeFile(t, filepath.Join(dir, "Gopherfile"), tt.gopherfile)
			r := buildx(t, dir, frontendArgs(append(untrusted, "-o", "type=local,dest="+t.TempDir(), ".")...)...)
			if r.err == nil {
				t.Fatalf("an untrusted Gopherfile with %s was built", tt.name)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.out, w) {
					t.Errorf("output lacks %q:\n%s", w, tail(r.out, 30))
				}
			}
			if strings.Contains(r.out, "[deps] go mod download") {
				t.Errorf("a step ran:\n%s", tail(r.out, 30))
			}
			// Trusted, the same Gopherfile plans (and fails later or not at all).
			r = buildx(t, dir, frontendArgs("--call", "outline", ".")...)
			if strings.Contains(r.out, "would choose") || strings.Contains(r.out, "runs a command") {
				t.Errorf("refused without GOPHERFILE_UNTRUSTED:\n%s", tail(r.out, 20))
			}
		})
	}

	t.Run("env does not reach the steps that hold secrets", func(t *testing.T) {
		mod := privateModule(t)
		p := startProxy(t, mod)
		dir := moduleUsing(t, p, mod, fmt.Sprintf("  proxy: %s\n  nosumdb: [example.com/*]\n", p.URL()))
		writeFile(t, filepath.Join(dir, "Gopherfile"), fmt.Sprintf("version: 1\nenv:\n  GOFLAGS: -x\nmodules:\n  proxy: %s\n  nosumdb: [example.com/*]\n", p.URL()))
		for _, mode := range []struct {
			name    string
			args    []string
			fetches bool
		}{{"trusted", nil, true}, {"untrusted", untrusted, false}} {
			args := append([]string{"--progress", "rawjson", "-f", "Gopherfile", "--build-arg", "BUILDKIT_SYNTAX=" + frontImg, "--no-cache"}, mode.args...)
			r := buildx(t, dir, append(args, "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")...)
			mustOK(t, r)
			logs := vertexLogs(t, r.out, "[deps] go mod download")
			if got := strings.Contains(logs, "# get "); got != mode.fetches {
				t.Errorf("%s: the download step ran go with the Gopherfile's GOFLAGS=-x: %v, want %v:\n%s", mode.name, got, mode.fetches, tail(logs, 20))
			}
			if build := vertexLogs(t, r.out, "[build app"); !strings.Contains(build, "WORK=") {
				t.Errorf("%s: the compile lost the Gopherfile's GOFLAGS=-x:\n%s", mode.name, tail(build, 10))
			}
		}
	})

	t.Run("the frontend is chosen by the build and not the Gopherfile", func(t *testing.T) {
		dir := copyDir(t, "examples/hello")
		syntaxLine(t, dir, "version: 1\n")
		r := buildx(t, dir, append([]string{"--progress", "plain", "-f", "Gopherfile", "-o", "type=local,dest=" + t.TempDir(), "."}, untrusted...)...)
		if r.err == nil || !strings.Contains(r.out, "chosen by its # syntax= line") || !strings.Contains(r.out, "--build-arg BUILDKIT_SYNTAX=") {
			t.Errorf("want the refusal naming BUILDKIT_SYNTAX:\n%s", tail(r.out, 20))
		}
	})
}
