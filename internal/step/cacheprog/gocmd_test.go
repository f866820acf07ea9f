package cacheprog

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The test binary is the GOCACHEPROG of the go commands these tests run:
// with testProgEnv set, it serves the Config in it on stdin and stdout.
const testProgEnv = "GOPHERFILE_TEST_CACHEPROG"

func TestMain(m *testing.M) {
	if cfg, ok := os.LookupEnv(testProgEnv); ok {
		var c struct {
			Config
			Stats string
		}
		if err := json.Unmarshal([]byte(cfg), &c); err != nil {
			os.Exit(3)
		}
		st, err := Serve(context.Background(), os.Stdin, os.Stdout, c.Config)
		dt, _ := json.Marshal(st)
		f, _ := os.OpenFile(c.Stats, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		f.Write(append(dt, '\n'))
		f.Close()
		if err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// goWith runs the real go command in dir with GOCACHE=cfg.Dir and the test
// binary as GOCACHEPROG, and returns its output and what the cache
// programs counted.
func goWith(t *testing.T, dir string, cfg Config, args ...string) (string, Stats) {
	t.Helper()
	stats := filepath.Join(t.TempDir(), "stats")
	dt, err := json.Marshal(struct {
		Config
		Stats string
	}{cfg, stats})
	if err != nil || len(dt) < 3 {
		t.Fatalf("the program's config: %v", err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOCACHE="+cfg.Dir, "GOCACHEPROG="+self, testProgEnv+"="+string(dt), "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	var sum Stats
	sum.Hits = map[string]int{}
	f, _ := os.ReadFile(stats)
	for _, l := range strings.Split(strings.TrimSpace(string(f)), "\n") {
		var st Stats
		json.Unmarshal([]byte(l), &st)
		sum.Gets += st.Gets
		sum.Puts += st.Puts
		sum.Misses += st.Misses
		sum.Errors += st.Errors
		for k, v := range st.Hits {
			sum.Hits[k] += v
		}
	}
	return string(out), sum
}

// hostCache is the host's build cache: read-only here, it holds the
// standard library compiled by the other tests.
func hostCache(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// TestWithGoCommand: the go command builds and tests through the program;
// what one cache directory holds is found through another's Read, and a
// test result written to a private cache is reported (cached) only where
// that cache is read.
func TestWithGoCommand(t *testing.T) {
	mod := t.TempDir()
	for name, src := range map[string]string{
		"go.mod":    "module example.com/p\n\ngo 1.24\n",
		"p.go":      "package p\n\nfunc Answer() int { return 42 }\n",
		"p_test.go": "package p\n\nimport \"testing\"\n\nfunc TestAnswer(t *testing.T) {\n\tif Answer() != 42 {\n\t\tt.Fatal(\"wrong\")\n\t}\n}\n",
	} {
		if err := os.WriteFile(filepath.Join(mod, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	host := hostCache(t)
	private := t.TempDir()

	// A test run with a private cache and the host's as the shared one.
	out, st := goWith(t, mod, Config{Dir: private, Read: []string{host}}, "test", ".")
	if !strings.Contains(out, "ok") || st.Puts == 0 || st.Hits[host] == 0 || st.Errors != 0 {
		t.Fatalf("first test run: %+v\n%s", st, out)
	}
	out, st = goWith(t, mod, Config{Dir: private, Read: []string{host}}, "test", ".")
	if !strings.Contains(out, "(cached)") || st.Hits[private] == 0 {
		t.Errorf("second run in the same cache was not cached: %+v\n%s", st, out)
	}
	// Another step whose private cache is empty and that reads only the
	// host's cache does not see the result: it runs the test.
	out, _ = goWith(t, mod, Config{Dir: t.TempDir(), Read: []string{host}}, "test", ".")
	if strings.Contains(out, "(cached)") {
		t.Errorf("a result from a cache this step does not read was reported:\n%s", out)
	}
	// A step that reads the first private cache sees its result.
	out, _ = goWith(t, mod, Config{Dir: t.TempDir(), Read: []string{private, host}}, "test", ".")
	if !strings.Contains(out, "(cached)") {
		t.Errorf("a result in a cache this step reads was not found:\n%s", out)
	}
	// Read through: what one step compiled, another finds without
	// compiling, and writes nothing into the cache it read.
	goWith(t, mod, Config{Dir: private, Read: []string{host}}, "build", ".")
	before := snapshot(t, private)
	out, st = goWith(t, mod, Config{Dir: t.TempDir(), Read: []string{private, host}}, "build", "-x", ".")
	if strings.Contains(out, "/compile ") || st.Hits[private] == 0 {
		t.Errorf("the package was compiled again although the read cache has it: %+v\n%s", st, out)
	}
	if after := snapshot(t, private); after != before {
		t.Error("the read cache changed")
	}
}
