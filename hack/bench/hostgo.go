package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// exactGo matches an exact Go release (1.27.4), the only -go values the host
// can be given the same toolchain for.
var exactGo = regexp.MustCompile(`^1\.\d+\.\d+$`)

// ensureHostGo picks the go command of the host and ko builds. When -go names
// an exact release the machine's go is not, the toolchain of that release is
// fetched once from the module proxy (golang.org/toolchain, as a GOTOOLCHAIN
// switch does) into the work directory, outside the measured builds, so that
// every competitor compiles with the same Go. Otherwise the machine's go.
func (b *bench) ensureHostGo(ctx context.Context) error {
	b.hostGo = "go"
	if !exactGo.MatchString(b.cfg.goVersion) {
		return nil
	}
	want := "go" + b.cfg.goVersion
	if out, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output(); err == nil && strings.TrimSpace(string(out)) == want {
		return nil
	}
	cache := filepath.Join(b.cfg.work, "host-toolchains")
	env := b.goEnv("GOMODCACHE="+cache, "GOTOOLCHAIN="+want)
	cmd := exec.CommandContext(ctx, "go", "env", "GOROOT")
	cmd.Env = env
	cmd.Dir = os.TempDir()
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		return fmt.Errorf("fetching %s for the host and ko builds (GOTOOLCHAIN=%s go env GOROOT): %w\n%s", want, want, err, stderr)
	}
	b.hostGo = filepath.Join(strings.TrimSpace(string(out)), "bin", "go")
	b.logf("host and ko build with %s (%s)", want, b.hostGo)
	return nil
}
