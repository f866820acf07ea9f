//go:build integration

package integration

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestHostileInput runs Gopherfiles and build args from the adversarial pass
// (issue 11) through docker buildx build with the frontend image: each is
// refused before any step runs, with the Gopherfile line (buildx prints the
// line under the message) and what to do with the real value.
func TestHostileInput(t *testing.T) {
	tests := []struct {
		name       string
		gopherfile string
		files      map[string]string
		args       []string
		want       []string
		notWant    []string
	}{
		{
			name:       "main runs no shell",
			gopherfile: "version: 1\nbuilds:\n  - main: \"./x$(id >&2)\"\n",
			want:       []string{"Gopherfile line 3", `builds[0].main: "./x$(id >&2)" contains '$'`, "./cmd/server", ">>>   - main:"},
			notWant:    []string{"uid="},
		},
		{
			name:       "main with backticks",
			gopherfile: "version: 1\nbuilds:\n  - main: \"./x`id`\"\n",
			want:       []string{"Gopherfile line 3", "contains '`'"},
			notWant:    []string{"uid="},
		},
		{
			name:       "every problem at once",
			gopherfile: "version: 1\ntidy: chek\nbuilds:\n  - output: /tmp\nenv:\n  GOPHERFILE_STEP: \"echo pwned\"\n  GOOS: windows\n",
			want: []string{
				`Gopherfile line 2, column 1: tidy: unknown value "chek" (did you mean "check"?`,
				"Gopherfile line 4, column 5: builds[0].output: /tmp is a directory or file the image needs",
				"Gopherfile line 6, column 3: env.GOPHERFILE_STEP: GOPHERFILE_STEP cannot be set here",
				"Gopherfile line 7, column 3: env.GOOS: GOOS cannot be set here: the target platform sets GOOS (remove it; list the target platforms in platforms:",
				">>> tidy: chek", ">>>   - output: /tmp", ">>>   GOPHERFILE_STEP:",
			},
			notWant: []string{"pwned\n"},
		},
		{
			name:       "module settings belong in modules",
			gopherfile: "version: 1\nenv:\n  GOPROXY: https://proxy.example\n  HOME: /root\n",
			want:       []string{"Gopherfile line 3", "env.GOPROXY", "write it as modules.proxy", "Gopherfile line 4", "env.HOME"},
		},
		{
			name:       "output replaces a system file",
			gopherfile: "version: 1\nbuilds:\n  - output: /etc/passwd\n",
			want:       []string{"Gopherfile line 3", "/etc/passwd is a directory or file the image needs", "e.g. /usr/local/bin/server"},
		},
		{
			name:       "a file replaces the binary",
			gopherfile: "version: 1\nimage:\n  files:\n    - {src: main.go, dst: /usr/local/bin/hello}\n",
			want:       []string{"Gopherfile line 4", "image.files[0].dst: /usr/local/bin/hello is /usr/local/bin/hello, the binary of the default build", "the copy would replace the binary"},
		},
		{
			name:       "empty entrypoint",
			gopherfile: "version: 1\nimage:\n  entrypoint: [\"\"]\n",
			want:       []string{"Gopherfile line 3", "image.entrypoint[0]", "is empty"},
		},
		{
			name:       "second document",
			gopherfile: "version: 1\n---\nimage:\n  base: scratch\n",
			want:       []string{"Gopherfile line 2", "second YAML document", "would be ignored"},
		},
		{
			name:       "known_hosts line with a newline",
			gopherfile: "version: 1\nmodules:\n  ssh: optional\n  knownHosts: [\"a ssh-ed25519 AAAA\\nb ssh-rsa BBBB\"]\n",
			want:       []string{"Gopherfile line 4", "modules.knownHosts[0]", "a newline", "one known_hosts line per list item"},
		},
		{
			name:       "duplicate platforms",
			gopherfile: "version: 1\nplatforms: [linux/amd64, linux/amd64]\n",
			want:       []string{"Gopherfile line 2", "platforms[1]: linux/amd64 is listed twice", "list each platform once"},
		},
		{
			name:       "duplicate --platform",
			gopherfile: "version: 1\n",
			args:       []string{"--platform", "linux/amd64,linux/amd64"},
			want:       []string{"--platform lists linux/amd64 twice"},
		},
		{
			name:       "ldflags injection through a build arg",
			gopherfile: "version: 1\nbuilds:\n  - ldflags: \"-X main.version={{.Version}}\"\n",
			args:       []string{"--build-arg", "VERSION=1.0 -X main.admin=true"},
			want:       []string{"Gopherfile line 3", "builds[0].ldflags: the build arg VERSION is \"1.0 -X main.admin=true\", which contains a space", "is refused"},
		},
		{
			name:       "ldflags newline through .Arg",
			gopherfile: "version: 1\nbuilds:\n  - ldflags: \"-X main.flavor={{.Arg \\\"FLAVOR\\\"}}\"\n",
			args:       []string{"--build-arg", "FLAVOR=a\n-X main.admin=true"},
			want:       []string{"Gopherfile line 3", "the build arg FLAVOR", "a newline"},
		},
		{
			name:       "ldflags template bomb",
			gopherfile: "version: 1\nbuilds:\n  - ldflags: '" + strings.Repeat(`{{printf "%0999999d" 1}}`, 500) + "'\n",
			want:       []string{"Gopherfile line 3", "builds[0].ldflags", "widths and precisions above 999"},
			notWant:    []string{"larger than max"},
		},
		{
			name:       "ldflags template too long",
			gopherfile: "version: 1\nbuilds:\n  - ldflags: '" + strings.Repeat(`{{printf "%0999d" 1}}`, 100) + "'\n",
			want:       []string{"Gopherfile line 3", "builds[0].ldflags: the template expands to more than 64 KiB"},
		},
		{
			// Issue 21 item 13: the proxy password would be compiled into the binary.
			name:       "ldflags reads the HTTPS proxy",
			gopherfile: "version: 1\nbuilds:\n  - ldflags: \"-X main.p={{.Arg \\\"HTTPS_PROXY\\\"}}\"\n",
			args:       []string{"--build-arg", "HTTPS_PROXY=http://corp:pw-in-the-proxy@proxy.corp:3128"},
			want:       []string{"Gopherfile line 3", `.Arg "HTTPS_PROXY" is refused`, "password"},
			notWant:    []string{"pw-in-the-proxy"},
		},
		{
			name:       "ldflags reads GOPROXY",
			gopherfile: "version: 1\nbuilds:\n  - ldflags: \"-X main.p={{.Arg \\\"GOPROXY\\\"}}\"\n",
			args:       []string{"--build-arg", "GOPROXY=https://ci:pw-in-goproxy@proxy.corp"},
			want:       []string{"Gopherfile line 3", `.Arg "GOPROXY" is refused`},
			notWant:    []string{"pw-in-goproxy"},
		},
		{
			// Issue 21 item 4: code of the Gopherfile's choosing next to the secrets.
			name:       "env loads code next to the secrets",
			gopherfile: "version: 1\nenv:\n  LD_PRELOAD: /src/evil.so\n  PATH: /src/bin:/usr/bin\n  GIT_CONFIG_COUNT: \"1\"\n  BASH_ENV: /src/x.sh\n",
			want: []string{
				"Gopherfile line 3, column 3: env.LD_PRELOAD: LD_PRELOAD cannot be set here", "load code of the Gopherfile's choosing",
				"Gopherfile line 4, column 3: env.PATH: PATH cannot be set here", "absolute path",
				"Gopherfile line 5, column 3: env.GIT_CONFIG_COUNT", "Gopherfile line 6, column 3: env.BASH_ENV",
			},
		},
		{
			name:       "untrusted Gopherfile names its builder",
			gopherfile: "version: 1\nbuilder: evil.example/pwn:latest\n",
			args:       []string{"--build-arg", "GOPHERFILE_UNTRUSTED=1"},
			want:       []string{"Gopherfile line 2", "builder: evil.example/pwn:latest is not an image Gopherfile would choose"},
		},
		{
			name:       "untrusted Gopherfile runs a GOAUTH command",
			gopherfile: "version: 1\nmodules:\n  auth: sh -c 'cat /run/secrets/*'\n",
			args:       []string{"--build-arg", "GOPHERFILE_UNTRUSTED=1"},
			want:       []string{"Gopherfile line 3", "runs a command"},
		},
		{
			name:       "a typo in GOPHERFILE_UNTRUSTED",
			gopherfile: "version: 1\n",
			args:       []string{"--build-arg", "GOPHERFILE_UNTRUSTED=yes"},
			want:       []string{"--build-arg GOPHERFILE_UNTRUSTED=yes: write 1"},
		},
		{
			name:       "SOURCE_DATE_EPOCH not a number",
			gopherfile: "version: 1\n",
			args:       []string{"--build-arg", "SOURCE_DATE_EPOCH=notanumber"},
			want:       []string{"--build-arg SOURCE_DATE_EPOCH=notanumber is not a Unix time in seconds"},
		},
		{
			name:       "builder tag from go: does not exist",
			gopherfile: "# syntax line\nversion: 1\ngo: \"1.99\"\n",
			want:       []string{"Gopherfile line 3", `resolving the builder image docker.io/library/golang:1.99 (chosen by go: "1.99" in the Gopherfile)`, "check that the tag exists", ">>> go: \"1.99\""},
		},
		{
			name:       "builder tag from go.mod does not exist",
			gopherfile: "version: 1\n",
			files:      map[string]string{"go.mod": "module example.com/hello\n\ngo 1.99\n"},
			want:       []string{"resolving the builder image docker.io/library/golang:1.99 (chosen by the go line of go.mod (line 3: go 1.99))"},
		},
		{
			// coredns v1.15.0's .dockerignore, written for a Dockerfile that copies a prebuilt binary.
			name:       "dockerignore leaves go.mod out",
			gopherfile: "version: 1\n",
			files:      map[string]string{".dockerignore": "*\n!coredns\n"},
			want:       []string{"Gopherfile line 1", "there is no go.mod in the build context at go.mod", `.dockerignore leaves go.mod out of the build context (its pattern "*")`, "BuildKit reads Gopherfile.dockerignore instead"},
		},
		{
			name:       "base image without the platform",
			gopherfile: "version: 1\nplatforms: [linux/arm64]\nimage:\n  base: gcr.io/distroless/base-debian12:nonroot\n",
			want:       []string{"Gopherfile line 4", "the runtime base image gcr.io/distroless/base-debian12:nonroot has no linux/arm64 variant", "choose a base image that has one"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := copyDir(t, "examples/hello")
			writeFile(t, filepath.Join(dir, "Gopherfile"), tt.gopherfile)
			for name, content := range tt.files {
				writeFile(t, filepath.Join(dir, name), content)
			}
			args := append([]string{"--progress", "plain", "-f", "Gopherfile", "--build-arg", "BUILDKIT_SYNTAX=" + frontImg}, tt.args...)
			args = append(args, "-o", "type=oci,dest="+filepath.Join(t.TempDir(), "x.tar"), ".")
			r := buildx(t, dir, args...)
			if r.err == nil {
				t.Fatalf("the build succeeded; want an error\n%s", tail(r.out, 40))
			}
			for _, w := range tt.want {
				if !strings.Contains(r.out, w) {
					t.Errorf("output lacks %q:\n%s", w, tail(r.out, 40))
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(r.out, w) {
					t.Errorf("output has %q:\n%s", w, tail(r.out, 40))
				}
			}
			for _, bad := range []string{"goroutine ", "panic:", ".go:"} {
				if strings.Contains(errorLines(r.out), bad) {
					t.Errorf("the error looks like a crash or stack trace (%q):\n%s", bad, tail(r.out, 40))
				}
			}
			// Refused before any build step ran (the steps' progress names;
			// a message may name the step it protects).
			if strings.Contains(r.out, "[deps] go mod download") || strings.Contains(r.out, "[build ") {
				t.Errorf("a build step ran:\n%s", tail(r.out, 40))
			}
		})
	}
}
