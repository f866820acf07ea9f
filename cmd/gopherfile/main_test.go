package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	goldenfile "github.com/gopherfile/gopherfile/internal/golden"

	"github.com/gopherfile/gopherfile/schema"
)

// gopherfile runs the command line in-process and returns the exit status,
// stdout and stderr.
func gopherfile(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// writeFiles creates files (slash-separated paths relative to dir).
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", name), got)
}

func TestHelp(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "Usage:\n  gopherfile build"},
		{[]string{"-h"}, "gopherfile lint [flags] [DIR]"},
		{[]string{"help"}, "gopherfile schema"},
		{[]string{"help", "lint"}, "Usage: gopherfile lint"},
		{[]string{"build", "--help"}, "Usage: gopherfile build [flags] [DIR]"},
		{[]string{"build", "-h"}, "-build-arg"},
		{[]string{"build", "--help"}, "Targets (--target):\n  image"},
		{[]string{"build", "--help"}, "the name of a build: the image of that binary alone"},
		{[]string{"init", "--help"}, "Usage: gopherfile init [--force] [DIR]"},
		{[]string{"init", "-h"}, "-force"},
		{[]string{"lint", "--help"}, "Usage: gopherfile lint"},
		{[]string{"lint", "-h"}, "-strict"},
		{[]string{"lint", ".", "--help"}, "Exit status"},
		{[]string{"schema", "--help"}, "Usage: gopherfile schema"},
		{[]string{"schema", "-h"}, "yaml-language-server"},
		{[]string{"version", "--help"}, "Usage: gopherfile version"},
		{[]string{"version", "-h"}, "Go version"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := gopherfile(t, tt.args...)
			if code != 0 {
				t.Errorf("exit status %d, want 0; stderr:\n%s", code, stderr)
			}
			if !strings.Contains(stdout, tt.want) {
				t.Errorf("stdout does not contain %q:\n%s", tt.want, stdout)
			}
			if stderr != "" {
				t.Errorf("help wrote to stderr:\n%s", stderr)
			}
		})
	}
}

func TestBadUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "Usage:"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"help", "frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"build", "--nope"}, "flag provided but not defined: -nope"},
		{[]string{"build", "a", "b"}, "one DIR at most"},
		{[]string{"build", "--call", "nope"}, "--call nope: use build, targets, outline, check or doctor"},
		{[]string{"build", "--push"}, "--push needs an image name: add -t"},
		{[]string{"init", "--nope"}, "Usage: gopherfile init"},
		{[]string{"init", "a", "b"}, "one DIR at most"},
		{[]string{"lint", "--nope"}, "Usage: gopherfile lint"},
		{[]string{"lint", "-f"}, "flag needs an argument: -f"},
		{[]string{"schema", "--nope"}, "Usage: gopherfile schema"},
		{[]string{"schema", "extra"}, "no arguments expected"},
		{[]string{"version", "--nope"}, "Usage: gopherfile version"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := gopherfile(t, tt.args...)
			if code != 2 {
				t.Errorf("exit status %d, want 2", code)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, stderr)
			}
			if stdout != "" {
				t.Errorf("bad usage wrote to stdout:\n%s", stdout)
			}
		})
	}
}

func TestSchema(t *testing.T) {
	code, stdout, stderr := gopherfile(t, "schema")
	if code != 0 {
		t.Fatalf("exit status %d: %s", code, stderr)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("schema output is not JSON: %v", err)
	}
	if doc["title"] != "Gopherfile" {
		t.Errorf("title %v", doc["title"])
	}
	if stdout != string(schema.JSON) {
		t.Error("schema output differs from the embedded schema")
	}
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version"} {
		code, stdout, _ := gopherfile(t, arg)
		if code != 0 || !strings.HasPrefix(stdout, "gopherfile "+versionString()) || !strings.Contains(stdout, runtime.Version()) {
			t.Errorf("%s: exit status %d, output %q", arg, code, stdout)
		}
	}
}
