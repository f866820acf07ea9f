// Package step is the step helper: the code that runs inside Gopherfile's
// build steps. The frontend image (or the gopherfile CLI) mounts its own
// binary into every go step and runs it as `<binary> step`. The helper reads
// the step's Config (package stepconfig), sets up credentials from the
// secret mounts, runs the go command (with per-request retries through
// loopback proxies in the networked steps, package retryproxy), and explains
// a failure with package diagnose: the same code the unit tests and
// docs/troubleshooting.md exercise. Nothing it runs goes through a shell,
// and no value of a Gopherfile, go.mod or build arg is pasted into one.
package step

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/gopherfile/gopherfile/internal/step/netrc"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// Arg is the first argument that selects the helper in the frontend's and
// the CLI's binaries.
const Arg = "step"

// helper is one run of the step helper.
type helper struct {
	cfg    *stepconfig.Config
	stdout io.Writer
	stderr io.Writer
	// env is the environment of the go command (the step's, without the
	// Config).
	env []string

	// Set up by netSetup for the networked steps:
	// creds says which hosts got credentials and how (for the diagnosis).
	creds map[string]string
	// proxyValue and proxySource are GOPROXY from the secret GOPROXY.
	proxyValue, proxySource string
	// netrc are the entries of the netrc secret; rootCAs the trusted CAs
	// with the cacert secret (nil: the system's).
	netrc   []netrc.Entry
	rootCAs *x509.CertPool
	// lenient (the doctor) keeps going when a required secret or the SSH
	// agent is missing; setupProblems are those.
	lenient       bool
	setupProblems []setupProblem
	hasAgent      bool
	// agent serves netrc logins and git tokens to git and the go command.
	agent *agent
	// unprivileged runs the go command without capabilities (dropExec):
	// set in the steps that hold secrets.
	unprivileged bool
}

// Main runs the helper with the arguments after Arg and returns the exit
// code. "git-credential" makes it git's credential helper, "goauth" the go
// command's GOAUTH command (both ask the credential agent), "drop-exec" runs
// a program without privileges (dropExec).
func Main(args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "git-credential":
			return gitCredential(args[1:], os.Stdin, os.Stdout)
		case "goauth":
			return goAuth(args[1:], os.Stdout)
		case "drop-exec":
			return dropExec(args[1:])
		}
	}
	if len(args) > 0 && args[0] == stepconfig.CacheProgArg {
		return cacheProgMain(args[1:])
	}
	cfg, err := stepconfig.FromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gopherfile:", err)
		return 2
	}
	os.Unsetenv(stepconfig.Env)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	h := &helper{cfg: cfg, stdout: os.Stdout, stderr: os.Stderr, env: os.Environ()}
	return h.run(ctx)
}

func (h *helper) run(ctx context.Context) int {
	if h.cfg.Kind == stepconfig.ModView {
		return h.moduleView(ctx)
	}
	defer h.setupCache(ctx)()
	switch h.cfg.Kind {
	case stepconfig.Doctor:
		return h.doctor(ctx)
	case stepconfig.Download, stepconfig.TidyCheck, stepconfig.TidyFix, stepconfig.VulnDB, stepconfig.VulnTool:
		return h.moduleStep(ctx)
	case stepconfig.Build:
		return h.build(ctx)
	case stepconfig.ListDeps:
		return h.listDeps(ctx)
	case stepconfig.BuildDeps:
		return h.buildDeps(ctx)
	case stepconfig.Test:
		return h.test(ctx)
	case stepconfig.Vet:
		return h.vet(ctx)
	case stepconfig.Generate:
		return h.generate(ctx)
	case stepconfig.Vulncheck:
		return h.vulncheck(ctx)
	case stepconfig.FetchToolchain:
		return h.fetchToolchain(ctx)
	case stepconfig.Toolchain:
		return h.unpackToolchain()
	case stepconfig.Root:
		return h.root(ctx)
	}
	h.printf("gopherfile: unknown step kind %q: the frontend and the step helper are different versions", h.cfg.Kind)
	return 2
}

// printf writes one message line to the step's output.
func (h *helper) printf(format string, args ...any) {
	fmt.Fprintf(h.stdout, format+"\n", args...)
}

// getenv returns a variable of the go command's environment.
func (h *helper) getenv(key string) (string, bool) {
	for i := len(h.env) - 1; i >= 0; i-- {
		if k, v, ok := cut(h.env[i]); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// setenv sets a variable of the go command's environment.
func (h *helper) setenv(key, value string) {
	out := h.env[:0]
	for _, kv := range h.env {
		if k, _, _ := cut(kv); k != key {
			out = append(out, kv)
		}
	}
	h.env = append(out, key+"="+value)
}

// allowedEnv is env with only the names of allowed.
func allowedEnv(env, allowed []string) []string {
	var out []string
	for _, kv := range env {
		if k, _, _ := cut(kv); slices.Contains(allowed, k) {
			out = append(out, kv)
		}
	}
	return out
}

func cut(kv string) (string, string, bool) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}
