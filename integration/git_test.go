//go:build integration

package integration

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/testgit"
)

// Private modules fetched straight from git, the way GOPRIVATE modules are
// fetched: the go command in the download step asks https://127.0.0.1/PATH?go-get=1
// for the repository (go-get discovery, over TLS with a CA the build gets as
// the cacert secret), then runs git against it. The module path is
// 127.0.0.1/gfXXXXXXXX/lib: a module path's host cannot carry a port, so the
// git server (internal/testgit) listens on 127.0.0.1:443 and sshd on
// 127.0.0.1:22, reachable from the build because buildkitd uses the host
// network. Every run uses a new module path, so the shared module cache of
// the builder never already holds it and every build really fetches. The
// builds pass GOPROXY=off: GOPRIVATE modules are still fetched directly, and
// nothing can reach a public proxy.

// gitModule is a fixture module with a path unique to this test run.
func gitModule() testgit.Module {
	path := fmt.Sprintf("%s/gf%08x/lib", testgit.Host, rand.Uint32())
	return testgit.Module{Path: path, Version: "v1.0.0", Files: map[string]string{
		"lib.go": "package lib\n\n// Hello greets.\nfunc Hello() string { return \"hello over git from " + path + "\" }\n",
	}}
}

func startGit(t *testing.T, mods ...testgit.Module) *testgit.Server {
	t.Helper()
	s, err := testgit.Start(mods...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// gitOverSSH is a git server for one module that serves it over SSH only
// (an sshd whose authorized key is the agent's), and the CA bundle of its
// HTTPS side, for the tests of git over SSH.
type gitOverSSH struct {
	mod   testgit.Module
	s     *testgit.Server
	agent *testgit.Agent
	d     *testgit.SSHD
	ca    string
}

func startGitOverSSH(t *testing.T) gitOverSSH {
	t.Helper()
	g := gitOverSSH{mod: gitModule()}
	g.s = startGit(t, g.mod)
	g.s.DisableHTTPGit()
	agent, err := testgit.StartAgent()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(agent.Close)
	g.agent = agent
	if g.d, err = g.s.StartSSHD(agent.PublicKey); err != nil {
		t.Fatal(err)
	}
	g.ca = filepath.Join(t.TempDir(), "ca.pem")
	writeFile(t, g.ca, string(g.s.CACertPEM()))
	return g
}

// gitApp writes a main module that requires mod, with go.sum, and a Gopherfile
// with the given modules: section.
func gitApp(t *testing.T, s *testgit.Server, mod testgit.Module, modules string) string {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), fmt.Sprintf("module example.com/app\n\ngo 1.26\n\nrequire %s %s\n", mod.Path, mod.Version))
	writeFile(t, filepath.Join(dir, "go.sum"), strings.Join(s.GoSum(mod.Path, mod.Version), "\n")+"\n")
	writeFile(t, filepath.Join(dir, "main.go"), fmt.Sprintf("package main\n\nimport (\n\t\"fmt\"\n\n\t%q\n)\n\nfunc main() { fmt.Println(lib.Hello()) }\n", mod.Path))
	writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\nmodules:\n"+modules)
	return dir
}

func gitRequests(s *testgit.Server) string {
	var b strings.Builder
	for _, r := range s.Requests() {
		fmt.Fprintln(&b, r)
	}
	return b.String()
}

// TestPrivateGitOverHTTPSWithToken: a GOPRIVATE module whose git server wants
// a token. The Gopherfile names only modules.private; the git host of the
// token secret is taken from it. Without the token the build fails at once
// with git's own words and the row 6 advice; with
// --secret id=GIT_AUTH_TOKEN.127.0.0.1 the download step's credential helper
// answers git's 401, the image runs, and the token is nowhere in the image.
func TestPrivateGitOverHTTPSWithToken(t *testing.T) {
	mod := gitModule()
	s := startGit(t, mod)
	token := fmt.Sprintf("gittok-%016x", rand.Uint64())
	s.RequireToken(token)

	secrets := t.TempDir()
	ca := filepath.Join(secrets, "ca.pem")
	writeFile(t, ca, string(s.CACertPEM()))
	tokenFile := filepath.Join(secrets, "token")
	writeFile(t, tokenFile, token)

	dir := gitApp(t, s, mod, fmt.Sprintf("  private: [%s]\n", mod.Path))

	r := cli(t, dir, "--progress", "plain", "--build-arg", "GOPROXY=off", "--secret", "id=cacert,src="+ca, "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	if r.err == nil {
		t.Fatalf("built without the git token:\n%s", tail(r.out, 40))
	}
	for _, want := range []string{"terminal prompts disabled", "row 6"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("without the token: output lacks %q:\n%s", want, tail(r.out, 40))
		}
	}
	t.Logf("without the token:\n%s", tail(r.out, 12))
	if strings.Contains(r.out, "retry 1 of") {
		t.Errorf("missing credentials must not be retried:\n%s", tail(r.out, 40))
	}
	var denied int
	for _, q := range s.Requests() {
		if q.Git && q.Status == 401 {
			denied++
		}
		if q.Authorized {
			t.Errorf("an authorized request without the token: %s", q)
		}
	}
	if denied == 0 {
		t.Errorf("the git server saw no unauthenticated git request, so the failure was not git's 401:\n%s", gitRequests(s))
	}

	tarball := filepath.Join(t.TempDir(), "app.tar")
	r = cli(t, dir, "--progress", "plain", "--build-arg", "GOPROXY=off", "--secret", "id=cacert,src="+ca,
		"--secret", "id=GIT_AUTH_TOKEN."+testgit.Host+",src="+tokenFile, "-o", "type=oci,dest="+tarball, ".")
	mustOK(t, r)
	if strings.Contains(r.out, token) {
		t.Errorf("the token appears in the build output")
	}
	var authed int
	for _, q := range s.Requests() {
		if q.Git && q.Authorized {
			authed++
			if q.User != "x-access-token" {
				t.Errorf("git sent the user name %q, want x-access-token", q.User)
			}
		}
	}
	if authed == 0 {
		t.Fatalf("no git request carried the token:\n%s", gitRequests(s))
	}
	t.Logf("git server: %d requests, %d with the token", len(s.Requests()), authed)
	img := loadOCI(t, tarball)
	if got := runBinary(t, filepath.Join(img.Rootfs["linux/amd64"], "usr/local/bin/app")); !strings.Contains(got, "hello over git from "+mod.Path) {
		t.Errorf("app printed %q", got)
	}
	scanForSecret(t, img.Dir, token)
}

// TestPrivateGitOverSSHWithAgent: the same private module, but git over HTTPS
// is refused and only sshd (user git, one authorized key, host key pinned with
// modules.knownHosts) serves the repository. modules.ssh: required fails at
// once without --ssh; a wrong known_hosts line fails with "Host key
// verification failed" and row 7 (StrictHostKeyChecking=yes is honoured); with
// the agent forwarded (--ssh default=SOCK) the download step's insteadOf rule
// sends git to ssh://git@127.0.0.1/, the agent signs, and the image runs.
func TestPrivateGitOverSSHWithAgent(t *testing.T) {
	g := startGitOverSSH(t)
	mod, s, agent, d, ca := g.mod, g.s, g.agent, g.d, g.ca
	gopherfile := func(knownHost string) string {
		return fmt.Sprintf("  private: [%s]\n  ssh: required\n  knownHosts:\n    - %q\n", mod.Path, knownHost)
	}
	dir := gitApp(t, s, mod, gopherfile(d.KnownHostsLine()))

	// No agent: the preamble stops before the go command runs.
	r := cli(t, dir, "--progress", "plain", "--build-arg", "GOPROXY=off", "--secret", "id=cacert,src="+ca, "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	if r.err == nil || !strings.Contains(r.out, "needs an SSH agent") || !strings.Contains(r.out, "--ssh default") {
		t.Errorf("without --ssh: want the modules.ssh: required message:\n%s", tail(r.out, 30))
	}

	// A known_hosts line with another key for 127.0.0.1: ssh must refuse the server.
	other := strings.Fields(agent.PublicKey)
	writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\nmodules:\n"+gopherfile(testgit.Host+" "+other[0]+" "+other[1]))
	r = cli(t, dir, "--progress", "plain", "--build-arg", "GOPROXY=off", "--secret", "id=cacert,src="+ca, "--ssh", "default="+agent.Sock, "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	if r.err == nil {
		t.Fatalf("built although the pinned host key is not the server's:\n%s", tail(r.out, 40))
	}
	t.Logf("with a wrong host key:\n%s", tail(r.out, 12))
	for _, want := range []string{"Host key verification failed", "row 7"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("wrong host key: output lacks %q:\n%s", want, tail(r.out, 40))
		}
	}
	if strings.Contains(d.Log(), "Accepted publickey") {
		t.Errorf("sshd accepted a login although the client should have refused its host key:\n%s", d.Log())
	}

	writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\nmodules:\n"+gopherfile(d.KnownHostsLine()))
	out := t.TempDir()
	r = cli(t, dir, "--progress", "plain", "--build-arg", "GOPROXY=off", "--secret", "id=cacert,src="+ca, "--ssh", "default="+agent.Sock, "--target", "binaries", "-o", "type=local,dest="+out, ".")
	if r.err != nil {
		t.Fatalf("build over SSH failed: %v\n%s\nsshd:\n%s", r.err, tail(r.out, 60), d.Log())
	}
	if got := runBinary(t, filepath.Join(out, "app")); !strings.Contains(got, "hello over git from "+mod.Path) {
		t.Errorf("app printed %q", got)
	}
	log := d.Log()
	if !strings.Contains(log, "Accepted publickey for git from 127.0.0.1") {
		t.Errorf("sshd did not accept the agent's key:\n%s", log)
	}
	rel := strings.TrimPrefix(mod.Path, testgit.Host)
	if !strings.Contains(d.Access(), "git git-upload-pack '"+rel+".git'") {
		t.Errorf("the repository was not fetched over SSH:\n%s", log)
	}
	for _, q := range s.Requests() {
		if q.Git {
			t.Errorf("a git request came over HTTPS, not SSH: %s", q)
		}
	}
	t.Logf("sshd access log:\n%s", d.Access())
}
