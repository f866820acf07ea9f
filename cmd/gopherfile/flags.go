package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

var (
	// errUsage is bad usage: the usage was printed, the exit status is 2.
	errUsage = errors.New("usage")
	// errHelp is -h or --help: the usage was printed to stdout, the exit status is 0.
	errHelp = errors.New("help")
)

// exitError ends a command with an exit status after it printed its own report.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// command is the flag set of a subcommand with its usage text.
type command struct {
	fs     *flag.FlagSet
	usage  string // printed before the flag defaults
	stdout io.Writer
	stderr io.Writer
}

// newCommand returns a command named "gopherfile NAME". usage is the text
// before the list of flags, ending with a newline.
func newCommand(name, usage string, stdout, stderr io.Writer) *command {
	c := &command{fs: flag.NewFlagSet("gopherfile "+name, flag.ContinueOnError), usage: usage, stdout: stdout, stderr: stderr}
	c.fs.SetOutput(stderr)
	c.fs.Usage = func() {} // parse prints the usage where it belongs
	return c
}

// printUsage writes the usage and the flag defaults to w.
func (c *command) printUsage(w io.Writer) {
	fmt.Fprint(w, c.usage)
	hasFlags := false
	c.fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintln(w, "\nFlags:")
		c.fs.SetOutput(w)
		c.fs.PrintDefaults()
		c.fs.SetOutput(c.stderr)
	}
}

// parse parses args and returns the positional arguments. Flags may come
// after positional arguments (lint DIR --strict); "--" ends the flags. -h and
// --help print the usage to stdout and return errHelp; a bad flag prints the
// error and the usage to stderr and returns errUsage.
func (c *command) parse(args []string) ([]string, error) {
	var positional []string
	for {
		err := c.fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			c.printUsage(c.stdout)
			return nil, errHelp
		}
		if err != nil {
			fmt.Fprintln(c.stderr)
			c.printUsage(c.stderr)
			return nil, errUsage
		}
		rest := c.fs.Args()
		consumed := args[:len(args)-len(rest)]
		if len(rest) == 0 || (len(consumed) > 0 && consumed[len(consumed)-1] == "--") {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// usageError prints a message and the usage to stderr and returns errUsage.
func (c *command) usageError(format string, args ...any) error {
	fmt.Fprintf(c.stderr, "%s: %s\n\n", c.fs.Name(), fmt.Sprintf(format, args...))
	c.printUsage(c.stderr)
	return errUsage
}

// dirArg returns the single optional DIR argument, "." by default.
func (c *command) dirArg(positional []string) (string, error) {
	switch len(positional) {
	case 0:
		return ".", nil
	case 1:
		return positional[0], nil
	}
	return "", c.usageError("one DIR at most, got %q", positional)
}

// buildArgs turns --build-arg values into a map. Like docker, a NAME without
// =VALUE takes the value from the environment and is skipped when unset.
func buildArgs(list []string) map[string]string {
	args := map[string]string{}
	for _, a := range list {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			if v, ok = os.LookupEnv(k); !ok {
				continue
			}
		}
		args[k] = v
	}
	return args
}
