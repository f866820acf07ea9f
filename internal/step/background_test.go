//go:build linux

package step

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// TestBackgroundCheckYieldsTheCPU: the tidy check's go command (and what it
// starts) runs backgroundNice lower than the helper; the download's does not.
func TestBackgroundCheckYieldsTheCPU(t *testing.T) {
	own := niceOf(t, "/proc/self/stat")
	for _, tc := range []struct {
		kind stepconfig.Kind
		want int
	}{
		{stepconfig.Download, own},
		{stepconfig.TidyCheck, min(own+backgroundNice, 19)},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			f := newFixture(t)
			// A go command that records the nice value of a process it
			// starts, and leaves the other commands to the real go.
			realGo, err := exec.LookPath("go")
			if err != nil {
				t.Fatal(err)
			}
			bin := t.TempDir()
			report := filepath.Join(t.TempDir(), "stat")
			script := "#!/bin/sh\nif [ \"$*\" = \"mod download\" ]; then sh -c 'cat /proc/$$/stat' > " + report + "; exit 0; fi\nexec " + realGo + " \"$@\"\n"
			if err := os.WriteFile(filepath.Join(bin, "go"), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
			f.run(stepconfig.Config{Kind: tc.kind, Stage: tc.kind.Stage(), Args: []string{"mod", "download"},
				Net: f.net(), Record: f.record()}, "GOPROXY="+f.proxy.URL())
			if got := niceOf(t, report); got != tc.want {
				t.Errorf("the go command's child ran at nice %d, want %d", got, tc.want)
			}
		})
	}
}

// niceOf is the nice value in a /proc/PID/stat file (field 19).
func niceOf(t *testing.T, stat string) int {
	t.Helper()
	b, err := os.ReadFile(stat)
	if err != nil {
		t.Fatalf("the go command did not run: %v", err)
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	n, err := strconv.Atoi(fields[16])
	if err != nil {
		t.Fatalf("reading the nice value of %q: %v", b, err)
	}
	return n
}
