// Package gosum reads go.sum and go.work.sum files: the h1 hashes of the
// module versions a build may use. Every step that reads go.sum (the module
// view, the download's progress line, the tidy check's fetch estimate, the
// doctor's probe) reads it here, bounded, since the file comes from the
// build context.
package gosum

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"golang.org/x/mod/module"

	"github.com/gopherfile/gopherfile/internal/safefile"
)

// Entry is what go.sum says about one module version.
type Entry struct {
	Path, Version string
	// Zip is the h1 hash of the module's files, Mod the h1 hash of its
	// go.mod file; "" when go.sum has no such line.
	Zip, Mod string
}

// String is path@version.
func (e Entry) String() string { return e.Path + "@" + e.Version }

// Parse reads the lines of go.sum files (data, one after the other) into
// one entry per module version, sorted by path and version. A line that is
// not "path version h1:..." with a valid module path and version is
// skipped: the go command refuses such a go.sum itself.
func Parse(data ...[]byte) []Entry {
	byKey := map[module.Version]*Entry{}
	for _, dt := range data {
		for line := range strings.Lines(string(dt)) {
			fields := strings.Fields(line)
			if len(fields) != 3 || !strings.HasPrefix(fields[2], "h1:") {
				continue
			}
			path, version, hash := fields[0], fields[1], fields[2]
			isMod := strings.HasSuffix(version, "/go.mod")
			version = strings.TrimSuffix(version, "/go.mod")
			if module.Check(path, version) != nil {
				continue
			}
			key := module.Version{Path: path, Version: version}
			e := byKey[key]
			if e == nil {
				e = &Entry{Path: path, Version: version}
				byKey[key] = e
			}
			if isMod {
				e.Mod = hash
			} else {
				e.Zip = hash
			}
		}
	}
	out := make([]Entry, 0, len(byKey))
	for _, e := range byKey {
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Version < out[j].Version
	})
	return out
}

// ReadFiles reads go.sum files (a missing one is skipped) and parses them
// together. Each must be a regular file of at most safefile.MaxGoMod bytes.
func ReadFiles(files ...string) ([]Entry, error) {
	var data [][]byte
	for _, name := range files {
		dt, err := safefile.ReadPath(name, safefile.MaxGoMod)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		data = append(data, dt)
	}
	return Parse(data...), nil
}
