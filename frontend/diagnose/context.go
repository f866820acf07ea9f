package diagnose

import (
	"strings"

	"golang.org/x/mod/module"
)

// Setting is the effective value of one go environment setting and where
// it came from.
type Setting struct {
	// Value is the value as the go command saw it; "" means unset (the go
	// command's default applies).
	Value string
	// Origin says where the value came from, for example
	// "Gopherfile line 7 (modules.proxy)", "build arg GOPROXY",
	// "builder image env" or "default". "" is taken as "default" for an
	// unset value.
	Origin string
}

// Context is what the caller knows about the failed step.
type Context struct {
	// Stage is the step that failed: "download", "tidy", "compile", "test".
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
}

// Go's defaults for the settings that have one.
const (
	defaultGOPROXY = "https://proxy.golang.org,direct"
	defaultGOSUMDB = "sum.golang.org"
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
// GOPROXY)", "GOPROXY=X (the default)" or "GOPRIVATE is not set".
func (c Context) describe(name string) string {
	s, shown := c.setting(name)
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

// value returns the effective value of a setting.
func (c Context) value(name string) string {
	s, _ := c.setting(name)
	return s.Value
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
// organisation on the big public code hosts, the whole host otherwise.
func privatePattern(mod string) string {
	if mod == "" {
		return "<your module path prefix>"
	}
	elems := strings.Split(mod, "/")
	switch elems[0] {
	case "github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "dev.azure.com":
		if len(elems) >= 2 {
			return elems[0] + "/" + elems[1] + "/*"
		}
	}
	return elems[0]
}
