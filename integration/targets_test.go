//go:build integration

package integration

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// syntaxArgs are the buildx flags that select the frontend under test.
func syntaxArgs(args ...string) []string {
	return append([]string{"--progress", "plain", "-f", "Gopherfile", "--build-arg", "BUILDKIT_SYNTAX=" + frontImg}, args...)
}

// TestBuildTargetPerBinary: --target <build name> on the two-binary multi
// example builds an image holding only that binary, as its entrypoint, with
// the Gopherfile's base and user; --call targets lists one target per build.
func TestBuildTargetPerBinary(t *testing.T) {
	dir := copyDir(t, "examples/multi")
	r := buildx(t, dir, syntaxArgs("--call", "targets", ".")...)
	mustOK(t, r)
	for _, want := range []string{"api", "worker", "binaries", "the image of worker alone"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("--call targets lacks %q:\n%s", want, r.out)
		}
	}

	for _, tt := range []struct{ target, path, gone, says string }{
		{"worker", "app/worker", "usr/local/bin/api", "worker"},
		{"api", "usr/local/bin/api", "app/worker", "api"},
	} {
		t.Run(tt.target, func(t *testing.T) {
			tarball := filepath.Join(t.TempDir(), tt.target+".tar")
			mustOK(t, buildx(t, dir, syntaxArgs("--target", tt.target, "--platform", "linux/amd64", "-o", "type=oci,dest="+tarball, ".")...))
			img := loadOCI(t, tarball)
			cfg := img.Configs["linux/amd64"]
			if cfg == nil {
				t.Fatalf("no linux/amd64 image in %v", img.Configs)
			}
			if got := strings.Join(cfg.Config.Entrypoint, " "); got != "/"+tt.path {
				t.Errorf("entrypoint %q, want /%s", got, tt.path)
			}
			if cfg.Config.User != "65532" && cfg.Config.User != "nonroot" {
				t.Errorf("user %q, want the nonroot user", cfg.Config.User)
			}
			if got := cfg.Config.Labels["org.opencontainers.image.title"]; got != tt.target {
				t.Errorf("title label %q, want %s", got, tt.target)
			}
			root := img.Rootfs["linux/amd64"]
			if _, err := os.Stat(filepath.Join(root, tt.gone)); err == nil {
				t.Errorf("the %s image also holds /%s", tt.target, tt.gone)
			}
			if _, err := os.Stat(filepath.Join(root, "etc/ssl/certs/ca-certificates.crt")); err != nil {
				t.Errorf("the runtime base (distroless) is missing: %v", err)
			}
			if out := runBinary(t, filepath.Join(root, tt.path)); !strings.Contains(out, tt.says) {
				t.Errorf("%s printed %q", tt.path, out)
			}
		})
	}
}

// TestBuildTargetFixedName: a build named like a fixed target is refused at
// its Gopherfile line, saying to rename it.
func TestBuildTargetFixedName(t *testing.T) {
	dir := copyDir(t, "examples/multi")
	writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\nbuilds:\n  - main: ./cmd/api\n  - main: ./cmd/worker\n    name: test\n")
	r := buildx(t, dir, syntaxArgs("--platform", "linux/amd64", "-o", "type=oci,dest="+filepath.Join(t.TempDir(), "x.tar"), ".")...)
	if r.err == nil {
		t.Fatalf("the build succeeded:\n%s", r.out)
	}
	for _, want := range []string{"Gopherfile line 5", `"test" is a fixed target`, "rename the build"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.out)
		}
	}
	if strings.Contains(r.out, "panic") {
		t.Errorf("panic:\n%s", r.out)
	}
}

// TestCLIPushPlatformLdflags: gopherfile build -t REF --push puts a
// two-platform image in the registry; crane reads it back; the ldflags
// templates got each platform's .Os/.Arch and the short commit.
func TestCLIPushPlatformLdflags(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/stamp\n\ngo 1.26\n")
	writeFile(t, filepath.Join(dir, "main.go"), "package main\n\nimport \"fmt\"\n\nvar platform, commit string\n\nfunc main() { fmt.Println(platform, commit) }\n")
	writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\nplatforms: [linux/amd64, linux/arm64]\nbuilds:\n  - ldflags: -X main.platform=built-for-{{.Os}}-{{.Arch}}{{.Variant}} -X main.commit={{.ShortCommit}}\n")
	ref := fmt.Sprintf("%s/gopherfile-test/stamp:%08x", registry, rand.Uint32())
	r := cli(t, dir, "--progress", "plain", "--build-arg", "COMMIT=0123456789abcdef", "-t", ref, "--push", ".")
	mustOK(t, r)

	m := run(t, dir, nil, "crane", "manifest", "--insecure", ref)
	mustOK(t, m)
	var idx struct {
		Manifests []struct {
			Platform struct{ OS, Architecture string }
		}
	}
	if err := json.Unmarshal([]byte(m.out[strings.Index(m.out, "{"):]), &idx); err != nil {
		t.Fatalf("crane manifest: %v\n%s", err, m.out)
	}
	var plats []string
	for _, d := range idx.Manifests {
		plats = append(plats, d.Platform.OS+"/"+d.Platform.Architecture)
	}
	if got := strings.Join(plats, ","); !strings.Contains(got, "linux/amd64") || !strings.Contains(got, "linux/arm64") {
		t.Errorf("pushed platforms %s", got)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		fs := filepath.Join(t.TempDir(), "fs.tar")
		mustOK(t, run(t, dir, nil, "crane", "export", "--insecure", "--platform", "linux/"+arch, ref, fs))
		root := t.TempDir()
		untar(t, fs, root, false)
		bin := filepath.Join(root, "usr/local/bin/stamp")
		dt, err := os.ReadFile(bin)
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		if !strings.Contains(string(dt), "built-for-linux-"+arch) {
			t.Errorf("the %s binary lacks its platform stamp built-for-linux-%s", arch, arch)
		}
		if arch == "amd64" {
			if out := runBinary(t, bin); strings.TrimSpace(out) != "built-for-linux-amd64 0123456" {
				t.Errorf("stamp printed %q", out)
			}
		}
	}

	// --call targets through the CLI lists the build too.
	r = cli(t, dir, "--call", "targets", ".")
	mustOK(t, r)
	if !strings.Contains(r.out, "stamp") || !strings.Contains(r.out, "binaries") {
		t.Errorf("--call targets printed:\n%s", r.out)
	}
}

// TestCLIAttestationsAndCall: gopherfile build --sbom --provenance mode=max
// attaches both attestations, as docker buildx build does; --call outline and
// --call check print the frontend's answers (check exits 1 on a warning).
func TestCLIAttestationsAndCall(t *testing.T) {
	dir := copyDir(t, "examples/multi")
	tarball := filepath.Join(t.TempDir(), "multi.tar")
	mustOK(t, cli(t, dir, "--progress", "plain", "--sbom", "--provenance=mode=max", "--platform", "linux/amd64", "-o", "type=oci,dest="+tarball, "."))
	img := loadOCI(t, tarball)
	var sbom, prov bool
	filepath.Walk(filepath.Join(img.Dir, "blobs"), func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		dt, _ := os.ReadFile(p)
		s := string(dt)
		sbom = sbom || strings.Contains(s, "SPDX-2.3") && strings.Contains(s, "pkg:golang/stdlib@")
		prov = prov || strings.Contains(s, "https://slsa.dev/provenance")
		return nil
	})
	if !sbom || !prov {
		t.Errorf("attestations in the OCI layout: SBOM %v, provenance %v", sbom, prov)
	}

	r := cli(t, dir, "--call", "outline", ".")
	mustOK(t, r)
	if !strings.Contains(r.out, "GO_VERSION") || !strings.Contains(r.out, "GOPROXY") {
		t.Errorf("--call outline printed:\n%s", r.out)
	}
	writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\nbuilds:\n  - main: ./cmd/api\nimage:\n  user: root\n")
	r = cli(t, dir, "--call", "check", ".")
	if r.err == nil || !strings.Contains(r.out, "root-user") {
		t.Errorf("--call check: %v\n%s", r.err, r.out)
	}
}
