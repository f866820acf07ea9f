package scaffold

import (
	"fmt"
	"path"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/gopherfile/gopherfile/internal/goenv"
)

// A release config's hooks run commands before a build: goreleaser's
// builds[].hooks.pre and before.hooks. A Gopherfile runs none, so a build
// that needs what a hook installs or generates (system packages, C
// libraries, generated files, make steps) cannot build from the Gopherfile
// as it is; init writes it commented out, saying what to add, unless it is
// the only build.

// hook is a command of a release config's hooks that a build depends on.
type hook struct {
	// Cmd is the command as the config writes it.
	Cmd string
	// Kind is what it does: "packages" (installs system packages),
	// "generate" (go generate, go run, a code generator), "make" (make,
	// task, mage, just, npm: a build step of another tool), "script" (a
	// script of the repository) or "command" (anything else, in a build's
	// own hooks).
	Kind string
	// Packages are the system packages it installs.
	Packages []string
}

// hookCommands returns the commands of a hooks node: a string, a list of
// strings, or a list of {cmd: ...}.
func hookCommands(n *yaml.Node) []string {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Value != "" {
			return []string{n.Value}
		}
	case yaml.SequenceNode:
		var out []string
		for _, c := range n.Content {
			if c.Kind == yaml.ScalarNode && c.Value != "" {
				out = append(out, c.Value)
			}
			if c.Kind == yaml.MappingNode {
				if cmd := mapValue(c, "cmd"); cmd != nil && cmd.Value != "" {
					out = append(out, cmd.Value)
				}
			}
		}
		return out
	}
	return nil
}

// mapValue returns the value of key in a mapping node, nil if absent.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// buildHooks returns the hooks a build depends on: those of its own
// hooks.pre that do something (any command but a harmless one), and those
// of the global before.hooks that install packages, generate or make.
func buildHooks(own, global *yaml.Node) []hook {
	var out []hook
	if pre := mapValue(own, "pre"); pre != nil {
		for _, c := range hookCommands(pre) {
			if h, ok := classifyHook(c, true); ok {
				out = append(out, h)
			}
		}
	}
	for _, c := range hookCommands(global) {
		if h, ok := classifyHook(c, false); ok {
			out = append(out, h)
		}
	}
	return out
}

// classifyHook says what a hook command does; ok is false for a harmless
// one (go mod tidy, git, echo...), and, in the global hooks, for a command
// it does not know.
func classifyHook(cmd string, own bool) (hook, bool) {
	// The command goes into comments and init's output: no control
	// characters (a newline or a terminal escape) from the release config.
	h := hook{Cmd: printable(cmd)}
	for _, words := range simpleCommands(cmd) {
		kind, pkgs := commandKind(words, own)
		h.Packages = append(h.Packages, pkgs...)
		if hookRank(kind) > hookRank(h.Kind) {
			h.Kind = kind
		}
	}
	return h, h.Kind != ""
}

// hookRank orders the kinds, so that a command line that installs packages and
// runs make is about packages.
func hookRank(kind string) int {
	return map[string]int{"packages": 5, "generate": 4, "make": 3, "script": 2, "command": 1}[kind]
}

// simpleCommands splits a shell command line into its simple commands'
// words (at ;, &&, || and |), unwrapping sh -c '...' and sudo.
func simpleCommands(line string) [][]string {
	var out [][]string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, cur)
			cur = nil
		}
	}
	for _, w := range splitFlags(line) {
		switch w {
		case ";", "&&", "||", "|":
			flush()
			continue
		}
		for strings.HasSuffix(w, ";") && len(w) > 1 {
			w = strings.TrimSuffix(w, ";")
			cur = append(cur, w)
			flush()
			w = ""
		}
		if w != "" {
			cur = append(cur, w)
		}
	}
	flush()
	var expanded [][]string
	for _, words := range out {
		for len(words) > 0 && (words[0] == "sudo" || words[0] == "env" || strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "-")) {
			words = words[1:]
		}
		if len(words) >= 3 && (words[0] == "sh" || words[0] == "bash" || path.Base(words[0]) == "sh" || path.Base(words[0]) == "bash") && words[1] == "-c" {
			expanded = append(expanded, simpleCommands(words[2])...)
			continue
		}
		if len(words) > 0 {
			expanded = append(expanded, words)
		}
	}
	return expanded
}

// packageManagers are the system package managers and their install verbs.
var packageManagers = map[string][]string{
	"apt-get": {"install"}, "apt": {"install"}, "apt-fast": {"install"}, "aptitude": {"install"},
	"apk": {"add"}, "yum": {"install"}, "dnf": {"install"}, "microdnf": {"install"},
	"zypper": {"install", "in"}, "brew": {"install"}, "port": {"install"}, "pacman": {"-S", "-Sy", "-Syu"},
}

// commandKind says what a simple command does (see hook.Kind), "" for a
// harmless one.
func commandKind(w []string, own bool) (string, []string) {
	name := path.Base(w[0])
	if verbs, ok := packageManagers[name]; ok {
		for i, a := range w[1:] {
			for _, v := range verbs {
				if a == v {
					return "packages", packageArgs(w[i+2:])
				}
			}
		}
		return "packages", nil // apt-get update, dpkg --add-architecture...
	}
	switch name {
	case "dpkg", "add-apt-repository", "rpm":
		return "packages", nil
	case "make", "gmake", "task", "mage", "just", "npm", "npx", "yarn", "pnpm", "bun", "cmake", "ninja", "bazel":
		return "make", nil
	case "protoc", "buf", "stringer", "mockgen", "sqlc", "templ", "swag", "oapi-codegen", "wire", "ent":
		return "generate", nil
	case "go":
		if len(w) > 1 && (w[1] == "generate" || w[1] == "run") {
			return "generate", nil
		}
		if len(w) > 2 && w[1] == "tool" {
			return "generate", nil
		}
		return "", nil // go mod tidy, go mod download, go test, go vet...
	case "git", "echo", "printf", "rm", "mkdir", "cp", "mv", "ln", "touch", "test", "[", "true", "cd",
		"goreleaser", "cosign", "syft", "golangci-lint", "gofmt", "chmod", "cat", "ls", "exit", "if", "then", "fi":
		return "", nil
	}
	if strings.HasPrefix(w[0], "./") || strings.HasSuffix(name, ".sh") || name == "sh" || name == "bash" {
		return "script", nil
	}
	if own {
		return "command", nil
	}
	return "", nil
}

// packageArgs are the package names among a package manager's arguments,
// without an architecture (:arm64) or a version (=1.2).
func packageArgs(args []string) []string {
	var out []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") || a == "" {
			continue
		}
		if i := strings.IndexAny(a, ":="); i > 0 {
			a = a[:i]
		}
		out = append(out, a)
	}
	return out
}

// printable replaces control characters (a newline, a terminal escape) by
// spaces.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// cLibraries are the packages of hooks that are C libraries (Debian -dev,
// Alpine and Fedora -devel packages).
func cLibraries(hooks []hook) []string {
	var out []string
	for _, h := range hooks {
		for _, p := range h.Packages {
			if strings.HasSuffix(p, "-dev") || strings.HasSuffix(p, "-devel") {
				out = append(out, p)
			}
		}
	}
	return out
}

// cEnv returns the settings of a build's env that point the C toolchain at
// libraries (PKG_CONFIG_PATH, CGO_CFLAGS, CGO_LDFLAGS...).
func cEnv(env []string) []string {
	var out []string
	for _, e := range env {
		k, _, _ := strings.Cut(e, "=")
		switch k {
		case "PKG_CONFIG_PATH", "PKG_CONFIG_SYSROOT_DIR", goenv.CGO_CFLAGS, goenv.CGO_CPPFLAGS, goenv.CGO_CXXFLAGS, goenv.CGO_LDFLAGS:
			out = append(out, printable(e))
		}
	}
	return out
}

// crossCC is the C compiler a build's env names in CC when it is not the
// native one (gcc, cc, clang), "" otherwise.
func crossCC(env []string) string {
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, goenv.CC+"="); ok {
			switch f := strings.Fields(v); {
			case len(f) == 0, f[0] == "gcc", f[0] == "cc", f[0] == "clang":
				return ""
			}
			return printable(v)
		}
	}
	return ""
}

// heldReason says why a release build cannot build from the Gopherfile
// (and what to add so that it can), "" when it can.
func heldReason(where string, hooks []hook, env []string) (why, add string) {
	libs, cenv := cLibraries(hooks), cEnv(env)
	var cmds []string
	kinds := map[string]bool{}
	var pkgs []string
	for _, h := range hooks {
		cmds = append(cmds, "`"+h.Cmd+"`")
		kinds[h.Kind] = true
		pkgs = append(pkgs, h.Packages...)
	}
	switch {
	case len(hooks) > 0:
		why = fmt.Sprintf("%s runs %s before it builds", where, strings.Join(cmds, ", "))
		if len(pkgs) > 0 {
			why += fmt.Sprintf(", which installs the system package(s) %s", strings.Join(pkgs, ", "))
		}
	case len(cenv) > 0:
		why = fmt.Sprintf("%s points the C toolchain at libraries (%s)", where, strings.Join(cenv, " "))
	default:
		return "", ""
	}
	var adds []string
	switch {
	case len(libs) > 0:
		adds = append(adds, fmt.Sprintf("cgo: true, a builder: image that has %s (for example one built FROM golang:<go> with apt-get install %s pkg-config), and an image.base with the shared libraries at run time",
			strings.Join(libs, " and "), strings.Join(libs, " ")))
	case kinds["packages"] || len(cenv) > 0:
		adds = append(adds, "a builder: image that has what it installs (and cgo: true if it is a C library)")
	}
	if cc := crossCC(env); cc != "" && (len(libs) > 0 || len(cenv) > 0) {
		adds = append(adds, fmt.Sprintf("cc: {linux/<arch>: %s} for the C cross compiler its env names (the builder image must have it)", cc))
	}
	if kinds["generate"] {
		adds = append(adds, "generate: [./...] for go generate with generators declared as go.mod tools, or commit the generated files")
	}
	if kinds["make"] || kinds["script"] || kinds["command"] {
		adds = append(adds, "the files those steps make: commit them, or pass them in with sources: from a build context")
	}
	return why, strings.Join(adds, "; ")
}
