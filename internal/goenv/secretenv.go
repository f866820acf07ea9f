package goenv

import "strings"

// EnvRule is an environment variable name (or, with Prefix, every name that
// starts with it) that a Gopherfile's env: may not give the steps that hold
// the build's secrets (go mod download, the tidy check and target), and
// why. Those steps run go, git, ssh, curl (inside git) and a shell (git's
// credential helper): each of these names makes one of them run a program,
// load code, read a configuration, trust another server, or print what
// must not be printed. The sources are the go command's documentation (go
// help environment), git's (git help git, git help config: ENVIRONMENT),
// OpenSSH's (ssh(1)), curl's and OpenSSL's, and glibc's list of variables
// it distrusts in setuid programs (unsecvars.h).
type EnvRule struct {
	Name   string
	Prefix bool
	Why    string
}

// SecretStepEnv are the names env: may not set (builds[].env, which reaches
// the compile step only, may).
var SecretStepEnv = []EnvRule{
	{Name: "LD_", Prefix: true, Why: "the dynamic loader's settings (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT, ...) load code of the Gopherfile's choosing into go, git and ssh"},
	{Name: "PATH", Why: "the download step runs go, git and ssh by name: a PATH of the Gopherfile's would choose which programs those are"},
	{Name: "GIT_", Prefix: true, Why: "git's settings (GIT_CONFIG_*, GIT_SSH, GIT_SSH_COMMAND, GIT_ASKPASS, GIT_EXEC_PATH, GIT_PROXY_COMMAND, GIT_SSL_NO_VERIFY, GIT_TRACE_CURL, ...) run programs, change where credentials go, turn TLS checks off or print credentials"},
	{Name: "SSH_", Prefix: true, Why: "SSH_ASKPASS and SSH_ASKPASS_REQUIRE run a program of the Gopherfile's choosing; SSH_AUTH_SOCK comes from --ssh"},
	{Name: "CURL_", Prefix: true, Why: "curl (git's https) reads its CA bundle and configuration from CURL_CA_BUNDLE and CURL_HOME"},
	{Name: "SSL_CERT_DIR", Why: "it changes which certificate authorities the download step trusts; the cacert secret does that"},
	{Name: "SSLKEYLOGFILE", Why: "it writes the TLS session keys (and so the credentials sent) to a file"},
	{Name: "OPENSSL_", Prefix: true, Why: "OPENSSL_CONF and OPENSSL_MODULES make curl load code and change TLS"},
	{Name: "GNUTLS_", Prefix: true, Why: "it changes how git's TLS library (GnuTLS in Debian's git) checks servers"},
	{Name: "BASH_ENV", Why: "a shell that git starts (for its credential helper) runs the file it names"},
	{Name: "ENV", Why: "a shell that git starts may run the file it names"},
	{Name: "SHELLOPTS", Why: "it changes the options of a shell that git starts (xtrace prints what it runs)"},
	{Name: "BASHOPTS", Why: "it changes the options of a shell that git starts"},
	{Name: "XDG_CONFIG_HOME", Why: "git reads its configuration from $XDG_CONFIG_HOME/git/config"},
	{Name: "XDG_CONFIG_DIRS", Why: "programs read their configuration from these directories"},
	{Name: "GOVCS", Why: "it decides which version control programs the download step may run; keep the go command's default"},
	{Name: "GCONV_PATH", Why: "glibc loads character-set converters (code) from it"},
	{Name: "GETCONF_DIR", Why: "glibc distrusts it in privileged programs"},
	{Name: "HOSTALIASES", Why: "it changes which address a host name resolves to for git and curl"},
	{Name: "LOCALDOMAIN", Why: "it changes how host names resolve"},
	{Name: "RES_OPTIONS", Why: "it changes how host names resolve"},
	{Name: "RESOLV_HOST_CONF", Why: "it changes how host names resolve"},
	{Name: "LOCPATH", Why: "glibc loads locale data from it"},
	{Name: "NLSPATH", Why: "glibc loads message catalogues (format strings) from it"},
	{Name: "NIS_PATH", Why: "glibc distrusts it in privileged programs"},
	{Name: "MALLOC_", Prefix: true, Why: "glibc's allocator settings (MALLOC_TRACE writes a file)"},
}

// SecretStepEnvRule returns the rule that keeps name out of env:, if any.
func SecretStepEnvRule(name string) (EnvRule, bool) {
	for _, r := range SecretStepEnv {
		if name == r.Name || (r.Prefix && strings.HasPrefix(name, r.Name)) {
			return r, true
		}
	}
	return EnvRule{}, false
}

// UntrustedStepEnv are the only environment variables the go command gets in
// a step that holds secrets when the Gopherfile is untrusted
// (GOPHERFILE_UNTRUSTED): the builder image's PATH and Go installation, what
// the step itself sets, the module settings and the HTTP proxies (build
// args, or the Gopherfile's modules: section, checked), nothing else.
var UntrustedStepEnv = []string{
	"PATH", "HOME", "GOROOT", "GOPATH", "GOLANG_VERSION", "GOMODCACHE", "GOCACHE", "GOFLAGS",
	"GOPROXY", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOSUMDB", "GOINSECURE", "GOAUTH", "GOTOOLCHAIN",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "FTP_PROXY",
	"http_proxy", "https_proxy", "no_proxy", "all_proxy", "ftp_proxy",
	"NETRC", "SSL_CERT_FILE", "GIT_SSL_CAINFO", "GIT_SSH_COMMAND", "GIT_TERMINAL_PROMPT", "SSH_AUTH_SOCK",
}
