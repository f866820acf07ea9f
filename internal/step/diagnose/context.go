package diagnose

import (
	"strings"

	"golang.org/x/mod/module"

	"github.com/gopherfile/gopherfile/internal/goenv"
)

// Setting is the effective value of one go environment setting and where
// it came from. Value "" means unset (the go command's default applies);
// Origin "" is taken as "default" for an unset value.
type Setting = goenv.Setting

// Context is what the caller knows about the failed step.
type Context struct {
	// Stage is the step that failed: one of the Stage constants.
	Stage string

	GOPROXY     Setting
	GOPRIVATE   Setting
	GONOPROXY   Setting
	GONOSUMDB   Setting
	GOSUMDB     Setting
	GOINSECURE  Setting
	GOFLAGS     Setting
	GOTOOLCHAIN Setting

	// GoVersion is the builder's Go version, such as "1.26.8".
	GoVersion string
	// GoModGo is the go line of go.mod, such as "1.27".
	GoModGo string
	// GoModToolchain is the toolchain line of go.mod, such as "go1.27.1",
	// "" if absent.
	GoModToolchain string

	// Offline is set for the steps that run without network and with
	// GOPROXY=off by design (compile, test, vet): there a module the go
	// command cannot find is one the module cache mount lost (row 18).
	Offline bool
	// Recovery is set when the download step runs again because the module
	// cache mount lost what it had downloaded.
	Recovery bool
	// Credentials says which hosts were given credentials and how, e.g.
	// "proxy.corp" → "the netrc secret", for the diagnosis of a 401.
	Credentials map[string]string
}

// Go's defaults for the settings that have one.
const (
	defaultGOPROXY = goenv.DefaultGOPROXY
	defaultGOSUMDB = goenv.DefaultGOSUMDB
)

// setting returns the named setting with Go's defaults applied: GONOPROXY
// and GONOSUMDB default to GOPRIVATE, GOPROXY and GOSUMDB to the public
// services.
func (c Context) setting(name string) (s Setting, name2 string) {
	switch name {
	case "GOPROXY":
		s = c.GOPROXY
		if s.Value == "" {
			s = Setting{Value: defaultGOPROXY, Origin: defaultOrigin(s.Origin)}
		}
	case "GOSUMDB":
		s = c.GOSUMDB
		if s.Value == "" {
			s = Setting{Value: defaultGOSUMDB, Origin: defaultOrigin(s.Origin)}
		}
	case "GOPRIVATE":
		s = c.GOPRIVATE
	case "GONOPROXY":
		s = c.GONOPROXY
		if s.Value == "" && c.GOPRIVATE.Value != "" {
			return c.GOPRIVATE, "GOPRIVATE"
		}
	case "GONOSUMDB":
		s = c.GONOSUMDB
		if s.Value == "" && c.GOPRIVATE.Value != "" {
			return c.GOPRIVATE, "GOPRIVATE"
		}
	case "GOINSECURE":
		s = c.GOINSECURE
	case "GOFLAGS":
		s = c.GOFLAGS
	case "GOTOOLCHAIN":
		s = c.GOTOOLCHAIN
	}
	return s, name
}

func defaultOrigin(o string) string {
	if o == "" {
		return "default"
	}
	return o
}

// describe renders a setting for a sentence: "GOPROXY=X (from build arg
// GOPROXY)", "GOPROXY=X (the default)" or "GOPRIVATE is not set". The value
// is redacted (goenv.RedactFrom: a value from a secret shows its hosts only).
func (c Context) describe(name string) string {
	s, shown := c.setting(name)
	s.Value = goenv.RedactFrom(shown, s.Value, s.Origin)
	if s.Value == "" {
		if s.Origin != "" && s.Origin != "default" {
			return shown + " is empty (from " + s.Origin + ")"
		}
		return shown + " is not set"
	}
	switch s.Origin {
	case "", "default":
		return shown + "=" + s.Value + " (the default)"
	}
	return shown + "=" + s.Value + " (from " + s.Origin + ")"
}

// value returns the effective value of a setting. It may hold credentials:
// what the advice prints goes through shownValue.
func (c Context) value(name string) string {
	s, _ := c.setting(name)
	return s.Value
}

// shownValue is the value of a setting as the advice may print it
// (goenv.RedactFrom).
func (c Context) shownValue(name string) string {
	s, shown := c.setting(name)
	return goenv.RedactFrom(shown, s.Value, s.Origin)
}

// noProxy reports whether mod is fetched directly, bypassing GOPROXY
// (it matches GONOPROXY, which defaults to GOPRIVATE).
func (c Context) noProxy(mod string) bool {
	return mod != "" && module.MatchPrefixPatterns(c.value("GONOPROXY"), mod)
}

// noSumDB reports whether mod is exempt from the checksum database.
func (c Context) noSumDB(mod string) bool {
	return mod != "" && module.MatchPrefixPatterns(c.value("GONOSUMDB"), mod)
}

// hasGoFlag reports whether GOFLAGS contains flag (as "-flag", "--flag",
// "-flag=..." or "--flag=...") and returns the whole entry.
func (c Context) hasGoFlag(flag string) (string, bool) {
	for _, f := range strings.Fields(c.GOFLAGS.Value) {
		name := strings.TrimLeft(f, "-")
		if name == flag || strings.HasPrefix(name, flag+"=") {
			return f, true
		}
	}
	return "", false
}

// proxyHosts returns the hosts named in GOPROXY.
func (c Context) proxyHosts() []string {
	var hosts []string
	for _, p := range strings.FieldsFunc(c.value("GOPROXY"), func(r rune) bool { return r == ',' || r == '|' }) {
		p = strings.TrimSpace(p)
		if i := strings.Index(p, "://"); i >= 0 {
			p = p[i+3:]
		} else {
			continue // direct, off, noproxy
		}
		if i := strings.LastIndex(p, "@"); i >= 0 {
			p = p[i+1:]
		}
		if i := strings.IndexByte(p, '/'); i >= 0 {
			p = p[:i]
		}
		hosts = append(hosts, p)
	}
	return hosts
}

// isProxyHost reports whether host is one of the GOPROXY hosts.
func (c Context) isProxyHost(host string) bool {
	if host == "" {
		return false
	}
	for _, h := range c.proxyHosts() {
		if h == host || strings.TrimSuffix(h, ":443") == host {
			return true
		}
	}
	return false
}

// privatePattern suggests a GOPRIVATE pattern covering mod: the
// organisation on the big public code hosts, the whole host otherwise (a
// company's own host serves only its private modules).
func privatePattern(mod string) string {
	if mod == "" {
		return "<your module path prefix>"
	}
	elems := strings.Split(mod, "/")
	if goenv.IsCodeHost(elems[0]) && len(elems) >= 2 {
		return elems[0] + "/" + elems[1] + "/*"
	}
	return elems[0]
}
