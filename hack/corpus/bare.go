package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/scaffold"
	"github.com/gopherfile/gopherfile/internal/spec"
)

// bareEligible says whether the program init chose lives where a Gopherfile
// of `version: 1` alone finds it: the root of the repository's main module
// (at the root of the tree) or cmd/<module name>. It returns the reason when
// it does not.
func bareEligible(src string, p *plan.Plan, modulePath string) (bool, string) {
	data, err := os.ReadFile(filepath.Join(src, "Gopherfile"))
	if err != nil {
		return false, err.Error()
	}
	s, _, err := spec.Parse(data)
	if err != nil {
		return false, err.Error()
	}
	if m := strings.Trim(s.Module, "./"); m != "" {
		return false, "the main module is in " + s.Module + ", so the Gopherfile needs module:"
	}
	if len(p.Binaries) == 0 {
		return false, "no build"
	}
	main := p.Binaries[0].Main
	if main == "." || main == "./cmd/"+gomod.BinaryName(modulePath) {
		return true, ""
	}
	return false, "the entrypoint is " + main + ", neither the module root nor cmd/" + gomod.BinaryName(modulePath)
}

// buildBare builds the tree with a Gopherfile of `version: 1` alone and runs the
// image's entrypoint with the version flag: the frontend's own defaults
// (builder, main package, cgo, base) on a real program. It runs last: init's
// Gopherfile (and Gopherfile.dockerignore) are moved out of the tree.
func (e *env) buildBare(ctx context.Context, r repo, res *result, src, base, runID string) {
	p, err := planOf(src)
	if err != nil {
		res.Bare = "not run: " + err.Error()
		return
	}
	if ok, why := bareEligible(src, p, r.Module); !ok {
		res.Bare = "not eligible: " + why
		return
	}
	// As a user would have it: the one-line Gopherfile in place of init's,
	// and not the Gopherfile.dockerignore init may have written.
	bareFile := filepath.Join(src, "Gopherfile")
	os.Rename(bareFile, filepath.Join(base, "Gopherfile.init"))
	os.Rename(filepath.Join(src, scaffold.GopherfileIgnore), filepath.Join(base, scaffold.GopherfileIgnore+".init"))
	if err := os.WriteFile(bareFile, []byte("version: 1\n"), 0o644); err != nil {
		res.Bare = "not run: " + err.Error()
		return
	}
	if bp, err := planFile(src, bareFile); err != nil {
		res.Bare = "not run: planning version: 1: " + err.Error()
		return
	} else if err := e.ensureBuilder(ctx, bp.Builder); err != nil {
		res.Bare = "not run: " + err.Error()
		return
	}
	log.Printf("%s: building with a Gopherfile of version: 1 alone", r.Name)
	tarball := filepath.Join(base, "bare.tar")
	br := e.buildx(ctx, src, bareFile, tarball, filepath.Join(base, "bare.log"),
		"--build-arg", "BUILDKIT_SYNTAX="+e.frontend, "--build-arg", "BUILDKIT_CACHE_MOUNT_NS=corpus-"+r.Name+"-"+runID)
	res.BareSec = br.took.Seconds()
	if br.err != nil {
		res.Bare = "build failed: " + buildError(br.out)
		return
	}
	defer os.Remove(tarball)
	root := filepath.Join(base, "bare-rootfs")
	defer os.RemoveAll(root)
	cfg, err := unpack(tarball, root)
	if err != nil {
		res.Bare = "run failed: unpacking the image: " + err.Error()
		return
	}
	expect := r.Expect
	if r.BareExpect != "" {
		expect = r.BareExpect
	}
	rr := runEntrypoint(ctx, root, cfg, r.Args)
	argv := strings.Join(append(append([]string{}, cfg.Config.Entrypoint...), r.Args...), " ")
	switch {
	case rr.err != nil:
		res.Bare = fmt.Sprintf("run failed: %s: %v: %s", argv, rr.err, lastLines(rr.out, 3))
	case !regexp.MustCompile(expect).MatchString(rr.out):
		res.Bare = fmt.Sprintf("run failed: the output of %s does not match %q: %s", argv, expect, lastLines(rr.out, 3))
	default:
		res.Bare = "ok: " + firstLine(strings.TrimSpace(rr.out))
	}
}

// BareOK reports whether the `version: 1` build built and ran.
func (r *result) BareOK() bool { return strings.HasPrefix(r.Bare, "ok") }

// BareTried reports whether the `version: 1` build was run.
func (r *result) BareTried() bool {
	return r.Bare != "" && !strings.HasPrefix(r.Bare, "not ")
}
