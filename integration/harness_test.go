//go:build integration

// Package integration builds real images with Gopherfile on a real buildkitd
// (started by hack/up.sh), unpacks them and runs the binaries. Run it with
// `make test`; it never skips: a missing daemon is a failure.
package integration

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
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

var (
	repoRoot string
	cliBin   string
	addr     = os.Getenv("GF_BUILDKIT_ADDR")
	builder  = os.Getenv("GF_BUILDX_BUILDER")
	frontImg = os.Getenv("GF_FRONTEND_IMAGE")
	registry = os.Getenv("GF_REGISTRY")
)

func TestMain(m *testing.M) {
	_, file, _, _ := runtime.Caller(0)
	repoRoot = filepath.Dir(filepath.Dir(file))
	if addr == "" || builder == "" || frontImg == "" {
		fmt.Fprintln(os.Stderr, "integration tests need the test environment: run them with `make test` (it runs hack/up.sh and sources hack/env.sh)")
		os.Exit(1)
	}
	tmp, err := os.MkdirTemp("", "gopherfile-it-")
	if err != nil {
		panic(err)
	}
	cliBin = filepath.Join(tmp, "gopherfile")
	// Static, as `make build` builds it: the CLI then sends itself to the
	// build steps as the step helper.
	cmd := exec.Command("go", "build", "-o", cliBin, "./cmd/gopherfile")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Dir = repoRoot
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the CLI:", err)
		os.Exit(1)
	}
	c, err := client.New(context.Background(), addr)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err = c.ListWorkers(ctx)
		cancel()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "buildkitd at %s does not answer: %v (run hack/up.sh)\n", addr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

// result is the output of a command.
type result struct {
	out  string // stdout + stderr
	err  error
	took time.Duration
}

func run(t *testing.T, dir string, env []string, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	args = withHostCA(name, args)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	start := time.Now()
	err := cmd.Run()
	r := result{out: buf.String(), err: err, took: time.Since(start)}
	t.Logf("%s %s (in %s): %s, took %s", name, strings.Join(args, " "), dir, errString(err), r.took.Round(time.Millisecond))
	return r
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// cli runs the gopherfile CLI against the test buildkitd.
func cli(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return run(t, dir, nil, cliBin, append([]string{"build", "--addr", addr}, args...)...)
}

// buildx runs docker buildx build on the test builder.
func buildx(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return run(t, dir, nil, "docker", append([]string{"buildx", "build", "--builder", builder}, args...)...)
}

func mustOK(t *testing.T, r result) {
	t.Helper()
	if r.err != nil {
		t.Fatalf("command failed: %v\n%s", r.err, r.out)
	}
}

// copyDir copies an example (or testdata module) into a fresh temp dir.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	if !filepath.IsAbs(src) {
		src = filepath.Join(repoRoot, src)
	}
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		dt, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, dt, info.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ociImage is an unpacked image from an OCI layout tarball.
type ociImage struct {
	Index   ocispecs.Index
	Configs map[string]*dockerspec.DockerOCIImage // by platform os/arch[/variant]
	Rootfs  map[string]string                     // unpacked rootfs dir by platform
	Layers  map[string][]string                   // layer blob paths by platform
	Dir     string                                // the unpacked layout
}

func platformKey(p *ocispecs.Platform) string {
	if p == nil {
		return "unknown"
	}
	k := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		k += "/" + p.Variant
	}
	return k
}

// loadOCI unpacks an OCI layout tarball and every platform's rootfs.
func loadOCI(t *testing.T, tarball string) *ociImage {
	t.Helper()
	dir := t.TempDir()
	untar(t, tarball, dir, false)
	img := &ociImage{Configs: map[string]*dockerspec.DockerOCIImage{}, Rootfs: map[string]string{}, Layers: map[string][]string{}, Dir: dir}
	readJSON(t, filepath.Join(dir, "index.json"), &img.Index)
	var manifests []ocispecs.Descriptor
	for _, d := range img.Index.Manifests {
		if d.MediaType == ocispecs.MediaTypeImageIndex {
			var idx ocispecs.Index
			readJSON(t, blobPath(dir, d), &idx)
			manifests = append(manifests, idx.Manifests...)
		} else {
			manifests = append(manifests, d)
		}
	}
	for _, d := range manifests {
		if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
			continue
		}
		var m ocispecs.Manifest
		readJSON(t, blobPath(dir, d), &m)
		var cfg dockerspec.DockerOCIImage
		readJSON(t, blobPath(dir, m.Config), &cfg)
		key := platformKey(&cfg.Platform)
		img.Configs[key] = &cfg
		root := filepath.Join(t.TempDir(), "rootfs")
		for _, l := range m.Layers {
			img.Layers[key] = append(img.Layers[key], blobPath(dir, l))
			untar(t, blobPath(dir, l), root, true)
		}
		img.Rootfs[key] = root
	}
	return img
}

func blobPath(dir string, d ocispecs.Descriptor) string {
	return filepath.Join(dir, "blobs", d.Digest.Algorithm().String(), d.Digest.Encoded())
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	dt, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(dt, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// untar extracts a (possibly gzipped) tarball; regular files and dirs only,
// symlinks as symlinks, nothing outside dst.
func untar(t *testing.T, path, dst string, maybeGzip bool) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	if maybeGzip {
		br := r.(*bufio.Reader)
		if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
			gz, err := gzip.NewReader(br)
			if err != nil {
				t.Fatal(err)
			}
			r = gz
		}
	}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		name := filepath.Clean("/" + h.Name)
		target := filepath.Join(dst, name)
		if strings.HasPrefix(filepath.Base(name), ".wh.") {
			os.RemoveAll(filepath.Join(filepath.Dir(target), strings.TrimPrefix(filepath.Base(name), ".wh.")))
			continue
		}
		switch h.Typeflag {
		case tar.TypeDir:
			os.MkdirAll(target, 0o755)
		case tar.TypeReg:
			os.MkdirAll(filepath.Dir(target), 0o755)
			out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode)&0o777|0o200)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(out, tr); err != nil {
				t.Fatal(err)
			}
			out.Close()
		case tar.TypeSymlink:
			os.MkdirAll(filepath.Dir(target), 0o755)
			os.Remove(target)
			os.Symlink(h.Linkname, target)
		}
	}
}

// vertex is one step of a build as reported with --progress rawjson.
type vertex struct {
	Name      string
	Cached    bool
	Started   bool
	Completed bool
	Error     string
}

// statuses parses --progress rawjson output (buildx or the CLI), skipping
// the lines that are not status updates.
func statuses(out string) []client.SolveStatus {
	var sts []client.SolveStatus
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var st client.SolveStatus
		if err := json.Unmarshal([]byte(line), &st); err == nil {
			sts = append(sts, st)
		}
	}
	return sts
}

// vertices parses --progress rawjson output (buildx or the CLI) into steps by name.
func vertices(t *testing.T, out string) map[string]*vertex {
	t.Helper()
	vs := map[string]*vertex{}
	for _, st := range statuses(out) {
		for _, v := range st.Vertexes {
			cur := vs[v.Name]
			if cur == nil {
				cur = &vertex{Name: v.Name}
				vs[v.Name] = cur
			}
			cur.Cached = cur.Cached || v.Cached
			cur.Started = cur.Started || v.Started != nil
			cur.Completed = cur.Completed || v.Completed != nil
			if v.Error != "" {
				cur.Error = v.Error
			}
		}
	}
	return vs
}

// vertexLogs is the output (stdout and stderr) of the steps whose names
// contain s, from --progress rawjson.
func vertexLogs(t *testing.T, out, s string) string {
	t.Helper()
	names := map[string]string{}
	var b strings.Builder
	for _, st := range statuses(out) {
		for _, v := range st.Vertexes {
			names[v.Digest.String()] = v.Name
		}
		for _, l := range st.Logs {
			if strings.Contains(names[l.Vertex.String()], s) {
				b.Write(l.Data)
			}
		}
	}
	return b.String()
}

// step finds the step whose name contains s.
func step(t *testing.T, vs map[string]*vertex, s string) *vertex {
	t.Helper()
	for name, v := range vs {
		if strings.Contains(name, s) {
			return v
		}
	}
	names := make([]string, 0, len(vs))
	for n := range vs {
		names = append(names, n)
	}
	t.Fatalf("no step named like %q among %q", s, names)
	return nil
}

// runBinary runs a binary from an unpacked image on the host (the images are
// linux/amd64 static binaries, like the host).
func runBinary(t *testing.T, path string, args ...string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("binary not in the image: %v", err)
	}
	out, err := exec.Command(path, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("running %s: %v\n%s", path, err, out)
	}
	return string(out)
}

// hostCA is the machine's CA bundle. The go steps fetch the Go toolchain
// from the module proxy, and where the machine's network intercepts TLS
// (as on the test machines) only the machine's bundle trusts the proxy: a
// build is then given it as the cacert secret, as the README tells users
// behind such a proxy.
const hostCA = "/etc/ssl/certs/ca-certificates.crt"

// withHostCA adds the cacert secret with the machine's bundle to a build
// command (gopherfile build, docker build, docker buildx build or bake,
// buildctl build)
// that does not pass a cacert secret of its own.
func withHostCA(name string, args []string) []string {
	if _, err := os.Stat(hostCA); err != nil || len(args) == 0 {
		return args
	}
	for _, a := range args {
		if strings.Contains(a, "id=cacert") {
			return args
		}
	}
	secret := []string{"--secret", "id=cacert,src=" + hostCA}
	at := -1
	switch {
	case name == cliBin && args[0] == "build":
		at = 1
	case filepath.Base(name) == "docker" && args[0] == "build":
		at = 1
	case filepath.Base(name) == "docker" && len(args) > 1 && args[0] == "buildx" && args[1] == "build":
		at = 2
	case filepath.Base(name) == "docker" && len(args) > 1 && args[0] == "buildx" && args[1] == "bake":
		at, secret = 2, []string{"--set", "*.secrets=id=cacert,src=" + hostCA}
	case filepath.Base(name) == "buildctl":
		for i, a := range args {
			if a == "build" {
				at = i + 1
				break
			}
		}
	}
	if at < 0 {
		return args
	}
	return append(append(append([]string(nil), args[:at]...), secret...), args[at:]...)
}
