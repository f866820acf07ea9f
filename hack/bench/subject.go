package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// subject is a real Go project, pinned, with its main package.
type subject struct {
	Name    string `json:"name"`
	Class   string `json:"class"`
	Module  string `json:"module"`
	Version string `json:"version"`
	Main    string `json:"main"`
	Default bool   `json:"-"`
	// Extended: the two-platform and registry-cache scenarios run by default
	// (otherwise only with -full or when -scenarios names them).
	Extended bool `json:"extended"`
	// Competitors, if set, are the only competitors that run on this subject
	// by default (-full, or -competitors, runs the selected ones here too).
	Competitors []string `json:"competitors,omitempty"`
	Note        string   `json:"note,omitempty"`
}

// leanCompetitors run on the bigger default subjects: the floor, the
// Dockerfile to beat and the frontend image (gf-mount only matters when
// -scenarios adds the registry scenario). The small subject runs the others
// too, and shows what they add: the naive Dockerfile rebuilds everything on an
// edit, ko is about as fast as the host.
var leanCompetitors = []string{"host", "bp", "gf", "gf-mount"}

// subjects: the default set (small + mid + large, 3 runs) stays under 30
// minutes on 2 cores (about 24 on a quiet machine, 27-28 with a load of 3):
// the small one runs every scenario with every default competitor, the mid
// and large ones the four everyday scenarios (cold, no-op, edit, dep) with
// leanCompetitors. The large one is a big codebase (~150k lines of Go, most in
// one package) whose compile is still modest (few dependencies); node_exporter
// and caddy are opt-in. Cold `go build -trimpath` on the bench machine (2
// cores, shared, fresh GOCACHE and GOMODCACHE): fzf ~11 s, statsd_exporter
// ~26 s, nats-server 1.0-1.3x statsd_exporter (~30 s), node_exporter ~55 s,
// caddy ~4x statsd_exporter (~120 s). Alertmanager was a candidate too: its
// module zip lacks the generated web UI its main package embeds, so it does
// not build from the module proxy.
var subjects = []subject{
	{Name: "fzf", Class: "small", Module: "github.com/junegunn/fzf", Version: "v0.65.2", Main: ".", Default: true, Extended: true,
		Note: "CLI, 9 direct deps"},
	{Name: "statsd_exporter", Class: "mid", Module: "github.com/prometheus/statsd_exporter", Version: "v0.31.0", Main: ".", Default: true,
		Competitors: leanCompetitors,
		Note:        "Prometheus exporter, ~30 deps"},
	{Name: "nats-server", Class: "large", Module: "github.com/nats-io/nats-server/v2", Version: "v2.15.2", Main: ".", Default: true,
		Competitors: leanCompetitors,
		Note:        "message broker server, ~150k lines of Go in the module, 11 deps"},
	{Name: "node_exporter", Class: "mid+", Module: "github.com/prometheus/node_exporter", Version: "v1.12.1", Main: ".",
		Note: "Prometheus exporter, ~55 deps (opt-in: ~2x the mid subject)"},
	{Name: "caddy", Class: "large+", Module: "github.com/caddyserver/caddy/v2", Version: "v2.11.9", Main: "./cmd/caddy",
		Note: "web server, ~170 deps (opt-in: ~4x the mid subject)"},
}

func subjectNames() string {
	var s []string
	for _, x := range subjects {
		d := ""
		if x.Default {
			d = "*"
		}
		s = append(s, x.Name+"("+x.Class+")"+d)
	}
	return strings.Join(s, ", ")
}

func selectSubjects(names []string) ([]subject, error) {
	if len(names) == 0 {
		var out []subject
		for _, s := range subjects {
			if s.Default {
				out = append(out, s)
			}
		}
		return out, nil
	}
	var out []subject
	seen := map[string]bool{}
	for _, n := range names {
		found := false
		for _, s := range subjects {
			if n == "all" || s.Name == n || s.Class == n {
				found = true
				if !seen[s.Name] {
					seen[s.Name] = true
					out = append(out, s)
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown subject %q (have %s)", n, subjectNames())
		}
	}
	return out, nil
}

// depCandidates are small real modules; the first one a subject does not
// already require is added in the "dep" scenario.
var depCandidates = []struct{ Module, Version, Pkg, Ident string }{
	{"github.com/google/uuid", "v1.6.0", "github.com/google/uuid", "NewString"},
	{"github.com/dustin/go-humanize", "v1.0.1", "github.com/dustin/go-humanize", "Bytes"},
	{"github.com/rs/xid", "v1.6.0", "github.com/rs/xid", "New"},
}

// prepared is a subject fetched and ready on the host.
type prepared struct {
	subject
	dir      string // work dir of the subject
	pristine string // the module as fetched
	src      string // the build context the competitors see (reset per sequence)
	files    string // Dockerfiles and Gopherfile, outside the context
	out      string // build outputs
	MainFile string `json:"mainFile"` // a main-package file to edit, relative to src
	dep      depChange
	// DepAdded is the module@version the dep scenario adds.
	DepAdded string `json:"depAdded"`
	// Requires is the number of requirements in go.mod; Packages the number of
	// packages the main package links.
	Requires int `json:"requires"`
	Packages int `json:"packages"`
}

// depChange is a precomputed "add one dependency": the new go.mod and go.sum
// and a file of the main package that imports it.
type depChange struct {
	Module, Version string
	goMod, goSum    []byte
	file            string
	content         []byte
}

// goEnv is the env for host go commands of the bench: no workspace, no user
// GOFLAGS, the local toolchain, the module proxy only.
func (b *bench) goEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOFLAGS", "GOWORK", "GOTOOLCHAIN", "GOPROXY", "GOCACHE", "GOMODCACHE", "CGO_ENABLED", "GOOS", "GOARCH", "GOENV":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "GOFLAGS=-modcacherw", "GOWORK=off", "GOTOOLCHAIN=local", "GOPROXY="+b.env.goproxy, "CGO_ENABLED=0", "GOENV=off")
	return append(env, extra...)
}

func (b *bench) goCmd(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.Bytes(), fmt.Errorf("go %s (in %s): %w\n%s", strings.Join(args, " "), dir, err, tail(out.String(), 3000))
	}
	return out.Bytes(), nil
}

// prepare fetches the subject with `go mod download -json MODULE@VERSION` in a
// throwaway module, checks that it builds with plain go build on the host,
// precomputes the dependency change and writes the competitors' files.
func (b *bench) prepare(ctx context.Context, s subject) (*prepared, error) {
	p := &prepared{subject: s, dir: filepath.Join(b.cfg.work, "subjects", s.Name)}
	p.pristine = filepath.Join(p.dir, "pristine")
	p.src = filepath.Join(p.dir, "src")
	p.files = filepath.Join(p.dir, "files")
	p.out = filepath.Join(p.dir, "out")
	for _, d := range []string{p.dir, p.files, p.out} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	fetchEnv := b.goEnv("GOMODCACHE=" + b.fetchModCache)
	stamp := filepath.Join(p.dir, "pristine.stamp")
	want := s.Module + "@" + s.Version + " " + s.Main
	if got, _ := os.ReadFile(stamp); string(got) != want {
		mod := filepath.Join(b.cfg.work, "fetch")
		os.MkdirAll(mod, 0o755)
		if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module gfbench.invalid/fetch\n\ngo 1.26\n"), 0o644); err != nil {
			return nil, err
		}
		b.logf("%s: go mod download -json %s@%s", s.Name, s.Module, s.Version)
		out, err := b.goCmd(ctx, mod, fetchEnv, "mod", "download", "-json", s.Module+"@"+s.Version)
		if err != nil {
			return nil, err
		}
		var info struct{ Dir, Error string }
		if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
			return nil, fmt.Errorf("go mod download -json %s@%s: %s %s", s.Module, s.Version, info.Error, out)
		}
		if err := removeTree(p.pristine); err != nil {
			return nil, err
		}
		if err := copyTree(info.Dir, p.pristine); err != nil {
			return nil, err
		}
		// Verify that it builds on the host as it is (the floor must work).
		b.logf("%s: checking that it builds with plain go build on the host", s.Name)
		if _, err := b.goCmd(ctx, p.pristine, b.goEnv("GOMODCACHE="+b.fetchModCache, "GOCACHE="+filepath.Join(b.cfg.work, "verify-gocache")),
			"build", "-trimpath", "-o", filepath.Join(p.out, "verify-bin"), s.Main); err != nil {
			return nil, fmt.Errorf("%s does not build with go build on the host: %w", s.Name, err)
		}
		os.Remove(filepath.Join(p.out, "verify-bin"))
		if err := os.WriteFile(stamp, []byte(want), 0o644); err != nil {
			return nil, err
		}
	}
	var err error
	if p.MainFile, err = findMainFile(p.pristine, s.Main); err != nil {
		return nil, err
	}
	if err := b.prepareDep(ctx, p, fetchEnv); err != nil {
		return nil, err
	}
	p.DepAdded = p.dep.Module + "@" + p.dep.Version
	if out, err := b.goCmd(ctx, p.pristine, fetchEnv, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", s.Main); err == nil {
		for _, l := range strings.Split(string(out), "\n") {
			if strings.TrimSpace(l) != "" && !strings.HasPrefix(l, "go: ") {
				p.Packages++
			}
		}
	}
	gm, _ := os.ReadFile(filepath.Join(p.pristine, "go.mod"))
	p.Requires = len(regexp.MustCompile(`(?m)^\s*(require\s+)?[a-z0-9.-]+\.[a-z]+/\S+ v\S+`).FindAll(gm, -1))
	return p, b.writeFiles(p)
}

// prepareDep picks a module the subject does not use, and precomputes go.mod,
// go.sum and a file of the main package that imports it (go get + go mod tidy).
func (b *bench) prepareDep(ctx context.Context, p *prepared, env []string) error {
	sum, _ := os.ReadFile(filepath.Join(p.pristine, "go.sum"))
	work := filepath.Join(p.dir, "depwork")
	mainDir := filepath.Join(filepath.Dir(filepath.Join(p.pristine, p.MainFile)))
	rel, _ := filepath.Rel(p.pristine, mainDir)
	var lastErr error
	for _, c := range depCandidates {
		if bytes.Contains(sum, []byte(c.Module+" ")) {
			continue
		}
		d := depChange{Module: c.Module, Version: c.Version, file: filepath.Join(rel, "gfbench_dep.go")}
		d.content = []byte(fmt.Sprintf("package main\n\nimport gfbenchdep %q\n\n// gfbenchDep is the dependency the benchmark adds.\nvar gfbenchDep = gfbenchdep.%s\n", c.Pkg, c.Ident))
		cache := filepath.Join(p.dir, "dep-"+strings.ReplaceAll(c.Module, "/", "_")+"@"+c.Version)
		if gm, err1 := os.ReadFile(cache + ".mod"); err1 == nil {
			if gs, err2 := os.ReadFile(cache + ".sum"); err2 == nil {
				d.goMod, d.goSum = gm, gs
				p.dep = d
				return nil
			}
		}
		b.logf("%s: precomputing the dependency change (+%s@%s)", p.Name, c.Module, c.Version)
		if err := removeTree(work); err != nil {
			return err
		}
		if err := copyTree(p.pristine, work); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(work, d.file), d.content, 0o644); err != nil {
			return err
		}
		if _, err := b.goCmd(ctx, work, env, "get", c.Module+"@"+c.Version); err != nil {
			lastErr = err
			continue
		}
		if _, err := b.goCmd(ctx, work, env, "mod", "tidy"); err != nil {
			lastErr = err
			continue
		}
		if _, err := b.goCmd(ctx, work, b.goEnv("GOMODCACHE="+b.fetchModCache, "GOCACHE="+filepath.Join(b.cfg.work, "verify-gocache")),
			"build", "-trimpath", "-o", filepath.Join(p.out, "verify-bin"), p.Main); err != nil {
			lastErr = err
			continue
		}
		os.Remove(filepath.Join(p.out, "verify-bin"))
		d.goMod, _ = os.ReadFile(filepath.Join(work, "go.mod"))
		d.goSum, _ = os.ReadFile(filepath.Join(work, "go.sum"))
		os.WriteFile(cache+".mod", d.goMod, 0o644)
		os.WriteFile(cache+".sum", d.goSum, 0o644)
		removeTree(work)
		p.dep = d
		return nil
	}
	return fmt.Errorf("%s: no dependency could be added: %w", p.Name, lastErr)
}

// findMainFile returns a non-test .go file of package main without build
// constraints in the main package's directory.
func findMainFile(root, main string) (string, error) {
	dir := filepath.Join(root, main)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		if strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") && !e.IsDir() {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	pkgMain := regexp.MustCompile(`(?m)^package main\b`)
	for _, n := range names {
		if strings.Count(n, "_") > 0 && (strings.Contains(n, "_windows") || strings.Contains(n, "_darwin") || strings.Contains(n, "_linux") || strings.Contains(n, "_unix")) {
			continue
		}
		dt, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return "", err
		}
		if pkgMain.Match(dt) && !bytes.Contains(dt, []byte("//go:build")) {
			rel, _ := filepath.Rel(root, filepath.Join(dir, n))
			return rel, nil
		}
	}
	return "", fmt.Errorf("no main-package file without build constraints in %s", dir)
}

// resetSrc makes the context the pristine module again (timestamps kept).
func (p *prepared) resetSrc() error {
	if err := removeTree(p.src); err != nil {
		return err
	}
	return copyTree(p.pristine, p.src)
}

// edit appends a small function to a main-package file: the main package
// recompiles and the binary relinks, nothing else changes.
func (p *prepared) edit(nonce string) error {
	f, err := os.OpenFile(filepath.Join(p.src, p.MainFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = fmt.Fprintf(f, "\n// gfbench edit %[1]s\nfunc gfbenchEdit%[1]s() string { return %[1]q }\n", nonce)
	return err
}

// addDep applies the precomputed dependency change.
func (p *prepared) addDep() error {
	for name, dt := range map[string][]byte{"go.mod": p.dep.goMod, "go.sum": p.dep.goSum, p.dep.file: p.dep.content} {
		if err := os.WriteFile(filepath.Join(p.src, name), dt, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// copyTree copies a directory, keeping modes (made user-writable) and mtimes.
func copyTree(src, dst string) error {
	return filepath.Walk(src, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		switch {
		case fi.IsDir():
			if err := os.MkdirAll(target, fi.Mode().Perm()|0o700); err != nil {
				return err
			}
		case fi.Mode()&os.ModeSymlink != 0:
			l, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(l, target)
		case fi.Mode().IsRegular():
			in, err := os.Open(path)
			if err != nil {
				return err
			}
			out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fi.Mode().Perm()|0o200)
			if err != nil {
				in.Close()
				return err
			}
			_, err = io.Copy(out, in)
			in.Close()
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			return os.Chtimes(target, fi.ModTime(), fi.ModTime())
		}
		return nil
	})
}

// writeFiles writes the competitors' build files, outside the context.
func (b *bench) writeFiles(p *prepared) error {
	main := p.Main
	if main == "." {
		main = "./"
	}
	naive := fmt.Sprintf(`# The naive Dockerfile: copy everything, download, build; no cache mounts,
# one stage (the image is the Go toolchain plus the binary).
FROM golang:%[1]s
WORKDIR /src
COPY . .
ARG GOPROXY
RUN --mount=type=secret,id=cacert,target=/etc/ssl/certs/ca-certificates.crt go mod download
RUN CGO_ENABLED=0 go build -o /usr/local/bin/app %[2]s
ENTRYPOINT ["/usr/local/bin/app"]
`, b.cfg.goVersion, main)
	bp := fmt.Sprintf(`# The best-practice Dockerfile: go.mod/go.sum first with go mod download on
# a cache mount, then the sources, go build with module and build cache mounts,
# cross-compiled from the build platform, on a distroless static base. The CA
# bundle secret (for a TLS-intercepting proxy) is on both steps that can reach
# the network: go build downloads again when its module cache mount is empty
# (a fresh builder that imported a registry cache).
FROM --platform=$BUILDPLATFORM golang:%[1]s AS build
WORKDIR /src
ARG GOPROXY
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=secret,id=cacert,target=/etc/ssl/certs/ca-certificates.crt \
    go mod download
COPY . .
ARG TARGETOS TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    --mount=type=secret,id=cacert,target=/etc/ssl/certs/ca-certificates.crt \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -o /out/app %[2]s

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /usr/local/bin/app
ENTRYPOINT ["/usr/local/bin/app"]
`, b.cfg.goVersion, main)
	gf := fmt.Sprintf("version: 1\nbuilds:\n  - main: %s\n", p.Main)
	gfNoTidy := gf + "tidy: \"off\"\n"
	files := map[string]string{
		"Dockerfile.naive":  naive,
		"Dockerfile.bp":     bp,
		"Gopherfile":        gf,
		"Gopherfile.notidy": gfNoTidy,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(p.files, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}
