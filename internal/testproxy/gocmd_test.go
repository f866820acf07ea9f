package testproxy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// goRun is a temporary main module plus an environment for running the real
// go command against test proxies.
type goRun struct {
	t   *testing.T
	dir string
	env map[string]string
}

// newGoRun creates a main module example.com/app that requires reqs (as
// "path version" pairs) and whose go.sum holds sums.
func newGoRun(t *testing.T, goproxy string, reqs [][2]string, sums []string) *goRun {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("go command not found: these tests run the real go command")
	}
	dir := t.TempDir()
	var gomod strings.Builder
	gomod.WriteString("module example.com/app\n\ngo 1.22\n")
	if len(reqs) > 0 {
		gomod.WriteString("\nrequire (\n")
		for _, r := range reqs {
			gomod.WriteString("\t" + r[0] + " " + r[1] + "\n")
		}
		gomod.WriteString(")\n")
	}
	writeFile(t, filepath.Join(dir, "go.mod"), gomod.String())
	if len(sums) > 0 {
		writeFile(t, filepath.Join(dir, "go.sum"), strings.Join(sums, "\n")+"\n")
	}
	env := map[string]string{
		"GOPROXY":     goproxy,
		"GOSUMDB":     "off",
		"GOFLAGS":     "-mod=mod -modcacherw",
		"GOMODCACHE":  filepath.Join(t.TempDir(), "modcache"),
		"GOCACHE":     filepath.Join(t.TempDir(), "gocache"),
		"GOTOOLCHAIN": "local",
		"GOENV":       "off",
		"GONOSUMDB":   "",
		"GONOPROXY":   "",
		"GOPRIVATE":   "",
		"GOINSECURE":  "",
		"GOAUTH":      "netrc",
		"NETRC":       filepath.Join(dir, "no-netrc"),
		// The go command sets GIT_TERMINAL_PROMPT=0 itself; keep git quiet
		// if a test ever reaches it.
		"GIT_TERMINAL_PROMPT": "0",
	}
	return &goRun{t: t, dir: dir, env: env}
}

// environ returns the process environment for the go command: the test's
// environment without any Go, proxy or TLS setting, plus g.env.
func (g *goRun) environ() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		uk := strings.ToUpper(k)
		if _, ok := g.env[k]; ok {
			continue
		}
		if strings.HasPrefix(uk, "GO") || strings.HasSuffix(uk, "_PROXY") ||
			uk == "NETRC" || strings.HasPrefix(uk, "SSL_CERT") || strings.HasPrefix(uk, "GIT_") {
			continue
		}
		out = append(out, kv)
	}
	for k, v := range g.env {
		out = append(out, k+"="+v)
	}
	return out
}

// goCmd runs the go command in the main module and returns its combined
// output.
func (g *goRun) goCmd(args ...string) (string, error) {
	g.t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = g.dir
	cmd.Env = g.environ()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// cleanCache empties the module cache, so the next command downloads again.
func (g *goRun) cleanCache() {
	g.t.Helper()
	if out, err := g.goCmd("clean", "-modcache"); err != nil {
		g.t.Fatalf("go clean -modcache: %v\n%s", err, out)
	}
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
