package diagnose

import (
	"fmt"
	"strings"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// facts returns the compile facts, never nil.
func (e explainer) facts() *CompileFacts {
	if e.c.Compile != nil {
		return e.c.Compile
	}
	return &CompileFacts{}
}

// pkgLead starts a compile paragraph: "package P (module M@V): text", or
// text capitalised when the package is unknown.
func (e explainer) pkgLead(text string) string {
	who := ""
	if e.f.Package != "" {
		who = "package " + e.f.Package
	}
	if m := e.mod(); m != "" && !strings.HasPrefix(e.f.Package, e.f.Module) {
		who = strings.TrimSpace(who + " (module " + m + ")")
	} else if m != "" && who != "" {
		who += " (" + m + ")"
	}
	if who == "" {
		return strings.ToUpper(text[:1]) + text[1:]
	}
	return who + ": " + text
}

// binary names the binary of the step: "binary NAME" or "the binary".
func (e explainer) binary() string {
	if b := e.facts().Binary; b != "" {
		return "binary " + b
	}
	return "the binary"
}

// tagsClause is " with the build tags T" or "" without tags.
func (e explainer) tagsClause() string {
	if t := e.facts().Tags; t != "" {
		return " with the build tags " + t
	}
	return ""
}

func (e explainer) policyRefused() string {
	host := or(e.f.Host, "the module proxy")
	status := or(e.f.Detail, "403 Forbidden")
	said := ""
	if r := strings.TrimRight(e.f.Response, ". "); r != "" {
		said = fmt.Sprintf(": %q", r)
	}
	mod, what := or(e.f.Module, "the module"), "this version"
	if e.f.Version == "" {
		what = "its versions"
	}
	modHost, _, _ := strings.Cut(e.f.Module, "/")
	s := e.lead(fmt.Sprintf("%s answered %s %s%s.", host, status, e.row(), said))
	s += fmt.Sprintf(" %s is on %s, a public host, and the proxy refused %s rather than answering \"not found\": its rules refuse it, as proxies with curation, licence or vulnerability rules do, "+
		"so a credential would not help. %s.", mod, or(modHost, "a public host"), what, e.c.describe(goenv.GOPROXY))
	target := e.mod()
	if target == "" || e.f.Version == "" {
		target = mod
	}
	s += fmt.Sprintf(" Ask the proxy's administrators to allow %s, or require a version the proxy allows (go get %s@<version>, then the tidy target, and commit go.mod and go.sum).", target, mod)
	if e.c.owned(e.f.Module) {
		return s + fmt.Sprintf(" %s has the same owner as this module (%s): if it is private, %s, and %s.",
			mod, e.c.MainModule, e.privateAdvice(), credentialAdvice(modHost))
	}
	return s + fmt.Sprintf(" GOPRIVATE or GONOPROXY would only send the request past the proxy to %s, which a network that has such a proxy usually blocks.", or(modHost, "the module's host"))
}

func (e explainer) needsCgo() string {
	x := e.f.Excluded
	what := "its Go files that the build needs import \"C\""
	if x != nil && len(x.Files) > 0 {
		what = fmt.Sprintf("%s, which declare what the build uses, import \"C\"", strings.Join(x.Files, ", "))
		if x.Dir != "" {
			what = fmt.Sprintf("all its Go files (%s) import \"C\"", strings.Join(x.Files, ", "))
		}
	}
	so := ""
	if l := strings.TrimPrefix(e.evidence(), ": "); l != "" {
		so = ", so " + l
	}
	s := e.pkgLead(fmt.Sprintf("%s, and %s was built without cgo%s%s %s.", what, e.binary(), e.tagsClause(), so, e.row()))
	fc := e.facts()
	switch {
	case fc.Cgo == CgoAuto && fc.NoCC != "":
		s += fmt.Sprintf(" The Gopherfile leaves cgo unset, so Gopherfile builds a binary that needs cgo with it, linked statically; but %s is not the build platform and the Gopherfile names no C cross compiler for it: "+
			"add cgo: true and cc: {%s: <compiler>} (one the builder image has, such as aarch64-linux-gnu-gcc), or build this binary for the build platform only.", fc.NoCC, fc.NoCC)
	case fc.Cgo == CgoAuto && fc.CCMissing:
		s += fmt.Sprintf(" The Gopherfile leaves cgo unset, so Gopherfile builds a binary that needs cgo with it, linked statically; but the builder image has no C compiler %s:"+
			" use a builder image with one (builder:, or go: for a golang:<version> image, which has gcc).", or(fc.CC, "gcc"))
	case fc.Cgo == CgoAuto:
		s += " The Gopherfile leaves cgo unset, so Gopherfile builds it again with cgo, linked statically."
	case fc.Cgo == CgoOn:
		s += " cgo is on for this build, yet the go command built without it: check CGO_ENABLED in env and in GOFLAGS."
	default:
		s += " cgo is off for this build (cgo: false in the Gopherfile, or CGO_ENABLED=0 in its env): remove cgo: false so that Gopherfile builds the binary with cgo when it needs it (linked statically), or set cgo: true (linked dynamically, on a glibc base)."
	}
	if fc.Tags != "" {
		s += fmt.Sprintf(" The build tags %s may be what selects this package: without them the binary may not need cgo.", fc.Tags)
	}
	return s + " If its C code needs libraries the builder image lacks, the cgo build then fails with row 22."
}

func (e explainer) cLibMissing() string {
	kind, name, _ := strings.Cut(e.f.Detail, " ")
	pc := ""
	if kind == "command" && len(e.facts().PkgConfig) > 0 {
		pc = e.facts().PkgConfig[0]
	}
	var what string
	switch kind {
	case "header":
		what = fmt.Sprintf("the C header %s is not in the builder image", name)
	case "library":
		what = fmt.Sprintf("the linker cannot find the C library lib%s in the builder image", name)
	case "pkg-config":
		what = fmt.Sprintf("pkg-config finds no %s.pc for the C library %s in the builder image", name, name)
	case "command":
		what = "the builder image has no pkg-config, which cgo runs to find the C library's flags"
		if pc != "" {
			what = fmt.Sprintf("the builder image has no pkg-config, which cgo runs to find the flags of the C library %s (#cgo pkg-config: %s)", pc, strings.Join(e.facts().PkgConfig, " "))
		}
	case "compiler":
		what = fmt.Sprintf("the builder image has no C compiler %s", name)
	default:
		what = "a C header, library or tool that cgo needs is not in the builder image"
	}
	for_ := ""
	if b := e.facts().Binary; b != "" {
		for_ = ", which binary " + b + " needs"
	}
	s := e.pkgLead(fmt.Sprintf("%s%s %s%s.", what, for_, e.row(), e.evidence()))
	lib := lookupCLib(e.f.Detail)
	if pc != "" {
		lib = lookupCLib("pkg-config " + pc)
	}
	switch {
	case lib != nil && kind == "command":
		s += fmt.Sprintf(" It is in the Debian package pkg-config, and %s in %s.", pc, lib.dev)
	case lib != nil:
		s += fmt.Sprintf(" It is in the Debian package %s.", lib.dev)
	case kind == "command":
		s += " It is in the Debian package pkg-config, and the C library in its -dev package."
	case kind == "compiler" && (name == "gcc" || name == "cc"):
		s += " It is in the Debian package gcc (build-essential); the golang:<version> images have it."
	case kind == "compiler":
		s += fmt.Sprintf(" CC or cc: names %s: use a builder image that has it, or name a compiler the builder image has.", name)
	}
	if kind == "library" && e.facts().Cgo == CgoAuto {
		s += " The Gopherfile leaves cgo unset, so the binary is linked statically, which needs the static library lib" + name +
			".a: many -dev packages have only the shared one, so set cgo: true to link dynamically."
	}
	if kind == "compiler" && name != "gcc" && name != "cc" {
		return s
	}
	s += e.builderAdvice(kind, name, lib)
	if kind != "compiler" {
		run := "its shared library"
		if lib != nil && lib.runtime != "" {
			run = lib.runtime
		}
		s += fmt.Sprintf(" and cgo: true, with an image.base that has %s at run time", run)
	}
	return s + "; or build this binary without the build tags or the package that need it."
}

func (e explainer) toolTooOld() string {
	mod := e.mod()
	if mod == "" {
		if v := e.c.Requires["golang.org/x/tools"]; v != "" {
			mod = "golang.org/x/tools@" + v
		}
	}
	tools := mod
	if tools == "" {
		tools = "golang.org/x/tools (or the module of the tool)"
	}
	who := "A tool or generator"
	if e.f.Detail != "" {
		who = "The tool " + e.f.Detail
	}
	if e.c.Stage == stepconfig.StageGenerate && e.f.Detail != "" {
		who = "The generator " + e.f.Detail
	}
	var why string
	l := e.f.Line
	switch {
	case strings.Contains(l, "without types was imported"):
		why = "its go/packages cannot load the type information this Go produces"
	case strings.Contains(l, "-delta * delta"):
		why = "its internal/tokeninternal does not compile with this Go"
	case strings.Contains(l, "removed GODEBUG"):
		why = "it sets a //go:debug setting this Go no longer has"
	default:
		why = "it cannot read the export data of the packages this Go compiles"
	}
	running := or(e.c.GoVersion, "the builder's Go")
	if e.c.GoVersion != "" {
		running = "go " + e.c.GoVersion
	}
	s := fmt.Sprintf("%s is built from %s, which is too old for the builder's %s %s%s: %s.", who, tools, running, e.row(), e.evidence(), why)
	mp := "golang.org/x/tools"
	if e.f.Module != "" {
		mp = e.f.Module
	}
	return s + fmt.Sprintf(" Require a newer %s: go get %s@latest (go get -tool for a tool go.mod declares), then the tidy target, and commit go.mod and go.sum; "+
		"or build with a Go that version supports (go: in the Gopherfile).", mp, mp)
}

func (e explainer) tagsExclude() string {
	x := e.f.Excluded
	fc := e.facts()
	tags := "no build tags"
	if fc.Tags != "" {
		tags = "the build tags " + fc.Tags
	}
	fix := " Check tags: of this build in the Gopherfile (gopherfile init copies them from a release config) and the //go:build lines of those files:" +
		" change the tags, or give these tags a file that declares what is missing."
	if x == nil || len(x.Files) == 0 || x.Dir != "" {
		files := ""
		if x != nil && len(x.Files) > 0 {
			files = fmt.Sprintf(" (%s: %s)", strings.Join(x.Files, ", "), x.Constraint)
		}
		dir := or(e.f.Detail, "a package directory")
		line := e.evidence()
		if files != "" {
			line = "" // the sentence says what go said
		}
		return e.pkgLead(fmt.Sprintf("build constraints leave out every Go file in %s%s with %s for this platform %s%s.", dir, files, tags, e.row(), line)) + fix
	}
	so := "the build misses what they declare"
	if l := strings.TrimPrefix(e.evidence(), ": "); l != "" {
		so = l
	}
	return e.pkgLead(fmt.Sprintf("build constraints (%s) leave out %s with %s for this platform, so %s %s.",
		x.Constraint, strings.Join(x.Files, ", "), tags, so, e.row())) + fix
}

// builderAdvice is row 22's "use a builder image that has it" clause.
func (e explainer) builderAdvice(kind, name string, lib *cLib) string {
	s := ""
	var debs []string
	switch {
	case lib != nil && (kind == "pkg-config" || kind == "command"):
		debs = []string{lib.dev, "pkg-config"}
	case lib != nil:
		debs = []string{lib.dev}
	case kind == "command":
		debs = []string{"pkg-config"}
	case kind == "compiler":
		debs = []string{"gcc"}
	}
	golang := "golang:" + or(e.c.GoVersion, "<go>")
	if len(debs) > 0 && lib != nil || kind == "compiler" {
		s += fmt.Sprintf(" Gopherfile runs no release hooks and installs no system packages: build with a builder image that has %s (builder: an image FROM %s with apt-get install %s)",
			strings.Join(debs, " and "), golang, strings.Join(debs, " "))
	} else {
		s += fmt.Sprintf(" Gopherfile runs no release hooks and installs no system packages: build with a builder image that has the C library's -dev package%s (builder: an image FROM %s that installs them)",
			map[bool]string{true: " and pkg-config", false: ""}[kind == "command"], golang)
	}
	return s
}
