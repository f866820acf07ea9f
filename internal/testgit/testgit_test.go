package testgit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fixture() Module {
	path := fmt.Sprintf("%s/gf%08x/lib", Host, rand.Uint32())
	return Module{Path: path, Version: "v1.0.0", Files: map[string]string{
		"lib.go": "package lib\n\n// Hello greets.\nfunc Hello() string { return \"hello from " + path + "\" }\n",
	}}
}

func start(t *testing.T, mods ...Module) *Server {
	t.Helper()
	s, err := Start(mods...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// mainModule writes a main module that requires mod and prints lib.Hello().
func mainModule(t *testing.T, s *Server, mod Module) string {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "go.mod"), fmt.Sprintf("module example.com/app\n\ngo 1.22\n\nrequire %s %s\n", mod.Path, mod.Version))
	write(t, filepath.Join(dir, "go.sum"), strings.Join(s.GoSum(mod.Path, mod.Version), "\n")+"\n")
	write(t, filepath.Join(dir, "main.go"), fmt.Sprintf("package main\n\nimport (\n\t\"fmt\"\n\n\t%q\n)\n\nfunc main() { fmt.Println(lib.Hello()) }\n", mod.Path))
	return dir
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// goEnv is a go command environment that fetches mod directly (GOPRIVATE; with
// GOPROXY=off nothing else can be fetched), trusts the server's CA and uses
// gitconfig as git's only configuration.
func goEnv(t *testing.T, s *Server, mod Module, gitconfig string, extra ...string) []string {
	tmp := t.TempDir()
	ca := filepath.Join(tmp, "ca.pem")
	write(t, ca, string(s.CACertPEM()))
	env := []string{"GOENV=off", "GOFLAGS=-modcacherw", "GOTOOLCHAIN=local", "GOMODCACHE=" + filepath.Join(tmp, "modcache"),
		"GOPRIVATE=" + mod.Path, "GOPROXY=off", "HOME=" + tmp,
		"SSL_CERT_FILE=" + ca, "GIT_SSL_CAINFO=" + ca, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=" + gitconfig, "GIT_TERMINAL_PROMPT=0"}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	// The host's build cache: go run need not rebuild the standard library.
	if c, err := exec.Command("go", "env", "GOCACHE").Output(); err == nil {
		env = append(env, "GOCACHE="+strings.TrimSpace(string(c)))
	}
	return append(env, extra...)
}

func goRun(t *testing.T, dir string, env []string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestHTTPSWithToken fetches a module with the go command the way a private
// module is fetched directly: discovery over HTTPS, then git over HTTPS with a
// token from a credential helper. Without the helper git cannot authenticate.
func TestHTTPSWithToken(t *testing.T) {
	mod := fixture()
	s := start(t, mod)
	token := fmt.Sprintf("tok-%016x", rand.Uint64())
	s.RequireToken(token)
	dir := mainModule(t, s, mod)

	empty := filepath.Join(t.TempDir(), "gitconfig")
	write(t, empty, "")
	out, err := goRun(t, dir, goEnv(t, s, mod, empty), "mod", "download")
	if err == nil || !strings.Contains(out, "terminal prompts disabled") {
		t.Fatalf("without a token: err=%v, want git's terminal prompts disabled:\n%s", err, out)
	}

	tokenFile := filepath.Join(t.TempDir(), "token")
	write(t, tokenFile, token)
	gitconfig := filepath.Join(t.TempDir(), "gitconfig")
	write(t, gitconfig, fmt.Sprintf("[credential \"https://%s\"]\n\thelper = \"!f() { test \\\"$1\\\" = get && echo username=x-access-token && printf 'password=%%s\\\\n' \\\"$(cat %s)\\\"; }; f\"\n", Host, tokenFile))
	env := goEnv(t, s, mod, gitconfig)
	if out, err := goRun(t, dir, env, "mod", "download"); err != nil {
		t.Fatalf("with the token: %v\n%s\nrequests:\n%s", err, out, requests(s))
	}
	out, err = goRun(t, dir, env, "run", ".")
	if err != nil || !strings.Contains(out, "hello from "+mod.Path) {
		t.Fatalf("go run: %v\n%s", err, out)
	}
	var authed int
	for _, r := range s.Requests() {
		if r.Git && r.Authorized {
			authed++
			if r.User != "x-access-token" {
				t.Errorf("git sent the user %q", r.User)
			}
		}
	}
	if authed == 0 {
		t.Errorf("no authorized git request:\n%s", requests(s))
	}
}

// TestSSHWithAgent fetches a module over SSH: discovery over HTTPS (git over
// HTTPS is off), an insteadOf rule to ssh://git@127.0.0.1/, the key in an
// ssh-agent and the host key pinned in known_hosts.
func TestSSHWithAgent(t *testing.T) {
	mod := fixture()
	s := start(t, mod)
	s.DisableHTTPGit()
	agent, err := StartAgent()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(agent.Close)
	d, err := s.StartSSHD(agent.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := mainModule(t, s, mod)
	tmp := t.TempDir()
	kh := filepath.Join(tmp, "known_hosts")
	write(t, kh, d.KnownHostsLine()+"\n")
	gitconfig := filepath.Join(tmp, "gitconfig")
	write(t, gitconfig, fmt.Sprintf("[url \"ssh://git@%[1]s/\"]\n\tinsteadOf = https://%[1]s/\n", Host))
	sshCmd := "GIT_SSH_COMMAND=ssh -o UserKnownHostsFile=" + kh + " -o StrictHostKeyChecking=yes -o BatchMode=yes"
	env := goEnv(t, s, mod, gitconfig, sshCmd, "SSH_AUTH_SOCK="+agent.Sock)
	if out, err := goRun(t, dir, env, "mod", "download"); err != nil {
		t.Fatalf("go mod download over SSH: %v\n%s\nsshd:\n%s", err, out, d.Log())
	}
	if out, err := goRun(t, dir, env, "run", "."); err != nil || !strings.Contains(out, "hello from "+mod.Path) {
		t.Fatalf("go run: %v\n%s", err, out)
	}
	rel := strings.TrimPrefix(mod.Path, Host)
	if a := d.Access(); !strings.Contains(a, "git git-upload-pack '"+rel+".git'") {
		t.Errorf("access log lacks the fetch of %s.git:\n%s", rel, d.Log())
	}
	for _, r := range s.Requests() {
		if r.Git {
			t.Errorf("a git request came over HTTPS: %s", r)
		}
	}
}

func requests(s *Server) string {
	var b strings.Builder
	for _, r := range s.Requests() {
		fmt.Fprintln(&b, r)
	}
	return b.String()
}
