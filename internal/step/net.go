package step

import (
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/step/netrc"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// netSetup prepares a networked module step: it checks the required
// secrets and points the go command and git at the ones given (NETRC,
// SSL_CERT_FILE, a git config in the tmpfs HOME with this binary as the
// credential helper, SSH insteadOf rules and known_hosts). No secret is
// copied; only links and paths are written, to the tmpfs.
func (h *helper) netSetup() error {
	n := h.cfg.Net
	secret := func(id string) (string, bool) {
		p := filepath.Join(n.SecretDir, id)
		fi, err := os.Stat(p)
		return p, err == nil && fi.Size() > 0
	}
	netrcPath, hasNetrc := secret(stepconfig.SecretNetrc)
	caPath, hasCA := secret(stepconfig.SecretCACert)
	if n.Netrc == "required" && !hasNetrc {
		return fmt.Errorf("this build needs the secret netrc: add --secret id=netrc,src=$HOME/.netrc to the build command (or set modules.netrc: optional in the Gopherfile)")
	}
	if n.CACert == "required" && !hasCA {
		return fmt.Errorf("this build needs the secret cacert: add --secret id=cacert,src=/path/to/ca-bundle.pem to the build command (or set modules.cacert: optional in the Gopherfile)")
	}
	sock := os.Getenv("SSH_AUTH_SOCK")
	hasAgent := false
	if fi, err := os.Stat(sock); sock != "" && err == nil && fi.Mode()&os.ModeSocket != 0 {
		hasAgent = true
	}
	if n.SSH == "required" && !hasAgent {
		return fmt.Errorf("this build needs an SSH agent for git@ modules: add --ssh default to the build command (or set modules.ssh: optional in the Gopherfile)")
	}
	if err := os.MkdirAll(filepath.Join(n.Home, ".ssh"), 0o700); err != nil {
		return fmt.Errorf("preparing HOME: %w", err)
	}
	h.creds = map[string]string{}

	if p, ok := secret(stepconfig.SecretGOPROXY); ok {
		dt, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("reading the secret GOPROXY: %w", err)
		}
		v := strings.TrimSpace(string(dt))
		if strings.ContainsAny(v, " \t\n") {
			return fmt.Errorf("the secret GOPROXY must be one GOPROXY value (URLs separated by , or |), without spaces or newlines")
		}
		h.proxyValue, h.proxySource = v, "secret GOPROXY"
		h.setenv("GOPROXY", v)
	}
	if hasNetrc {
		h.setenv("NETRC", netrcPath)
		if err := os.Symlink(netrcPath, filepath.Join(n.Home, ".netrc")); err != nil && !os.IsExist(err) {
			return fmt.Errorf("linking the netrc secret: %w", err)
		}
		dt, err := os.ReadFile(netrcPath)
		if err != nil {
			return fmt.Errorf("reading the secret netrc: %w", err)
		}
		h.netrc = netrc.Parse(string(dt))
		for _, e := range h.netrc {
			if e.Machine != "" {
				h.creds[e.Machine] = "the netrc secret"
			}
		}
	}
	if hasCA {
		h.setenv("SSL_CERT_FILE", caPath)
		h.setenv("GIT_SSL_CAINFO", caPath)
		pem, err := os.ReadFile(caPath)
		if err != nil {
			return fmt.Errorf("reading the secret cacert: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("the secret cacert holds no PEM certificate: pass a CA bundle (-----BEGIN CERTIFICATE-----)")
		}
		h.rootCAs = pool
	}

	var git strings.Builder
	for _, host := range n.GitHosts {
		if !reHost.MatchString(host) {
			return fmt.Errorf("modules.gitHosts: %q is not a host name", host)
		}
		id := stepconfig.SecretGitTokenPrefix + host
		if _, ok := secret(id); ok {
			fmt.Fprintf(&git, "[credential %s]\n\thelper = %s\n", gitQuote("https://"+host), gitQuote(n.Helper+" "+Arg+" git-credential "+n.SecretDir))
			h.creds[host] = "the secret " + id
		}
	}
	if n.SSH != "off" && hasAgent {
		for _, host := range n.SSHHosts {
			if !reHost.MatchString(host) {
				return fmt.Errorf("modules.sshHosts: %q is not a host name", host)
			}
			fmt.Fprintf(&git, "[url %s]\n\tinsteadOf = %s\n", gitQuote("ssh://git@"+host+"/"), gitQuote("https://"+host+"/"))
		}
		// The host keys of the big code hosts and the Gopherfile's; ssh
		// refuses any other host unless the Gopherfile accepts new ones.
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
	}
	if git.Len() > 0 {
		if err := os.WriteFile(filepath.Join(n.Home, ".gitconfig"), []byte(git.String()), 0o600); err != nil {
			return fmt.Errorf("writing the git config: %w", err)
		}
	}
	h.setenv("GIT_TERMINAL_PROMPT", "0")
	return nil
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
