package main

import (
	"errors"
	"fmt"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/module"

	"github.com/gopherfile/gopherfile/frontend/gomod"
	"github.com/gopherfile/gopherfile/frontend/spec"
)

// The first line of a Gopherfile, and the schema URL editors read.
const (
	syntaxLine = "# syntax=docker.io/gopherfile/frontend:1"
	schemaURL  = "https://raw.githubusercontent.com/gopherfile/gopherfile/main/schema/gopherfile.schema.json"
)

const initUsage = `Usage: gopherfile init [--force] [DIR]

Writes DIR/Gopherfile (DIR defaults to ".") for the Go module in DIR: one
build per main package, found by reading the package clauses of the .go files
under DIR (vendor, testdata, nested modules and directories starting with . or
_ are skipped), and commented examples of the other settings.
`

func initCmd(args []string, stdout, stderr io.Writer) error {
	c := newCommand("init", initUsage, stdout, stderr)
	force := c.fs.Bool("force", false, "overwrite an existing Gopherfile")
	positional, err := c.parse(args)
	if err != nil {
		return err
	}
	dir, err := c.dirArg(positional)
	if err != nil {
		return err
	}

	modFile := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(modFile)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no go.mod in %s: run gopherfile init in the directory of go.mod, or create one with `go mod init MODULE_PATH`", dir)
	}
	if err != nil {
		return fmt.Errorf("reading go.mod: %w", err)
	}
	facts, err := gomod.Parse(modFile, data)
	if err != nil {
		return err
	}
	mains, err := findMainPackages(dir)
	if err != nil {
		return err
	}
	builds := initBuilds(facts.Path, mains)
	text := renderGopherfile(facts.Path, builds)
	if _, _, err := spec.Parse([]byte(text)); err != nil {
		return fmt.Errorf("internal error: the Gopherfile init wrote does not parse: %w", err)
	}

	out := filepath.Join(dir, "Gopherfile")
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if !*force {
		flags |= os.O_EXCL
	}
	f, err := os.OpenFile(out, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists and gopherfile init does not overwrite it: pass --force to replace it, or check it with `gopherfile lint`", out)
	}
	if err != nil {
		return fmt.Errorf("writing the Gopherfile: %w", err)
	}
	if _, err := io.WriteString(f, text); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", out, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}

	switch len(builds) {
	case 0:
		fmt.Fprintf(stdout, "wrote %s; no main package found, so it lists no builds: add them under builds:\n", out)
	default:
		names := make([]string, len(builds))
		for i, b := range builds {
			names[i] = b.name + " (" + b.main + ")"
		}
		fmt.Fprintf(stdout, "wrote %s with %d build(s): %s\n", out, len(builds), strings.Join(names, ", "))
	}
	if facts.Go == "" {
		fmt.Fprintf(stderr, "note: %s has no go line, so the builder's Go version is unknown: add one (go mod edit -go=1.26) or set go: in the Gopherfile\n", modFile)
	}
	fmt.Fprintln(stdout, "next: gopherfile lint, then docker buildx build -f Gopherfile -t IMAGE .")
	return nil
}

// findMainPackages returns the directories under root, relative to it with
// forward slashes ("." for root itself), that hold a main package, sorted with
// "." first. It skips vendor, testdata, directories whose name starts with . or
// _ and directories with their own go.mod (other modules).
func findMainPackages(root string) ([]string, error) {
	set := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // an unreadable directory is not ours to judge
		}
		name := d.Name()
		if d.IsDir() {
			if p == root {
				return nil
			}
			if name == "vendor" || name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") ||
			strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(p))
		if err != nil {
			return fmt.Errorf("finding main packages: %w", err)
		}
		rel = filepath.ToSlash(rel)
		if !set[rel] && isMainFile(p) {
			set[rel] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("finding main packages in %s: %w", root, err)
	}
	dirs := make([]string, 0, len(set))
	for d := range set {
		dirs = append(dirs, d)
	}
	sort.Slice(dirs, func(i, j int) bool {
		if (dirs[i] == ".") != (dirs[j] == ".") {
			return dirs[i] == "."
		}
		return dirs[i] < dirs[j]
	})
	return dirs, nil
}

// isMainFile reports whether the Go file at p says `package main` and is not
// excluded with a //go:build ignore line (or // +build ignore). A file that does
// not parse is not main.
func isMainFile(p string) bool {
	f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.PackageClauseOnly|parser.ParseComments)
	if err != nil || f.Name == nil || f.Name.Name != "main" {
		return false
	}
	for _, g := range f.Comments {
		if g.Pos() > f.Package {
			break
		}
		for _, c := range g.List {
			if ignoredBy(c.Text) {
				return false
			}
		}
	}
	return true
}

// ignoredBy reports whether a comment line is a build constraint that the tag
// "ignore" turns off: false with every other tag set and ignore unset, true
// with ignore set too (so //go:build ignore and //go:build ignore && linux, not
// //go:build !windows).
func ignoredBy(line string) bool {
	if !constraint.IsGoBuild(line) && !constraint.IsPlusBuild(line) {
		return false
	}
	expr, err := constraint.Parse(line)
	if err != nil {
		return false
	}
	without := expr.Eval(func(tag string) bool { return tag != "ignore" })
	with := expr.Eval(func(string) bool { return true })
	return !without && with
}

// initBuild is one build of the generated Gopherfile.
type initBuild struct {
	name string
	main string // "." or "./dir"
}

var badNameChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// initBuilds names the binaries of the main packages: like the frontend's
// default (the last path element, or the module's for the root), made valid
// and unique.
func initBuilds(modulePath string, dirs []string) []initBuild {
	var out []initBuild
	used := map[string]bool{}
	for _, d := range dirs {
		if d != "." && module.CheckImportPath(modulePath+"/"+d) != nil {
			continue // go build refuses the package (a space, a non-ASCII letter): so does the Gopherfile
		}
		main := "."
		name := gomod.BinaryName(modulePath)
		if d != "." {
			main = "./" + d
			name = gomod.BinaryName(main)
		}
		name = cleanName(name)
		if used[name] && d != "." {
			name = cleanName(strings.ReplaceAll(d, "/", "-"))
		}
		for i, base := 2, name; used[name]; i++ {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		used[name] = true
		out = append(out, initBuild{name: name, main: main})
	}
	return out
}

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

var plainYAML = regexp.MustCompile(`^[A-Za-z0-9_./][A-Za-z0-9_./-]*$`)

// yamlString writes s as a YAML scalar that decodes to the string s.
func yamlString(s string) string {
	switch strings.ToLower(s) {
	case "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n":
		return strconv.Quote(s)
	}
	if plainYAML.MatchString(s) {
		return s
	}
	return strconv.Quote(s)
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

// renderGopherfile writes the text of a new Gopherfile.
func renderGopherfile(modulePath string, builds []initBuild) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("%s", syntaxLine)
	w("# yaml-language-server: $schema=%s", schemaURL)
	w("#")
	w("# Gopherfile for %s, written by `gopherfile init`.", modulePath)
	w("# Build:  docker buildx build -f Gopherfile -t IMAGE --load .")
	w("# Check:  gopherfile lint")
	w("# Every field: https://github.com/gopherfile/gopherfile#spec-reference")
	w("")
	w("# The version of the Gopherfile format; the only one is 1.")
	w("version: 1")
	w("")
	w("# The Go version of the builder image (golang:<go>).")
	w("# Default: go.mod's toolchain line, else its go line.")
	w("# go: \"1.26\"")
	w("")
	w("# Platforms to build when --platform is not given. Default: the builder's.")
	w("# platforms: [linux/amd64, linux/arm64]")
	w("")
	if len(builds) == 0 {
		w("# The binaries to build. No main package was found under this directory;")
		w("# without builds:, the main package at the module root is built.")
		w("# builds:")
		w("#   - name: server")
		w("#     main: ./cmd/server")
	} else {
		w("# The binaries, one per main package; each goes to /usr/local/bin/<name>.")
		w("builds:")
		for i, bd := range builds {
			w("  - name: %s", yamlString(bd.name))
			w("    main: %s", yamlString(bd.main))
			if i == 0 {
				w("    # ldflags: -X main.version={{.Version}}   # binaries are stripped (-s -w) unless strip: false")
				w("    # tags: [netgo]")
			}
		}
	}
	w("")
	w("# The runtime image; the first binary is the entrypoint.")
	w("# image:")
	w("#   base: %s   # or scratch", spec.DefaultBase)
	w("#   cmd: [--listen=:8080]")
	w("#   expose: [\"8080\"]")
	w("#   env: {TZ: UTC}")
	w("#   labels: {org.opencontainers.image.source: https://%s}", modulePath)
	w("")
	w("# How go mod download fetches modules; credentials come from --secret and --ssh.")
	w("# modules:")
	w("#   private: [%s]   # GOPRIVATE: fetched directly, not checked against sum.golang.org", privatePattern(modulePath))
	w("#   proxy: https://proxy.golang.org,direct")
	return b.String()
}
