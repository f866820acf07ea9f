package step

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/dirhash"

	"github.com/gopherfile/gopherfile/internal/vulndb"
)

// downloaded is what `go mod download -json` says of one module.
type downloaded struct {
	Path    string
	Version string
	Error   string
	Info    string
	Zip     string
	Sum     string
}

// convertVulnDB turns the vulnerability database module the step just
// downloaded (out is go mod download -json's output) into govulncheck's
// database layout in the step's output. It reads the module zip, not the
// extracted tree (nothing but regular files, no links), after checking
// that the zip still has the hash the go command verified.
func (h *helper) convertVulnDB(out []byte) error {
	o := h.cfg.Vuln
	var d downloaded
	if err := json.Unmarshal(out, &d); err != nil {
		return fmt.Errorf("reading go mod download -json: %w", err)
	}
	if d.Error != "" {
		return fmt.Errorf("%s@%s: %s", o.Module, o.Version, d.Error)
	}
	if d.Path != o.Module || d.Version != o.Version || d.Zip == "" || d.Sum == "" {
		return fmt.Errorf("go mod download -json reported %s@%s (zip %q, sum %q), not %s@%s", d.Path, d.Version, d.Zip, d.Sum, o.Module, o.Version)
	}
	sum, err := dirhash.HashZip(d.Zip, dirhash.Hash1)
	if err != nil {
		return fmt.Errorf("hashing %s: %w", d.Zip, err)
	}
	if sum != d.Sum {
		return fmt.Errorf("%s@%s: the module zip in the module cache has the hash %s, but the go command verified %s: the module cache was changed; run the build with --no-cache", o.Module, o.Version, sum, d.Sum)
	}
	at, err := infoTime(d.Info)
	if err != nil {
		return err
	}
	zr, err := zip.OpenReader(d.Zip)
	if err != nil {
		return fmt.Errorf("opening %s: %w", d.Zip, err)
	}
	defer zr.Close()
	root, err := fs.Sub(zr, o.Module+"@"+o.Version)
	if err != nil {
		return err
	}
	start := time.Now()
	meta, err := vulndb.Convert(root, o.DB, o.Version, at)
	if err != nil {
		return err
	}
	h.printf("gopherfile: vulnerability database %s@%s (%s, %s): %d entries for %d modules, converted in %s",
		meta.Module, meta.Version, d.Sum, meta.Time.Format("2006-01-02"), meta.Entries, meta.Modules, time.Since(start).Round(time.Millisecond))
	return nil
}

// infoTime reads the commit time from a module's .info file.
func infoTime(path string) (time.Time, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading the module's .info: %w", err)
	}
	var info struct{ Time time.Time }
	if err := json.Unmarshal(data, &info); err != nil || info.Time.IsZero() {
		return time.Time{}, fmt.Errorf("the module's .info %s has no time (%v)", path, err)
	}
	return info.Time, nil
}

// installTool builds the tool the step's go install -n fetched: the same
// command without -n, outside modules.timeout, so that the compile (minutes
// on a busy builder) does not count against it. Its modules are in the
// module cache; the go command still asks goproxy (the upstream GOPROXY,
// not the loopback proxies, whose deadline has passed) whether the module
// is deprecated.
func (h *helper) installTool(ctx context.Context, goproxy string) int {
	var args []string
	for _, a := range h.cfg.Args {
		if a != "-n" {
			args = append(args, a)
		}
	}
	h.setenv("GOPROXY", goproxy)
	start := time.Now()
	res := h.runGo(ctx, goRun{args: args})
	if !res.ok() {
		h.printf("gopherfile: go %s failed after its modules were fetched", strings.Join(args, " "))
		return exitCode(res)
	}
	h.printf("gopherfile: go %s: built in %s", strings.Join(args, " "), time.Since(start).Round(time.Second))
	return 0
}

// lastLines is the end of s, at most n lines.
func lastLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "")
}
