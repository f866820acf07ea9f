package scaffold

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/spec"
)

// The first line of a Gopherfile, and the schema URL editors read.
const (
	SyntaxLine = "# syntax=docker.io/gopherfile/frontend:1"
	SchemaURL  = "https://raw.githubusercontent.com/gopherfile/gopherfile/main/schema/gopherfile.schema.json"
)

var badNameChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// cleanName turns a directory name into a valid binary name.
func cleanName(s string) string {
	s = badNameChars.ReplaceAllString(s, "-")
	if len(s) > 64 {
		s = s[:64]
	}
	s = strings.Trim(s, "._-")
	if s == "" {
		return "app"
	}
	return s
}

// Names gives every build a valid, unique binary name: its own, else the
// frontend's default (the last path element, or the module's for the root).
func (p *Project) Names() []string {
	used := map[string]bool{}
	out := make([]string, len(p.Builds))
	for i, b := range p.Builds {
		name := b.Name
		if name == "" {
			name = gomod.BinaryName(p.ModulePath)
			if b.Main != "." {
				name = gomod.BinaryName(b.Main)
			}
		}
		name = cleanName(name)
		if slices.Contains(spec.FixedTargets, name) {
			// Every build is a --target, so it may not take a fixed
			// target's name (./cmd/test): prefix the module's name.
			name = cleanName(gomod.BinaryName(p.ModulePath) + "-" + name)
		}
		if used[name] && b.Main != "." {
			name = cleanName(strings.ReplaceAll(strings.TrimPrefix(b.Main, "./"), "/", "-"))
		}
		for n, base := 2, name; used[name]; n++ {
			name = fmt.Sprintf("%s-%d", base, n)
		}
		used[name] = true
		out[i] = name
	}
	return out
}

// quote writes s as a YAML double-quoted scalar. Every value init writes
// comes from the tree (a release config, go.mod, directory names), so every
// value is quoted: a value cannot end the line or start a field of its own.
// Go's escapes are YAML's, except that YAML reads \xNN as a code point and
// not a byte: Verify catches a value that does not read back the same.
func quote(s string) string { return strconv.Quote(s) }

// oneLine is text from the tree made safe for a comment line: control
// characters (a newline would end the comment and start YAML) become spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 {
			return ' '
		}
		return r
	}, s)
}

// privatePattern is an example modules.private pattern for the module: its
// host and first path element, e.g. github.com/acme/*.
func privatePattern(modulePath string) string {
	elems := strings.Split(modulePath, "/")
	if len(elems) >= 3 && strings.Contains(elems[0], ".") {
		return path.Join(elems[0], elems[1]) + "/*"
	}
	return "github.com/your-org/*"
}

// Render writes the text of the Gopherfile.
func (p *Project) Render() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	comment := func(indent, text string) {
		for _, line := range wrap(oneLine(text), 76-len(indent)) {
			w("%s# %s", indent, line)
		}
	}
	w("%s", SyntaxLine)
	w("# yaml-language-server: $schema=%s", SchemaURL)
	w("#")
	w("# Gopherfile for %s, written by `gopherfile init`.", oneLine(p.ModulePath))
	w("# Build:  docker buildx build -f Gopherfile -t IMAGE --load .")
	w("# Check:  gopherfile lint")
	w("# Every field: https://github.com/gopherfile/gopherfile#spec-reference")
	for _, n := range p.Notes {
		w("#")
		comment("", "Note: "+n)
	}
	w("")
	w("# The version of the Gopherfile format; the only one is 1.")
	w("version: 1")
	w("")
	if p.ModuleDir != "." {
		w("# The directory of the go.mod to build, in this go.work workspace.")
		w("module: %s", quote(p.ModuleDir))
		w("")
	}
	p.renderGo(w, comment)
	w("")
	if p.CGO {
		comment("", "Built with cgo: "+p.CGOWhy+". The runtime base is then "+spec.DefaultCGOBase+" (glibc).")
		w("cgo: true")
		w("")
	} else if p.CGOWhy != "" {
		comment("", "Without cgo: "+p.CGOWhy+".")
		w("")
	}
	if p.TidyOff {
		comment("", "The go mod tidy check is off: "+p.TidyWhy+".")
		w("tidy: \"off\"")
		w("")
	}
	w("# Platforms to build when --platform is not given. Default: the builder's.")
	w("# platforms: [linux/amd64, linux/arm64]")
	w("")
	p.renderBuilds(w, comment)
	w("")
	w("# The runtime image; the first binary is the entrypoint.")
	w("# image:")
	w("#   base: %s   # unset: the built-in static base (CA certificates, time zones, nonroot); or scratch", spec.DefaultBase)
	w("#   cmd: [--listen=:8080]")
	w("#   expose: [\"8080\"]")
	w("#   env: {TZ: UTC}")
	w("#   labels: {org.opencontainers.image.source: https://%s}", oneLine(p.ModulePath))
	w("")
	w("# How go mod download fetches modules; credentials come from --secret and --ssh.")
	w("# modules:")
	w("#   private: [%s]   # GOPRIVATE: fetched directly, not checked against sum.golang.org", oneLine(privatePattern(p.ModulePath)))
	w("#   proxy: https://proxy.golang.org,direct")
	return b.String()
}

func (p *Project) renderGo(w func(string, ...any), comment func(string, string)) {
	w("# The Go version of the go steps: Go from the module proxy (golang.org/toolchain),")
	w("# or the golang:<go> image when the build needs a C compiler or git.")
	switch g := p.Go; {
	case g != nil && g.Use:
		comment("", fmt.Sprintf("%s says the project builds with Go %s.", g.File, g.Version))
		w("go: %s", strconv.Quote(g.Version))
	case g != nil:
		comment("", fmt.Sprintf("%s says Go %s, not used: %s.", g.File, g.Version, g.Why))
		fallthrough
	default:
		m := gomod.Module{Facts: p.Facts, Work: p.Work}
		if pl, err := plan.New(&spec.Spec{Version: 1}, m, plan.Options{}); err == nil {
			comment("", fmt.Sprintf("Default: Go %s, %s.", pl.GoVersion, pl.BuilderReason))
		}
		w("# go: \"%s\"", plan.NewestGo())
	}
}

func (p *Project) renderBuilds(w func(string, ...any), comment func(string, string)) {
	names := p.Names()
	switch {
	case len(p.Builds) == 0:
		w("# The binaries to build. No main package was found under this directory;")
		w("# without builds:, the main package at the module root is built.")
		w("# builds:")
		w("#   - name: server")
		w("#     main: ./cmd/server")
	default:
		if p.Release != "" {
			comment("", fmt.Sprintf("The binaries %s builds; each goes to /usr/local/bin/<name>.", p.Release))
		} else {
			w("# The program this project ships; it goes to /usr/local/bin/<name>.")
		}
		w("builds:")
		for i, bd := range p.Builds {
			comment("  ", bd.Why)
			for _, n := range bd.Notes {
				comment("  ", n)
			}
			w("  - name: %s", quote(names[i]))
			w("    main: %s", quote(bd.Main))
			if len(bd.Tags) > 0 {
				tags := make([]string, len(bd.Tags))
				for j, t := range bd.Tags {
					tags[j] = quote(t)
				}
				w("    tags: [%s]", strings.Join(tags, ", "))
			}
			if bd.Ldflags != "" {
				w("    ldflags: %s", quote(bd.Ldflags))
			}
			if len(bd.Flags) > 0 {
				fl := make([]string, len(bd.Flags))
				for j, f := range bd.Flags {
					fl[j] = quote(f)
				}
				w("    flags: [%s]", strings.Join(fl, ", "))
			}
			if len(bd.Env) > 0 {
				keys := make([]string, 0, len(bd.Env))
				for k := range bd.Env {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				w("    env:")
				for _, k := range keys {
					w("      %s: %s", quote(k), quote(bd.Env[k]))
				}
			}
			if i == 0 && bd.Ldflags == "" {
				w("    # ldflags: -X main.version={{.Version}}   # binaries are stripped (-s -w) unless strip: false")
			}
		}
	}
	if len(p.Others) > 0 {
		w("  # Other main packages in this tree, not built: uncomment one to build it too.")
		for _, o := range p.Others {
			if strings.HasPrefix(o.Main, "./") || o.Main == "." {
				w("  # - main: %s   # %s", quote(o.Main), oneLine(o.Why))
			} else {
				w("  # %s   # %s", oneLine(o.Main), oneLine(o.Why))
			}
		}
	}
}

// wrap splits text into lines of at most width characters.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = word
			continue
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
