package step

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gopherfile/gopherfile/internal/safefile"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// The download record is how an offline step knows that the module cache
// mount still holds what the download step fetched. BuildKit keeps the
// download step's cached result after it garbage-collects the cache mount
// (cache mounts unused for 48 hours go first), so a cached download step
// says nothing about the mount. The download step writes a record (the hash
// of the dependency files) to its own output, which the offline steps mount
// read-only (an ordering edge and a content-based cache key), and a marker
// named after that hash into the cache mount. An offline step that finds
// the record but not the marker exits with stepconfig.ExitCacheLost.

const recordFile = stepconfig.RecordFile

// recordHash is the hash of the dependency files.
func recordHash(r *stepconfig.Record) string {
	files := append([]string(nil), r.Files...)
	sort.Strings(files)
	sum := sha256.New()
	for _, f := range files {
		fmt.Fprintf(sum, "%s\x00", f)
		if dt, err := safefile.ReadPath(filepath.Join(r.SrcDir, f), safefile.MaxGoMod); err == nil {
			sum.Write(dt)
		} else {
			sum.Write([]byte("\x01absent"))
		}
		sum.Write([]byte{0})
	}
	return hex.EncodeToString(sum.Sum(nil))[:32]
}

// writeRecord writes the record and the marker after a successful download.
func writeRecord(r *stepconfig.Record) error {
	hash := recordHash(r)
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		return fmt.Errorf("writing the download record: %w", err)
	}
	body := "gopherfile download record\n" + hash + "\n" + strings.Join(r.Files, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(r.Dir, recordFile), []byte(body), 0o644); err != nil {
		return fmt.Errorf("writing the download record: %w", err)
	}
	if r.Markers == "" {
		return nil
	}
	if err := os.MkdirAll(r.Markers, 0o755); err != nil {
		return fmt.Errorf("writing the module cache marker: %w", err)
	}
	if err := os.WriteFile(filepath.Join(r.Markers, hash), nil, 0o644); err != nil {
		return fmt.Errorf("writing the module cache marker: %w", err)
	}
	return nil
}

// cacheLost reports whether the module cache mount lost what the download
// step recorded.
func cacheLost(r *stepconfig.Record) bool {
	if r == nil || r.Markers == "" {
		return false
	}
	dt, err := os.ReadFile(filepath.Join(r.Dir, recordFile))
	if err != nil {
		return false // no record: a download step of an older frontend
	}
	lines := strings.SplitN(string(dt), "\n", 3)
	if len(lines) < 2 || lines[1] == "" {
		return false
	}
	_, err = os.Stat(filepath.Join(r.Markers, lines[1]))
	return os.IsNotExist(err)
}

// checkCache makes an offline step exit with ExitCacheLost when the module
// cache mount lost the recorded modules; it returns false then.
func (h *helper) checkCache() bool {
	if !cacheLost(h.cfg.Record) {
		return true
	}
	h.printf("gopherfile: the module cache mount no longer holds the modules the download step fetched for this go.mod and go.sum " +
		"(catalogue row 18, cache mount lost): BuildKit garbage-collected or pruned the cache mount after the download step's result was cached. " +
		"Gopherfile runs the download step again and retries this step.")
	return false
}
