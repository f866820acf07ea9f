// Package goenv owns the facts about the go command's environment settings
// that several packages need: the names of the settings Gopherfile passes to
// the module steps and the Gopherfile field behind each, Go's defaults, the
// public code hosts, the Setting type (a value and where it came from), and
// Redact, the one function every printed setting passes through.
package goenv

import (
	"net/url"
	"strings"
)

// Setting is the effective value of one environment setting and where it
// came from.
type Setting struct {
	Name  string `json:"name"`
	Value string `json:"value,omitempty"`
	// Field is the Gopherfile field that set it, "" when it did not come
	// from the Gopherfile.
	Field string `json:"field,omitempty"`
	// Origin says where the value came from: "Gopherfile modules.proxy",
	// "build arg GOPROXY", "secret GOPROXY", "builder image env" or
	// "Gopherfile default". "" means the go command's default.
	Origin string `json:"origin,omitempty"`
}

// Shown is the setting as it may be printed: NAME=VALUE with credentials
// redacted.
func (s Setting) Shown() string { return s.Name + "=" + RedactFrom(s.Name, s.Value, s.Origin) }

// Var describes one go setting Gopherfile passes to the module steps.
type Var struct {
	// Name is the environment variable, e.g. GOPROXY.
	Name string
	// Field is the Gopherfile field that sets it, e.g. modules.proxy.
	Field string
	// List is true for comma-separated pattern lists (GOPRIVATE and friends),
	// which the Gopherfile writes as YAML lists.
	List bool
}

// Vars are the go settings of the module steps, in the order they are
// reported. Each can be overridden with a build arg of the same name.
var Vars = []Var{
	{Name: "GOPROXY", Field: "modules.proxy"},
	{Name: "GOPRIVATE", Field: "modules.private", List: true},
	{Name: "GONOPROXY", Field: "modules.noproxy", List: true},
	{Name: "GONOSUMDB", Field: "modules.nosumdb", List: true},
	{Name: "GOSUMDB", Field: "modules.sumdb"},
	{Name: "GOINSECURE", Field: "modules.insecure", List: true},
	{Name: "GOAUTH", Field: "modules.auth"},
	{Name: "GOFLAGS", Field: "env.GOFLAGS"},
	{Name: "GOEXPERIMENT", Field: "env.GOEXPERIMENT"},
	{Name: "GOTOOLCHAIN", Field: "modules.toolchain"},
}

// Names returns the names of Vars, in order.
func Names() []string {
	out := make([]string, len(Vars))
	for i, v := range Vars {
		out[i] = v.Name
	}
	return out
}

// IsVar reports whether name is one of Vars.
func IsVar(name string) bool {
	for _, v := range Vars {
		if v.Name == name {
			return true
		}
	}
	return false
}

// ProxyArgs are the HTTP proxy build args BuildKit users pass (upper case;
// the lower-case forms are read too). They reach the networked module steps
// only, through BuildKit's proxy env: never the image and never a cache key.
var ProxyArgs = []string{"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "FTP_PROXY"}

// Go's defaults for the settings that have one.
const (
	DefaultGOPROXY = "https://proxy.golang.org,direct"
	DefaultGOSUMDB = "sum.golang.org"
)

// Default returns the go command's default for a setting, "" if none.
func Default(name string) string {
	switch name {
	case "GOPROXY":
		return DefaultGOPROXY
	case "GOSUMDB":
		return DefaultGOSUMDB
	}
	return ""
}

// PublicHosts serve public modules. A private pattern never covers one of
// them wholesale, and on the code hosts among them (CodeHosts) an
// organisation is the second path element.
var PublicHosts = []string{
	"github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "dev.azure.com",
	"golang.org", "google.golang.org", "gopkg.in", "go.uber.org", "k8s.io", "sigs.k8s.io",
	"cloud.google.com", "go.opentelemetry.io", "honnef.co", "go.etcd.io",
}

// CodeHosts are the public hosts whose module paths are host/org/repo.
var CodeHosts = []string{"github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "dev.azure.com"}

// IsCodeHost reports whether host is one of CodeHosts.
func IsCodeHost(host string) bool {
	for _, h := range CodeHosts {
		if h == host {
			return true
		}
	}
	return false
}

// Redact returns value with every credential removed, for printing: the
// password of each URL in GOPROXY, GOSUMDB and the HTTP proxy settings is
// replaced by "xxxxx", as url.URL.Redacted does, and every URL's query
// string (some hosted registries put a token there) is dropped. Every
// message that shows a setting's value passes it through Redact (or
// RedactFrom, which knows where the value came from).
func Redact(name, value string) string {
	return redact(name, value, RedactURL)
}

// RedactFrom is Redact for a value whose origin is known: a value that came
// from a secret (FromSecret) shows only the scheme and host of each URL,
// since a hosted registry may keep a token in the path too.
func RedactFrom(name, value, origin string) string {
	if FromSecret(origin) {
		return redact(name, value, HostOnly)
	}
	return Redact(name, value)
}

func redact(name, value string, url func(string) string) string {
	switch strings.ToUpper(name) {
	case "GOPROXY":
		return redactList(value, url)
	case "GOSUMDB":
		// "name+key url" or "name url": only the URL part can hold credentials.
		f := strings.Fields(value)
		if len(f) == 0 {
			return value
		}
		for i := range f {
			f[i] = url(f[i])
		}
		return strings.Join(f, " ")
	case "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "FTP_PROXY":
		return url(value)
	}
	if strings.Contains(value, "://") {
		// Any other value that holds a URL with userinfo (a GOAUTH command, a
		// build arg) is redacted the same way.
		f := strings.Fields(value)
		for i := range f {
			f[i] = url(f[i])
		}
		return strings.Join(f, " ")
	}
	return value
}

// SecretOrigin is the Origin of a setting whose value came from the BuildKit
// secret id (e.g. "secret GOPROXY").
func SecretOrigin(id string) string { return secretOrigin + id }

const secretOrigin = "secret "

// FromSecret reports whether an Origin says the value came from a secret.
func FromSecret(origin string) bool { return strings.HasPrefix(origin, secretOrigin) }

// redactList redacts each entry of a GOPROXY list, keeping the separators.
func redactList(v string, url func(string) string) string {
	var b strings.Builder
	start := 0
	for i := 0; i <= len(v); i++ {
		if i == len(v) || v[i] == ',' || v[i] == '|' {
			b.WriteString(url(v[start:i]))
			if i < len(v) {
				b.WriteByte(v[i])
			}
			start = i + 1
		}
	}
	return b.String()
}

// RedactURL returns u with its password (or a lone user name, which is often
// a token) replaced by "xxxxx" and its query string and fragment dropped. A
// string that is not a URL ("direct", a host name) is returned unchanged; one
// that does not parse but has an "@" after "://" has everything before that
// "@" replaced.
func RedactURL(u string) string {
	i := strings.Index(u, "://")
	if i < 0 {
		return u
	}
	if q := strings.IndexAny(u, "?#"); q > i {
		u = u[:q]
	}
	rest := u[i+3:]
	at := strings.LastIndex(strings.SplitN(rest, "/", 2)[0], "@")
	if at < 0 {
		return u
	}
	p, err := url.Parse(u)
	if err != nil || p.User == nil {
		return u[:i+3] + "xxxxx@" + rest[at+1:]
	}
	if _, ok := p.User.Password(); ok {
		return p.Redacted()
	}
	// A user name without a password is usually a token (https://TOKEN@host).
	p.User = url.User("xxxxx")
	return p.String()
}

// HostOnly returns the scheme and host of a URL ("https://host.example"),
// without user, path, query or fragment: how a value that came from a
// secret is shown. A string that is not a URL is returned unchanged.
func HostOnly(u string) string {
	i := strings.Index(u, "://")
	if i < 0 {
		return u
	}
	rest := u[i+3:]
	if j := strings.IndexAny(rest, "?#"); j >= 0 {
		rest = rest[:j]
	}
	// The last "@" anywhere: a password with a raw "/" in it must not show
	// (a path with an "@" then shows less than its host, never more).
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		rest = rest[at+1:]
	}
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		rest = rest[:j]
	}
	return u[:i+3] + rest
}

// HasCredentials reports whether a setting's value holds a URL with userinfo
// or a query string.
func HasCredentials(name, value string) bool { return Redact(name, value) != value }
