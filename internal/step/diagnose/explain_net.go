package diagnose

import (
	"fmt"
	"strings"
)

// direct reports whether the failed fetch went to version control rather
// than to a module proxy.
func (e explainer) direct() bool {
	if e.f.Host != "" && e.c.isProxyHost(e.f.Host) {
		return false
	}
	if strings.Contains(e.f.Line, "git ") || strings.Contains(e.f.Line, "fatal:") ||
		strings.Contains(e.f.Line, "go-get=1") || strings.Contains(e.f.Line, "unrecognized import path") {
		return true
	}
	return e.c.value("GOPROXY") == "direct" || e.c.noProxy(e.f.Module)
}

// fallbackProxy suggests a GOPROXY value whose entries fall through on any
// error, or "" when there is nothing sensible to suggest. It is printed, so
// it is built from the redacted value.
func (e explainer) fallbackProxy() string {
	v := e.c.shownValue("GOPROXY")
	if strings.Contains(v, ",") {
		return strings.ReplaceAll(v, ",", "|")
	}
	if v == "direct" || v == "off" || v == "" || e.c.noProxy(e.f.Module) {
		return ""
	}
	return v + "|https://proxy.golang.org|direct"
}

// privateAdvice is the "mark it private" clause.
func (e explainer) privateAdvice() string {
	p := privatePattern(e.f.Module)
	return fmt.Sprintf("set modules.private: [%s] in the Gopherfile or --build-arg GOPRIVATE=%s", p, p)
}

// credentialAdvice is the "give credentials" clause for host.
func credentialAdvice(host string) string {
	host = or(host, "<git host>")
	return fmt.Sprintf("give the download step credentials with --secret id=netrc,src=$HOME/.netrc "+
		"(a line \"machine %s login <user> password <token>\"), or a git token secret, "+
		"or forward SSH with --ssh default", host)
}

// gitHost returns the host of a module path (its first element).
func gitHost(mod string) string {
	h, _, _ := strings.Cut(mod, "/")
	return h
}

const httpProxyAdvice = "if the builder must go through an HTTP proxy, pass --build-arg HTTPS_PROXY=<proxy URL> and --build-arg NO_PROXY=<hosts>"

func (e explainer) proxyUnreachable() string {
	host := or(e.f.Host, "the module proxy")
	s := e.lead(fmt.Sprintf("could not connect to %s %s.", host, e.row()))
	if e.direct() {
		return s + fmt.Sprintf(" The module is fetched directly from version control (%s): check that %s is reachable from the build container; %s.",
			e.c.describe("GOPROXY"), host, httpProxyAdvice)
	}
	s += fmt.Sprintf(" %s. Check that %s is up and reachable from the build container", e.c.describe("GOPROXY"), host)
	if fb := e.fallbackProxy(); fb != "" {
		s += fmt.Sprintf("; give GOPROXY a fallback with | (for example GOPROXY=%s), because , falls through only on 404 and 410", fb)
	}
	return s + "; and " + httpProxyAdvice + "."
}

func (e explainer) dnsFailure() string {
	s := e.lead(fmt.Sprintf("the build container could not resolve %s %s.", or(e.f.Host, "a host name"), e.row()))
	if e.c.isProxyHost(e.f.Host) {
		s += fmt.Sprintf(" %s names it: check the spelling of that host.", e.c.describe("GOPROXY"))
	} else {
		s += " " + e.c.describe("GOPROXY") + "."
	}
	return s + " Check the builder's DNS and network mode (buildkitd --oci-worker-net, the Docker daemon's dns setting); " +
		"a few retries are made in case the resolver was only briefly unavailable."
}

func (e explainer) serverError() string {
	s := e.lead(fmt.Sprintf("%s answered %s %s. %s.", or(e.f.Host, "the module proxy"),
		or(e.f.Detail, "with a server error"), e.row(), e.c.describe("GOPROXY")))
	s += " The server is having trouble: retry later"
	if fb := e.fallbackProxy(); fb != "" && !e.direct() {
		s += fmt.Sprintf(", or add a second proxy after | so that server errors fall through (for example GOPROXY=%s)", fb)
	}
	return s + "."
}

func (e explainer) tlsUntrusted() string {
	s := e.lead(fmt.Sprintf("the TLS certificate of %s is not trusted %s%s.", or(e.f.Host, "the server"), e.row(), e.evidence()))
	return s + " This is usually a TLS-intercepting corporate proxy or a private CA." +
		" Pass its CA bundle to the build as a secret, --secret id=cacert,src=/path/ca.pem, so that the download step trusts it;" +
		" do not turn certificate verification off."
}

func (e explainer) privateModule() string {
	host := or(e.f.Host, "the module proxy")
	status := or(e.f.Detail, "not found")
	cred := credentialAdvice(gitHost(e.f.Module))

	// The public checksum database was asked about a private module.
	if strings.HasPrefix(e.f.Host, "sum.") || strings.Contains(e.f.Line, "/lookup/") {
		s := e.lead(fmt.Sprintf("the checksum database %s answered %s %s: the module is private, so its checksum must not be looked up publicly. %s.",
			host, status, e.row(), e.c.describe("GONOSUMDB")))
		if e.c.noProxy(e.f.Module) && !e.c.noSumDB(e.f.Module) {
			v := e.c.value("GONOPROXY")
			return s + fmt.Sprintf(" %s matches %s but not GONOSUMDB: set GOPRIVATE instead of GONOPROXY "+
				"(modules.private: [%s] in the Gopherfile or --build-arg GOPRIVATE=%s), which sets both, and %s.",
				e.f.Module, e.c.describe("GONOPROXY"), v, v, cred)
		}
		return s + fmt.Sprintf(" To fix it, %s (GOPRIVATE sets both GONOPROXY and GONOSUMDB), and %s.", e.privateAdvice(), cred)
	}

	// The proxy itself wants credentials.
	if (strings.HasPrefix(status, "401") || strings.HasPrefix(status, "403")) && e.c.Credentials[e.f.Host] != "" {
		return e.lead(fmt.Sprintf("%s answered %s %s: it rejected the credentials the build gave it, %s. "+
			"Check the user name and the password or token there (expired? read access to this repository?), and that they are for %s. %s.",
			host, status, e.row(), e.c.Credentials[e.f.Host], e.f.Host, e.c.describe("GOPROXY")))
	}
	if strings.HasPrefix(status, "401") {
		if e.f.Host != "" && strings.Contains(e.c.value("GOPROXY"), "http://"+e.f.Host) {
			return e.lead(fmt.Sprintf("%s answered %s %s: the proxy needs credentials, but %s is plain http, "+
				"and the go command sends credentials (netrc or user:password in the URL) only over https. "+
				"Serve the proxy over https and give them with --secret id=netrc,src=$HOME/.netrc (a line \"machine %s login <user> password <token>\").",
				host, status, e.row(), e.c.describe("GOPROXY"), e.f.Host))
		}
		return e.lead(fmt.Sprintf("%s answered %s %s: the proxy needs credentials. %s. "+
			"Give them with --secret id=netrc,src=$HOME/.netrc (a line \"machine %s login <user> password <token>\"); "+
			"the go command sends netrc credentials over https only.",
			host, status, e.row(), e.c.describe("GOPROXY"), or(e.f.Host, "<proxy host>")))
	}

	s := e.lead(fmt.Sprintf("%s answered %s %s.", host, status, e.row()))
	if e.c.noProxy(e.f.Module) {
		_, shown := e.c.setting("GONOPROXY")
		return s + fmt.Sprintf(" %s already matches %s, so GOPRIVATE is not the problem: %s.",
			e.f.Module, e.c.describe(shown), cred)
	}
	s += fmt.Sprintf(" A public proxy cannot see private repositories; %s and %s.", e.c.describe("GOPROXY"), e.c.describe("GOPRIVATE"))
	return s + fmt.Sprintf(" If %s is private, %s, and %s. If it is public, check its path and version.",
		or(e.f.Module, "the module"), e.privateAdvice(), cred)
}

func (e explainer) gitCredentials() string {
	host := or(e.f.Host, gitHost(e.f.Module))
	if given := e.c.Credentials[host]; given != "" && host != "" {
		return e.lead(fmt.Sprintf("git could not fetch from %s %s although the build gave it credentials, %s: the token or password was rejected, "+
			"or it has no read access to this repository%s. Check %s (an expired token? the scopes? the repository path?).",
			host, e.row(), given, e.evidence(), given))
	}
	h := or(host, "<git host>")
	s := e.lead(fmt.Sprintf("git asked for a user name or password for %s %s: the module is fetched directly from version control and the build has no credentials for it.",
		or(host, "the git server"), e.row()))
	s += fmt.Sprintf(" %s; %s.", e.c.describe("GOPROXY"), e.c.describe("GOPRIVATE"))
	s += fmt.Sprintf(" Give the download step credentials: a token with --secret id=GIT_AUTH_TOKEN.%s,env=TOKEN (used for %s when modules.private or modules.gitHosts names it),"+
		" or --secret id=netrc,src=$HOME/.netrc (a line \"machine %s login <user> password <token>\" with a read-only token),"+
		" or forward SSH with --ssh default and modules.ssh: required.", h, h, h)
	if e.f.Module != "" && !e.c.noProxy(e.f.Module) {
		s += fmt.Sprintf(" Also %s, so that neither the public proxy nor the public checksum database is asked about it.", e.privateAdvice())
	}
	return s
}

func (e explainer) sshAuth() string {
	host := or(or(e.f.Host, gitHost(e.f.Module)), "the git host")
	s := e.lead(fmt.Sprintf("SSH to %s failed %s%s.", host, e.row(), e.evidence()))
	l := strings.ToLower(e.f.Line)
	if strings.Contains(l, "host key") || strings.Contains(l, "host identification") {
		return s + fmt.Sprintf(" The build does not know %s's host key, or it changed: put the right key in modules.knownHosts in the Gopherfile (a line from ssh-keyscan %s, checked against the published fingerprints; Gopherfile knows the keys of github.com, gitlab.com and bitbucket.org), or set modules.sshUnknownHosts: accept-new to take it on first use, and forward your agent with --ssh default.", host, host)
	}
	return s + fmt.Sprintf(" No usable key reached %s: forward an SSH agent that holds a key with read access with --ssh default (ssh-add -l on the host must list it), and make %s's host key known in the build (known_hosts).", host, host)
}

func (e explainer) checksumMismatch() string {
	where := or(e.f.Detail, "go.sum")
	against := "the hash recorded in " + where
	if where != "go.sum" && where != "go.work.sum" {
		against = "the hash published by the checksum database " + where
	}
	s := e.lead(fmt.Sprintf("the downloaded module does not match %s %s. This is never retried.", against, e.row()))
	if e.c.noSumDB(e.f.Module) {
		return s + fmt.Sprintf(" %s is private (it matches %s), so go.sum is the only record: the version on your server changed after go.sum was written (a moved or re-created tag?)."+
			" Stop and find out who changed it; publish a new version instead of re-tagging, then update go.sum with the tidy target."+
			" Do not switch checksum verification off to get past it.",
			e.f.Module, e.c.describe("GONOSUMDB"))
	}
	s += " Somebody changed a published version, the go.sum line is wrong, or something between the builder and the server altered the download. Stop and find out which"
	if e.f.Module != "" && e.f.Version != "" {
		s += fmt.Sprintf(": compare the go.sum lines for %s with https://sum.golang.org/lookup/%s@%s and with a fresh download on another machine", e.f.Module, e.f.Module, e.f.Version)
	}
	return s + ". Do not switch checksum verification off to get past it."
}

func (e explainer) sumDBUnreachable() string {
	db := "the checksum database"
	if e.f.Host != "" {
		db += " " + e.f.Host
	}
	what := "could not be reached"
	if e.f.Detail != "" {
		what = "answered " + e.f.Detail
	}
	s := e.lead(fmt.Sprintf("%s %s %s. %s.", db, what, e.row(), e.c.describe("GOSUMDB")))
	s += " Retry; if the builder cannot reach it, use a GOPROXY that mirrors the checksum database (proxy.golang.org does, and so do most corporate proxies: the go command asks <proxy>/sumdb/sum.golang.org/supported first)."
	if e.c.noProxy(e.f.Module) && !e.c.noSumDB(e.f.Module) {
		s += fmt.Sprintf(" %s matches %s but not GONOSUMDB, so its checksum is looked up publicly: set GOPRIVATE=%s instead, which covers both.",
			e.f.Module, e.c.describe("GONOPROXY"), e.c.value("GONOPROXY"))
	}
	return s
}
