package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/lint"
	"github.com/gopherfile/gopherfile/internal/safefile"
	"github.com/gopherfile/gopherfile/internal/spec"
)

const lintUsage = `Usage: gopherfile lint [-f FILE] [--strict] [--build-arg K=V] [--builder-go VERSION] [DIR]

Checks DIR/Gopherfile (DIR defaults to ".") and the go.mod it builds for
mistakes and risky settings, without building: the same checks the frontend
runs. Findings are printed as FILE:LINE: [rule] message.

Every finding is reported, errors first by line. The checks read the source
tree too: each build's main must be a main package for linux with its tags.
Notes are informational and never fail the run.

Exit status: 0 when there are only warnings and notes, 1 when the Gopherfile
does not parse or a finding is an error (with --strict: or a warning), 2 for
bad usage.
`

func lintCmd(args []string, stdout, stderr io.Writer) error {
	c := newCommand("lint", lintUsage, stdout, stderr)
	var file, builderGo string
	var strict bool
	var args0 listFlag
	c.fs.StringVar(&file, "f", "", "the Gopherfile (default DIR/Gopherfile)")
	c.fs.StringVar(&file, "file", "", "same as -f")
	c.fs.BoolVar(&strict, "strict", false, "fail (exit 1) on warnings too")
	c.fs.Var(&args0, "build-arg", "build arg KEY=VALUE to check with, as given to the build (repeatable)")
	c.fs.StringVar(&builderGo, "builder-go", "", "Go version of the builder image, e.g. 1.26.8, for the checks that compare it with go.mod")
	positional, err := c.parse(args)
	if err != nil {
		return err
	}
	dir, err := c.dirArg(positional)
	if err != nil {
		return err
	}
	if file == "" {
		file = filepath.Join(dir, "Gopherfile")
	}

	data, err := safefile.ReadPath(file, spec.MaxFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no Gopherfile at %s: write one with `gopherfile init`, or pass -f FILE", file)
	}
	if err != nil {
		return fmt.Errorf("reading the Gopherfile: %w", err)
	}
	s, pos, err := spec.Parse(data)
	if err != nil {
		printSpecError(stderr, file, data, err)
		return exitError(1)
	}

	mod, err := loadModule(dir, s)
	if err != nil {
		return err
	}
	if mod == nil {
		fmt.Fprintf(stderr, "note: no go.mod in %s, so the checks that need it are skipped\n", filepath.Join(dir, filepath.FromSlash(s.Module)))
	}

	warnings := lint.Check(s, pos, mod, lint.Options{BuilderGo: builderGo, BuildArgs: buildArgs(args0), Tree: os.DirFS(dir)})
	n := printFindings(stdout, stderr, file, warnings)
	if n.errors > 0 || (strict && n.warnings > 0) {
		return exitError(1)
	}
	return nil
}

// counts are the findings of a lint run by level.
type counts struct{ errors, warnings, infos int }

// printFindings prints every finding, then a summary line: on stderr when
// there are findings, on stdout ("FILE: no problems found") when there are
// none.
func printFindings(stdout, stderr io.Writer, file string, warnings []lint.Warning) counts {
	var n counts
	for _, w := range warnings {
		switch {
		case w.Level >= lint.LevelError:
			n.errors++
		case w.Level == lint.LevelInfo:
			n.infos++
		default:
			n.warnings++
		}
		fmt.Fprintln(stdout, formatWarning(file, w))
	}
	if len(warnings) == 0 {
		fmt.Fprintf(stdout, "%s: no problems found (%d checks)\n", file, len(lint.Rules))
		return n
	}
	summary := fmt.Sprintf("%s: %s, %s", file, plural(n.errors, "error"), plural(n.warnings, "warning"))
	if n.infos > 0 {
		summary += ", " + plural(n.infos, "note")
	}
	fmt.Fprintln(stderr, summary)
	return n
}

// loadModule reads the module of the Gopherfile in the context dir with the
// frontend's own loader (go.work, vendor/, local modules, the default main);
// nil without error when there is no go.mod.
func loadModule(dir string, s *spec.Spec) (*gomod.Module, error) {
	m, err := gomod.Load(context.Background(), gomod.FSReader{FS: os.DirFS(dir)}, s.Module, gomod.LoadOptions{DefaultMain: len(s.Builds) == 0})
	var nf *gomod.NoGoModError
	if errors.As(err, &nf) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the module in %s: %w", dir, err)
	}
	return m, nil
}

// formatWarning prints a finding like a compiler: FILE:LINE: [rule] msg, with
// "error: " before the rule of an error and "note: " before an informational one.
func formatWarning(file string, w lint.Warning) string {
	level := ""
	switch {
	case w.Level >= lint.LevelError:
		level = "error: "
	case w.Level == lint.LevelInfo:
		level = "note: "
	}
	if w.Line <= 0 {
		return fmt.Sprintf("%s: %s[%s] %s", file, level, w.Rule, w.Msg)
	}
	return fmt.Sprintf("%s:%d: %s[%s] %s", file, w.Line, level, w.Rule, w.Msg)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// printSpecError prints the problems of a spec.Parse error like a compiler,
// each as FILE:LINE:COL: the message, then the line of the Gopherfile with a
// caret under the column (the first non-blank character when the column is
// unknown).
func printSpecError(w io.Writer, file string, data []byte, err error) {
	errs := spec.Errors(err)
	if len(errs) == 0 {
		fmt.Fprintf(w, "%s: %v\n", file, err)
		return
	}
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	for _, se := range errs {
		printOne(w, file, lines, se)
	}
	if len(errs) > 1 {
		fmt.Fprintf(w, "%s: %d problems\n", file, len(errs))
	}
}

func printOne(w io.Writer, file string, lines []string, se *spec.Error) {
	msg := se.Msg
	if se.Field != "" {
		msg = se.Field + ": " + msg
	}
	if se.Hint != "" {
		msg += " (" + se.Hint + ")"
	}
	loc := file
	if se.Pos.Line > 0 {
		loc = fmt.Sprintf("%s:%d", file, se.Pos.Line)
		if se.Pos.Column > 0 {
			loc = fmt.Sprintf("%s:%d", loc, se.Pos.Column)
		}
	}
	fmt.Fprintf(w, "%s: %s\n", loc, msg)

	if se.Pos.Line < 1 || se.Pos.Line > len(lines) {
		return
	}
	line := []rune(lines[se.Pos.Line-1])
	if len(line) > 200 {
		line = line[:200]
	}
	col := se.Pos.Column
	if col < 1 {
		col = 1
		for col <= len(line) && (line[col-1] == ' ' || line[col-1] == '\t') {
			col++
		}
	}
	if col > len(line)+1 {
		col = len(line) + 1
	}
	var pad strings.Builder
	for _, r := range line[:col-1] {
		if r == '\t' {
			pad.WriteRune('\t')
		} else {
			pad.WriteRune(' ')
		}
	}
	gutter := fmt.Sprintf("%5d | ", se.Pos.Line)
	fmt.Fprintf(w, "%s%s\n", gutter, string(line))
	fmt.Fprintf(w, "%s| %s^\n", strings.Repeat(" ", len(gutter)-2), pad.String())
}
