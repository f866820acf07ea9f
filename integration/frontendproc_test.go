//go:build integration

package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
	"github.com/tonistiigi/fsutil"

	"github.com/gopherfile/gopherfile/frontend"
)

// TestNoGoroutineLeakAcrossSubrequests runs the frontend in-process for 30
// subrequests and builds and checks the goroutines come back to where they were.
func TestNoGoroutineLeakAcrossSubrequests(t *testing.T) {
	dir := copyDir(t, "examples/hello")
	fs, err := fsutil.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	solve := func(attrs map[string]string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		attrs["filename"] = "Gopherfile"
		// The test binary is not a step helper: the frontend image's is.
		attrs[frontend.OptHelperImage] = frontImg
		_, err := c.Build(ctx, client.SolveOpt{
			LocalMounts:   map[string]fsutil.FS{"context": fs, "dockerfile": fs},
			FrontendAttrs: attrs,
		}, "gopherfile-test", frontend.Build, nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	solve(map[string]string{"requestid": "frontend.targets"}) // warm up connections
	runtime.GC()
	time.Sleep(500 * time.Millisecond)
	before := runtime.NumGoroutine()
	for i := 0; i < 10; i++ {
		solve(map[string]string{"requestid": "frontend.targets"})
		solve(map[string]string{"requestid": "frontend.outline"})
		solve(map[string]string{"target": "binaries"})
	}
	var after int
	for i := 0; i < 20; i++ {
		runtime.GC()
		time.Sleep(250 * time.Millisecond)
		if after = runtime.NumGoroutine(); after <= before+5 {
			break
		}
	}
	t.Logf("goroutines: %d before, %d after 30 builds and subrequests", before, after)
	if after > before+5 {
		t.Errorf("goroutines grew from %d to %d over 30 builds: a leak", before, after)
	}
}

// TestLargeContextBoundedMemory: a 1 GiB file in the build context does not
// make the CLI (which runs the frontend) hold it in memory, and the download
// step never sees it.
func TestLargeContextBoundedMemory(t *testing.T) {
	dir := copyDir(t, "examples/hello")
	big := filepath.Join(dir, "assets", "big.bin")
	os.MkdirAll(filepath.Dir(big), 0o755)
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	for i := 0; i < 1024; i++ {
		buf[0] = byte(i) // not all the same block
		if _, err := f.Write(buf); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cliBin, withHostCA(cliBin, []string{"build", "--addr", addr, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest=" + t.TempDir(), "."})...)
	cmd.Dir = dir
	out, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	peak := 0
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for running := true; running; {
		select {
		case err := <-done:
			if err != nil {
				dt, _ := os.ReadFile(out.Name())
				t.Fatalf("build failed: %v\n%s", err, tail(string(dt), 30))
			}
			running = false
		case <-time.After(50 * time.Millisecond):
			if kb := vmHWM(cmd.Process.Pid); kb > peak {
				peak = kb
			}
		}
	}
	t.Logf("peak RSS of the CLI with a 1 GiB file in the context: %d MiB", peak/1024)
	if peak > 300*1024 {
		t.Errorf("the CLI peaked at %d MiB for a 1 GiB context file; memory must stay bounded", peak/1024)
	}
}

// vmHWM is a process's peak resident set size in KiB, 0 when unknown.
func vmHWM(pid int) int {
	dt, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(dt), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			n, _ := strconv.Atoi(strings.Fields(l)[1])
			return n
		}
	}
	return 0
}
