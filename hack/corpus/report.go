package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// report writes docs/corpus.md.
func report(results []*result, e *env, took time.Duration, dockerfile bool) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	ok, total := 0, len(results)
	var gfSum, dfSum float64
	var both int
	for _, r := range results {
		if r.OK() {
			ok++
			if r.DockerOK {
				gfSum += r.BuildSec
				dfSum += r.DockSec
				both++
			}
		}
	}
	w("# The corpus: real Go programs built from the Gopherfile `gopherfile init` writes")
	w("")
	w("<!-- Written by `make corpus` (go run ./hack/corpus -md docs/corpus.md); do not edit by hand. -->")
	w("")
	w("Each program is fetched from the Go module proxy at a pinned version (nothing of it is")
	w("committed; `hack/corpus/repos.go` lists them), then, with no edits:")
	w("")
	w("1. `gopherfile init` writes the Gopherfile;")
	w("2. `docker buildx build -f Gopherfile` builds it with the frontend image (`%s` here) on the", "$GF_FRONTEND_IMAGE")
	w("   buildx builder of the test environment, `--no-cache`, a fresh build cache namespace;")
	w("3. the image is unpacked and its entrypoint runs with the program's version flag, in the")
	w("   image's own root file system (chroot), so a missing C library or a wrong entrypoint fails.")
	w("")
	if dockerfile {
		w("For the time comparison, a best-practice Dockerfile of the same program (go.mod/go.sum first,")
		w("`go mod download` on a cache mount, `go build` with module and build cache mounts, the same")
		w("builder image and base) is built on the same builder right after, `--no-cache`, with a fresh")
		w("build cache. Module caches of both are the builder's persistent ones, warm when an earlier")
		w("run downloaded the same modules. The Gopherfile also runs the `go mod tidy -diff` check, and")
		w("builds every binary of a release config; the Dockerfile builds the entrypoint only.")
		w("")
	}
	w("**%d of %d built and ran** (%.0f%%) from the Gopherfile init wrote, with no edits.", ok, total, 100*float64(ok)/float64(max(total, 1)))
	if both > 0 {
		w("Build time, summed over the %d that both built: Gopherfile %s, best-practice Dockerfile %s.", both, secs(gfSum), secs(dfSum))
	}
	load := "unknown"
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Join(strings.Fields(string(data))[:3], " ")
	}
	inAll := took.Round(time.Second).String() + " in all"
	if took == 0 {
		inAll = "results of several runs merged"
	}
	w("Run of %s on %d cores (%s), %s; the builder is shared, so times vary with what else runs (load average %s when this was written).",
		time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), runtime.GOOS+"/"+runtime.GOARCH, inAll, load)
	w("")
	w("| repository | version | builds chosen (why) | builder (why) | cgo | result | Gopherfile build | Dockerfile build |")
	w("| --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, r := range results {
		builds := strings.Join(r.Builds, ", ")
		if r.Chosen != "" {
			builds += " — " + r.Chosen
		}
		builder := r.Builder
		if r.GoFrom != "" {
			builder += " — go: from " + r.GoFrom
		} else if r.Why != "" {
			builder += " — " + r.Why
		}
		cgo := "no"
		if r.CGO {
			cgo = "yes"
		}
		result := "✅ `" + cell(firstLine(r.Output), 60) + "`"
		if r.Retried != "" {
			result = "✅ (2nd try) `" + cell(firstLine(r.Output), 60) + "`"
		}
		if !r.OK() {
			result = "❌ " + r.Stage + " failed"
		}
		gf, df := secs(r.BuildSec), "—"
		if r.Stage == "fetch" || r.Stage == "init" {
			gf = "—"
		}
		if r.DockSec > 0 {
			df = secs(r.DockSec)
			if !r.DockerOK {
				df += " (failed)"
			}
		}
		w("| %s | %s | %s | %s | %s | %s | %s | %s |", cell(r.Module, 60), r.Version, cell(builds, 200), cell(builder, 200), cgo, result, gf, df)
	}
	bareSection(w, results)
	w("")
	w("## What each one covers")
	w("")
	for _, r := range results {
		line := fmt.Sprintf("- **%s** (%s@%s): %s", r.Name, r.Module, r.Version, r.Covers)
		if r.Fetched != "" {
			line += " (" + r.Fetched + ")"
		}
		w("%s", line)
	}
	var failed []*result
	for _, r := range results {
		if !r.OK() || (dockerfile && !r.DockerOK && r.DockSec > 0) || r.Retried != "" || (r.BareTried() && !r.BareOK()) {
			failed = append(failed, r)
		}
	}
	w("")
	w("To add a program: a row in `hack/corpus/repos.go` (module, pinned version, version flag,")
	w("what it covers), then `make corpus`, or `bash hack/corpus.sh -repos NAME -keep FILE -json FILE")
	w("-md docs/corpus.md` to run just it and keep the other rows of an earlier run.")
	w("")
	w("## Failures")
	w("")
	if len(failed) == 0 {
		w("None in this run.")
	}
	for _, r := range failed {
		if !r.OK() {
			w("- **%s**: %s failed: %s", r.Name, r.Stage, cell(r.Error, 1200))
		}
		if r.Retried != "" {
			w("- **%s**: built on the second try: %s", r.Name, cell(r.Retried, 600))
		}
		if r.BareTried() && !r.BareOK() {
			w("- **%s** (`version: 1` alone): %s", r.Name, cell(r.Bare, 1200))
		}
		if r.DockErr != "" {
			w("- **%s** (best-practice Dockerfile): %s", r.Name, cell(r.DockErr, 600))
		}
	}
	return b.String()
}

func secs(s float64) string {
	if s <= 0 {
		return "—"
	}
	return (time.Duration(s * float64(time.Second))).Round(time.Second).String()
}

// cell makes s fit in a markdown table cell.
func cell(s string, n int) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "|", "\\|")), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

// bareSection is the table of the builds with a Gopherfile of `version: 1`
// alone, for the programs at the root or cmd/<module name>.
func bareSection(w func(string, ...any), results []*result) {
	var tried, ok int
	for _, r := range results {
		if r.BareTried() {
			tried++
			if r.BareOK() {
				ok++
			}
		}
	}
	if tried == 0 {
		return
	}
	w("")
	w("## `version: 1` alone")
	w("")
	w("Each program at the root of its module or in cmd/<module name> is also built from a Gopherfile")
	w("of one line, `version: 1`: the frontend's own defaults choose the builder, the main package,")
	w("cgo and the base. **%d of %d built and ran.**", ok, tried)
	w("")
	w("| program | `version: 1` alone | build |")
	w("| --- | --- | --- |")
	for _, r := range results {
		if r.Bare == "" {
			continue
		}
		res := r.Bare
		switch {
		case r.BareOK():
			res = "✅ `" + cell(strings.TrimSpace(strings.TrimPrefix(res, "ok:")), 60) + "`"
		case r.BareTried():
			res = "❌ " + cell(res, 400)
		default:
			res = "— " + cell(strings.TrimPrefix(res, "not eligible: "), 200)
		}
		w("| %s | %s | %s |", r.Name, res, secs(r.BareSec))
	}
}
