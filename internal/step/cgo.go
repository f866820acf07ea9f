package step

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/gosrc"
	"github.com/gopherfile/gopherfile/internal/safefile"
	"github.com/gopherfile/gopherfile/internal/step/diagnose"
)

// With cgo unset in the Gopherfile, the build step builds without cgo and
// turns to cgo (linked statically, BuildOpts.Cgo) only when the binary needs
// it: a dependency known to need cgo that the main package imports (asked
// before building, and only when go.mod names one); after a failed build
// without cgo, a package whose Go files all need cgo ("build constraints
// exclude all Go files") or whose names the errors report undefined are
// declared only in its cgo files ("undefined: pkcs11.ObjectHandle": a
// package with a few Go files without cgo); or, after a build without cgo,
// such a dependency in the binary's build information (a go.mod that does
// not list every module).

// compileAuto is the compile of a binary whose Gopherfile leaves cgo
// unset: without cgo, then with it when the binary needs it. explained is
// true when it printed the diagnosis of a failure.
func (h *helper) compileAuto(ctx context.Context) (res goResult, explained bool) {
	b := h.cfg.Build
	if why := h.cgoByDeps(ctx, b.Main); why != "" {
		return h.buildWithCgo(ctx, why, "", nil), false
	}
	res = h.runGo(ctx, goRun{args: h.cfg.Args})
	if res.ok() {
		if why := cgoByBinary(b.Output); why != "" {
			return h.buildWithCgo(ctx, why, "", nil), false
		}
		return res, false
	}
	if res.err != nil {
		return res, false
	}
	facts := h.compileFacts(ctx, res.output)
	why := cgoWhy(facts)
	if why == "" {
		if !h.explainCompile(ctx, res.output, facts) {
			h.printf("gopherfile: %s failed; its output above says why.", h.cfg.Stage)
		}
		return res, true
	}
	return h.buildWithCgo(ctx, why, res.output, facts), true
}

// cgoWhy says why a build needs cgo when the files it left out are cgo
// files, "" when they are not (or there are none).
func cgoWhy(facts *diagnose.CompileFacts) string {
	for _, e := range facts.Excluded {
		if !e.Cgo {
			return ""
		}
	}
	for _, e := range facts.Excluded {
		if e.Dir != "" {
			return fmt.Sprintf("the package %s in %s has Go files only with cgo (%s)", e.Package, e.Dir, strings.Join(e.Files, ", "))
		}
		return fmt.Sprintf("the package %s declares what the build uses only in files that need cgo (%s; %s)", e.Package, strings.Join(e.Files, ", "), e.Line)
	}
	return ""
}

// cgoByBuildOutput returns why a go command that failed without cgo needs
// it: the files the build left out are cgo files (cgoWhy). The minimal root
// asks it of every failed go command, to move the step to an image with a C
// compiler.
func (h *helper) cgoByBuildOutput(ctx context.Context, output string) string {
	if v, _ := h.getenv(goenv.CGO_ENABLED); v == "1" {
		return ""
	}
	return cgoWhy(&diagnose.CompileFacts{Excluded: h.excludedFiles(ctx, output)})
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

// buildWithCgo builds the binary again with cgo, linked statically, and
// explains a failure. failed is the output of the build without cgo and
// facts what compileFacts found in it, nil when the build needs cgo for
// another reason (a dependency known to need it, asked before building):
// then a builder that cannot build with cgo gets a message of its own.
func (h *helper) buildWithCgo(ctx context.Context, why, failed string, facts *diagnose.CompileFacts) goResult {
	c, b := h.cfg.Build.Cgo, h.cfg.Build
	compiler := h.cCompiler()
	noCompiler := false
	if f := strings.Fields(compiler); len(f) == 0 || !onPath(f[0]) {
		noCompiler = true
	}
	if noCompiler && h.cfg.MinimalRoot && c.NoCC == "" {
		// The golang image has gcc: the step runs again there.
		return goResult{code: h.needsImage("a C compiler", b.Name+" needs cgo: "+why)}
	}
	if facts != nil && (c.NoCC != "" || noCompiler) {
		// Row 21: the paragraph says why and what to set.
		h.explainCompile(ctx, failed, facts)
		return goResult{code: 1}
	}
	if c.NoCC != "" {
		h.printf("gopherfile: %s needs cgo: %s. %s is not the build platform, so building it with cgo needs a C cross compiler for %s: add cgo: true and cc: {%s: <compiler>} (one the builder image has) to the Gopherfile, or build it for the build platform only.", b.Name, why, c.NoCC, c.NoCC, c.NoCC)
		return goResult{code: 1}
	}
	if noCompiler {
		h.printf("gopherfile: %s needs cgo: %s. The builder image has no C compiler %s: use a builder with one (the golang:<version> images have gcc; on alpine, apk add build-base), or set cgo: false to build it without cgo.", b.Name, why, compiler)
		return goResult{code: 1}
	}
	h.printf("gopherfile: building %s with cgo, linked statically (tags netgo,osusergo), because %s. The Gopherfile leaves cgo unset; cgo: true links it dynamically on a glibc base, cgo: false never uses cgo.", b.Name, why)
	os.Remove(b.Output)
	h.setenv(goenv.CGO_ENABLED, "1")
	if c.CC != "" {
		h.setenv(goenv.CC, c.CC)
	}
	res := h.runGo(ctx, goRun{args: c.Args})
	if !res.ok() && res.err == nil {
		if !h.explainCompile(ctx, res.output, nil) {
			h.printf("gopherfile: the static cgo build of %s failed (its output above says why). When it needs C libraries that cannot be linked statically, set cgo: true in the Gopherfile: it then links dynamically on gcr.io/distroless/base-debian12, to which image.base can add the libraries.", b.Name)
		}
	}
	return res
}

// cCompiler is the C compiler a cgo build of the step uses.
func (h *helper) cCompiler() string {
	if c := h.cfg.Build.Cgo; c != nil && c.CC != "" {
		return c.CC
	}
	if cc, _ := h.getenv(goenv.CC); cc != "" {
		return cc
	}
	return "gcc"
}

// onPath reports whether the command is found on PATH (the go command's:
// the helper passes its own environment on).
func onPath(cmd string) bool {
	_, err := exec.LookPath(cmd)
	return err == nil
}
