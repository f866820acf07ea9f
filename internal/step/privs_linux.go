//go:build linux

package step

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// dropExec runs argv (the go command) without privileges: the program
// keeps the step's user (root in a Go builder image), so it owns the module
// cache, GOCACHE and the source tree as before, but it runs without any
// capability and with no_new_privs. Without CAP_DAC_OVERRIDE and
// CAP_DAC_READ_SEARCH, root cannot read the secret mounts (mode 0400, owned
// by stepconfig.SecretOwner), whatever path or symbolic link names them;
// without CAP_SYS_PTRACE it cannot read the helper's memory or environment
// in /proc; and no setuid program gives a capability back. It does not
// return unless it fails.
func dropExec(argv []string) int {
	if len(argv) == 0 {
		fmt.Fprintln(os.Stderr, "gopherfile: drop-exec: no program")
		return 2
	}
	// Capabilities belong to a thread; execve takes the calling thread's.
	runtime.LockOSThread()
	if err := dropPrivileges(); err != nil {
		fmt.Fprintf(os.Stderr, "gopherfile: %v: the go command would be able to read the build's secrets, so it does not run\n", err)
		return 126
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "gopherfile: %v\n", err)
		return 127
	}
	err = syscall.Exec(path, argv, os.Environ())
	fmt.Fprintf(os.Stderr, "gopherfile: running %s: %v\n", path, err)
	return 127
}

// dropPrivileges empties the calling thread's capability sets (bounding,
// ambient, effective, permitted, inheritable) and sets no_new_privs.
func dropPrivileges() error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("setting no_new_privs: %w", err)
	}
	for c := 0; c < 64; c++ {
		err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0)
		if errors.Is(err, unix.EINVAL) {
			break // past the kernel's last capability
		}
		if errors.Is(err, unix.EPERM) && os.Getuid() != 0 {
			break // not root and without CAP_SETPCAP: nothing to regain on exec
		}
		if err != nil {
			return fmt.Errorf("dropping capability %d from the bounding set: %w", c, err)
		}
	}
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("clearing the ambient capabilities: %w", err)
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("dropping the capabilities: %w", err)
	}
	return nil
}

// protectSelf keeps the helper's own memory and environment (it holds the
// secrets it read) from the processes it starts: a process that is not
// dumpable can be inspected through /proc or ptrace only with
// CAP_SYS_PTRACE, which they do not have.
func protectSelf() error {
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("protecting the step helper's memory: %w", err)
	}
	return nil
}

// killOthers ends every process of the step but the helper, when the
// helper is the step's first process (pid 1 of its pid namespace, as
// BuildKit runs it): a process a test left behind cannot change the
// step's output after the helper checked it.
func killOthers() {
	if os.Getpid() == 1 {
		syscall.Kill(-1, syscall.SIGKILL)
	}
}

// backgroundNice is the nice value of a background step (KindInfo.Background).
const backgroundNice = 10

// startBackground starts cmd at a lower CPU priority: from a thread of its
// own that lowers its nice value first (Linux keeps it per thread), so the
// process and everything it starts inherit it from their first
// instruction. The thread ends with its goroutine (it stays locked).
func startBackground(cmd *exec.Cmd) (warning string, err error) {
	type result struct {
		warning string
		err     error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		var r result
		if err := unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), backgroundNice); err != nil {
			r.warning = fmt.Sprintf("lowering the go command's CPU priority (nice %d): %v; it runs at the normal priority", backgroundNice, err)
		}
		r.err = cmd.Start()
		done <- r
	}()
	r := <-done
	return r.warning, r.err
}
