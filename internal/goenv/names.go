package goenv

import (
	"go/ast"
	"go/token"
	"regexp"
	"strings"
)

// The names of the go command's environment settings (go help environment)
// that Gopherfile reads, sets, forwards or explains. They are spelled here
// only: internal/arch's TestSettingNames fails when another product file
// writes one as a string literal.
const (
	// The module settings (Vars), which the Gopherfile's modules: section,
	// env: and build args set.
	GOPROXY      = "GOPROXY"
	GOPRIVATE    = "GOPRIVATE"
	GONOPROXY    = "GONOPROXY"
	GONOSUMDB    = "GONOSUMDB"
	GOSUMDB      = "GOSUMDB"
	GOINSECURE   = "GOINSECURE"
	GOAUTH       = "GOAUTH"
	GOFLAGS      = "GOFLAGS"
	GOEXPERIMENT = "GOEXPERIMENT"
	GOTOOLCHAIN  = "GOTOOLCHAIN"
	GOVCS        = "GOVCS"

	// The settings the steps set themselves (the caches, the target, cgo).
	GOCACHE     = "GOCACHE"
	GOMODCACHE  = "GOMODCACHE"
	CGO_ENABLED = "CGO_ENABLED"
	CC          = "CC"
	GOOS        = "GOOS"
	GOARCH      = "GOARCH"
	GOWORK      = "GOWORK"
	GOBIN       = "GOBIN"

	// The architecture variants (GOARCH's second level).
	GOARM     = "GOARM"
	GOARM64   = "GOARM64"
	GOAMD64   = "GOAMD64"
	GO386     = "GO386"
	GOMIPS    = "GOMIPS"
	GOMIPS64  = "GOMIPS64"
	GOPPC64   = "GOPPC64"
	GORISCV64 = "GORISCV64"
	GOWASM    = "GOWASM"

	// What the go command reports or reads about its installation.
	GOROOT      = "GOROOT"
	GOPATH      = "GOPATH"
	GOENV       = "GOENV"
	GOVERSION   = "GOVERSION"
	GOHOSTOS    = "GOHOSTOS"
	GOHOSTARCH  = "GOHOSTARCH"
	GO111MODULE = "GO111MODULE"
	GOCACHEPROG = "GOCACHEPROG"
	GOTELEMETRY = "GOTELEMETRY"
	GOFIPS140   = "GOFIPS140"
	// GOLANG_VERSION is not the go command's: the golang images set it to
	// the Go version they hold.
	GOLANG_VERSION = "GOLANG_VERSION"

	// The C toolchain's flags for cgo.
	CGO_CFLAGS   = "CGO_CFLAGS"
	CGO_CPPFLAGS = "CGO_CPPFLAGS"
	CGO_CXXFLAGS = "CGO_CXXFLAGS"
	CGO_LDFLAGS  = "CGO_LDFLAGS"

	// The Go runtime's settings (the binaries and the go command read them).
	GODEBUG    = "GODEBUG"
	GOGC       = "GOGC"
	GOMEMLIMIT = "GOMEMLIMIT"
	GOMAXPROCS = "GOMAXPROCS"
)

// Values of settings that are facts of the product.
const (
	// Off is GOPROXY's value in the offline steps (compile, test, vet):
	// they run without network, and any download is an error.
	Off = "off"
	// DefaultCGO is CGO_ENABLED in a compile step when the Gopherfile does
	// not set it: static binaries unless cgo is asked for.
	DefaultCGO = "0"
)

// settingLiteral is a string that names a go setting: the name alone
// (GOPROXY, CGO_ENABLED, CC) or an assignment without spaces (GOPROXY=off,
// GOOS=linux). Gopherfile's own variables (GOPHERFILE_*) are not go
// settings.
var settingLiteral = regexp.MustCompile(`^(GO[A-Z0-9][A-Z0-9_]*|CGO_[A-Z0-9_]+|CC|CXX)(=\S*)?$`)

// SpellsSetting reports whether the string s, a literal of a Go file,
// spells a go setting's name (see settingLiteral), and which. Prose that
// mentions a setting ("set GOPROXY to ...") does not. internal/arch's
// TestSettingNames and hack/settingnames use it.
func SpellsSetting(s string) (name string, ok bool) {
	if strings.HasPrefix(s, "GOPHERFILE_") || !settingLiteral.MatchString(s) {
		return "", false
	}
	name, _, _ = strings.Cut(s, "=")
	return name, true
}

// ValueLiterals are the string literals of a Go file that are values (not
// import paths, not struct tags): what SpellsSetting is asked about by
// internal/arch's TestSettingNames and hack/settingnames.
func ValueLiterals(f *ast.File) []*ast.BasicLit {
	skip := map[*ast.BasicLit]bool{}
	var out []*ast.BasicLit
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ImportSpec:
			skip[n.Path] = true
		case *ast.Field:
			if n.Tag != nil {
				skip[n.Tag] = true
			}
		case *ast.BasicLit:
			if n.Kind == token.STRING && !skip[n] {
				out = append(out, n)
			}
		}
		return true
	})
	return out
}
