package step

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"go/version"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/safefile"
	"github.com/gopherfile/gopherfile/internal/step/netrc"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// netSetup prepares a networked module step: it checks the required
// secrets, reads them (the helper may; the go command may not, see
// dropExec), and hands the go command and git what they need without a file
// they could read the secrets from: GOPROXY through the loopback proxies,
// netrc and git tokens through the credential agent (git's credential
// helper and a GOAUTH command), the CA certificates as a copy in the tmpfs
// HOME (certificates only: they are public), and a git config with SSH
// insteadOf rules and the known host keys.
func (h *helper) netSetup() error {
	n := h.cfg.Net
	sec, err := readSecrets(n)
	if err != nil {
		return err
	}
	if n.Netrc == "required" && sec.netrc == "" {
		if err := h.missing(stepconfig.SecretNetrc, fmt.Errorf("this build needs the secret netrc: add --secret id=netrc,src=$HOME/.netrc to the build command (or set modules.netrc: optional in the Gopherfile)")); err != nil {
			return err
		}
	}
	if n.CACert == "required" && sec.cacert == "" {
		if err := h.missing(stepconfig.SecretCACert, fmt.Errorf("this build needs the secret cacert: add --secret id=cacert,src=/path/to/ca-bundle.pem to the build command (or set modules.cacert: optional in the Gopherfile)")); err != nil {
			return err
		}
	}
	sock := os.Getenv("SSH_AUTH_SOCK")
	hasAgent := false
	if fi, err := os.Stat(sock); sock != "" && err == nil && fi.Mode()&os.ModeSocket != 0 {
		hasAgent = true
	}
	h.hasAgent = hasAgent
	if n.SSH == "required" && !hasAgent {
		if err := h.missing("ssh", fmt.Errorf("this build needs an SSH agent for git@ modules: add --ssh default to the build command (or set modules.ssh: optional in the Gopherfile)")); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(n.Home, ".ssh"), 0o700); err != nil {
		return fmt.Errorf("preparing HOME: %w", err)
	}
	h.creds = map[string]string{}

	if sec.goproxy != "" {
		v := strings.TrimSpace(sec.goproxy)
		if strings.ContainsAny(v, " \t\n") {
			return fmt.Errorf("the secret GOPROXY must be one GOPROXY value (URLs separated by , or |), without spaces or newlines")
		}
		h.proxyValue, h.proxySource = v, goenv.SecretOrigin(stepconfig.SecretGOPROXY)
		h.setenv("GOPROXY", v)
	}
	if sec.netrc != "" {
		h.netrc = netrc.Parse(sec.netrc)
		for _, e := range h.netrc {
			if e.Machine != "" {
				h.creds[e.Machine] = "the netrc secret"
			}
		}
	}
	// No NETRC: the go command gets netrc's logins from the GOAUTH command
	// (goAuthSetup) and the loopback proxies, git from its credential helper.
	h.setenv("NETRC", filepath.Join(agentDir(n), "no-netrc"))
	if sec.cacert != "" {
		if err := h.caSetup(n, sec.cacert); err != nil {
			return err
		}
	}
	for host := range sec.tokens {
		h.creds[host] = "the secret " + stepconfig.SecretGitTokenPrefix + host
	}
	if len(sec.tokens) > 0 || len(h.netrc) > 0 {
		a, err := startAgent(agentDir(n), sec.tokens, h.netrc)
		if err != nil {
			return err
		}
		h.agent = a
	}

	var git strings.Builder
	if h.agent != nil {
		// Every https host asks the agent, which answers only for the hosts
		// it has a token or a netrc machine entry for; useHttpPath gives it
		// the path, for netrc entries with a path.
		fmt.Fprintf(&git, "[credential]\n\thelper = %s\n\tuseHttpPath = true\n", gitQuote(n.Helper+" "+Arg+" git-credential "+h.agent.path))
	}
	if n.SSH != "off" && hasAgent {
		for _, host := range n.SSHHosts {
			if !reHost.MatchString(host) {
				return fmt.Errorf("modules.sshHosts: %q is not a host name", host)
			}
			fmt.Fprintf(&git, "[url %s]\n\tinsteadOf = %s\n", gitQuote("ssh://git@"+host+"/"), gitQuote("https://"+host+"/"))
		}
		if err := h.sshSetup(n); err != nil {
			return err
		}
	}
	if git.Len() > 0 {
		if err := os.WriteFile(filepath.Join(n.Home, ".gitconfig"), []byte(git.String()), 0o600); err != nil {
			return fmt.Errorf("writing the git config: %w", err)
		}
	}
	h.setenv("GIT_TERMINAL_PROMPT", "0")
	return nil
}

// setupProblem is a required secret or agent the doctor found missing.
type setupProblem struct {
	what string // stepconfig.SecretNetrc, stepconfig.SecretCACert or "ssh"
	err  error
}

// missing fails the setup, or for the doctor, notes the problem and goes on.
func (h *helper) missing(what string, err error) error {
	if !h.lenient {
		return err
	}
	h.setupProblems = append(h.setupProblems, setupProblem{what, err})
	return nil
}

// caSetup trusts the cacert secret's certificates: in the loopback proxies,
// and for the go command and git through a copy of the certificates alone
// in the tmpfs HOME.
func (h *helper) caSetup(n *stepconfig.Net, bundle string) error {
	pool, certs, err := caBundle(bundle)
	if err != nil {
		return err
	}
	h.rootCAs = pool
	ca := filepath.Join(agentDir(n), "ca.pem")
	if err := os.MkdirAll(agentDir(n), 0o700); err != nil {
		return fmt.Errorf("preparing HOME: %w", err)
	}
	if err := os.WriteFile(ca, certs, 0o644); err != nil {
		return fmt.Errorf("writing the CA certificates: %w", err)
	}
	h.setenv("SSL_CERT_FILE", ca)
	h.setenv("GIT_SSL_CAINFO", ca)
	return nil
}

// sshSetup writes known_hosts and points git's ssh at it: the host keys of
// the big code hosts and the Gopherfile's; ssh refuses any other host unless
// the Gopherfile accepts new ones.
func (h *helper) sshSetup(n *stepconfig.Net) error {
	known := filepath.Join(n.Home, ".ssh", "known_hosts")
	checking := "yes"
	if n.AcceptNewHosts {
		checking = "accept-new"
	}
	var b strings.Builder
	for _, k := range append(goenv.KnownHostLines(), n.KnownHosts...) {
		if strings.ContainsAny(k, "\r\n") {
			return fmt.Errorf("modules.knownHosts: an entry holds a line break; give one known_hosts line per entry")
		}
		b.WriteString(k + "\n")
	}
	if err := os.WriteFile(known, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("writing known_hosts: %w", err)
	}
	h.setenv("GIT_SSH_COMMAND", "ssh -o UserKnownHostsFile="+known+" -o StrictHostKeyChecking="+checking+" -o BatchMode=yes")
	return nil
}

// goAuthSetup gives the go command the netrc secret's logins for its own
// https requests (go-import discovery, a checksum database) through a
// GOAUTH command that asks the credential agent, when GOAUTH is netrc (the
// default) and the go command knows GOAUTH (Go 1.24 and newer). Older go
// commands get no netrc: their direct https requests go without it (the
// loopback proxies still send it to the module proxies, and git gets it).
func (h *helper) goAuthSetup(goauth, goversion string) {
	if h.agent == nil || len(h.netrc) == 0 || strings.TrimSpace(goauth) != "netrc" {
		return
	}
	if v := "go" + trimGo(strings.TrimPrefix(goversion, "go")); version.IsValid(v) && version.Compare(v, "go1.24") < 0 {
		h.printf("gopherfile: note: %s has no GOAUTH (Go 1.24 and newer): the netrc secret reaches the module proxies and git, but not the go command's own https requests (go-import discovery)", goversion)
		return
	}
	h.setenv("GOAUTH", h.cfg.Net.Helper+" "+Arg+" goauth "+h.agent.path)
}

// secrets are the secret mounts of a networked step, read by the helper.
type secrets struct {
	netrc, cacert, goproxy string
	// tokens are the GIT_AUTH_TOKEN.<host> secrets of the git hosts.
	tokens map[string]string
}

// readSecrets reads the secrets the step is given. A secret is a regular
// file of the secret directory, at most 1 MiB.
func readSecrets(n *stepconfig.Net) (secrets, error) {
	s := secrets{tokens: map[string]string{}}
	read := func(id string) (string, error) {
		p := filepath.Join(n.SecretDir, id)
		fi, err := os.Lstat(p)
		if err != nil || fi.Size() == 0 {
			return "", nil // not given
		}
		dt, err := safefile.ReadPath(p, 1<<20)
		if err != nil {
			if os.IsPermission(err) {
				return "", fmt.Errorf("reading the secret %s: %w (the step helper runs as a user who cannot read the secrets: use a builder image that runs its steps as root)", id, err)
			}
			return "", fmt.Errorf("reading the secret %s: %w", id, err)
		}
		return string(dt), nil
	}
	var err error
	if s.netrc, err = read(stepconfig.SecretNetrc); err != nil {
		return s, err
	}
	if s.cacert, err = read(stepconfig.SecretCACert); err != nil {
		return s, err
	}
	if s.goproxy, err = read(stepconfig.SecretGOPROXY); err != nil {
		return s, err
	}
	for _, host := range n.GitHosts {
		if !reHost.MatchString(host) {
			return s, fmt.Errorf("modules.gitHosts: %q is not a host name", host)
		}
		tok, err := read(stepconfig.SecretGitTokenPrefix + host)
		if err != nil {
			return s, err
		}
		if tok = strings.TrimSpace(tok); tok != "" && !strings.ContainsAny(tok, "\n\r") {
			s.tokens[host] = tok
		}
	}
	return s, nil
}

// caBundle reads the cacert secret: the trusted pool (the system's plus the
// secret's) and the secret's certificates alone, re-encoded, for the go
// command and git (a bundle passed with its private key keeps the key).
func caBundle(data string) (*x509.CertPool, []byte, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	var out []byte
	rest := []byte(data)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			continue
		}
		pool.AddCert(c)
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: b.Bytes})...)
	}
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("the secret cacert holds no PEM certificate: pass a CA bundle (-----BEGIN CERTIFICATE-----)")
	}
	return pool, out, nil
}

var reHost = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]+)?$`)

// gitQuote quotes a git config value or subsection name.
func gitQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// proxyCredentials returns the netrc credentials for a proxy request.
func (h *helper) proxyCredentials(hostPath string) (string, string, bool) {
	e, ok := netrc.Lookup(h.netrc, hostPath)
	return e.Login, e.Password, ok
}

// noteURLCredentials records which GOPROXY hosts carry credentials in
// their URL, for the diagnosis of a 401.
func (h *helper) noteURLCredentials(goproxy, origin string) {
	for _, e := range strings.FieldsFunc(goproxy, func(r rune) bool { return r == ',' || r == '|' }) {
		if !goenv.HasCredentials("GOPROXY", e) {
			continue
		}
		if i := strings.Index(e, "://"); i >= 0 {
			host := e[i+3:]
			host = host[strings.LastIndex(strings.SplitN(host, "/", 2)[0], "@")+1:]
			host, _, _ = strings.Cut(host, "/")
			h.creds[host] = "the user name and password in GOPROXY (from " + origin + ")"
		}
	}
}
