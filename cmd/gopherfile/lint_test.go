package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestLint(t *testing.T) {
	const goMod = "module github.com/acme/tool\n\ngo 1.26.2\n"
	tests := []struct {
		name       string
		files      map[string]string
		args       []string // after "lint"; DIR is appended unless -f is used
		wantCode   int
		wantStdout []string
		wantStderr []string
	}{
		{
			name:       "clean says so in one line",
			files:      map[string]string{"go.mod": goMod, "Gopherfile": "version: 1\n"},
			wantCode:   0,
			wantStdout: []string{"Gopherfile: no problems found ("},
		},
		{
			name:       "warning",
			files:      map[string]string{"go.mod": goMod, "Gopherfile": "# syntax=docker.io/gopherfile/frontend:1\nversion: 1\nimage:\n  user: root\n"},
			wantCode:   0,
			wantStdout: []string{"Gopherfile:4: [root-user] the container runs as root"},
			wantStderr: []string{"0 errors, 1 warning"},
		},
		{
			name:       "warning with --strict",
			files:      map[string]string{"go.mod": goMod, "Gopherfile": "version: 1\nimage:\n  user: root\n"},
			args:       []string{"--strict"},
			wantCode:   1,
			wantStdout: []string{"Gopherfile:3: [root-user]"},
		},
		{
			name:       "notes do not fail --strict",
			files:      map[string]string{"go.mod": goMod, "Gopherfile": "version: 1\ntidy: \"off\"\n"},
			args:       []string{"--strict"},
			wantCode:   0,
			wantStdout: []string{"Gopherfile:2: note: [tidy-off]"},
			wantStderr: []string{"0 errors, 0 warnings, 1 note"},
		},
		{
			name:       "flags after DIR",
			files:      map[string]string{"go.mod": goMod, "Gopherfile": "version: 1\nimage:\n  user: root\n"},
			args:       []string{"DIR", "--strict"},
			wantCode:   1,
			wantStdout: []string{"[root-user]"},
		},
		{
			name: "every error is reported",
			files: map[string]string{"go.mod": goMod, "lib/lib.go": "package lib\n", "gen/gen.go": "//go:build ignore\n\npackage main\n",
				"Gopherfile": "version: 1\ngo: \"1.25\"\nbuilds:\n  - main: ./lib\n  - main: ./gen\n"},
			wantCode: 1,
			wantStdout: []string{
				"Gopherfile:2: error: [builder-go-too-old]",
				"Gopherfile:4: error: [main-not-a-main-package] main ./lib does not build a program: lib is package lib",
				"Gopherfile:5: error: [main-not-a-main-package] main ./gen does not build a program: no Go file in gen builds for linux with no build tags (build constraints exclude gen.go)",
			},
			wantStderr: []string{"3 errors, 0 warnings"},
		},
		{
			name:       "error",
			files:      map[string]string{"go.mod": goMod, "Gopherfile": "version: 1\ngo: \"1.25\"\n"},
			wantCode:   1,
			wantStdout: []string{"Gopherfile:2: error: [builder-go-too-old] go.mod needs go >= 1.26.2"},
			wantStderr: []string{"1 error, 0 warnings"},
		},
		{
			name:       "build args",
			files:      map[string]string{"go.mod": goMod, "Gopherfile": "version: 1\n"},
			args:       []string{"--build-arg", "GOSUMDB=off", "--build-arg=BASE_IMAGE=alpine"},
			wantCode:   0,
			wantStdout: []string{"Gopherfile:1: [unpinned-base] build arg BASE_IMAGE alpine has no tag", "Gopherfile:1: [weakened-checksums] GOSUMDB=off (build arg GOSUMDB)"},
		},
		{
			name:       "builder Go",
			files:      map[string]string{"go.mod": "module m\n\ngo 1.22\n", "Gopherfile": "version: 1\n"},
			args:       []string{"--builder-go", "1.26.8"},
			wantCode:   0,
			wantStdout: []string{"[go-line-older-than-builder-minor]"},
		},
		{
			name:       "unknown field",
			files:      map[string]string{"go.mod": goMod, "Gopherfile": "version: 1\nimage:\n  bse: alpine:3.20\n"},
			wantCode:   1,
			wantStderr: []string{"Gopherfile:3:3: unknown field \"bse\" in image (did you mean \"base\"?", "    3 |   bse: alpine:3.20\n      |   ^\n"},
		},
		{
			name:     "every problem, not the first",
			files:    map[string]string{"go.mod": goMod, "Gopherfile": "version: 1\ntidy: never\nimage:\n  bse: alpine:3.20\nbuilds:\n  - main: \"./x$(id)\"\n    output: /tmp\nenv:\n  GOPROXY: off\n"},
			wantCode: 1,
			wantStderr: []string{
				"Gopherfile:2:1: tidy: unknown value \"never\" (use \"check\" or \"off\")",
				"Gopherfile:4:3: unknown field \"bse\" in image (did you mean \"base\"?",
				"Gopherfile:6:5: builds[0].main: \"./x$(id)\" contains '$'",
				"Gopherfile:7:5: builds[0].output: /tmp is a directory or file the image needs",
				"Gopherfile:9:3: env.GOPROXY: GOPROXY cannot be set here",
				"    9 |   GOPROXY: off\n      |   ^\n",
				"5 problems",
			},
		},
		{
			name:       "YAML syntax error",
			files:      map[string]string{"go.mod": goMod, "Gopherfile": "version: 1\nimage:\n\tbase: alpine:3.20\n"},
			wantCode:   1,
			wantStderr: []string{"Gopherfile:3: invalid YAML: found character that cannot start any token", "    3 | \tbase: alpine:3.20\n      | \t^\n"},
		},
		{
			name:       "module in a subdirectory",
			files:      map[string]string{"svc/go.mod": "module m\n\ngo 1.27\n", "Gopherfile": "version: 1\nmodule: svc\ngo: \"1.26\"\n"},
			wantCode:   1,
			wantStdout: []string{"Gopherfile:3: error: [builder-go-too-old] go.mod needs go >= 1.27"},
		},
		{
			name:       "no go.mod",
			files:      map[string]string{"Gopherfile": "version: 1\nmodules:\n  sumdb: \"off\"\n"},
			wantCode:   0,
			wantStdout: []string{"Gopherfile:3: [weakened-checksums] GOSUMDB=off"},
			wantStderr: []string{"no go.mod in", "skipped"},
		},
		{
			name:       "bad go.mod",
			files:      map[string]string{"go.mod": "module\n", "Gopherfile": "version: 1\n"},
			wantCode:   1,
			wantStderr: []string{"ERROR: reading", "go.mod:1"},
		},
		{
			name:       "no Gopherfile",
			files:      map[string]string{"go.mod": goMod},
			wantCode:   1,
			wantStderr: []string{"no Gopherfile at", "gopherfile init"},
		},
		{
			name:       "-f",
			files:      map[string]string{"go.mod": goMod, "build/Gopherfile.prod": "version: 1\nimage:\n  user: \"0\"\n"},
			args:       []string{"-f", "FILE:build/Gopherfile.prod"},
			wantCode:   0,
			wantStdout: []string{"Gopherfile.prod:3: [root-user]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tt.files)
			withMain(t, dir, tt.files)
			args := []string{"lint"}
			hasDir := false
			for _, a := range tt.args {
				switch {
				case a == "DIR":
					a, hasDir = dir, true
				case strings.HasPrefix(a, "FILE:"):
					a = filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(a, "FILE:")))
				}
				args = append(args, a)
			}
			if !hasDir {
				args = append(args, dir)
			}
			code, stdout, stderr := gopherfile(t, args...)
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout, stderr)
			}
			for _, w := range tt.wantStdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout does not contain %q:\n%s", w, stdout)
				}
			}
			for _, w := range tt.wantStderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not contain %q:\n%s", w, stderr)
				}
			}
			if len(tt.wantStdout) == 0 && stdout != "" && !strings.Contains(stdout, "no problems found") {
				t.Errorf("unexpected stdout:\n%s", stdout)
			}
		})
	}
}

// withMain adds a main package next to each go.mod of a test tree that has
// no .go file, so that the checks that read the tree find the program.
func withMain(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name := range files {
		if strings.HasSuffix(name, ".go") {
			return
		}
	}
	for name := range files {
		if filepath.Base(name) == "go.mod" {
			writeFiles(t, dir, map[string]string{filepath.Join(filepath.Dir(name), "main.go"): mainGo})
		}
	}
}
