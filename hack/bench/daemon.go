package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// daemon is a buildkitd of the bench's own: its root, socket, config and log
// live in dir, apart from the test environment's buildkitd.
type daemon struct {
	dir, root, addr string
	cmd             *exec.Cmd
	logf            *os.File
	done            chan struct{}
}

// startBuildkitd starts a buildkitd in dir (created empty) with the test
// environment's config (registry mirrors, GC), its own root and socket.
func startBuildkitd(ctx context.Context, stateDir, dir string) (*daemon, error) {
	cfg, err := os.ReadFile(filepath.Join(stateDir, "buildkitd.toml"))
	if err != nil {
		return nil, fmt.Errorf("reading the test buildkitd config (run hack/up.sh): %w", err)
	}
	if err := removeTree(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	d := &daemon{dir: dir, root: filepath.Join(dir, "root"), done: make(chan struct{})}
	sock := filepath.Join(dir, "buildkitd.sock")
	d.addr = "unix://" + sock
	conf := regexp.MustCompile(`(?m)^root = .*$`).ReplaceAllString(string(cfg), fmt.Sprintf("root = %q", d.root))
	conf = regexp.MustCompile(`(?m)^\s*address = \[.*\]$`).ReplaceAllString(conf, fmt.Sprintf("  address = [%q]", d.addr))
	confPath := filepath.Join(dir, "buildkitd.toml")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	d.logf, err = os.Create(filepath.Join(dir, "buildkitd.log"))
	if err != nil {
		return nil, err
	}
	d.cmd = exec.Command("buildkitd", "--config", confPath, "--root", d.root, "--addr", d.addr, "--oci-worker-net=host")
	d.cmd.Stdout, d.cmd.Stderr = d.logf, d.logf
	// Its own process group: a Ctrl-C in the terminal reaches the bench, which
	// stops the daemon itself.
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := d.cmd.Start(); err != nil {
		d.logf.Close()
		return nil, fmt.Errorf("starting buildkitd: %w", err)
	}
	go func() { d.cmd.Wait(); close(d.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-d.done:
			log, _ := os.ReadFile(d.logf.Name())
			return nil, fmt.Errorf("buildkitd exited during startup:\n%s", tail(string(log), 2000))
		case <-ctx.Done():
			d.stop(false)
			return nil, ctx.Err()
		default:
		}
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := exec.CommandContext(c, "buildctl", "--addr", d.addr, "debug", "workers").Run()
		cancel()
		if err == nil {
			return d, nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	d.stop(false)
	return nil, fmt.Errorf("buildkitd in %s not ready after 60s (log: %s)", dir, d.logf.Name())
}

// prune empties the daemon's build cache, cache mounts included.
func (d *daemon) prune(ctx context.Context) error {
	out, err := exec.CommandContext(ctx, "buildctl", "--addr", d.addr, "prune", "--all").CombinedOutput()
	if err != nil {
		return fmt.Errorf("buildctl prune --all: %w: %s", err, tail(string(out), 500))
	}
	return nil
}

// stop ends the daemon (SIGTERM, SIGKILL after 20s), unmounts what it left
// under its root and, unless keep, removes its directory.
func (d *daemon) stop(keep bool) {
	if d.cmd != nil && d.cmd.Process != nil {
		d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(20 * time.Second):
			d.cmd.Process.Kill()
			<-d.done
		}
	}
	if d.logf != nil {
		d.logf.Close()
	}
	exec.Command("umount", "-R", d.root).Run()
	if !keep {
		if err := removeTree(d.dir); err != nil {
			fmt.Fprintf(os.Stderr, "[bench] leaving %s: %v\n", d.dir, err)
		}
	}
}

// removeTree removes dir, but never while something is mounted under it (a
// buildkitd that did not clean up): removing through a mount could reach
// outside the tree.
func removeTree(dir string) error {
	if m := mountsUnder(dir); len(m) > 0 {
		for i := len(m) - 1; i >= 0; i-- {
			exec.Command("umount", "-l", m[i]).Run()
		}
		if m := mountsUnder(dir); len(m) > 0 {
			return fmt.Errorf("not removing %s: %d mounts remain under it (e.g. %s)", dir, len(m), m[0])
		}
	}
	// Module caches are read-only; make everything writable first.
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.IsDir() && fi.Mode().Perm()&0o200 == 0 {
			os.Chmod(p, fi.Mode().Perm()|0o700)
		}
		return nil
	})
	return os.RemoveAll(dir)
}

func mountsUnder(dir string) []string {
	dir = filepath.Clean(dir)
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := strings.ReplaceAll(fields[4], `\040`, " ")
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	return out
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
