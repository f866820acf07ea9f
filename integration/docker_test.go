//go:build integration

package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The docker tests build through a real Docker Engine (hack/up.sh starts it)
// with the default docker driver, as most Go teams do: docker build ... --load,
// then docker run.

// quickstart is the README's Quickstart section: the Gopherfile and the
// docker commands, in order.
func quickstart(t *testing.T) (gopherfile string, commands [][]string) {
	t.Helper()
	readme := readFile(t, filepath.Join(repoRoot, "README.md"))
	i := strings.Index(readme, "## Quickstart")
	if i < 0 {
		t.Fatal("README.md has no ## Quickstart section")
	}
	sec := readme[i+len("## Quickstart"):]
	sec = sec[:strings.Index(sec, "\n## ")]
	blocks := regexp.MustCompile("(?s)```(\\w+)\\n(.*?)```").FindAllStringSubmatch(sec, -1)
	for _, b := range blocks {
		body := dedent(b[2])
		switch b[1] {
		case "yaml":
			if gopherfile == "" {
				gopherfile = body
			}
		case "sh":
			for _, line := range strings.Split(body, "\n") {
				if f := strings.Fields(line); len(f) > 0 && f[0] == "docker" {
					commands = append(commands, f)
				}
			}
		}
	}
	if gopherfile == "" || len(commands) < 2 {
		t.Fatalf("the README quickstart should have a yaml block and docker commands; found %q and %q", gopherfile, commands)
	}
	return gopherfile, commands
}

// dedent strips the indentation of a code block inside a list item.
func dedent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "   ")
	}
	return strings.Join(lines, "\n")
}

// requireFrontendTag fails when docker.io/gopherfile/frontend:1 (the name in
// the README's # syntax= line, served by the registry mirror) is not the
// frontend image under test.
func requireFrontendTag(t *testing.T) {
	t.Helper()
	repo, tag, _ := strings.Cut(strings.TrimPrefix(frontImg, "localhost:"+os.Getenv("GF_REGISTRY_PORT")+"/"), ":")
	if got, want := registryDigest(t, "gopherfile/frontend", "1"), registryDigest(t, repo, tag); got != want {
		t.Fatalf("docker.io/gopherfile/frontend:1 in the test registry is %s, not %s (%s): run hack/frontend-image.sh again (another build pushed the tag)", got, frontImg, want)
	}
}

// TestDockerQuickstart runs the README's quickstart commands, as written, on a
// module github.com/acme/tool: docker build --load, then docker run, which
// prints the uid the binary runs as.
func TestDockerQuickstart(t *testing.T) {
	t.Parallel() // a long test of its own (see parallelTests)
	requireDocker(t)
	requireFrontendTag(t)
	start := time.Now()
	gopherfile, commands := quickstart(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Gopherfile"), gopherfile)
	writeFile(t, filepath.Join(dir, "go.mod"), "module github.com/acme/tool\n\ngo 1.26\n")
	writeFile(t, filepath.Join(dir, "main.go"), readFile(t, filepath.Join(repoRoot, "examples/hello/main.go")))
	var runOut string
	for _, c := range commands {
		if c[1] == "run" {
			out, err := dockerStdout(t, dir, c[1:]...)
			if err != nil {
				t.Fatalf("%s: %v\n%s", strings.Join(c, " "), err, out)
			}
			runOut = out
			continue
		}
		mustOK(t, docker(t, dir, c[1:]...))
	}
	t.Cleanup(func() { docker(t, dir, "image", "rm", "-f", "acme/tool:dev") })
	if want := "Hello, gopher! (built by Gopherfile, linux/amd64, uid 65532)\n"; runOut != want {
		t.Errorf("docker run printed %q, want %q", runOut, want)
	}
	cfg, err := dockerStdout(t, dir, "image", "inspect", "--format", "{{.Config.User}} {{json .Config.Entrypoint}}", "acme/tool:dev")
	if err != nil || strings.TrimSpace(cfg) != `65532 ["/usr/local/bin/tool"]` {
		t.Errorf("image config: %q %v, want user 65532 and entrypoint /usr/local/bin/tool", cfg, err)
	}
	t.Logf("quickstart on Docker Engine: %s", time.Since(start).Round(time.Second))
}

// syntaxLine writes a Gopherfile for the frontend image under test.
func syntaxLine(t *testing.T, dir, body string) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "Gopherfile"), "# syntax="+frontImg+"\n"+body)
}

// TestDockerMultiBinarySBOM: the multi example (two binaries, two platforms)
// with --sbom=true through the docker driver: docker run runs each binary as
// nonroot, and docker save holds the SPDX SBOM of the Go modules.
func TestDockerMultiBinarySBOM(t *testing.T) {
	t.Parallel() // a long test of its own (see parallelTests)
	requireDocker(t)
	dir := copyDir(t, "examples/multi")
	src := readFile(t, filepath.Join(dir, "Gopherfile"))
	syntaxLine(t, dir, src[strings.Index(src, "\n")+1:])
	tag := fmt.Sprintf("gopherfile-test/multi:%d", time.Now().UnixNano())
	t.Cleanup(func() { docker(t, dir, "image", "rm", "-f", tag) })
	mustOK(t, docker(t, dir, "build", "--sbom=true", "-f", "Gopherfile", "-t", tag, "--load", "."))

	for _, c := range []struct{ entrypoint, want string }{{"", "hello from api\n"}, {"/app/worker", "hello from worker\n"}} {
		args := []string{"run", "--rm"}
		if c.entrypoint != "" {
			args = append(args, "--entrypoint", c.entrypoint)
		}
		out, err := dockerStdout(t, dir, append(args, tag)...)
		if err != nil || out != c.want {
			t.Errorf("docker run %s: %q %v, want %q", c.entrypoint, out, err, c.want)
		}
	}
	if user, _ := dockerStdout(t, dir, "image", "inspect", "--format", "{{.Config.User}}", tag); strings.TrimSpace(user) != "65532" {
		t.Errorf("user %q, want 65532", user)
	}

	saved := filepath.Join(t.TempDir(), "multi.tar")
	mustOK(t, docker(t, dir, "save", "-o", saved, tag))
	img := loadOCI(t, saved)
	if img.Configs["linux/amd64"] == nil || img.Configs["linux/arm64"] == nil {
		t.Errorf("docker save lacks a platform: %v", img.Configs)
	}
	sbom := false
	filepath.Walk(filepath.Join(img.Dir, "blobs"), func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		s := readFile(t, p)
		if strings.Contains(s, "SPDX-2.3") && strings.Contains(s, "pkg:golang/github.com/gopherfile/gopherfile/examples/multi") && strings.Contains(s, "pkg:golang/stdlib@") {
			sbom = true
		}
		return nil
	})
	if !sbom {
		t.Error("the loaded image has no SPDX SBOM listing its Go modules")
	}
}

// TestDockerCallCheck: docker build --call check reports the lint findings
// with their Gopherfile line, and fails.
func TestDockerCallCheck(t *testing.T) {
	requireDocker(t)
	dir := copyDir(t, "examples/hello")
	syntaxLine(t, dir, "version: 1\nimage:\n  user: root\n")
	r := docker(t, dir, "build", "--call", "check", "-f", "Gopherfile", ".")
	if r.err == nil {
		t.Error("--call check with a finding succeeded")
	}
	for _, want := range []string{"root-user", "Gopherfile:4", "user: root"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("--call check output lacks %q:\n%s", want, tail(r.out, 20))
		}
	}
}

// TestDockerNetworkHost: a module proxy on the host's loopback is out of reach
// of the engine's default (bridge) network; with --network host the download
// step reaches it (TestNetworkHostCompileOffline shows the compile stays offline).
func TestDockerNetworkHost(t *testing.T) {
	t.Parallel() // a long test of its own (see parallelTests)
	requireDocker(t)
	mod := privateModule(t)
	p := startProxy(t, mod)
	dir := moduleUsing(t, p, mod, "  retries: 0\n  nosumdb: [example.com/*]\n")
	src := readFile(t, filepath.Join(dir, "Gopherfile"))
	syntaxLine(t, dir, src)
	tag := fmt.Sprintf("gopherfile-test/net:%d", time.Now().UnixNano())
	t.Cleanup(func() { docker(t, dir, "image", "rm", "-f", tag) })
	proxy := "--build-arg=GOPROXY=" + p.URL()

	r := docker(t, dir, "build", "--progress", "plain", proxy, "-f", "Gopherfile", "-t", tag, "--load", ".")
	if r.err == nil {
		t.Fatalf("the engine's default network reached the host's loopback; the test proves nothing:\n%s", tail(r.out, 20))
	}
	if !strings.Contains(r.out, "connection refused") || !strings.Contains(r.out, "GOPROXY="+p.URL()+" (from build arg GOPROXY)") {
		t.Errorf("without --network host: want connection refused and the GOPROXY advice:\n%s", tail(r.out, 30))
	}

	r = docker(t, dir, "build", "--progress", "plain", "--network", "host", proxy, "-f", "Gopherfile", "-t", tag, "--load", ".")
	mustOK(t, r)
	out, err := dockerStdout(t, dir, "run", "--rm", tag)
	if err != nil || out != "hello from "+mod.Path+"\n" {
		t.Errorf("docker run: %q %v", out, err)
	}
	if p.Requests() == 0 {
		t.Error("the proxy on the host's loopback saw no request")
	}
}
