package step

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// maxCapture bounds the go output kept for the diagnosis; the step's log
// gets all of it.
const maxCapture = 1 << 20

// goRun is how one go command runs.
type goRun struct {
	args []string
	// stdout receives go's standard output instead of the step's log (go
	// test -json, go list); nil streams it to the log with stderr.
	stdout io.Writer
	// rewrite is applied to every line before it is shown and kept.
	rewrite func(string) string
	// quiet keeps the output for the diagnosis without showing it.
	quiet bool
}

// goResult is what a go command did.
type goResult struct {
	// output is go's output (stderr, and stdout unless redirected),
	// rewritten, at most maxCapture bytes.
	output string
	// code is the exit code, -1 if go did not run or was killed.
	code int
	// err is set when go could not be started or was stopped by ctx.
	err error
}

func (r goResult) ok() bool { return r.code == 0 && r.err == nil }

// runGo runs the go command in the step's directory with h.env. When ctx
// ends, the whole process group (go and the git or compiler processes it
// started) is killed. A background check's go command runs at a lower CPU
// priority (KindInfo.Background): it yields the cores to the compile beside
// it.
func (h *helper) runGo(ctx context.Context, g goRun) goResult {
	cmd := h.goCommand(ctx, g.args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = 5 * time.Second
	var dst io.Writer = h.stdout
	if g.quiet {
		dst = io.Discard
	}
	lw := &lineWriter{dst: dst, rewrite: g.rewrite}
	cmd.Stderr = lw
	cmd.Stdout = lw
	if g.stdout != nil {
		cmd.Stdout = g.stdout
	}
	var err error
	if h.cfg.Kind.Background() {
		var warning string
		if warning, err = startBackground(cmd); warning != "" {
			h.printf("gopherfile: %s", warning)
		}
	} else {
		err = cmd.Start()
	}
	if err == nil {
		err = cmd.Wait()
	}
	lw.flush()
	res := goResult{output: lw.captured(), code: 0}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		res.code, res.err = -1, ctx.Err()
	case errors.As(err, &ee):
		res.code = ee.ExitCode()
	default:
		res.code, res.err = -1, err
	}
	return res
}

// goCommand is the go command with args and the go command's environment;
// in the steps that hold secrets it runs without privileges (dropExec), the
// helper binary exec'ing go after dropping them.
func (h *helper) goCommand(ctx context.Context, args ...string) *exec.Cmd {
	var cmd *exec.Cmd
	if h.unprivileged {
		cmd = exec.CommandContext(ctx, h.cfg.Net.Helper, append([]string{Arg, "drop-exec", "go"}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, "go", args...)
	}
	cmd.Env = h.env
	return cmd
}

// lineWriter passes whole lines, rewritten, to dst and keeps the first
// maxCapture bytes of them.
type lineWriter struct {
	mu      sync.Mutex
	dst     io.Writer
	rewrite func(string) string
	partial []byte
	keep    bytes.Buffer
	dropped bool
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.line(string(w.partial[:i+1]))
		w.partial = w.partial[i+1:]
	}
	if len(w.partial) > 64<<10 { // a very long line: pass it on in pieces
		w.line(string(w.partial))
		w.partial = w.partial[:0]
	}
	return len(p), nil
}

func (w *lineWriter) line(s string) {
	if w.rewrite != nil {
		s = w.rewrite(s)
	}
	io.WriteString(w.dst, s)
	if w.keep.Len()+len(s) <= maxCapture {
		w.keep.WriteString(s)
	} else {
		w.dropped = true
	}
}

func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.partial) > 0 {
		w.line(string(w.partial) + "\n")
		w.partial = nil
	}
}

func (w *lineWriter) captured() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.keep.String()
}
