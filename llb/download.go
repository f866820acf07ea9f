package llb

import (
	"fmt"
	"strings"

	bk "github.com/moby/buildkit/client/llb"

	"github.com/gopherfile/gopherfile/frontend/diagnose"
	"github.com/gopherfile/gopherfile/frontend/plan"
	"github.com/gopherfile/gopherfile/frontend/spec"
)

// Paths of the networked module steps. Home is a tmpfs: the git config and the
// netrc link written there never reach a layer.
const (
	SecretDir = "/run/secrets"
	HomeDir   = "/gopherfile/home"
)

// Secret ids the download step reads.
const (
	SecretNetrc  = "netrc"
	SecretCACert = "cacert"
	// SecretGitTokenPrefix + host is BuildKit's name for a git token.
	SecretGitTokenPrefix = "GIT_AUTH_TOKEN."
)

// downloadOpts are what every networked module step (download, tidy) gets:
// the download settings as env, HTTP proxies (kept out of the cache key by
// BuildKit), secrets and the SSH agent, and a tmpfs HOME.
func downloadOpts(p *plan.Plan) []bk.RunOption {
	d := p.Downloads
	var o []bk.RunOption
	for _, s := range d.Settings {
		o = append(o, bk.AddEnv(s.Name, s.Value))
	}
	if len(d.Proxy) > 0 {
		o = append(o, bk.WithProxy(bk.ProxyEnv{
			HTTPProxy:  d.Proxy["HTTP_PROXY"],
			HTTPSProxy: d.Proxy["HTTPS_PROXY"],
			FTPProxy:   d.Proxy["FTP_PROXY"],
			NoProxy:    d.Proxy["NO_PROXY"],
			AllProxy:   d.Proxy["ALL_PROXY"],
		}))
	}
	if d.Netrc != spec.SecretOff {
		o = append(o, bk.AddSecret(SecretDir+"/"+SecretNetrc, bk.SecretID(SecretNetrc), bk.SecretOptional))
	}
	if d.CACert != spec.SecretOff {
		o = append(o, bk.AddSecret(SecretDir+"/"+SecretCACert, bk.SecretID(SecretCACert), bk.SecretOptional))
	}
	for _, h := range d.GitHosts {
		id := SecretGitTokenPrefix + h
		o = append(o, bk.AddSecret(SecretDir+"/"+id, bk.SecretID(id), bk.SecretOptional))
	}
	if d.SSH != spec.SecretOff {
		o = append(o, bk.AddSSHSocket(bk.SSHID("default"), bk.SSHOptional))
	}
	o = append(o, bk.AddMount(HomeDir, bk.Scratch(), bk.Tmpfs()), bk.AddEnv("HOME", HomeDir))
	return o
}

// credentialsScript is the shell preamble of the networked module steps: it
// checks required secrets, and points the go command and git at the secrets
// that were given, without copying a secret anywhere.
func credentialsScript(p *plan.Plan) string {
	d := p.Downloads
	var b strings.Builder
	b.WriteString("set -u\n")
	fmt.Fprintf(&b, "S=%s\nH=%s\nmkdir -p \"$H/.ssh\"\n", SecretDir, HomeDir)
	need := func(file, flag, field string) {
		fmt.Fprintf(&b, "if [ ! -s \"$S/%s\" ]; then\n  echo \"gopherfile: this build needs the secret %s: add %s to the build command (or set %s: optional in the Gopherfile)\" >&2\n  exit 1\nfi\n", file, file, flag, field)
	}
	if d.Netrc == spec.SecretRequired {
		need(SecretNetrc, "--secret id=netrc,src=$HOME/.netrc", "modules.netrc")
	}
	if d.CACert == spec.SecretRequired {
		need(SecretCACert, "--secret id=cacert,src=/path/to/ca-bundle.pem", "modules.cacert")
	}
	if d.Netrc != spec.SecretOff {
		b.WriteString("if [ -s \"$S/netrc\" ]; then ln -sf \"$S/netrc\" \"$H/.netrc\"; export NETRC=\"$S/netrc\"; fi\n")
	}
	if d.CACert != spec.SecretOff {
		b.WriteString("if [ -s \"$S/cacert\" ]; then export SSL_CERT_FILE=\"$S/cacert\" GIT_SSL_CAINFO=\"$S/cacert\"; fi\n")
	}
	for _, h := range d.GitHosts {
		f := SecretDir + "/" + SecretGitTokenPrefix + h
		fmt.Fprintf(&b, "if [ -s %s ]; then git config --global credential.%s.helper %s; fi\n",
			shellQuote(f), shellQuote("https://"+h),
			shellQuote(fmt.Sprintf(`!f() { test "$1" = get && echo username=x-access-token && printf 'password=%%s\n' "$(cat %s)"; }; f`, f)))
	}
	if d.SSH != spec.SecretOff {
		if d.SSH == spec.SecretRequired {
			b.WriteString("if [ -z \"${SSH_AUTH_SOCK:-}\" ] || [ ! -S \"$SSH_AUTH_SOCK\" ]; then\n  echo \"gopherfile: this build needs an SSH agent for git@ modules: add --ssh default to the build command (or set modules.ssh: optional)\" >&2\n  exit 1\nfi\n")
		}
		b.WriteString("if [ -n \"${SSH_AUTH_SOCK:-}\" ] && [ -S \"$SSH_AUTH_SOCK\" ]; then\n")
		for _, h := range d.SSHHosts {
			fmt.Fprintf(&b, "  git config --global url.%s.insteadOf %s\n", shellQuote("ssh://git@"+h+"/"), shellQuote("https://"+h+"/"))
		}
		checking := "accept-new"
		if len(d.KnownHosts) > 0 {
			checking = "yes"
			for _, k := range d.KnownHosts {
				fmt.Fprintf(&b, "  printf '%%s\\n' %s >>\"$H/.ssh/known_hosts\"\n", shellQuote(k))
			}
		}
		fmt.Fprintf(&b, "  export GIT_SSH_COMMAND=\"ssh -o UserKnownHostsFile=$H/.ssh/known_hosts -o StrictHostKeyChecking=%s -o BatchMode=yes\"\nfi\n", checking)
	}
	b.WriteString("export GIT_TERMINAL_PROMPT=0\n")
	return b.String()
}

// retryScript runs CMD, retrying it with exponential backoff and jitter while
// its output shows only transient failures (catalogue rows 1-3 and 9), and
// explains a final failure. Modules that were fetched stay in the module cache,
// so every attempt goes further than the one before.
func retryScript(p *plan.Plan, stage, cmd string) string {
	transient, permanent := diagnose.ShellPatterns()
	var b strings.Builder
	fmt.Fprintf(&b, "T=%s\nP=%s\nretries=%d\ntimeout=%d\n", shellQuote(transient), shellQuote(permanent), p.Downloads.Retries, p.Downloads.TimeoutSeconds)
	fmt.Fprintf(&b, `log="$H/out.log"
attempt=0
delay=1
while :; do
  timeout -k 10 "$timeout" %s >"$log" 2>&1
  rc=$?
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "gopherfile: timed out after ${timeout}s: i/o timeout (a proxy or git server stopped answering; modules.timeout sets the limit)" >>"$log"
  fi
  cat "$log"
  if [ "$rc" -eq 0 ]; then
    if [ "$attempt" -gt 0 ]; then
      echo "gopherfile: %s succeeded after $attempt retr$( [ "$attempt" -eq 1 ] && echo y || echo ies) of transient failures (see above)."
    fi
    break
  fi
  if [ "$attempt" -lt "$retries" ] && grep -Eq "$T" "$log" && ! grep -Eq "$P" "$log"; then
    attempt=$((attempt + 1))
    jitter=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') %% 1000 ))
    echo "gopherfile: transient failure ($(grep -Em1 "$T" "$log" | cut -c1-200)); retry $attempt of $retries in ${delay}.$(printf '%%03d' "$jitter")s"
    sleep "${delay}.$(printf '%%03d' "$jitter")"
    delay=$((delay * 2))
    [ "$delay" -gt 8 ] && delay=8
    continue
  fi
  break
done
if [ "$rc" -ne 0 ]; then
%s
exit "$rc"
fi
`, cmd, stage, explainScript(p, stage))
	return b.String()
}

// explainScript prints, after a failed module step, the classified explanation
// of every catalogue class whose evidence is in "$log".
func explainScript(p *plan.Plan, stage string) string {
	ctx := diagnoseContext(p, stage)
	var b strings.Builder
	b.WriteString("echo\n")
	// The rules come most specific first: explain the first class that matches.
	type rule struct {
		pattern string
		finding diagnose.Finding
	}
	var rules []rule
	for _, r := range diagnose.ShellRules() {
		f := diagnose.Finding{Class: r.Class}
		switch r.Class {
		case diagnose.GitCredentials:
			if len(p.Downloads.GitHosts) > 0 {
				f.Host = p.Downloads.GitHosts[0]
			}
		case diagnose.SSHAuth:
			if len(p.Downloads.SSHHosts) > 0 {
				f.Host = p.Downloads.SSHHosts[0]
			}
			// A host-key failure has its own advice (known_hosts), so it gets its own branch first.
			hk := f
			hk.Line = "Host key verification failed."
			rules = append(rules, rule{`(Host key verification failed)|(REMOTE HOST IDENTIFICATION HAS CHANGED)|(host key is known for)`, hk})
		}
		rules = append(rules, rule{r.Pattern, f})
	}
	for i, r := range rules {
		msg := diagnose.Explain(r.finding, ctx)
		kw := "elif"
		if i == 0 {
			kw = "if"
		}
		fmt.Fprintf(&b, "%s grep -Eq %s \"$log\"; then\n  echo \"gopherfile: %s failed:\"\n  grep -Em3 %s \"$log\" | sed 's/^/  > /'\n  printf '%%s\\n' %s\n",
			kw, shellQuote(r.pattern), stage, shellQuote(r.pattern), shellQuote("gopherfile: "+msg))
	}
	fmt.Fprintf(&b, "else\n  echo \"gopherfile: %s failed; its output above did not match a known failure: check the first error line.\"\nfi\n", stage)
	return b.String()
}

// diagnoseContext is what the diagnosis knows about the settings.
func diagnoseContext(p *plan.Plan, stage string) diagnose.Context {
	c := diagnose.Context{Stage: stage, GoVersion: p.GoVersion, GoModGo: p.RequiredGo}
	set := func(dst *diagnose.Setting, name string) {
		if s, ok := p.Downloads.Setting(name); ok {
			*dst = diagnose.Setting{Value: s.Value, Origin: s.Origin}
		}
	}
	set(&c.GOPROXY, "GOPROXY")
	set(&c.GOPRIVATE, "GOPRIVATE")
	set(&c.GONOPROXY, "GONOPROXY")
	set(&c.GONOSUMDB, "GONOSUMDB")
	set(&c.GOSUMDB, "GOSUMDB")
	set(&c.GOINSECURE, "GOINSECURE")
	set(&c.GOFLAGS, "GOFLAGS")
	set(&c.GOTOOLCHAIN, "GOTOOLCHAIN")
	return c
}

// layerCacheScript, with the module cache in the layer, makes the shared cache
// mount the first proxy, so a go.mod change downloads only the new modules.
func layerCacheScript(p *plan.Plan) string {
	if !p.ModulesInLayer {
		return ""
	}
	return fmt.Sprintf(`mkdir -p %[1]s/cache/download
export GOPROXY="file://%[1]s/cache/download,$(go env GOPROXY)"
export GOFLAGS="-modcacherw ${GOFLAGS:-}"
`, plan.GoModCache)
}

// layerCacheSave copies what this build downloaded into the shared cache mount.
func layerCacheSave(p *plan.Plan) string {
	if !p.ModulesInLayer {
		return ""
	}
	return fmt.Sprintf("if [ -d %[1]s/cache/download ]; then cp -Rn %[1]s/cache/download/. %[2]s/cache/download/ 2>/dev/null || true; fi\n", plan.GoModLayer, plan.GoModCache)
}
