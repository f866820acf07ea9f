//go:build integration

package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moby/buildkit/client"

	"github.com/gopherfile/gopherfile/internal/testproxy"
)

// Helpers of reliability_test.go: fixture modules and projects with unique
// paths, builds bounded by a context, builds watched while they run, and the
// --progress rawjson stream turned into steps with times and logs.

// relModule is a fixture module whose path is unique to this call, so that the
// shared module cache of the builder never already holds it. Its package is
// named after name and Hello returns "hello from <path>".
func relModule(name string) testproxy.Module {
	path := fmt.Sprintf("example.com/gfrel%08x/%s", rand.Uint32(), name)
	return testproxy.Module{Path: path, Version: "v1.0.0", Files: map[string]string{
		name + ".go": "package " + name + "\n\n// Hello greets.\nfunc Hello() string { return \"hello from " + path + "\" }\n",
	}}
}

// relHello is what a relModule's Hello returns.
func relHello(m testproxy.Module) string { return "hello from " + m.Path }

// relModules is the modules: part of a Gopherfile that fetches the
// fixture modules from p (their paths are private, so no checksum database),
// followed by extra lines (each indented by two spaces, ending in \n).
func relModules(p *testproxy.Proxy, extra string) string {
	return fmt.Sprintf("modules:\n  proxy: %s\n  nosumdb: [example.com/*]\n%s", p.URL(), extra)
}

// relProject is a main module that imports fixture modules.
type relProject struct {
	Module     string             // module path of the main module; its last element names the binary
	Deps       []testproxy.Module // fixture modules; main prints every Hello
	Say        string             // a last line main prints
	Gopherfile string             // the whole Gopherfile
	Files      map[string]string  // extra files (name → content)
}

// write writes the project into dir: a tidy go.mod and go.sum (hashes from
// the proxy), main.go, the Gopherfile and the extra files.
func (pr relProject) write(t *testing.T, p *testproxy.Proxy, dir string) {
	t.Helper()
	deps := append([]testproxy.Module(nil), pr.Deps...)
	sort.Slice(deps, func(i, j int) bool { return deps[i].Path < deps[j].Path })
	var gomod, gosum strings.Builder
	fmt.Fprintf(&gomod, "module %s\n\ngo 1.26\n", pr.Module)
	switch len(deps) {
	case 0:
	case 1:
		fmt.Fprintf(&gomod, "\nrequire %s %s\n", deps[0].Path, deps[0].Version)
	default:
		gomod.WriteString("\nrequire (\n")
		for _, d := range deps {
			fmt.Fprintf(&gomod, "\t%s %s\n", d.Path, d.Version)
		}
		gomod.WriteString(")\n")
	}
	for _, d := range deps {
		sum := p.GoSum(d.Path, d.Version)
		if sum == nil {
			t.Fatalf("the proxy does not serve %s@%s", d.Path, d.Version)
		}
		gosum.WriteString(strings.Join(sum, "\n") + "\n")
	}
	writeFile(t, filepath.Join(dir, "go.mod"), gomod.String())
	if len(deps) > 0 {
		writeFile(t, filepath.Join(dir, "go.sum"), gosum.String())
	}
	writeFile(t, filepath.Join(dir, "main.go"), pr.mainGo())
	writeFile(t, filepath.Join(dir, "Gopherfile"), pr.Gopherfile)
	for name, content := range pr.Files {
		writeFile(t, filepath.Join(dir, name), content)
	}
}

// mainGo is main.go: it prints every dependency's Hello, then Say.
func (pr relProject) mainGo() string {
	var imports, calls strings.Builder
	for i, d := range pr.Deps {
		fmt.Fprintf(&imports, "\tm%d %q\n", i, d.Path)
		fmt.Fprintf(&calls, "\tfmt.Println(m%d.Hello())\n", i)
	}
	return fmt.Sprintf("package main\n\nimport (\n\t\"fmt\"\n\n%s)\n\nfunc main() {\n%s\tfmt.Println(%q)\n}\n",
		imports.String(), calls.String(), pr.Say)
}

// binary is the name of the project's binary (the last element of its module path).
func (pr relProject) binary() string { return pr.Module[strings.LastIndexByte(pr.Module, '/')+1:] }

// want is every line the project's binary must print.
func (pr relProject) want() []string {
	var w []string
	for _, d := range pr.Deps {
		w = append(w, relHello(d))
	}
	return append(w, pr.Say)
}

// relCLI runs the CLI like cli, but gives up (killing the CLI) after d. It
// does not fail the test, so it is safe in goroutines.
func relCLI(t *testing.T, d time.Duration, dir string, args ...string) result {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return relRun(ctx, t, dir, cliBin, append([]string{"build", "--addr", addr}, args...)...)
}

// relBuildx runs docker buildx build on the test builder, bounded by d.
func relBuildx(t *testing.T, d time.Duration, dir string, args ...string) result {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return relRun(ctx, t, dir, "docker", append([]string{"buildx", "build", "--builder", builder}, args...)...)
}

func relRun(ctx context.Context, t *testing.T, dir, name string, args ...string) result {
	args = withHostCA(name, args)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.WaitDelay = 10 * time.Second
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	start := time.Now()
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%v (gave up: %w)", err, ctx.Err())
	}
	r := result{out: buf.String(), err: err, took: time.Since(start)}
	t.Logf("%s %s (in %s): %s, took %s", filepath.Base(name), strings.Join(args, " "), dir, errString(err), r.took.Round(time.Millisecond))
	return r
}

// relBuffer is a bytes.Buffer safe for one writer and many readers.
type relBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *relBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *relBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// relBackground is a CLI build in the background, whose output can be watched.
type relBackground struct {
	cmd   *exec.Cmd
	out   *relBuffer
	done  chan struct{}
	err   error
	start time.Time
	ended time.Time
}

// relStartCLI starts a CLI build with --progress rawjson; ctx bounds it (the
// process is killed when ctx ends).
func relStartCLI(ctx context.Context, t *testing.T, dir string, args ...string) *relBackground {
	t.Helper()
	args = withHostCA(cliBin, append([]string{"build", "--addr", addr, "--progress", "rawjson"}, args...))
	cmd := exec.CommandContext(ctx, cliBin, args...)
	cmd.Dir = dir
	cmd.WaitDelay = 10 * time.Second
	b := &relBackground{cmd: cmd, out: &relBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = b.out, b.out
	t.Logf("starting gopherfile %s (in %s)", strings.Join(args, " "), dir)
	b.start = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		b.err = cmd.Wait()
		b.ended = time.Now()
		close(b.done)
	}()
	t.Cleanup(func() {
		select {
		case <-b.done:
		default:
			_ = cmd.Process.Kill()
			<-b.done
		}
	})
	return b
}

// waitUntil polls cond every 100ms until it holds (true), the build ends or d
// passes (false).
func (b *relBackground) waitUntil(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		select {
		case <-b.done:
			return cond()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return false
}

// interrupt sends SIGINT (as Ctrl-C would) and waits up to d for the CLI to
// exit. It returns how long the exit took and whether it happened in time.
func (b *relBackground) interrupt(t *testing.T, d time.Duration) (time.Duration, bool) {
	t.Helper()
	sent := time.Now()
	if err := b.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatalf("SIGINT: %v", err)
	}
	select {
	case <-b.done:
		return b.ended.Sub(sent), true
	case <-time.After(d):
		_ = b.cmd.Process.Signal(syscall.SIGKILL)
		<-b.done
		return time.Since(sent), false
	}
}

// relStep is one step of a build from --progress rawjson.
type relStep struct {
	Name      string
	Cached    bool
	Started   *time.Time
	Completed *time.Time
	Error     string
	Logs      bytes.Buffer
}

// relSteps parses --progress rawjson output into steps (by vertex digest, in
// order of appearance) and all their logs.
func relSteps(out string) []*relStep {
	byDigest := map[string]*relStep{}
	var order []*relStep
	get := func(d string) *relStep {
		s := byDigest[d]
		if s == nil {
			s = &relStep{}
			byDigest[d] = s
			order = append(order, s)
		}
		return s
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var st client.SolveStatus
		if err := json.Unmarshal(line, &st); err != nil {
			continue
		}
		for _, v := range st.Vertexes {
			s := get(v.Digest.String())
			if v.Name != "" {
				s.Name = v.Name
			}
			s.Cached = s.Cached || v.Cached
			if v.Started != nil && s.Started == nil {
				s.Started = v.Started
			}
			if v.Completed != nil {
				s.Completed = v.Completed
			}
			if v.Error != "" {
				s.Error = v.Error
			}
		}
		for _, l := range st.Logs {
			get(l.Vertex.String()).Logs.Write(l.Data)
		}
	}
	return order
}

// relFindSteps returns the steps whose name contains s.
func relFindSteps(steps []*relStep, s string) []*relStep {
	var out []*relStep
	for _, st := range steps {
		if strings.Contains(st.Name, s) {
			out = append(out, st)
		}
	}
	return out
}

// relLogs is the text every step logged, plus the non-JSON lines (the CLI's
// own error message).
func relLogs(out string) string {
	var b strings.Builder
	for _, s := range relSteps(out) {
		b.Write(s.Logs.Bytes())
	}
	b.WriteString(relNonJSON(out))
	return b.String()
}

// relStepRunning reports whether a step whose name contains s has started and
// not completed.
func relStepRunning(out, s string) bool {
	for _, st := range relFindSteps(relSteps(out), s) {
		if st.Started != nil && st.Completed == nil && !st.Cached {
			return true
		}
	}
	return false
}

// relMaxOverlap is the largest number of intervals that are open at one instant.
func relMaxOverlap(iv [][2]time.Time) int {
	type ev struct {
		at time.Time
		d  int
	}
	var evs []ev
	for _, i := range iv {
		evs = append(evs, ev{i[0], +1}, ev{i[1], -1})
	}
	sort.Slice(evs, func(a, b int) bool {
		if evs[a].at.Equal(evs[b].at) {
			return evs[a].d < evs[b].d // close before open at the same instant
		}
		return evs[a].at.Before(evs[b].at)
	})
	n, m := 0, 0
	for _, e := range evs {
		n += e.d
		m = max(m, n)
	}
	return m
}

// relProcsWithEnv lists the host processes (pid: command line) whose environment
// holds kv exactly, e.g. GOPROXY=http://127.0.0.1:1234. Build containers share
// the host's view of /proc, so this sees what a build left running.
func relProcsWithEnv(kv string) []string {
	var found []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		for _, v := range bytes.Split(env, []byte{0}) {
			if string(v) == kv {
				cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
				found = append(found, fmt.Sprintf("%d: %s", pid, bytes.ReplaceAll(bytes.TrimRight(cmdline, "\x00"), []byte{0}, []byte{' '})))
				break
			}
		}
	}
	return found
}

// relWaitNoProcs waits up to d for no process to have kv in its environment and
// returns the ones still there, and how long it waited.
func relWaitNoProcs(kv string, d time.Duration) ([]string, time.Duration) {
	start := time.Now()
	for {
		left := relProcsWithEnv(kv)
		if len(left) == 0 || time.Since(start) > d {
			return left, time.Since(start)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// relVerifyScript is a -toolexec wrapper that, the first time it runs a real tool
// (not the -V=full version query), checks the module cache from inside the
// compile step, which has no network: go mod verify (zip and extracted tree
// against the hash recorded at download), the recorded hash of each module
// (to compare with go.sum) and whether a file of the tampered zip is there.
// It then runs the tool. It writes to stderr, which go build shows.
//
// go build caches a tool's output with its result and prints it again on a
// cache hit, so an old check can reappear in a later build: every line
// carries nonce, new for each build, and only those lines count.
func relVerifyScript(nonce string, mods ...testproxy.Module) string {
	var b strings.Builder
	fmt.Fprintf(&b, `#!/bin/sh
case "$2" in -V=full) exec "$@";; esac
if mkdir /tmp/gf-verify.done 2>/dev/null; then
  (
    N=%s
    cd /src || exit 1
    M=$(go env GOMODCACHE)
    echo "VERIFY-BEGIN $N" >&2
    { GOFLAGS= go mod verify 2>&1 || echo "VERIFY-FAILED"; } | sed "s/^/VERIFY $N: /" >&2
`, nonce)
	for _, m := range mods {
		fmt.Fprintf(&b, "    echo \"ZIPHASH $N %[1]s $(cat \"$M/cache/download/%[1]s/@v/%[2]s.ziphash\" 2>&1)\" >&2\n", m.Path, m.Version)
		fmt.Fprintf(&b, "    [ -e \"$M/%[1]s@%[2]s/tampered.txt\" ] && echo \"TAMPERED-FILE-PRESENT $N %[1]s\" >&2\n", m.Path, m.Version)
	}
	b.WriteString(`    echo "VERIFY-END $N" >&2
  )
fi
exec "$@"
`)
	return b.String()
}

// relNonce returns a fresh random token for relVerifyScript.
func relNonce() string { return fmt.Sprintf("n%016x", rand.Uint64()) }

// relCheckVerify checks the output of relVerifyScript(nonce, ...) in a build's
// logs: "all modules verified", and for every module a recorded hash equal to
// the go.sum hash the proxy publishes, and no file of a tampered zip.
func relCheckVerify(t *testing.T, logs, nonce string, p *testproxy.Proxy, mods ...testproxy.Module) {
	t.Helper()
	if !strings.Contains(logs, "VERIFY-END "+nonce) {
		t.Fatalf("the -toolexec check did not run in this build (no line with %s):\n%s", nonce, tail(logs, 40))
	}
	mine := relGrep(logs, nonce)
	t.Logf("the module cache, checked from the compile step:\n%s", mine)
	if !strings.Contains(mine, "VERIFY "+nonce+": all modules verified") || strings.Contains(mine, "VERIFY-FAILED") {
		t.Errorf("go mod verify did not verify the module cache:\n%s", mine)
	}
	for _, m := range mods {
		sum := p.GoSum(m.Path, m.Version)
		want := strings.TrimPrefix(sum[0], m.Path+" "+m.Version+" ")
		if !strings.Contains(mine, "ZIPHASH "+nonce+" "+m.Path+" "+want) {
			t.Errorf("the module cache does not hold %s@%s with the published hash %s:\n%s", m.Path, m.Version, want, mine)
		}
		if strings.Contains(mine, "TAMPERED-FILE-PRESENT "+nonce+" "+m.Path) {
			t.Errorf("the module cache holds a file of the tampered zip of %s", m.Path)
		}
	}
}

// relGrep returns the lines of s that contain sub.
func relGrep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// relBigMain is a main package of n generated functions (about 0.7 s of compile
// per thousand on this machine), to make go build take a while.
func relBigMain(n int, say string) string {
	var b strings.Builder
	b.WriteString("package main\n\nimport \"fmt\"\n\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "func f%d(x int) int {\n\tif x%%7 == %d {\n\t\treturn x*%d + 1\n\t}\n\ts := 0\n\tfor j := 0; j < x; j++ {\n\t\ts += j ^ %d\n\t}\n\treturn s\n}\n\n", i, i%7, i, i)
	}
	b.WriteString("var table = []func(int) int{\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "\tf%d,\n", i)
	}
	fmt.Fprintf(&b, "}\n\nfunc main() { fmt.Println(%q, len(table), table[3](10)) }\n", say)
	return b.String()
}

// relNonJSON is the output without the --progress rawjson lines.
func relNonJSON(out string) string {
	var b strings.Builder
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "{") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}
