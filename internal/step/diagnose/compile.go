package diagnose

import (
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/mod/module"

	"github.com/gopherfile/gopherfile/internal/goenv"
)

// compileClass reports whether c is a row about compiling (rows 21-24),
// whose findings name a package rather than a module download.
func compileClass(c Class) bool {
	switch c {
	case NeedsCgo, CLibMissing, ToolTooOld, TagsExclude:
		return true
	}
	return false
}

var (
	// reModCache matches a file in the module cache: .../pkg/mod/PATH@VERSION/.
	reModCache = regexp.MustCompile(`/pkg/mod/([^@\s]+)@(v[^/\s]+)/`)
	// The evidence of row 22.
	reHeader     = regexp.MustCompile(`fatal error: ([^ :]+): No such file or directory`)
	reLib        = regexp.MustCompile(`cannot find -l([^ :]+)`)
	rePkgConfig  = regexp.MustCompile(`Package (\S+) was not found in the pkg-config search path`)
	reCCompiler  = regexp.MustCompile(`C compiler "([^"]+)" not found`)
	reNoPkgCfg   = regexp.MustCompile(`exec: "[^"]*pkg-config[^"]*": executable file not found`)
	reCgoPkg     = regexp.MustCompile(`^(\S+): exec: "`)
	reExcludeAll = regexp.MustCompile(`(?:package|imports) (\S+): build constraints exclude all Go files in (\S+)`)
	reExcludeDir = regexp.MustCompile(`build constraints exclude all Go files in (\S+)`)
	// The tool of row 23 that printed "internal error: ...".
	reToolPrefix = regexp.MustCompile(`^([A-Za-z0-9_.-]+): internal error: package "`)
	// policyWords are what a proxy refusing a version by policy says
	// (curation rules, a blocked version, a vulnerability or licence rule).
	policyWords = regexp.MustCompile(`(?i)not available|blocked|polic|curat|quarantin|not allowed|denied by|forbidden by|firewall|vulnerab|licen[cs]e`)
)

// moduleInCache returns the module and version of a module cache path in
// text, "" when there is none.
func moduleInCache(text string) (mod, version string) {
	m := reModCache.FindStringSubmatch(text)
	if m == nil {
		return "", ""
	}
	p, err := module.UnescapePath(m[1])
	if err != nil {
		return "", ""
	}
	return p, m[2]
}

// refineCompile fills the module and the detail of a row 22, 23 or 24
// finding. The detail of row 22 says what is missing: "header X.h",
// "library X", "pkg-config X", "command pkg-config" or "compiler X"; of row
// 23 the tool that failed, when go names it; of row 24 the directory.
func refineCompile(f *Finding, text string) {
	f.Module, f.Version = moduleInCache(text)
	switch f.Class {
	case CLibMissing:
		switch {
		case reHeader.MatchString(text):
			f.Detail = "header " + reHeader.FindStringSubmatch(text)[1]
		case reLib.MatchString(text):
			f.Detail = "library " + reLib.FindStringSubmatch(text)[1]
		case rePkgConfig.MatchString(text):
			f.Detail = "pkg-config " + rePkgConfig.FindStringSubmatch(text)[1]
		case reNoPkgCfg.MatchString(text):
			f.Detail = "command pkg-config"
			if m := reCgoPkg.FindStringSubmatch(f.Line); m != nil {
				f.Package = m[1] // "P: exec: ...": go names the package
			}
		case reCCompiler.MatchString(text):
			f.Detail = "compiler " + reCCompiler.FindStringSubmatch(text)[1]
		}
	case ToolTooOld:
		if m := reToolPrefix.FindStringSubmatch(f.Line); m != nil {
			f.Detail = m[1]
		}
	case TagsExclude:
		if m := reExcludeAll.FindStringSubmatch(text); m != nil {
			f.Package, f.Detail = m[1], m[2]
		} else if m := reExcludeDir.FindStringSubmatch(text); m != nil {
			f.Detail = m[1]
		}
		// Not a module download: the import path says which package.
		f.Module, f.Version = "", ""
	}
}

// serverResponse returns the server's text that go quotes after "server
// response:", on one line.
func serverResponse(rec []string) string {
	var parts []string
	in := false
	for _, line := range rec {
		t := strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(t, "server response:"); ok {
			in = true
			t = strings.TrimSpace(rest)
		} else if !in {
			continue
		}
		if t != "" {
			parts = append(parts, t)
		}
	}
	s := strings.Join(parts, " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// policyRefusal reports whether a 403 (or 451) for a module on a public host
// says the proxy refuses the version by policy ("This module version is not
// available", a blocked or quarantined version), rather than that it cannot
// see a private repository: a proxy that cannot fetch a repository answers
// 404 or 410 with git's error, and a module on another host may well be
// private (row 5).
func policyRefusal(f Finding) bool {
	if strings.HasPrefix(f.Detail, "451") {
		return true // unavailable for legal reasons: a policy whatever the host
	}
	if !strings.HasPrefix(f.Detail, "403") {
		return false
	}
	if f.Response == "" || !policyWords.MatchString(f.Response) {
		return false
	}
	host, _, _ := strings.Cut(f.Module, "/")
	return goenv.IsPublicHost(host)
}

// owned reports whether mod is under the same owner as the main module: the
// same organisation on a code host, the same host elsewhere; so that it may
// be a private module of the same owner.
func (c Context) owned(mod string) bool {
	if mod == "" || c.MainModule == "" {
		return false
	}
	a, b := strings.Split(mod, "/"), strings.Split(c.MainModule, "/")
	if a[0] != b[0] {
		return false
	}
	if goenv.IsCodeHost(a[0]) {
		return len(a) > 1 && len(b) > 1 && strings.EqualFold(a[1], b[1])
	}
	return true
}

// Excluded is what the step helper found in the tree about files that build
// constraints left out of a failed compile: the cgo files of a package
// built without cgo (row 21), or the files that other build tags, GOOS or
// GOARCH leave out (row 24).
type Excluded struct {
	// Package is the import path of the package whose files were left out.
	Package string
	// Dir is set when build constraints left out every Go file of the
	// package: the directory as go printed it ("build constraints exclude
	// all Go files in DIR").
	Dir string
	// Files are the left-out files that matter: the package's cgo files, or
	// those that declare what go reports undefined (base names).
	Files []string
	// Constraint is what leaves them out: `import "C"` or their //go:build
	// line.
	Constraint string
	// Cgo is true when they need cgo.
	Cgo bool
	// Line is the line of go's output it explains, without leading
	// whitespace.
	Line string
}

// CompileFacts are what the step helper knows about a failed compile.
type CompileFacts struct {
	// Binary is the binary the go build step built, "" in other steps.
	Binary string
	// Tags are the build tags (-tags) of the go command, "" for none.
	Tags string
	// Cgo is how cgo was set: CgoAuto, CgoOff or CgoOn.
	Cgo string
	// CC is the C compiler a cgo build uses ("gcc", CC or the Gopherfile's
	// cc); CCMissing is true when the builder image does not have it.
	CC        string
	CCMissing bool
	// NoCC names the target platform when it is not the build platform and
	// the Gopherfile names no C cross compiler for it.
	NoCC string
	// Excluded are the left-out files the step helper found.
	Excluded []Excluded
	// PkgConfig are the pkg-config packages (#cgo pkg-config:) of the
	// package whose cgo could not run pkg-config.
	PkgConfig []string
}

// How a compile used cgo (CompileFacts.Cgo).
const (
	// CgoAuto: the Gopherfile leaves cgo unset: built without cgo unless the
	// binary needs it, then with cgo, linked statically.
	CgoAuto = "auto"
	// CgoOff: cgo: false, or CGO_ENABLED=0 in env.
	CgoOff = "off"
	// CgoOn: cgo: true, or CGO_ENABLED=1 in env: linked dynamically.
	CgoOn = "on"
)

// compileFindings turns the step helper's facts into findings: a row 24
// finding of Classify ("build constraints exclude all Go files in DIR")
// becomes row 21 when the directory has cgo files, and every other fact (an
// "undefined:" name declared in a left-out file) adds a finding.
func (c Context) compileFindings(fs []Finding) []Finding {
	if c.Compile == nil || len(c.Compile.Excluded) == 0 {
		return fs
	}
	used := make([]bool, len(c.Compile.Excluded))
	for i := range fs {
		if fs[i].Class != TagsExclude {
			continue
		}
		for j := range c.Compile.Excluded {
			e := &c.Compile.Excluded[j]
			if e.Dir != "" && e.Dir == fs[i].Detail {
				used[j] = true
				fs[i] = excludedFinding(e, fs[i].Package)
			}
		}
	}
	for j := range c.Compile.Excluded {
		if !used[j] {
			fs = append(fs, excludedFinding(&c.Compile.Excluded[j], ""))
		}
	}
	return fs
}

func excludedFinding(e *Excluded, pkg string) Finding {
	f := Finding{Class: TagsExclude, Package: e.Package, Detail: e.Dir, Line: e.Line, Excluded: e}
	if f.Package == "" {
		f.Package = pkg
	}
	if e.Cgo {
		f.Class = NeedsCgo
	}
	return f
}

// CompileError is one error of the compiler in go build's output.
type CompileError struct {
	// Package is the import path of the "# path" line above it.
	Package string
	// File is the file as go printed it; Line its line number.
	File string
	Line int
	// Msg is the message, such as "undefined: pkcs11.ObjectHandle".
	Msg string
	// Text is the whole line.
	Text string
}

var reCompileError = regexp.MustCompile(`^(\S+\.go):([0-9]+):(?:[0-9]+:)? (.+)$`)

// CompileErrors returns the compiler's errors in go build's output, with the
// package each belongs to.
func CompileErrors(output string) []CompileError {
	var out []CompileError
	pkg := ""
	for _, line := range strings.Split(strings.ReplaceAll(output, "\r\n", "\n"), "\n") {
		if p, ok := packageHeader(line); ok {
			pkg = p
			continue
		}
		m := reCompileError.FindStringSubmatch(line)
		if m == nil || pkg == "" {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		out = append(out, CompileError{Package: pkg, File: m[1], Line: n, Msg: m[3], Text: line})
	}
	return out
}

// Undefined returns the qualifier and name of an "undefined: q.Name" or
// "undefined: Name" message (q is "" for the latter); ok is false for any
// other message.
func (e CompileError) Undefined() (qualifier, name string, ok bool) {
	rest, ok := strings.CutPrefix(e.Msg, "undefined: ")
	if !ok || strings.ContainsAny(rest, " ()") {
		return "", "", false
	}
	if q, n, found := strings.Cut(rest, "."); found {
		return q, n, true
	}
	return "", rest, true
}

// PkgConfigPackage returns the package whose cgo found no pkg-config
// command in go's output, "" if none did.
func PkgConfigPackage(output string) string {
	for _, line := range strings.Split(output, "\n") {
		line = strings.TrimSpace(line)
		if reNoPkgCfg.MatchString(line) {
			if m := reCgoPkg.FindStringSubmatch(line); m != nil {
				return m[1]
			}
		}
	}
	return ""
}

// ExcludedDirs returns the directories of "build constraints exclude all Go
// files in DIR" in go's output, with the line that names each.
func ExcludedDirs(output string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(output, "\n") {
		if m := reExcludeDir.FindStringSubmatch(line); m != nil {
			if _, ok := out[m[1]]; !ok {
				out[m[1]] = strings.TrimSpace(line)
			}
		}
	}
	return out
}
