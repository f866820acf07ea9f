package plan

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"golang.org/x/mod/module"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/spec"
)

// Setting is one go env setting of the download and tidy steps, with where it
// came from ("Gopherfile modules.proxy", "build arg GOPROXY", "Gopherfile
// default"), for the diagnosis of failed downloads.
type Setting = goenv.Setting

// Downloads is how the download and tidy steps fetch modules.
type Downloads struct {
	// Settings are the go env settings, in a fixed order.
	Settings []Setting `json:"settings,omitempty"`
	// Proxy holds HTTP(S)_PROXY, NO_PROXY and ALL_PROXY from build args.
	Proxy map[string]string `json:"proxy,omitempty"`
	// Retries of transient failures.
	Retries int `json:"retries"`
	// Timeout of one download attempt, in seconds.
	TimeoutSeconds int `json:"timeoutSeconds"`
	// Netrc, CACert and SSH are "optional", "required" or "off".
	Netrc  spec.SecretMode `json:"netrc"`
	CACert spec.SecretMode `json:"cacert"`
	SSH    spec.SecretMode `json:"ssh"`
	// GitHosts use GIT_AUTH_TOKEN.<host> secrets; SSHHosts are rewritten to git@.
	GitHosts   []string `json:"gitHosts,omitempty"`
	SSHHosts   []string `json:"sshHosts,omitempty"`
	KnownHosts []string `json:"knownHosts,omitempty"`
	// AcceptNewHosts takes unknown SSH host keys on first use
	// (modules.sshUnknownHosts: accept-new).
	AcceptNewHosts bool `json:"acceptNewHosts,omitempty"`
}

// Warning is a setting that weakens security or is likely a mistake.
type Warning struct {
	Field string `json:"field"`
	Msg   string `json:"msg"`
}

// Setting returns the setting called name.
func (d *Downloads) Setting(name string) (Setting, bool) {
	for _, s := range d.Settings {
		if s.Name == name {
			return s, true
		}
	}
	return Setting{}, false
}

// Override sets a setting, replacing it where it already is, for a build
// option that decides it (origin names the option).
func (d *Downloads) Override(name, value, origin string) {
	for i, s := range d.Settings {
		if s.Name == name {
			d.Settings[i] = Setting{Name: name, Value: value, Origin: origin}
			return
		}
	}
	d.Settings = append(d.Settings, Setting{Name: name, Value: value, Origin: origin})
}

// downloads resolves the download settings; s has its defaults.
func downloads(s *spec.Spec, args map[string]string) Downloads {
	m := s.Modules
	d := Downloads{Proxy: map[string]string{}}
	set := func(name, field, value string) {
		if v, ok := args[name]; ok {
			d.Settings = append(d.Settings, Setting{Name: name, Value: v, Origin: "build arg " + name})
			return
		}
		if value != "" {
			d.Settings = append(d.Settings, Setting{Name: name, Value: value, Field: field, Origin: "Gopherfile " + field})
		}
	}
	for _, v := range goenv.Vars {
		if v.Name == goenv.GOTOOLCHAIN {
			if _, ok := args[goenv.GOTOOLCHAIN]; !ok && m.Toolchain == "" {
				d.Settings = append(d.Settings, Setting{Name: goenv.GOTOOLCHAIN, Value: "local", Origin: "Gopherfile default"})
				continue
			}
		}
		set(v.Name, v.Field, specValue(s, v))
	}

	for _, k := range goenv.ProxyArgs {
		for _, name := range []string{k, strings.ToLower(k)} {
			if v, ok := args[name]; ok && v != "" {
				d.Proxy[k] = v
			}
		}
	}
	if len(d.Proxy) == 0 {
		d.Proxy = nil
	}

	d.Retries = int(*m.Retries)
	d.TimeoutSeconds = int(m.Timeout.Value().Seconds())
	d.Netrc, d.CACert, d.SSH = m.Netrc, m.CACert, m.SSH

	private := m.Private
	if p, ok := d.Setting(goenv.GOPRIVATE); ok {
		private = splitList(p.Value)
	}
	d.GitHosts = m.GitHosts
	if len(d.GitHosts) == 0 {
		d.GitHosts = hostsOf(private)
	}
	d.SSHHosts = m.SSHHosts
	if len(d.SSHHosts) == 0 && d.SSH != spec.SecretOff {
		d.SSHHosts = hostsOf(private)
	}
	d.KnownHosts = m.KnownHosts
	d.AcceptNewHosts = m.SSHUnknownHosts == spec.UnknownHostsAcceptNew
	return d
}

// specValue is the Gopherfile's value of a go setting.
func specValue(s *spec.Spec, v goenv.Var) string {
	m := s.Modules
	switch v.Name {
	case goenv.GOPROXY:
		return m.Proxy
	case goenv.GOPRIVATE:
		return strings.Join(m.Private, ",")
	case goenv.GONOPROXY:
		return strings.Join(m.NoProxy, ",")
	case goenv.GONOSUMDB:
		return strings.Join(m.NoSumDB, ",")
	case goenv.GOSUMDB:
		return m.SumDB
	case goenv.GOINSECURE:
		return strings.Join(m.Insecure, ",")
	case goenv.GOAUTH:
		return m.Auth
	case goenv.GOTOOLCHAIN:
		return m.Toolchain
	case goenv.GOFLAGS, goenv.GOEXPERIMENT:
		return s.Env[v.Name]
	}
	return ""
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// hostsOf returns the literal hosts that module path patterns start with.
func hostsOf(patterns []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range patterns {
		host, _, _ := strings.Cut(p, "/")
		if !strings.Contains(host, ".") || strings.ContainsAny(host, "*?[") || seen[host] {
			continue
		}
		seen[host] = true
		out = append(out, host)
	}
	sort.Strings(out)
	return out
}

// coversPublic reports whether a module path pattern matches public modules
// wholesale: "*", "github.com", "github.com/*", "*.org".
func coversPublic(pattern string) bool {
	elems := strings.Split(strings.TrimSuffix(pattern, "/"), "/")
	if len(elems) == 1 || (len(elems) == 2 && elems[1] == "*") {
		for _, h := range goenv.PublicHosts {
			if ok, _ := path.Match(elems[0], h); ok {
				return true
			}
		}
	}
	return false
}

// SecurityWarnings lists the download settings that weaken module security.
func (d *Downloads) SecurityWarnings() []Warning {
	var w []Warning
	where := func(s Setting) string {
		if s.Field != "" {
			return s.Field
		}
		return ""
	}
	if s, ok := d.Setting(goenv.GOSUMDB); ok && s.Value == "off" {
		w = append(w, Warning{Field: where(s), Msg: fmt.Sprintf("GOSUMDB=off (%s) turns off checksum verification for every module: a tampered module would be built without a word. List private paths in modules.private instead.", s.Origin)})
	}
	for _, name := range []string{goenv.GONOSUMDB, goenv.GOPRIVATE, goenv.GOINSECURE, goenv.GONOPROXY} {
		s, ok := d.Setting(name)
		if !ok {
			continue
		}
		for _, p := range splitList(s.Value) {
			if !coversPublic(p) {
				continue
			}
			switch name {
			case goenv.GOINSECURE:
				w = append(w, Warning{Field: where(s), Msg: fmt.Sprintf("GOINSECURE=%s (%s) fetches public modules without TLS verification: name only your own hosts or paths.", p, s.Origin)})
			case goenv.GONOPROXY:
				w = append(w, Warning{Field: where(s), Msg: fmt.Sprintf("GONOPROXY=%s (%s) bypasses the proxy for public modules: builds get slower and depend on every VCS host.", p, s.Origin)})
			default:
				w = append(w, Warning{Field: where(s), Msg: fmt.Sprintf("%s=%s (%s) skips the checksum database for public modules: name only your private paths, e.g. github.com/your-org/*.", name, p, s.Origin)})
			}
		}
	}
	if s, ok := d.Setting(goenv.GOPROXY); ok && goenv.HasCredentials(goenv.GOPROXY, s.Value) {
		if s.Field != "" {
			w = append(w, Warning{Field: s.Field, Msg: fmt.Sprintf("GOPROXY=%s (%s) has a password in the Gopherfile, which is committed with the code: "+
				"remove it and pass the URL as a secret, --secret id=GOPROXY,env=GOPROXY, or the credentials in a netrc secret.", goenv.Redact(goenv.GOPROXY, s.Value), s.Origin)})
		} else {
			w = append(w, Warning{Msg: fmt.Sprintf("GOPROXY=%s (%s) has a password in a build arg: BuildKit records every build arg in the provenance attestation. "+
				"Pass the URL as a secret instead, --secret id=GOPROXY,env=GOPROXY, or the credentials in a netrc secret; both stay out of the image, the cache keys and the provenance.", goenv.Redact(goenv.GOPROXY, s.Value), s.Origin)})
		}
	}
	for _, k := range goenv.ProxyArgs {
		if v := d.Proxy[k]; goenv.HasCredentials(k, v) {
			w = append(w, Warning{Msg: fmt.Sprintf("%s=%s (build arg %s) has a password: BuildKit records every build arg in the provenance attestation; keep the proxy's credentials out of the URL where the proxy allows it.", k, goenv.Redact(k, v), k)})
		}
	}
	if s, ok := d.Setting(goenv.GOFLAGS); ok && strings.Contains(" "+s.Value, " -insecure") {
		w = append(w, Warning{Field: where(s), Msg: fmt.Sprintf("GOFLAGS=%s (%s) uses -insecure: use GOINSECURE for your own hosts instead.", s.Value, s.Origin)})
	}
	return w
}

// AddImageEnv records the settings the builder image's env sets and neither the
// Gopherfile nor a build arg overrides, so that a diagnosis can say a setting
// came from the builder image.
func (d *Downloads) AddImageEnv(env []string) {
	for _, name := range goenv.Names() {
		if _, ok := d.Setting(name); ok {
			continue
		}
		if v, ok := EnvValue(env, name); ok {
			d.Settings = append(d.Settings, Setting{Name: name, Value: v, Origin: "builder image env"})
		}
	}
}

// PrivateModules returns the module paths that GOPRIVATE or GONOPROXY
// match (the modules fetched with the build's credentials, not through a
// public proxy), as the go command matches them.
func (d *Downloads) PrivateModules(paths []string) []string {
	var patterns []string
	for _, name := range []string{goenv.GOPRIVATE, goenv.GONOPROXY} {
		if s, ok := d.Setting(name); ok && s.Value != "" {
			patterns = append(patterns, s.Value)
		}
	}
	if len(patterns) == 0 {
		return nil
	}
	var out []string
	for _, p := range paths {
		if module.MatchPrefixPatterns(strings.Join(patterns, ","), p) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}
