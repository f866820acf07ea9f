package testgit

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// SSHDPath is the OpenSSH server (Debian package openssh-server).
var SSHDPath = "/usr/sbin/sshd"

// SSHUser is the user name of git@ URLs. StartSSHD creates it (as root) when
// it does not exist: a system user with no password and no home.
const SSHUser = "git"

// SSHD is an OpenSSH server on 127.0.0.1:22 that serves the repositories of a
// Server read-only (git-upload-pack only, through a forced command) to the
// user git, authenticated by the given public keys only.
type SSHD struct {
	dir      string
	hostKey  string // "ssh-ed25519 AAAA..."
	cmd      *exec.Cmd
	exited   chan struct{}
	closeOne sync.Once
}

// StartSSHD starts sshd on 127.0.0.1:22 for the repositories of s, accepting
// the given authorized_keys lines. It needs root (port 22, the user git and
// sshd's privilege separation). It waits up to ListenWait for port 22.
func (s *Server) StartSSHD(authorizedKeys ...string) (*SSHD, error) {
	if _, err := os.Stat(SSHDPath); err != nil {
		return nil, fmt.Errorf("testgit: %s: %w (install it: apt-get install openssh-server)", SSHDPath, err)
	}
	if err := ensureGitUser(); err != nil {
		return nil, err
	}
	// sshd refuses to start without its privilege separation directory.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		return nil, fmt.Errorf("testgit: %w", err)
	}
	dir, err := os.MkdirTemp("", "testgit-sshd-")
	if err != nil {
		return nil, err
	}
	d := &SSHD{dir: dir, exited: make(chan struct{})}
	fail := func(err error) (*SSHD, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return fail(err)
	}
	if err := d.writeConfig(s.root, authorizedKeys); err != nil {
		return fail(err)
	}

	deadline := time.Now().Add(ListenWait)
	for {
		err := d.start()
		if err == nil {
			break
		}
		if !strings.Contains(err.Error(), "Address already in use") || time.Now().After(deadline) {
			return fail(err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	s.mu.Lock()
	s.servers = append(s.servers, d)
	s.mu.Unlock()
	return d, nil
}

// writeConfig writes sshd's host key, configuration and forced command
// into d.dir, for the repositories under root.
func (d *SSHD) writeConfig(root string, authorizedKeys []string) error {
	dir := d.dir
	hostKey := filepath.Join(dir, "host_ed25519")
	if out, err := combined(exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "testgit-host", "-f", hostKey)); err != nil {
		return fmt.Errorf("testgit: ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(hostKey + ".pub")
	if err != nil {
		return err
	}
	f := strings.Fields(string(pub))
	if len(f) < 2 {
		return fmt.Errorf("testgit: bad host key %q", pub)
	}
	d.hostKey = f[0] + " " + f[1]

	files := map[string]struct {
		mode os.FileMode
		text string
	}{
		"authorized_keys": {0o644, strings.Join(authorizedKeys, "\n") + "\n"},
		"gitconfig":       {0o644, "[safe]\n\tdirectory = *\n"},
		"access.log":      {0o666, ""},
		"serve.sh":        {0o755, serveScript(dir, root)},
		"sshd_config": {0o644, fmt.Sprintf(`ListenAddress %s:22
HostKey %s
PidFile none
AuthorizedKeysFile %s
StrictModes no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
AllowUsers %s
DisableForwarding yes
PermitTTY no
PrintMotd no
UseDNS no
AcceptEnv GIT_PROTOCOL
LogLevel VERBOSE
ForceCommand %s
`, Host, hostKey, filepath.Join(dir, "authorized_keys"), SSHUser, filepath.Join(dir, "serve.sh"))},
	}
	for name, c := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(c.text), c.mode); err != nil {
			return err
		}
		if err := os.Chmod(p, c.mode); err != nil {
			return err
		}
	}
	return nil
}

// start runs sshd once and waits until it listens or exits.
func (d *SSHD) start() error {
	logFile := filepath.Join(d.dir, "sshd.log")
	os.Remove(logFile)
	cmd := exec.Command(SSHDPath, "-D", "-f", filepath.Join(d.dir, "sshd_config"), "-E", logFile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("testgit: starting sshd: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		log, _ := os.ReadFile(logFile)
		if bytes.Contains(log, []byte("Server listening on "+Host+" port 22")) {
			d.cmd, d.exited = cmd, exited
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("testgit: sshd exited: %s%s", log, stderr.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("testgit: sshd did not listen within 20s: %s%s", log, stderr.String())
		}
	}
}

// serveScript is the forced command: it logs the request and runs
// git-upload-pack on the repository under root, nothing else.
func serveScript(dir, root string) string {
	return fmt.Sprintf(`#!/bin/sh
printf '%%s %%s\n' "$(id -un)" "${SSH_ORIGINAL_COMMAND:-}" >>%[1]s/access.log
case "${SSH_ORIGINAL_COMMAND:-}" in
"git-upload-pack '"*"'") repo=${SSH_ORIGINAL_COMMAND#"git-upload-pack '"}; repo=${repo%%"'"} ;;
*) echo "testgit: this server only serves git-upload-pack" >&2; exit 1 ;;
esac
case "$repo" in *..*) echo "testgit: bad repository path" >&2; exit 1 ;; esac
GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=%[1]s/gitconfig exec git-upload-pack %[2]s/"${repo#/}"
`, dir, root)
}

// KnownHostsLine is the known_hosts line of the server's host key:
// "127.0.0.1 ssh-ed25519 AAAA...".
func (d *SSHD) KnownHostsLine() string { return Host + " " + d.hostKey }

// Log returns sshd's log and the forced command's access log
// ("git git-upload-pack '/name/lib.git'" per fetch).
func (d *SSHD) Log() string {
	l, _ := os.ReadFile(filepath.Join(d.dir, "sshd.log"))
	return string(l) + "--- access.log\n" + d.Access()
}

// Access returns the forced command's access log.
func (d *SSHD) Access() string {
	a, _ := os.ReadFile(filepath.Join(d.dir, "access.log"))
	return string(a)
}

// Close stops sshd (its own process only) and removes its files.
func (d *SSHD) Close() {
	d.closeOne.Do(func() {
		if d.cmd != nil {
			_ = d.cmd.Process.Kill()
			<-d.exited
		}
		os.RemoveAll(d.dir)
	})
}

// ensureGitUser creates the system user git when it does not exist.
func ensureGitUser() error {
	if _, err := user.Lookup(SSHUser); err == nil {
		return nil
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("testgit: there is no user %q for git@ URLs and only root can create it", SSHUser)
	}
	// "*": no password; unlike "!" (useradd's default) sshd does not take it for a locked account.
	out, err := combined(exec.Command("useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
		"--shell", "/bin/sh", "--password", "*", "--comment", "git over SSH for tests", SSHUser))
	if err != nil {
		return fmt.Errorf("testgit: useradd %s: %v\n%s", SSHUser, err, out)
	}
	return nil
}

// Agent is an ssh-agent holding one new ed25519 key.
type Agent struct {
	// Sock is the agent socket (SSH_AUTH_SOCK), for --ssh default=SOCK.
	Sock string
	// PublicKey is the authorized_keys line of the key.
	PublicKey string
	dir       string
	cmd       *exec.Cmd
	exited    chan struct{}
	closeOne  sync.Once
}

// StartAgent starts an ssh-agent on a new socket with a new key loaded.
func StartAgent() (*Agent, error) {
	// A short path: unix socket paths are limited to 108 bytes.
	dir, err := os.MkdirTemp("", "tgagent")
	if err != nil {
		return nil, err
	}
	a := &Agent{dir: dir, Sock: filepath.Join(dir, "agent.sock"), exited: make(chan struct{})}
	key := filepath.Join(dir, "id_ed25519")
	if out, err := combined(exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "testgit-client", "-f", key)); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("testgit: ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	a.PublicKey = strings.TrimSpace(string(pub))
	a.cmd = exec.Command("ssh-agent", "-D", "-a", a.Sock)
	if err := a.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("testgit: ssh-agent: %w", err)
	}
	go func() { _ = a.cmd.Wait(); close(a.exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.Dial("unix", a.Sock); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			a.Close()
			return nil, fmt.Errorf("testgit: ssh-agent did not open %s", a.Sock)
		}
		time.Sleep(50 * time.Millisecond)
	}
	add := exec.Command("ssh-add", key)
	add.Env = append(os.Environ(), "SSH_AUTH_SOCK="+a.Sock)
	if out, err := combined(add); err != nil {
		a.Close()
		return nil, fmt.Errorf("testgit: ssh-add: %v\n%s", err, out)
	}
	// The key is in the agent: the private key file is no longer needed.
	os.Remove(key)
	return a, nil
}

// Close stops the agent (its own process only) and removes its files.
func (a *Agent) Close() {
	a.closeOne.Do(func() {
		_ = a.cmd.Process.Kill()
		<-a.exited
		os.RemoveAll(a.dir)
	})
}
