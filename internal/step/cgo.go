package step

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/gopherfile/gopherfile/internal/gosrc"
	"github.com/gopherfile/gopherfile/internal/safefile"
)

// With cgo unset in the Gopherfile, the build step builds without cgo and
// turns to cgo (linked statically, BuildOpts.Cgo) only when the binary needs
// it: a dependency known to need cgo that the main package imports (asked
// before building, and only when go.mod names one), a package whose Go
// files all need cgo (go build says "build constraints exclude all Go
// files"), or, after a build without cgo, such a dependency in the binary's
// build information (a go.mod that does not list every module).

// compileAuto is the compile of a binary whose Gopherfile leaves cgo
// unset: without cgo, then with it when the binary needs it.
func (h *helper) compileAuto(ctx context.Context) goResult {
	b := h.cfg.Build
	if why := h.cgoByDeps(ctx, b.Main); why != "" {
		return h.buildWithCgo(ctx, why)
	}
	res := h.runGo(ctx, goRun{args: h.cfg.Args})
	why := ""
	if res.ok() {
		why = cgoByBinary(b.Output)
	} else {
		why = h.cgoByBuildOutput(res.output)
	}
	if why == "" {
		return res
	}
	return h.buildWithCgo(ctx, why)
}

// cgoByDeps returns why the main package needs cgo when it imports a
// dependency known to need it, "" when it does not or go list cannot say.
func (h *helper) cgoByDeps(ctx context.Context, main string) string {
	var text strings.Builder
	files := []string{"go.mod", "vendor/modules.txt"}
	if r := h.cfg.Record; r != nil {
		files = append(files, filepath.Join(r.SrcDir, "go.work"))
	}
	for _, f := range files {
		if dt, err := safefile.ReadPath(f, safefile.MaxGoMod); err == nil {
			text.Write(dt)
		}
	}
	if !gosrc.MaybeKnownCgo(text.String()) {
		return ""
	}
	args := []string{"list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}"}
	if t := h.buildTags(); t != "" {
		args = append(args, "-tags="+t)
	}
	var out bytes.Buffer
	if res := h.runGo(ctx, goRun{args: append(args, main), stdout: &out, quiet: true}); !res.ok() {
		return ""
	}
	for _, imp := range strings.Fields(out.String()) {
		if why, ok := gosrc.KnownCgo(imp); ok {
			return why
		}
	}
	return ""
}

// buildTags is the -tags value of the build's go command, "" for none.
func (h *helper) buildTags() string {
	for _, a := range h.cfg.Args {
		if v, ok := strings.CutPrefix(a, "-tags="); ok {
			return v
		}
	}
	return ""
}

var excludeAll = regexp.MustCompile(`build constraints exclude all Go files in (\S+)`)

// cgoByBuildOutput returns why the binary needs cgo when go build without
// cgo failed on a package whose Go files all need cgo.
func (h *helper) cgoByBuildOutput(output string) string {
	cfg := gosrc.Config{CGO: true}
	cfg.GOOS, _ = h.getenv("GOOS")
	cfg.GOARCH, _ = h.getenv("GOARCH")
	if t := h.buildTags(); t != "" {
		cfg.Tags = strings.Split(t, ",")
	}
	root := gosrc.Tree{FS: os.DirFS("/")}
	for _, m := range excludeAll.FindAllStringSubmatch(output, -1) {
		dir := m[1]
		if p, err := root.Load(strings.TrimPrefix(filepath.ToSlash(dir), "/"), cfg); err == nil && len(p.CgoFiles) > 0 {
			return fmt.Sprintf("the package in %s has Go files only with cgo (%s)", dir, strings.Join(p.CgoFiles, ", "))
		}
	}
	return ""
}

// cgoByBinary returns why the binary built without cgo needs it when its
// build information lists a dependency known to need cgo.
func cgoByBinary(bin string) string {
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		return ""
	}
	for _, d := range bi.Deps {
		if why, ok := gosrc.KnownCgo(d.Path); ok {
			return why
		}
	}
	return ""
}

// buildWithCgo builds the binary again with cgo, linked statically.
func (h *helper) buildWithCgo(ctx context.Context, why string) goResult {
	c, b := h.cfg.Build.Cgo, h.cfg.Build
	if c.NoCC != "" {
		h.printf("gopherfile: %s needs cgo: %s. %s is not the build platform, so building it with cgo needs a C cross compiler for %s: add cgo: true and cc: {%s: <compiler>} (one the builder image has) to the Gopherfile, or build it for the build platform only.", b.Name, why, c.NoCC, c.NoCC, c.NoCC)
		return goResult{code: 1}
	}
	compiler := c.CC
	if compiler == "" {
		compiler, _ = h.getenv("CC")
	}
	if compiler == "" {
		compiler = "gcc"
	}
	if f := strings.Fields(compiler); len(f) == 0 || !onPath(f[0]) {
		if h.cfg.MinimalRoot {
			return goResult{code: h.needsImage("a C compiler", b.Name+" needs cgo: "+why)}
		}
		h.printf("gopherfile: %s needs cgo: %s. The builder image has no C compiler %s: use a builder with one (the golang:<version> images have gcc; on alpine, apk add build-base), or set cgo: false to build it without cgo.", b.Name, why, compiler)
		return goResult{code: 1}
	}
	h.printf("gopherfile: building %s with cgo, linked statically (tags netgo,osusergo), because %s. The Gopherfile leaves cgo unset; cgo: true links it dynamically on a glibc base, cgo: false never uses cgo.", b.Name, why)
	os.Remove(b.Output)
	h.setenv("CGO_ENABLED", "1")
	if c.CC != "" {
		h.setenv("CC", c.CC)
	}
	res := h.runGo(ctx, goRun{args: c.Args})
	if !res.ok() && res.err == nil {
		h.printf("gopherfile: the static cgo build of %s failed (its output above says why). When it needs C libraries that cannot be linked statically, set cgo: true in the Gopherfile: it then links dynamically on gcr.io/distroless/base-debian12, to which image.base can add the libraries.", b.Name)
	}
	return res
}

// onPath reports whether the command is found on PATH (the go command's:
// the helper passes its own environment on).
func onPath(cmd string) bool {
	_, err := exec.LookPath(cmd)
	return err == nil
}
