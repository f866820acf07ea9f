package diagnose

import (
	"fmt"
	"strings"
)

// Explain writes one short paragraph about a finding: which module failed,
// the catalogue row, the setting involved and where it came from, and
// exactly what to change.
func Explain(f Finding, c Context) string {
	e := explainer{f: f, c: c}
	var text string
	switch f.Class {
	case ProxyUnreachable:
		text = e.proxyUnreachable()
	case DNSFailure:
		text = e.dnsFailure()
	case ServerError:
		text = e.serverError()
	case TLSUntrusted:
		text = e.tlsUntrusted()
	case PrivateModule:
		text = e.privateModule()
	case GitCredentials:
		text = e.gitCredentials()
	case SSHAuth:
		text = e.sshAuth()
	case ChecksumMismatch:
		text = e.checksumMismatch()
	case SumDBUnreachable:
		text = e.sumDBUnreachable()
	case VersionNotFound:
		text = e.versionNotFound()
	case PathMismatch:
		text = e.pathMismatch()
	case GoTooOld:
		text = e.goTooOld()
	case GoSumIncomplete:
		text = e.goSumIncomplete()
	case Untidy:
		text = e.untidy()
	case VendorOutOfSync:
		text = e.vendorOutOfSync()
	case ReplaceMissing:
		text = e.replaceMissing()
	case EnvConflict:
		text = e.envConflict()
	case CacheLost:
		text = e.cacheLost()
	case VCSStamping:
		text = e.vcsStamping()
	default:
		return generic(c)
	}
	return strings.Join(strings.Fields(text), " ")
}

// Report is the full diagnosis of a failed step: a header line
// "gopherfile: <stage> failed: N problem(s)" and one paragraph per distinct
// problem (the same class and module are explained once), or a generic
// paragraph if nothing in the output was recognised. In the "test" stage,
// network errors that name no module are taken for the tests' own output and
// left out. It ends with a newline.
func Report(output string, c Context) string {
	type key struct {
		c   Class
		mod string
	}
	seen := make(map[key]bool)
	var paras []string
	for _, f := range Classify(output) {
		if c.Stage == "test" && f.Module == "" && networkClass(f.Class) {
			// Most likely the tests' own output (a test that dials a
			// database, say), not the go command failing to fetch a module.
			continue
		}
		k := key{f.Class, f.Module}
		if seen[k] {
			continue
		}
		seen[k] = true
		paras = append(paras, Explain(f, c))
	}
	n := len(paras)
	if n == 0 {
		paras = append(paras, generic(c))
		n = 1
	}
	stage := c.Stage
	if stage == "" {
		stage = "step"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "gopherfile: %s failed: %d problem(s)\n", stage, n)
	for _, p := range paras {
		b.WriteString("\n")
		b.WriteString(p)
		b.WriteString("\n")
	}
	return b.String()
}

// networkClass reports whether c is about reaching a server.
func networkClass(c Class) bool {
	switch c {
	case ProxyUnreachable, DNSFailure, ServerError, TLSUntrusted, SumDBUnreachable:
		return true
	}
	return false
}

func generic(c Context) string {
	s := "The go command failed in a way Gopherfile does not recognise; its own output above says why. " +
		"Settings in effect: " + c.describe("GOPROXY") + ", " + c.describe("GOPRIVATE") + ", " +
		c.describe("GOFLAGS") + ", " + c.describe("GOTOOLCHAIN")
	if c.GoVersion != "" {
		s += ", builder go " + c.GoVersion
	}
	return s + ". If it is a network failure, retrying the build may help."
}

// explainer holds what every paragraph needs.
// explainer holds what every paragraph needs. Every method copes with a
// Finding that has only its Class set (as when a caller explains a class
// found by grep): it then falls back to general wording.
type explainer struct {
	f Finding
	c Context
}

// mod names the failing module: "example.com/m@v1.2.0", "example.com/m" or
// "".
func (e explainer) mod() string {
	if e.f.Module != "" && e.f.Version != "" {
		return e.f.Module + "@" + e.f.Version
	}
	return e.f.Module
}

// lead starts a paragraph: "M@V: text", or text capitalised when the module
// is unknown.
func (e explainer) lead(text string) string {
	if m := e.mod(); m != "" {
		return m + ": " + text
	}
	return strings.ToUpper(text[:1]) + text[1:]
}

// row renders "(row N, name)" or "(row N, name; transient: retried ...)".
func (e explainer) row() string {
	if e.f.Class.Transient() {
		return fmt.Sprintf("(row %d, %s; transient: retried with backoff)", e.f.Class.Row(), e.f.Class)
	}
	return fmt.Sprintf("(row %d, %s)", e.f.Class.Row(), e.f.Class)
}

// evidence renders ": LINE" for the matched line, or "" without one.
func (e explainer) evidence() string {
	if l := strings.TrimRight(e.f.Line, ". "); l != "" {
		return ": " + l
	}
	return ""
}

// or returns s, or fallback when s is empty.
func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

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
// error, or "" when there is nothing sensible to suggest.
func (e explainer) fallbackProxy() string {
	v := e.c.value("GOPROXY")
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
		return s + fmt.Sprintf(" The build does not know %s's host key, or it changed: put the right key in modules.knownHosts in the Gopherfile (a line from ssh-keyscan %s, checked against the published fingerprints), and forward your agent with --ssh default.", host, host)
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
			" Stop and find out who changed it; publish a new version instead of re-tagging, then update go.sum with the tidy target.",
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

func (e explainer) versionNotFound() string {
	if e.f.Module == "" {
		return fmt.Sprintf("A required module version does not exist %s%s. Fix the require line in go.mod (go get <module>@latest, or the tag you meant) or push the missing tag;"+
			" a proxy may keep answering \"not found\" for a while after a new tag is pushed.", e.row(), e.evidence())
	}
	return e.lead(fmt.Sprintf("this version does not exist %s%s. Fix the require line for %s in go.mod (for example go get %s@latest, or the tag you meant) or push the missing tag;"+
		" a proxy may keep answering \"not found\" for a while after a new tag is pushed.", e.row(), e.evidence(), e.f.Module, e.f.Module))
}

func (e explainer) pathMismatch() string {
	if e.f.Detail == "" || e.f.Module == "" {
		return fmt.Sprintf("A module's go.mod declares a different module path from the one it is required as %s%s. "+
			"It is a fork or the module was renamed: require the path its go.mod declares and fix the import paths, "+
			"or keep the declared path and add a replace directive that points it at the fork.", e.row(), e.evidence())
	}
	v := or(e.f.Version, "<version>")
	return e.lead(fmt.Sprintf("its go.mod declares the module path %s, but it is required as %s %s. "+
		"It is a fork or the module was renamed: require %s and fix the import paths, "+
		"or, to build the fork's code under the original path, require %s and add \"replace %s => %s %s\" to go.mod.",
		e.f.Detail, e.f.Module, e.row(), e.f.Detail, e.f.Detail, e.f.Detail, e.f.Module, v))
}

func (e explainer) goTooOld() string {
	running := e.c.GoVersion
	if m := reRequiresGo.FindStringSubmatch(e.f.Line); m != nil && running == "" {
		running = m[2]
	}
	running = or(running, "an older version")
	lines := ""
	if e.c.GoModGo != "" {
		lines = " (now go " + e.c.GoModGo
		if e.c.GoModToolchain != "" {
			lines += ", toolchain " + e.c.GoModToolchain
		}
		lines += ")"
	}
	if e.f.Detail == "" {
		return fmt.Sprintf("go.mod or a dependency requires a newer Go than the builder's go %s %s. %s. "+
			"Use a builder image with that Go version or newer: by default Gopherfile picks the toolchain line of go.mod, else the newest Go release it knows, never older than the go line%s; "+
			"so check what pins the builder image or Go version.", running, e.row(), e.c.describe("GOTOOLCHAIN"), lines)
	}
	who := "go.mod"
	if e.f.Module != "" {
		who = e.mod()
	}
	s := fmt.Sprintf("%s requires go >= %s, but the builder runs go %s %s. %s.",
		who, e.f.Detail, running, e.row(), e.c.describe("GOTOOLCHAIN"))
	if e.f.Module != "" {
		return s + fmt.Sprintf(" Raise the go line of go.mod to %s%s with go get go@%s (the tidy target does it), so that Gopherfile picks a builder image with Go %s or newer; "+
			"or require an older version of %s.", e.f.Detail, lines, e.f.Detail, e.f.Detail, e.f.Module)
	}
	return s + fmt.Sprintf(" Use a builder image with Go %s or newer: by default Gopherfile picks the toolchain line of go.mod, else the newest Go release it knows, never older than the go line%s; "+
		"so check what pins the builder image or Go version.", e.f.Detail, lines)
}

func (e explainer) goSumIncomplete() string {
	what := "a module"
	switch {
	case e.f.Module != "":
		what = e.mod()
	case e.f.Detail != "":
		what = "the module providing package " + e.f.Detail
	}
	return fmt.Sprintf("go.sum has no entry for %s %s: go.sum is out of date. "+
		"Fix it without a local Go: docker buildx build --target tidy -o . -f Gopherfile . (or run go mod tidy), and commit go.mod and go.sum.", what, e.row())
}

func (e explainer) untidy() string {
	s := "go.mod and go.sum are not tidy " + e.row()
	if e.f.Detail != "" {
		s += fmt.Sprintf(": package %s is imported but no requirement provides it", e.f.Detail)
	}
	return s + ". Fix it without a local Go: docker buildx build --target tidy -o . -f Gopherfile . (or run go mod tidy), and commit the result."
}

func (e explainer) vendorOutOfSync() string {
	s := "vendor/modules.txt disagrees with go.mod"
	switch {
	case e.f.Module != "":
		s += " about " + e.mod()
	case e.f.Detail != "":
		s += ": vendor/ does not provide package " + e.f.Detail
	}
	s += " " + e.row() + ". Re-run go mod vendor and commit vendor/, or delete vendor/ so that the build downloads modules instead."
	if entry, ok := e.c.hasGoFlag("mod"); ok && strings.Contains(entry, "vendor") {
		s += fmt.Sprintf(" %s forces vendor mode: if the project has no vendor directory, remove -mod=vendor from GOFLAGS (row 17).",
			e.c.describe("GOFLAGS"))
	}
	return s
}

func (e explainer) replaceMissing() string {
	if e.f.Detail == "" {
		return fmt.Sprintf("go.mod replaces a module with a local directory that is not in the build context %s%s. "+
			"Gopherfile copies only go.mod and go.sum into the dependency step, so the build context must include the replaced directory: "+
			"build from a directory that contains it (for example the repository root), or remove the replace directive for image builds.",
			e.row(), e.evidence())
	}
	return e.lead(fmt.Sprintf("go.mod replaces it with the local directory %s, which is not in the build context %s. "+
		"Gopherfile copies only go.mod and go.sum into the dependency step, so the build context must include %s: "+
		"build from a directory that contains it (for example the repository root), or remove the replace directive for image builds.",
		e.f.Detail, e.row(), e.f.Detail))
}

func (e explainer) envConflict() string {
	switch e.f.Detail {
	case "GOPROXY=off":
		return e.lead(fmt.Sprintf("module downloads are forbidden by %s %s. Remove GOPROXY=off, or vendor the dependencies (go mod vendor) so nothing has to be downloaded.",
			e.c.describe("GOPROXY"), e.row()))
	case "-mod=vendor":
		return e.lead(fmt.Sprintf("vendor mode is forced (%s) but the vendor directory does not provide what the build needs %s. "+
			"Remove -mod=vendor from GOFLAGS, or run go mod vendor and commit vendor/.",
			e.c.describe("GOFLAGS"), e.row()))
	case "GONOPROXY":
		return e.lead(fmt.Sprintf("the module matches %s, so no proxy may serve it, but %s has no direct entry %s. "+
			"End GOPROXY with direct, or narrow GONOPROXY.",
			e.c.describe("GONOPROXY"), e.c.describe("GOPROXY"), e.row()))
	case "GOFLAGS":
		return e.lead(fmt.Sprintf("%s is not valid %s%s. GOFLAGS holds space-separated -flag=value entries (values cannot contain spaces); fix or remove the entry where it is set.",
			e.c.describe("GOFLAGS"), e.row(), e.evidence()))
	case "GOSUMDB", "GOTOOLCHAIN", "GOPROXY", "GOAUTH":
		return e.lead(fmt.Sprintf("%s is not valid %s%s. Fix it where it is set.",
			e.c.describe(e.f.Detail), e.row(), e.evidence()))
	}
	return e.lead(fmt.Sprintf("a go setting conflicts with the build %s%s. Check where each one comes from: %s, %s, %s, %s; "+
		"GOPROXY=off forbids downloads and -mod=vendor needs a complete vendor directory.",
		e.row(), e.evidence(), e.c.describe("GOPROXY"), e.c.describe("GOPRIVATE"), e.c.describe("GOFLAGS"), e.c.describe("GOTOOLCHAIN")))
}

func (e explainer) cacheLost() string {
	n := ""
	if e.f.Detail != "" {
		n = " (" + e.f.Detail + " modules)"
	}
	return fmt.Sprintf("Every module was downloaded again%s %s: the module cache mount was empty, as on an ephemeral CI runner or after the builder was pruned. "+
		"This is slow rather than wrong: export the module cache through the registry cache (see the CI recipes).", n, e.row())
}

func (e explainer) vcsStamping() string {
	return fmt.Sprintf("go build could not read version control information %s: the .git directory is missing, incomplete or not trusted in the build. "+
		"Build with -buildvcs=false (GOFLAGS=-buildvcs=false; now %s) or stamp the version from build args with -ldflags -X.",
		e.row(), e.c.describe("GOFLAGS"))
}
