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

// TestGitNetrcMachineOnly: issue 21 item 10. git's curl used a netrc
// "default" entry for any host (the go command ignores it). Now git gets
// netrc logins from the step helper's credential agent, machine entries
// only: with a default entry alone, the git server never sees the token;
// with a machine entry for the host, git authenticates and the image runs.
func TestGitNetrcMachineOnly(t *testing.T) {
	mod := gitModule()
	s := startGit(t, mod)
	token := fmt.Sprintf("gittok-%016x", rand.Uint64())
	s.RequireToken(token)
	secrets := t.TempDir()
	ca := filepath.Join(secrets, "ca.pem")
	writeFile(t, ca, string(s.CACertPEM()))
	netrc := filepath.Join(secrets, "netrc")
	dir := gitApp(t, s, mod, fmt.Sprintf("  private: [%s]\n", mod.Path))
	build := func() result {
		return cli(t, dir, "--progress", "plain", "--build-arg", "GOPROXY=off", "--secret", "id=cacert,src="+ca, "--secret", "id=netrc,src="+netrc,
			"--no-cache", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	}

	writeFile(t, netrc, "default login x-access-token password "+token+"\n")
	r := build()
	if r.err == nil {
		t.Fatalf("built with the netrc default entry, which the go command ignores:\n%s", tail(r.out, 20))
	}
	for _, q := range s.Requests() {
		if q.Authorized {
			t.Errorf("git sent the default entry's token: %s", q)
		}
	}
	noSecret(t, "the build output", r.out, token)

	writeFile(t, netrc, "machine "+testgit.Host+" login x-access-token password "+token+"\n")
	r = build()
	mustOK(t, r)
	noSecret(t, "the build output", r.out, token)
	var authed int
	for _, q := range s.Requests() {
		if q.Authorized {
			authed++
		}
	}
	if authed == 0 {
		t.Errorf("no git request carried the netrc machine entry's token:\n%s", gitRequests(s))
	}
}

// TestSSHUnknownHostRefused: issue 21 item 15. Without modules.knownHosts
// a host that is not one of the big code hosts is refused (the download
// step starts with a fresh HOME every build, so accept-new would trust
// anyone every time); modules.sshUnknownHosts: accept-new takes it.
func TestSSHUnknownHostRefused(t *testing.T) {
	g := startGitOverSSH(t)
	mod, s, agent, d, ca := g.mod, g.s, g.agent, g.d, g.ca
	dir := gitApp(t, s, mod, fmt.Sprintf("  private: [%s]\n  ssh: required\n", mod.Path))
	build := func() result {
		return cli(t, dir, "--progress", "plain", "--build-arg", "GOPROXY=off", "--secret", "id=cacert,src="+ca, "--ssh", "default="+agent.Sock,
			"--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	}
	r := build()
	if r.err == nil {
		t.Fatalf("built from an SSH host nobody vouched for:\n%s", tail(r.out, 20))
	}
	for _, want := range []string{"Host key verification failed", "row 7", "modules.sshUnknownHosts: accept-new"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, tail(r.out, 30))
		}
	}
	if strings.Contains(d.Log(), "Accepted publickey") {
		t.Errorf("ssh logged in to a host whose key it did not know:\n%s", d.Log())
	}
	writeFile(t, filepath.Join(dir, "Gopherfile"), fmt.Sprintf("version: 1\nmodules:\n  private: [%s]\n  ssh: required\n  sshUnknownHosts: accept-new\n", mod.Path))
	mustOK(t, build())
}

// TestBuilderFromNamedContext: issue 21 item 16. A named context called
// like the builder image replaces it, as BuildKit's Dockerfile frontend
// does for FROM; the build says so in a warning and in --call outline,
// since that image runs the download step with the secrets.
func TestBuilderFromNamedContext(t *testing.T) {
	dir := copyDir(t, "examples/hello")
	writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\ngo: \"1.26\"\n")
	bc := "golang:1.26=docker-image://golang:1.26.8"
	r := buildx(t, dir, frontendArgs("--build-context", bc, "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")...)
	mustOK(t, r)
	want := "the builder image golang:1.26 is replaced by the named context --build-context " + bc
	if !strings.Contains(r.out, want) {
		t.Errorf("no warning %q:\n%s", want, tail(r.out, 30))
	}
	o := buildx(t, dir, frontendArgs("--call", "outline", "--build-context", bc, ".")...)
	mustOK(t, o)
	if !strings.Contains(o.out, "replaced by the named context --build-context "+bc) {
		t.Errorf("--call outline does not name the named context:\n%s", o.out)
	}
}
