package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gopherfile/gopherfile/internal/lint"
	"github.com/gopherfile/gopherfile/internal/safefile"
	"github.com/gopherfile/gopherfile/internal/scaffold"
)

// The first line of a Gopherfile, and the schema URL editors read.
const (
	syntaxLine = scaffold.SyntaxLine
	schemaURL  = scaffold.SchemaURL
)

const initUsage = `Usage: gopherfile init [--force] [DIR]

Writes DIR/Gopherfile (DIR defaults to ".") for the Go module in DIR, or for
the go.work workspace in DIR, building the program the project ships:

  - the builds of its release config when it has one (.goreleaser.yaml,
    .ko.yaml, .promu.yml): main, binary name, tags, ldflags, CGO_ENABLED;
  - else the best main package for linux (go/build rules, build tags
    honoured): the module root or cmd/<module name> first, then one that
    the README's go install names, then other cmd/*; examples, tests,
    tools, hack, scripts, docs and internal directories are never chosen.
    Other main packages are listed commented out.

It turns cgo on when a package the build compiles needs it (go list -deps
when the module cache has the dependencies, else the files in the tree),
writes the Go version the project builds with (.go-version, .tool-versions,
a CI workflow's go-version, a Dockerfile's FROM golang:X) as go:, and runs
the lint checks on what it wrote. Exit status 1 when they find an error.
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
	goCmd, _ := exec.LookPath("go")
	p, err := scaffold.Analyze(dir, scaffold.Options{GoCommand: goCmd})
	if err != nil {
		return err
	}
	text := p.Render()
	s, pos, err := p.Verify(text)
	if err != nil {
		return fmt.Errorf("gopherfile init: %w", err)
	}

	out := filepath.Join(dir, "Gopherfile")
	ignore := ""
	if p.Ignore != "" {
		ignore = filepath.Join(dir, scaffold.GopherfileIgnore)
	}
	if err := writeInit(out, text, *force, ignore, p.Ignore); err != nil {
		return err
	}
	if ignore != "" {
		fmt.Fprintf(stdout, "wrote %s: the project's .dockerignore leaves the sources out of the build context\n", ignore)
	}

	names := p.Names()
	switch len(p.Builds) {
	case 0:
		fmt.Fprintf(stdout, "wrote %s; no main package found, so it lists no builds: add them under builds:\n", out)
	default:
		list := make([]string, len(p.Builds))
		for i, b := range p.Builds {
			list[i] = names[i] + " (" + b.Main + ")"
		}
		fmt.Fprintf(stdout, "wrote %s with %d build(s): %s\n", out, len(p.Builds), strings.Join(list, ", "))
		fmt.Fprintf(stdout, "  chosen: %s\n", p.Builds[0].Why)
	}
	if p.ModuleDir != "." {
		fmt.Fprintf(stdout, "  module: %s (of the go.work workspace)\n", p.ModuleDir)
	}
	if p.CGO {
		fmt.Fprintf(stdout, "  cgo: %s\n", p.CGOWhy)
	}
	if p.TidyOff {
		fmt.Fprintf(stdout, "  tidy: off (go.mod says go %s, older than Go 1.17)\n", p.Facts.Go)
	}
	if g := p.Go; g != nil && g.Use {
		fmt.Fprintf(stdout, "  go: %s (from %s)\n", g.Version, g.File)
	}
	if len(p.Others) > 0 {
		fmt.Fprintf(stdout, "  %d other main package(s) listed commented out\n", len(p.Others))
	}
	for _, n := range p.Notes {
		fmt.Fprintf(stderr, "note: %s\n", n)
	}

	mod, err := loadModule(dir, s)
	if err != nil {
		return err
	}
	ws := lint.Check(s, pos, mod, lint.Options{Tree: os.DirFS(dir)})
	var nErr int
	for _, w := range ws {
		if w.Level >= lint.LevelError {
			nErr++
		}
		fmt.Fprintln(stderr, formatWarning(out, w))
	}
	if nErr > 0 {
		fmt.Fprintf(stderr, "%s: the lint checks found %s in what init wrote: fix them before building\n", out, plural(nErr, "error"))
		return exitError(1)
	}
	fmt.Fprintln(stdout, "next: gopherfile lint, then docker buildx build -f Gopherfile -t IMAGE .")
	return nil
}

// writeInit writes the Gopherfile (and the ignore file, when ignore is not
// ""), after checking both, so that a refusal writes nothing. Neither is
// written through a symbolic link: a link at either name (dangling or not)
// is refused, and --force replaces a regular Gopherfile by renaming a new
// file over it, never by truncating what is there.
func writeInit(out, text string, force bool, ignore, ignoreText string) error {
	if err := safefile.CheckReplaceable(out); err != nil {
		return fmt.Errorf("gopherfile init: %w", err)
	}
	if _, err := os.Lstat(out); err == nil && !force {
		return fmt.Errorf("%s already exists and gopherfile init does not overwrite it: pass --force to replace it, or check it with `gopherfile lint`", out)
	}
	if ignore != "" {
		if err := safefile.CheckReplaceable(ignore); err != nil {
			return fmt.Errorf("gopherfile init: %w", err)
		}
		if _, err := os.Lstat(ignore); err == nil {
			return fmt.Errorf("%s already exists: gopherfile init does not overwrite it", ignore)
		}
	}
	write := safefile.CreateNew
	if force {
		write = safefile.Replace
	}
	if err := write(out, []byte(text), 0o644); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists and gopherfile init does not overwrite it: pass --force to replace it, or check it with `gopherfile lint`", out)
		}
		return fmt.Errorf("writing %s: %w", out, err)
	}
	if ignore != "" {
		if err := safefile.CreateNew(ignore, []byte(ignoreText), 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", ignore, err)
		}
	}
	return nil
}
