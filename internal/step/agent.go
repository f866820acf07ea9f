package step

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gopherfile/gopherfile/internal/step/netrc"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// The credential agent. The helper reads the secrets (it may: they are
// mounted mode 0400 for another user, and it keeps CAP_DAC_OVERRIDE); the go
// command and git run without capabilities and cannot. They get what they
// need through a unix socket the helper serves in the tmpfs HOME: git's
// credential helper and the go command's GOAUTH command are this binary,
// asking the socket. A symbolic link in the source tree cannot read a
// socket, and the socket answers only what git or go would send anyway: the
// token or netrc login of the one host asked for, over https.

// agent serves the credentials of one step.
type agent struct {
	ln     net.Listener
	path   string
	tokens map[string]string // host → token (GIT_AUTH_TOKEN.<host>)
	netrc  []netrc.Entry
}

// startAgent listens on dir/agent.sock.
func startAgent(dir string, tokens map[string]string, entries []netrc.Entry) (*agent, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("starting the credential agent: %w", err)
	}
	path := filepath.Join(dir, "agent.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("starting the credential agent: %w", err)
	}
	os.Chmod(path, 0o600)
	a := &agent{ln: ln, path: path, tokens: tokens, netrc: entries}
	go a.serve()
	return a, nil
}

func (a *agent) close() { a.ln.Close() }

func (a *agent) serve() {
	for {
		c, err := a.ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			line, err := bufio.NewReader(io.LimitReader(c, 4096)).ReadString('\n')
			if err != nil {
				return
			}
			io.WriteString(c, a.answer(strings.TrimSuffix(line, "\n")))
		}()
	}
}

// answer answers one request: "git\tPROTOCOL\tHOST\tPATH" (git's credential
// helper) or "goauth" (the go command's GOAUTH command).
func (a *agent) answer(req string) string {
	f := strings.Split(req, "\t")
	switch {
	case f[0] == "goauth" && len(f) == 1:
		return a.goauth()
	case f[0] == "git" && len(f) == 4:
		return a.git(f[1], f[2], f[3])
	}
	return ""
}

// git answers git's credential request for protocol://host/path: the token
// of the secret GIT_AUTH_TOKEN.<host>, else the netrc login of the host (a
// machine entry: the "default" entry, which the go command ignores, is
// never used). Credentials go over https only.
func (a *agent) git(protocol, host, path string) string {
	if protocol != "https" || !reHost.MatchString(host) {
		return ""
	}
	if tok, ok := a.tokens[host]; ok {
		return "username=x-access-token\npassword=" + tok + "\n"
	}
	if e, ok := netrc.Lookup(a.netrc, strings.TrimSuffix(host+"/"+path, "/")); ok {
		return "username=" + e.Login + "\npassword=" + e.Password + "\n"
	}
	return ""
}

// goauth is the GOAUTH answer: a basic-auth header for each netrc machine,
// as the go command would have built from NETRC itself.
func (a *agent) goauth() string {
	var b strings.Builder
	for _, e := range a.netrc {
		if e.Machine == "" || e.Login == "" || e.Password == "" || strings.ContainsAny(e.Machine+e.Login+e.Password, "\r\n") {
			continue
		}
		auth := base64.StdEncoding.EncodeToString([]byte(e.Login + ":" + e.Password))
		fmt.Fprintf(&b, "https://%s\n\nAuthorization: Basic %s\n\n", e.Machine, auth)
	}
	return b.String()
}

// ask sends one request to the agent at sock and returns its answer.
func ask(sock, req string) (string, error) {
	c, err := net.DialTimeout("unix", sock, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req+"\n"); err != nil {
		return "", err
	}
	b, err := io.ReadAll(io.LimitReader(c, 1<<20))
	return string(b), err
}

// gitCredential is git's credential helper (git config credential.helper):
// for "get" it asks the agent at the socket given as the first argument.
func gitCredential(args []string, in io.Reader, out io.Writer) int {
	if len(args) < 2 || args[len(args)-1] != "get" {
		return 0 // store and erase: nothing to do
	}
	var protocol, host, path string
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "protocol":
			protocol = v
		case "host":
			host = v
		case "path":
			path = v
		}
	}
	if host == "" || strings.ContainsAny(protocol+host+path, "\t\n") {
		return 0
	}
	ans, err := ask(args[0], "git\t"+protocol+"\t"+host+"\t"+path)
	if err == nil {
		io.WriteString(out, ans)
	}
	return 0
}

// goAuth is the go command's GOAUTH command: on the first call (no URL) it
// prints the netrc credentials the agent at the socket (the first argument)
// holds; when go calls it again after a 4xx for one URL, it has nothing to
// add.
func goAuth(args []string, out io.Writer) int {
	if len(args) != 1 {
		return 0
	}
	ans, err := ask(args[0], "goauth")
	if err != nil {
		fmt.Fprintf(os.Stderr, "gopherfile: GOAUTH: %v\n", err)
		return 1
	}
	io.WriteString(out, ans)
	return 0
}

// agentDir is where the agent's socket lives in the step's HOME.
func agentDir(n *stepconfig.Net) string { return filepath.Join(n.Home, ".gopherfile") }
