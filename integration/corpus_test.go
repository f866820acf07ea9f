//go:build integration

package integration

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCorpusSubset runs the three-repo subset of the corpus (hack/corpus,
// `make corpus` runs all of it): real programs fetched from the Go module
// proxy at pinned versions, `gopherfile init`, docker buildx build with the
// frontend image, and the image's entrypoint run with its version flag. The
// subset covers an old go line (esbuild, go 1.13), a toolchain line and a
// cmd/<name> among other mains (age), and a cgo SQLite program (litestream
// v0.3.14, github.com/mattn/go-sqlite3). Each is also built from a
// Gopherfile of `version: 1` alone (all three live in cmd/<module name>):
// the frontend's defaults pick the builder and the main package, and build
// litestream with cgo, statically linked, on the static base.
func TestCorpusSubset(t *testing.T) {
	out := filepath.Join(t.TempDir(), "results.json")
	bin := filepath.Join(t.TempDir(), "corpus")
	mustOK(t, run(t, repoRoot, nil, "go", "build", "-o", bin, "./hack/corpus"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-repos", "subset", "-dockerfile=false", "-json", out, "-work", t.TempDir())
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "GF_FRONTEND_IMAGE="+frontImg)
	// On the deadline, end the corpus and the builds it started, together.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 30 * time.Second
	combined, err := cmd.CombinedOutput()
	t.Logf("hack/corpus -repos subset: %v", err)
	r := result{out: string(combined), err: err}
	var results []struct {
		Name    string   `json:"name"`
		Builds  []string `json:"builds"`
		Builder string   `json:"builder"`
		Why     string   `json:"builderWhy"`
		CGO     bool     `json:"cgo"`
		Stage   string   `json:"stage"`
		Error   string   `json:"error"`
		Output  string   `json:"versionOutput"`
		Retried string   `json:"retried"`
		Bare    string   `json:"bare"`
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("the corpus wrote no results (%v):\n%s", err, r.out)
	}
	if err := json.Unmarshal(data, &results); err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		build, builder, why string
		cgo                 bool
		output              string
	}{
		"esbuild":        {"esbuild (./cmd/esbuild)", "golang:1.21.13", "go.mod's go line 1.13 and no toolchain line: Go 1.21.13, the newest release of the oldest line", false, "0.28.2"},
		"age":            {"age (./cmd/age)", "golang:1.27.0", "go.mod's toolchain line go1.27.0", false, ""},
		"litestream-0.3": {"litestream (./cmd/litestream)", "golang:1.23.12", "go.mod's go line 1.21 and no toolchain line: the newest Go 1.23 release this frontend knows, 1.23.12 (the tidy check needs Go 1.23", true, ""},
	}
	if len(results) != len(want) {
		t.Fatalf("%d results, want %d:\n%s", len(results), len(want), r.out)
	}
	for _, res := range results {
		w, ok := want[res.Name]
		if !ok {
			t.Errorf("unexpected repository %s", res.Name)
			continue
		}
		if res.Stage != "" {
			t.Errorf("%s: %s failed: %s", res.Name, res.Stage, res.Error)
			continue
		}
		if res.Retried != "" {
			t.Logf("%s: %s", res.Name, res.Retried)
		}
		if strings.Join(res.Builds, ",") != w.build || res.Builder != w.builder || !strings.Contains(res.Why, w.why) || res.CGO != w.cgo {
			t.Errorf("%s: builds %v, builder %s (%s), cgo %v; want %s, %s (%s), cgo %v", res.Name, res.Builds, res.Builder, res.Why, res.CGO, w.build, w.builder, w.why, w.cgo)
		}
		if !strings.Contains(res.Output, w.output) {
			t.Errorf("%s: version output %q does not contain %q", res.Name, res.Output, w.output)
		}
		if !strings.HasPrefix(res.Bare, "ok") {
			t.Errorf("%s: the build with version: 1 alone: %s", res.Name, res.Bare)
		}
	}
	if t.Failed() {
		t.Logf("corpus output:\n%s", r.out)
	}
}

// TestBuilderChoiceAndDefaultMain: `version: 1` alone builds cmd/<module
// name> when the module root is a library; --call outline says which builder
// and why; a pinned builder older than Go 1.23 with the tidy check fails with
// a clear error before any go command runs.
func TestBuilderChoiceAndDefaultMain(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/hello\n\ngo 1.24\n")
	writeFile(t, filepath.Join(dir, "hello.go"), "package hello\n")
	writeFile(t, filepath.Join(dir, "cmd/hello/main.go"), "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello from cmd/hello\") }\n")
	writeFile(t, filepath.Join(dir, "cmd/other/main.go"), "package main\n\nfunc main() {}\n")
	writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\n")

	out := filepath.Join(t.TempDir(), "out")
	mustOK(t, buildx(t, dir, "--progress", "plain", "-f", "Gopherfile", "--build-arg", "BUILDKIT_SYNTAX="+frontImg, "--target", "binaries", "-o", "type=local,dest="+out, "."))
	if got := runBinary(t, filepath.Join(out, "hello")); !strings.Contains(got, "hello from cmd/hello") {
		t.Errorf("the binary printed %q", got)
	}

	r := buildx(t, dir, "--call", "outline", "-f", "Gopherfile", "--build-arg", "BUILDKIT_SYNTAX="+frontImg, ".")
	mustOK(t, r)
	for _, want := range []string{"chosen: 1.24.13, from go.mod's go line 1.24 and no toolchain line: the newest Go 1.24 release this frontend knows, 1.24.13",
		"the go steps run with Go 1.24.13 from the module proxy (golang.org/toolchain) on a minimal root, because this is a pure Go build"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("the outline does not say %q:\n%s", want, r.out)
		}
	}

	// Go 1.22 has no go mod tidy -diff.
	images := run(t, repoRoot, nil, "bash", "hack/images-go.sh", "1.22")
	mustOK(t, images)
	writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\ngo: \"1.22\"\n")
	r = buildx(t, dir, "--progress", "plain", "-f", "Gopherfile", "--build-arg", "BUILDKIT_SYNTAX="+frontImg, "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	if r.err == nil {
		t.Fatalf("the build with Go 1.22 and the tidy check passed:\n%s", r.out)
	}
	for _, want := range []string{"Gopherfile line 2", "the tidy check runs `go mod tidy -diff`, which Go 1.23 added, but the go steps have Go 1.22.12 (the toolchain from the module proxy", `the Gopherfile's go: "1.22"`, "or set tidy: off"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("the error does not say %q:\n%s", want, r.out)
		}
	}
	if strings.Contains(r.out, "flag provided but not defined") {
		t.Errorf("the go command ran and printed its usage:\n%s", r.out)
	}
}
