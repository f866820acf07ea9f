package step

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/step/diagnose"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// Files of the dependency build cache (cache.build: layer).
const (
	seedPrefix   = "gopherfile-seed-"
	packagesFile = "gopherfile-packages.txt"
)

// build compiles one binary.
func (h *helper) build(ctx context.Context) int {
	b := h.cfg.Build
	if b == nil {
		h.printf("gopherfile: the build step has no binary")
		return 2
	}
	if !h.checkCache() {
		return stepconfig.ExitCacheLost
	}
	wd, _ := os.Getwd()
	if fi, err := os.Stat(b.Main); err != nil || !fi.IsDir() {
		h.printf("gopherfile: the main package %s of binary %s does not exist in the module (looked for the directory %s).", b.Main, b.Name, filepath.Join(wd, b.Main))
		h.printf("gopherfile: fix main: in the Gopherfile; it is a path relative to the directory of go.mod.")
		return 1
	}
	var res goResult
	explained := false
	if b.Cgo != nil {
		res, explained = h.compileAuto(ctx)
	} else {
		res = h.runGo(ctx, goRun{args: h.cfg.Args})
	}
	if code, ok := h.orImage(ctx, res); ok {
		return code
	}
	if !res.ok() {
		switch {
		case explained:
		case res.err != nil:
			h.printf("gopherfile: %s: %v", h.cfg.Stage, res.err)
		case res.output != "":
			if !h.explainCompile(ctx, res.output, nil) {
				h.printf("gopherfile: %s failed; its output above says why.", h.cfg.Stage)
			}
		}
		return exitCode(res)
	}
	// The binary is exported (--target binaries -o DIR) and copied into the
	// image: it must be the regular file go build wrote, never a link.
	if fi, err := os.Lstat(b.Output); err == nil && !fi.Mode().IsRegular() {
		h.printf("gopherfile: %s is not a regular file (%s): go build writes one; nothing else may be exported as the binary.", b.Output, fi.Mode().Type())
		return 1
	}
	if !isELF(b.Output) {
		name := h.packageName(ctx, b.Main)
		h.printf("gopherfile: %s is not a main package (package %s), so go build wrote no binary.", b.Main, name)
		h.printf("gopherfile: point main: at a directory with package main and a func main.")
		return 1
	}
	return 0
}

// explainKnown prints the diagnosis of a failed offline go command when it
// recognises something; compile errors and test failures speak for
// themselves.
func (h *helper) explainKnown(ctx context.Context, res goResult) {
	if res.err != nil {
		h.printf("gopherfile: %s: %v", h.cfg.Stage, res.err)
		return
	}
	if len(diagnose.Classify(res.output)) == 0 {
		h.printf("gopherfile: %s failed; its output above says why.", h.cfg.Stage)
		return
	}
	h.explain(ctx, res.output, nil)
}

// compileFacts is what the diagnosis of a failed compile needs to know
// besides go's output: the binary, its tags, how it uses cgo, and the files
// build constraints left out.
func (h *helper) compileFacts(ctx context.Context, output string) *diagnose.CompileFacts {
	b := h.cfg.Build
	f := &diagnose.CompileFacts{Binary: b.Name, Tags: h.buildTags(), CC: h.cCompiler()}
	if cc := strings.Fields(f.CC); len(cc) == 0 || !onPath(cc[0]) {
		f.CCMissing = true
	}
	switch v, _ := h.getenv(goenv.CGO_ENABLED); {
	case b.Cgo != nil:
		f.Cgo, f.NoCC = diagnose.CgoAuto, b.Cgo.NoCC
	case v == "1":
		f.Cgo = diagnose.CgoOn
	default:
		f.Cgo = diagnose.CgoOff
	}
	f.Excluded = h.excludedFiles(ctx, output)
	if pkg := diagnose.PkgConfigPackage(output); pkg != "" {
		f.PkgConfig = h.cgoPkgConfig(ctx, pkg)
	}
	return f
}

// cgoPkgConfig returns the pkg-config packages a package's cgo asks for.
func (h *helper) cgoPkgConfig(ctx context.Context, pkg string) []string {
	args := []string{"list", "-e", "-f", "{{join .CgoPkgConfig \" \"}}"}
	if t := h.buildTags(); t != "" {
		args = append(args, "-tags="+t)
	}
	cmd := h.goCommand(ctx, append(args, pkg)...)
	cmd.Env = append(append([]string(nil), h.env...), goenv.CGO_ENABLED+"=1")
	out, _ := cmd.Output()
	return strings.Fields(string(out))
}

// explainCompile prints the diagnosis of a failed go build when it
// recognises something (facts nil: found now) and reports whether it did.
func (h *helper) explainCompile(ctx context.Context, output string, facts *diagnose.CompileFacts) bool {
	if facts == nil {
		facts = h.compileFacts(ctx, output)
	}
	if len(diagnose.Classify(output)) == 0 && len(facts.Excluded) == 0 {
		return false
	}
	c := h.diagContext(ctx, nil)
	c.Compile = facts
	h.printf("\n%s", diagnose.Report(output, c))
	return true
}

func (h *helper) packageName(ctx context.Context, dir string) string {
	cmd := exec.CommandContext(ctx, "go", "list", "-f", "{{.Name}}", dir)
	cmd.Env = h.env
	out, err := cmd.Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

func isELF(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	var magic [4]byte
	_, err = f.Read(magic[:])
	return err == nil && string(magic[:]) == "\x7fELF"
}

// seed fills an empty build cache mount from the dependency build cache,
// once per package list (its marker file travels with it), for a go
// command without GOCACHEPROG (setupCache; a newer one reads the
// dependency build cache through the helper instead).
func (h *helper) seed(dir string) {
	gocache, ok := h.getenv(goenv.GOCACHE)
	if !ok {
		return
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	marker := ""
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), seedPrefix) {
			marker = e.Name()
		}
	}
	if marker == "" {
		return
	}
	if _, err := os.Stat(filepath.Join(gocache, marker)); err == nil {
		return
	}
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		target := filepath.Join(gocache, rel)
		if d.IsDir() {
			os.MkdirAll(target, 0o755)
			return nil
		}
		if _, err := os.Lstat(target); err == nil {
			return nil
		}
		if copyFile(p, target, 0o644) == nil {
			n++
		}
		return nil
	})
	h.printf("gopherfile: build cache seeded with the compiled dependencies (%d packages, %d files)", countLines(filepath.Join(dir, packagesFile)), n)
}

// listDeps writes the packages the binaries import from outside the main
// module, the standard library included (cache.build: layer).
func (h *helper) listDeps(ctx context.Context) int {
	if !h.checkCache() {
		return stepconfig.ExitCacheLost
	}
	var out bytes.Buffer
	res := h.runGo(ctx, goRun{args: h.cfg.Args, stdout: &out})
	if code, ok := h.orImage(ctx, res); ok {
		return code
	}
	if !res.ok() {
		h.explainKnown(ctx, res)
		return exitCode(res)
	}
	var pkgs []string
	for _, l := range strings.Split(out.String(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			pkgs = append(pkgs, l)
		}
	}
	if err := os.MkdirAll(filepath.Dir(h.cfg.Deps.List), 0o755); err != nil {
		h.printf("gopherfile: %v", err)
		return 1
	}
	if err := os.WriteFile(h.cfg.Deps.List, []byte(strings.Join(pkgs, "\n")+"\n"), 0o644); err != nil {
		h.printf("gopherfile: writing the package list: %v", err)
		return 1
	}
	h.printf("gopherfile: %d packages from outside the module", len(pkgs))
	return 0
}

// buildDeps compiles the listed packages into the dependency build cache and
// leaves a marker named after the list, the flags and the go environment.
func (h *helper) buildDeps(ctx context.Context) int {
	if !h.checkCache() {
		return stepconfig.ExitCacheLost
	}
	d := h.cfg.Deps
	dt, err := os.ReadFile(d.List)
	if err != nil {
		h.printf("gopherfile: reading the package list: %v", err)
		return 1
	}
	var pkgs []string
	for _, l := range strings.Split(string(dt), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			pkgs = append(pkgs, l)
		}
	}
	if err := os.MkdirAll(d.Cache, 0o755); err != nil {
		h.printf("gopherfile: %v", err)
		return 1
	}
	if err := os.WriteFile(filepath.Join(d.Cache, packagesFile), dt, 0o644); err != nil {
		h.printf("gopherfile: %v", err)
		return 1
	}
	if len(pkgs) > 0 {
		res := h.runGo(ctx, goRun{args: append(append([]string(nil), h.cfg.Args...), pkgs...)})
		if code, ok := h.orImage(ctx, res); ok {
			return code
		}
		if !res.ok() {
			h.explainKnown(ctx, res)
			return exitCode(res)
		}
	}
	sum := sha256.New()
	sum.Write(dt)
	fmt.Fprintf(sum, "\x00%q\x00", h.cfg.Args)
	var env []string
	for _, kv := range h.env {
		if strings.HasPrefix(kv, "GO") || strings.HasPrefix(kv, "CGO_") || strings.HasPrefix(kv, goenv.CC+"=") {
			env = append(env, kv)
		}
	}
	sort.Strings(env)
	fmt.Fprintf(sum, "%q", env)
	marker := seedPrefix + hex.EncodeToString(sum.Sum(nil))[:16]
	if err := os.WriteFile(filepath.Join(d.Cache, marker), nil, 0o644); err != nil {
		h.printf("gopherfile: %v", err)
		return 1
	}
	return 0
}

func countLines(p string) int {
	f, err := os.Open(p)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != "" {
			n++
		}
	}
	return n
}
