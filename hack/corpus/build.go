package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/spec"
)

// planOf plans the Gopherfile in dir as the frontend would (without build args).
func planOf(dir string) (*plan.Plan, error) {
	return planFile(dir, filepath.Join(dir, "Gopherfile"))
}

// planFile plans the Gopherfile file for the tree in dir.
func planFile(dir, file string) (*plan.Plan, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	s, _, err := spec.Parse(src)
	if err != nil {
		return nil, err
	}
	modDir := filepath.Join(dir, filepath.FromSlash(s.Module))
	data, err := os.ReadFile(filepath.Join(modDir, "go.mod"))
	if err != nil {
		return nil, err
	}
	facts, err := gomod.Parse("go.mod", data)
	if err != nil {
		return nil, err
	}
	m := gomod.Module{Facts: facts}
	if w, err := os.ReadFile(filepath.Join(dir, "go.work")); err == nil {
		if m.Work, err = gomod.ParseWork("go.work", w); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(filepath.Join(modDir, "vendor/modules.txt")); err == nil && m.Work == nil {
		m.Vendored = true
	}
	return plan.New(s, m, plan.Options{})
}

// cmdResult is one command's output and time.
type cmdResult struct {
	out  string
	took time.Duration
	err  error
}

func runCmd(ctx context.Context, timeout time.Duration, dir string, logf string, name string, args ...string) cmdResult {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	start := time.Now()
	err := cmd.Run()
	r := cmdResult{out: buf.String(), took: time.Since(start), err: err}
	if ctx.Err() == context.DeadlineExceeded {
		r.err = fmt.Errorf("timed out after %s", timeout)
	}
	if logf != "" {
		_ = os.WriteFile(logf, []byte(fmt.Sprintf("$ %s %s\n%s\n(%s, %v)\n", name, strings.Join(args, " "), r.out, r.took.Round(time.Millisecond), r.err)), 0o644)
	}
	return r
}

// buildx builds dir with a build file (Gopherfile or Dockerfile) into an OCI
// tarball.
func (e *env) buildx(ctx context.Context, dir, file, tarball, logf string, extra ...string) cmdResult {
	args := []string{"buildx", "build", "--builder", e.builder, "--progress", "plain", "--no-cache", "-f", file,
		"--secret", "id=cacert,src=" + e.cacert, "--build-arg", "GOPROXY=" + e.goproxy,
		"-o", "type=oci,dest=" + tarball}
	args = append(args, extra...)
	args = append(args, ".")
	return runCmd(ctx, 30*time.Minute, dir, logf, "docker", args...)
}

// bestPractice is the best-practice Dockerfile for the same build: go.mod
// and go.sum first with go mod download on a cache mount, then the sources,
// go build with module and build cache mounts, on the same builder image and
// the same distroless base the Gopherfile uses; the entrypoint's binary only.
func bestPractice(p *plan.Plan, runID, ctxDir string, work bool) string {
	b := p.Binaries[0]
	var flags []string
	for _, f := range b.Flags {
		if strings.HasPrefix(f, "-ldflags=") {
			f = "-ldflags=-s -w" // the templates are Gopherfile's
		}
		flags = append(flags, "'"+f+"'")
	}
	cgo := "0"
	if p.CGO {
		cgo = "1"
	}
	moddir := "/src/" + p.ModuleDir
	var copyDeps []string
	if work {
		copyDeps = append(copyDeps, "COPY go.work ./")
	}
	for _, f := range p.DepFiles {
		if strings.HasPrefix(f, "go.work") {
			continue
		}
		if _, err := os.Stat(filepath.Join(ctxDir, filepath.FromSlash(f))); err != nil {
			continue // (a module without dependencies has no go.sum)
		}
		copyDeps = append(copyDeps, fmt.Sprintf("COPY %s %s/", f, path.Join("/src", path.Dir(f))))
	}
	download := fmt.Sprintf(`%s
RUN --mount=type=cache,id=corpus-gomod,target=/go/pkg/mod \
    --mount=type=secret,id=cacert,target=/etc/ssl/certs/ca-certificates.crt \
    cd %s && go mod download
`, strings.Join(copyDeps, "\n"), moddir)
	if p.Vendored {
		download = "" // vendor/ has the modules
	}
	return fmt.Sprintf(`# Best-practice Dockerfile written by hack/corpus for the same build.
FROM %[1]s AS build
WORKDIR /src
ARG GOPROXY
%[2]sCOPY . .
RUN --mount=type=cache,id=corpus-gomod,target=/go/pkg/mod \
    --mount=type=cache,id=corpus-gobuild-%[3]s,target=/root/.cache/go-build \
    --mount=type=secret,id=cacert,target=/etc/ssl/certs/ca-certificates.crt \
    cd %[4]s && CGO_ENABLED=%[5]s go build -trimpath %[6]s -o /out/app %[7]s

FROM %[8]s
COPY --from=build /out/app %[9]s
ENTRYPOINT ["%[9]s"]
`, p.Builder, download, runID, moddir, cgo, strings.Join(flags, " "), b.Main, dockerfileBase(p), b.Output)
}

// unpack extracts the image of an OCI layout tarball (one linux/amd64
// manifest, or an index of them) into root; it returns the image config.
func unpack(tarball, root string) (*imageConfig, error) {
	layout := root + ".layout"
	if err := untar(tarball, layout, false); err != nil {
		return nil, err
	}
	defer os.RemoveAll(layout)
	blob := func(d descriptor) string {
		alg, hex, _ := strings.Cut(d.Digest, ":")
		return filepath.Join(layout, "blobs", alg, hex)
	}
	var idx struct{ Manifests []descriptor }
	if err := readJSON(filepath.Join(layout, "index.json"), &idx); err != nil {
		return nil, err
	}
	for len(idx.Manifests) > 0 && strings.Contains(idx.Manifests[0].MediaType, "index") {
		next := idx.Manifests[0]
		idx.Manifests = nil
		if err := readJSON(blob(next), &idx); err != nil {
			return nil, err
		}
	}
	for _, d := range idx.Manifests {
		if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
			continue
		}
		var m struct {
			Config descriptor
			Layers []descriptor
		}
		if err := readJSON(blob(d), &m); err != nil {
			return nil, err
		}
		var cfg imageConfig
		if err := readJSON(blob(m.Config), &cfg); err != nil {
			return nil, err
		}
		for _, l := range m.Layers {
			if err := untar(blob(l), root, true); err != nil {
				return nil, err
			}
		}
		return &cfg, nil
	}
	return nil, fmt.Errorf("%s has no image manifest", tarball)
}

type descriptor struct {
	MediaType   string
	Digest      string
	Annotations map[string]string
}

type imageConfig struct {
	Config struct {
		Entrypoint, Cmd, Env []string
		User                 string
	}
}

func readJSON(p string, v any) error {
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// untar extracts regular files, directories and symlinks, nothing outside dst.
func untar(p, dst string, maybeGzip bool) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); maybeGzip && len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return err
		}
		r = gz
	}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean("/" + h.Name)
		target := filepath.Join(dst, name)
		if base := filepath.Base(name); strings.HasPrefix(base, ".wh.") {
			os.RemoveAll(filepath.Join(filepath.Dir(target), strings.TrimPrefix(base, ".wh.")))
			continue
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			os.MkdirAll(filepath.Dir(target), 0o755)
			os.Remove(target)
			out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode)&0o777|0o200)
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, tr); err != nil {
				out.Close()
				return err
			}
			out.Close()
		case tar.TypeSymlink:
			os.MkdirAll(filepath.Dir(target), 0o755)
			os.Remove(target)
			os.Symlink(h.Linkname, target)
		}
	}
}

// runEntrypoint runs the image's entrypoint with args in its rootfs (chroot,
// with the image's env), the way a container would start it.
func runEntrypoint(ctx context.Context, root string, cfg *imageConfig, args []string) cmdResult {
	argv := append(append([]string{}, cfg.Config.Entrypoint...), args...)
	if len(argv) == 0 {
		return cmdResult{err: fmt.Errorf("the image has no entrypoint")}
	}
	for _, d := range []string{"dev", "proc", "tmp"} {
		os.MkdirAll(filepath.Join(root, d), 0o1777)
	}
	// /dev/null is the one device Go programs commonly open.
	if f, err := os.OpenFile(filepath.Join(root, "dev/null"), os.O_CREATE|os.O_WRONLY, 0o666); err == nil {
		f.Close()
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "chroot", append([]string{root}, argv...)...)
	cmd.Env = append(cfg.Config.Env, "HOME=/tmp")
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	start := time.Now()
	err := cmd.Run()
	return cmdResult{out: buf.String(), took: time.Since(start), err: err}
}

// dockerfileBase is the base of the best-practice Dockerfile: the Gopherfile's
// base image, or for the built-in static base the distroless image whose
// layout it has.
func dockerfileBase(p *plan.Plan) string {
	if p.Image.Builtin {
		return spec.DefaultBase
	}
	return p.Image.Base
}
