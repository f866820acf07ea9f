package plan

import (
	"strings"

	"golang.org/x/mod/module"

	"github.com/gopherfile/gopherfile/internal/goenv"
)

// ModuleOrigin says where the build took a module from, as the module
// settings route it: vendor/, a local replace, version control (GONOPROXY,
// GOPRIVATE or a GOPROXY of "direct"), or the module proxies of GOPROXY
// (redacted: never a password). localReplace is true for a module replaced
// by a directory.
func (p *Plan) ModuleOrigin(path string, localReplace bool) string {
	switch {
	case localReplace:
		return "local directory (a replace directive)"
	case p.Vendored:
		return "vendor/ (vendor/modules.txt)"
	}
	get := func(name string) string {
		if s, ok := p.Downloads.Setting(name); ok {
			return s.Value
		}
		return goenv.Default(name)
	}
	noproxy := get("GONOPROXY")
	if noproxy == "" {
		noproxy = get("GOPRIVATE")
	}
	if noproxy != "" && module.MatchPrefixPatterns(noproxy, path) {
		return "version control (direct: GONOPROXY/GOPRIVATE)"
	}
	proxy := get("GOPROXY")
	if proxy == "" {
		proxy = goenv.DefaultGOPROXY
	}
	var proxies []string
	for _, e := range strings.FieldsFunc(proxy, func(r rune) bool { return r == ',' || r == '|' }) {
		switch e = strings.TrimSpace(e); e {
		case "direct":
			proxies = append(proxies, "version control (direct)")
		case "off":
			proxies = append(proxies, "the module cache (GOPROXY=off)")
		default:
			proxies = append(proxies, "module proxy "+goenv.RedactURL(e))
		}
	}
	if len(proxies) == 1 {
		return proxies[0]
	}
	return "the first of: " + strings.Join(proxies, ", ") + " (GOPROXY)"
}
