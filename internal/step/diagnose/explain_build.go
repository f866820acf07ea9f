package diagnose

import (
	"fmt"
	"strings"

	"github.com/gopherfile/gopherfile/internal/goenv"
)

func (e explainer) versionNotFound() string {
	if e.f.Module == "" {
		return fmt.Sprintf("A required module version does not exist %s%s. Fix the require line in go.mod (go get <module>@latest, or the tag you meant) or push the missing tag;"+
			" a proxy may keep answering \"not found\" for a while after a new tag is pushed.", e.row(), e.evidence())
	}
	return e.lead(fmt.Sprintf("this version does not exist %s%s. Fix the require line for %s in go.mod (for example go get %s@latest, or the tag you meant) or push the missing tag;"+
		" a proxy may keep answering \"not found\" for a while after a new tag is pushed.", e.row(), e.evidence(), e.f.Module, e.f.Module))
}

func (e explainer) pathMismatch() string {
	if e.f.Detail == "" || e.f.Module == "" {
		return fmt.Sprintf("A module's go.mod declares a different module path from the one it is required as %s%s. "+
			"It is a fork or the module was renamed: require the path its go.mod declares and fix the import paths, "+
			"or keep the declared path and add a replace directive that points it at the fork.", e.row(), e.evidence())
	}
	v := or(e.f.Version, "<version>")
	return e.lead(fmt.Sprintf("its go.mod declares the module path %s, but it is required as %s %s. "+
		"It is a fork or the module was renamed: require %s and fix the import paths, "+
		"or, to build the fork's code under the original path, require %s and add \"replace %s => %s %s\" to go.mod.",
		e.f.Detail, e.f.Module, e.row(), e.f.Detail, e.f.Detail, e.f.Detail, e.f.Module, v))
}

func (e explainer) goTooOld() string {
	running := e.c.GoVersion
	if m := reRequiresGo.FindStringSubmatch(e.f.Line); m != nil && running == "" {
		running = m[2]
	}
	running = or(running, "an older version")
	lines := ""
	if e.c.GoModGo != "" {
		lines = " (now go " + e.c.GoModGo
		if e.c.GoModToolchain != "" {
			lines += ", toolchain " + e.c.GoModToolchain
		}
		lines += ")"
	}
	if e.f.Detail == "" {
		return fmt.Sprintf("go.mod or a dependency requires a newer Go than the builder's go %s %s. %s. "+
			"Build with that Go version or newer (go: in the Gopherfile, the build arg GO_VERSION, or a builder: image that has it): by default Gopherfile picks the toolchain line of go.mod, else the newest Go release it knows, never older than the go line%s; "+
			"so check what pins the builder image or Go version.", running, e.row(), e.c.describe(goenv.GOTOOLCHAIN), lines)
	}
	who := "go.mod"
	if e.f.Module != "" {
		who = e.mod()
	}
	s := fmt.Sprintf("%s requires go >= %s, but the builder runs go %s %s. %s.",
		who, e.f.Detail, running, e.row(), e.c.describe(goenv.GOTOOLCHAIN))
	switch {
	case strings.Contains(e.f.Line, "toolchain not available"):
		s += fmt.Sprintf(" The go command tried to download go%s and switch to it, which it cannot do here: the toolchain is not in the module cache and the step is offline or its GOPROXY cannot serve it.", e.f.Detail)
	case strings.Contains(e.f.Line, "golang.org/toolchain@"):
		s += fmt.Sprintf(" The go command tried to download go%s (golang.org/toolchain) and switch to it, which failed (%s).", e.f.Detail, or(e.f.Response, "see go's error above"))
	}
	if e.f.Module != "" {
		return s + fmt.Sprintf(" Raise the go line of go.mod to %s%s with go get go@%s (the tidy target does it), so that Gopherfile builds with Go %s or newer; "+
			"or require an older version of %s.", e.f.Detail, lines, e.f.Detail, e.f.Detail, e.f.Module)
	}
	return s + fmt.Sprintf(" Build with Go %s or newer (go: \"%s\" in the Gopherfile, the build arg GO_VERSION, or a builder: image that has it): by default Gopherfile picks the toolchain line of go.mod, else the newest Go release it knows, never older than the go line%s; "+
		"so check what pins the builder image or Go version.", e.f.Detail, e.f.Detail, lines)
}

func (e explainer) goSumIncomplete() string {
	what := "a module"
	switch {
	case e.f.Module != "":
		what = e.mod()
	case e.f.Detail != "":
		what = "the module providing package " + e.f.Detail
	}
	return fmt.Sprintf("go.sum has no entry for %s %s: go.sum is out of date. "+
		"Fix it without a local Go: docker buildx build --target tidy -o . -f Gopherfile . (or run go mod tidy), and commit go.mod and go.sum.", what, e.row())
}

func (e explainer) untidy() string {
	s := "go.mod and go.sum are not tidy " + e.row()
	if e.f.Detail != "" {
		s += fmt.Sprintf(": package %s is imported but no requirement provides it", e.f.Detail)
	}
	return s + ". Fix it without a local Go: docker buildx build --target tidy -o . -f Gopherfile . (or run go mod tidy), and commit the result."
}

func (e explainer) vendorOutOfSync() string {
	s := "vendor/modules.txt disagrees with go.mod"
	switch {
	case e.f.Module != "":
		s += " about " + e.mod()
	case e.f.Detail != "":
		s += ": vendor/ does not provide package " + e.f.Detail
	}
	s += " " + e.row() + ". Re-run go mod vendor and commit vendor/, or delete vendor/ so that the build downloads modules instead."
	if entry, ok := e.c.hasGoFlag("mod"); ok && strings.Contains(entry, "vendor") {
		s += fmt.Sprintf(" %s forces vendor mode: if the project has no vendor directory, remove -mod=vendor from GOFLAGS (row 17).",
			e.c.describe(goenv.GOFLAGS))
	}
	return s
}

func (e explainer) replaceMissing() string {
	if e.f.Detail == "" {
		return fmt.Sprintf("go.mod replaces a module with a local directory that is not in the build context %s%s. "+
			"Gopherfile copies only go.mod and go.sum into the dependency step, so the build context must include the replaced directory: "+
			"build from a directory that contains it (for example the repository root), or remove the replace directive for image builds.",
			e.row(), e.evidence())
	}
	return e.lead(fmt.Sprintf("go.mod replaces it with the local directory %s, which is not in the build context %s. "+
		"Gopherfile copies only go.mod and go.sum into the dependency step, so the build context must include %s: "+
		"build from a directory that contains it (for example the repository root), or remove the replace directive for image builds.",
		e.f.Detail, e.row(), e.f.Detail))
}

func (e explainer) envConflict() string {
	switch e.f.Detail {
	case goenv.GOPROXY + "=off":
		return e.lead(fmt.Sprintf("module downloads are forbidden by %s %s. Remove GOPROXY=off, or vendor the dependencies (go mod vendor) so nothing has to be downloaded.",
			e.c.describe(goenv.GOPROXY), e.row()))
	case "-mod=vendor":
		return e.lead(fmt.Sprintf("vendor mode is forced (%s) but the vendor directory does not provide what the build needs %s. "+
			"Remove -mod=vendor from GOFLAGS, or run go mod vendor and commit vendor/.",
			e.c.describe(goenv.GOFLAGS), e.row()))
	case goenv.GONOPROXY:
		return e.lead(fmt.Sprintf("the module matches %s, so no proxy may serve it, but %s has no direct entry %s. "+
			"End GOPROXY with direct, or narrow GONOPROXY.",
			e.c.describe(goenv.GONOPROXY), e.c.describe(goenv.GOPROXY), e.row()))
	case goenv.GOFLAGS:
		return e.lead(fmt.Sprintf("%s is not valid %s%s. GOFLAGS holds space-separated -flag=value entries (values cannot contain spaces); fix or remove the entry where it is set.",
			e.c.describe(goenv.GOFLAGS), e.row(), e.evidence()))
	case goenv.GOSUMDB, goenv.GOTOOLCHAIN, goenv.GOPROXY, goenv.GOAUTH:
		return e.lead(fmt.Sprintf("%s is not valid %s%s. Fix it where it is set.",
			e.c.describe(e.f.Detail), e.row(), e.evidence()))
	}
	return e.lead(fmt.Sprintf("a go setting conflicts with the build %s%s. Check where each one comes from: %s, %s, %s, %s; "+
		"GOPROXY=off forbids downloads and -mod=vendor needs a complete vendor directory.",
		e.row(), e.evidence(), e.c.describe(goenv.GOPROXY), e.c.describe(goenv.GOPRIVATE), e.c.describe(goenv.GOFLAGS), e.c.describe(goenv.GOTOOLCHAIN)))
}

func (e explainer) cacheLost() string {
	switch e.f.Detail {
	case "lost":
		return e.lead(fmt.Sprintf("the module cache mount no longer holds this module %s: BuildKit garbage-collected or pruned the cache mount "+
			"(by default cache mounts unused for 48 hours go first once the build cache is over its limit) after the download step's result was cached. "+
			"Gopherfile runs the download step again when it notices; if this build still failed, build again, or set cache.modules: layer "+
			"so that the modules live in the download step's layer, which BuildKit garbage-collects only with the step itself.", e.row()))
	case "unrecoverable":
		return e.lead(fmt.Sprintf("BuildKit garbage-collected or pruned the module cache mount %s, and %s forbids downloading the modules again. "+
			"Build once with a GOPROXY that can reach them (drop GOPROXY=off where it is set), or vendor the dependencies (go mod vendor), "+
			"or set cache.modules: layer so that the modules live in the download step's layer.", e.row(), e.c.describe(goenv.GOPROXY)))
	}
	n := ""
	if e.f.Detail != "" {
		n = " (" + e.f.Detail + " modules)"
	}
	return fmt.Sprintf("Every module was downloaded again%s %s: the module cache mount was empty, as on an ephemeral CI runner or after the builder was pruned. "+
		"This is slow rather than wrong: export the module cache through the registry cache (see the CI recipes).", n, e.row())
}

func (e explainer) vcsStamping() string {
	return fmt.Sprintf("go build could not read version control information %s: the .git directory is missing, incomplete or not trusted in the build. "+
		"Build with -buildvcs=false (GOFLAGS=-buildvcs=false; now %s) or stamp the version from build args with -ldflags -X.",
		e.row(), e.c.describe(goenv.GOFLAGS))
}
