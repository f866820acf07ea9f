package step

import (
	"archive/zip"
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// The root step writes the files of the minimal root the go steps run on,
// and of the built-in static base of the runtime image: the layout of a
// distroless static image, from sources carried by this binary or by the
// Go toolchain, never from an image.
//
//	etc/passwd, etc/group     root, nonroot (65532) and nobody
//	etc/nsswitch.conf         hosts: files dns
//	etc/ssl/certs/ca-certificates.crt
//	                          the Mozilla roots of golang.org/x/crypto/x509roots/fallback
//	                          (the version in this frontend's go.mod), without the roots
//	                          that carry a distrust-after date a PEM bundle cannot express
//	tmp (1777), root (0700), home/nonroot (0700, 65532)
//	usr/share/zoneinfo        with RootOpts.Zoneinfo: the time zones of the Go release
//	                          on PATH (its lib/time/zoneinfo.zip, what time/tzdata embeds)

// Users of the minimal root and the static base.
const (
	passwd    = "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
	group     = "root:x:0:\nnonroot:x:65532:\nnobody:x:65534:\n"
	nsswitch  = "passwd: files\ngroup: files\nhosts: files dns\n"
	nonrootID = 65532
)

// CABundlePath is where the CA certificates go.
const CABundlePath = "etc/ssl/certs/ca-certificates.crt"

// root is the root step.
func (h *helper) root(ctx context.Context) int {
	out := h.cfg.OutDir
	if out == "" {
		h.printf("gopherfile: the root step has no output directory")
		return 2
	}
	if err := writeRoot(out); err != nil {
		h.printf("gopherfile: writing the root file system: %v", err)
		return 1
	}
	if h.cfg.Root != nil && h.cfg.Root.Zoneinfo {
		n, err := h.zoneinfo(ctx, filepath.Join(out, "usr/share/zoneinfo"))
		if err != nil {
			h.printf("gopherfile: writing the time zone database: %v", err)
			return 1
		}
		h.printf("gopherfile: %d time zones from the Go toolchain's lib/time/zoneinfo.zip", n)
	}
	return 0
}

// writeRoot writes everything but the time zones.
func writeRoot(out string) error {
	type dir struct {
		path string
		mode os.FileMode
		uid  int
	}
	for _, d := range []dir{{"etc/ssl/certs", 0o755, 0}, {"tmp", os.ModeSticky | 0o777, 0}, {"root", 0o700, 0}, {"home/nonroot", 0o700, nonrootID}} {
		p := filepath.Join(out, d.path)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		if err := os.Chmod(p, d.mode); err != nil {
			return err
		}
		if err := os.Lchown(p, d.uid, d.uid); err != nil {
			return err
		}
	}
	files := map[string]string{"etc/passwd": passwd, "etc/group": group, "etc/nsswitch.conf": nsswitch, CABundlePath: rootsBundle()}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(out, name), []byte(data), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// rootsBundle is the PEM bundle of the unconstrained roots this binary carries.
func rootsBundle() string {
	var b strings.Builder
	for r := range bundle.Roots() {
		if r.Constraint != nil {
			continue
		}
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate})
	}
	return b.String()
}

// zoneinfo unpacks $GOROOT/lib/time/zoneinfo.zip of the go command on PATH
// into dir and returns the number of zones.
func (h *helper) zoneinfo(ctx context.Context, dir string) (int, error) {
	cmd := exec.CommandContext(ctx, "go", "env", "GOROOT")
	cmd.Env = h.env
	goroot, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("go env GOROOT: %w (the builder needs a go command)", err)
	}
	src := filepath.Join(strings.TrimSpace(string(goroot)), "lib", "time", "zoneinfo.zip")
	zr, err := zip.OpenReader(src)
	if os.IsNotExist(err) {
		// A Go packaged without it (some distributions): the builder
		// image's own time zones, if it has them.
		return copyZones("/usr/share/zoneinfo", dir, err)
	}
	if err != nil {
		return 0, err
	}
	defer zr.Close()
	n := 0
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		if !filepath.IsLocal(f.Name) || !f.Mode().IsRegular() && f.Mode().Type() != 0 {
			return n, fmt.Errorf("%s holds the unsafe entry %q", src, f.Name)
		}
		if err := unzipFile(f, filepath.Join(dir, filepath.FromSlash(f.Name))); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func unzipFile(f *zip.File, target string) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	in, err := f.Open()
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// copyZones copies the regular files of a zoneinfo directory (links are
// left out); notFound is returned when there is none.
func copyZones(src, dst string, notFound error) (int, error) {
	if fi, err := os.Stat(src); err != nil || !fi.IsDir() {
		return 0, fmt.Errorf("%w, and the builder has no %s", notFound, src)
	}
	n := 0
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		if err := copyFile(p, filepath.Join(dst, rel), 0o644); err != nil {
			return err
		}
		n++
		return nil
	})
	return n, err
}
