// Package vulndb turns the golang.org/x/vulndb module, as the Go module
// proxy serves it, into the database layout govulncheck reads from a
// directory (-db file:///DIR): index/db.json, index/modules.json,
// index/vulns.json and ID/<id>.json, the v1 schema of vuln.go.dev
// (golang.org/x/vuln/internal/client reads it; golang.org/x/vulndb's
// internal/database writes it).
//
// The module's data/osv folder holds one OSV entry per GO-YYYY-NNNN.json.
// Its modified and published fields are zero in the repository (vuln.go.dev
// takes them from the git history, which a module zip does not have), so the
// index dates every entry with the time of the module version's commit: the
// time the database snapshot was taken, an upper bound of each entry's real
// modification time. The entries themselves are copied unchanged.
//
// The input is data (a module is anybody's upload): entries are bounded in
// size and number, their IDs and file names must agree, and nothing but
// regular files is read.
package vulndb

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

// Module is the module path of the vulnerability database.
const Module = "golang.org/x/vulndb"

// OSVDir is the folder of the OSV entries in the module.
const OSVDir = "data/osv"

// MetaFile is the file Convert writes next to index/ and ID/ (govulncheck
// ignores it): the Meta of the database, as JSON.
const MetaFile = "gopherfile-vulndb.json"

// Limits against a hostile or broken module.
const (
	MaxEntrySize = 4 << 20
	MaxEntries   = 100000
)

// idRE is the shape of a Go vulnerability ID (GO-2022-1059).
var idRE = regexp.MustCompile(`^GO-[0-9]{4}-[0-9]{4,7}$`)

// Meta says which database a directory holds.
type Meta struct {
	// Module and Version of the vulndb module.
	Module  string `json:"module"`
	Version string `json:"version"`
	// Time is the commit time of that version: when the snapshot was taken.
	Time time.Time `json:"time"`
	// Entries and Modules count the OSV entries and the module paths they
	// name (stdlib and toolchain included).
	Entries int `json:"entries"`
	Modules int `json:"modules"`
}

// Age is how old the snapshot is at now, in whole days.
func (m Meta) Age(now time.Time) int {
	if m.Time.IsZero() || now.Before(m.Time) {
		return 0
	}
	return int(now.Sub(m.Time).Hours() / 24)
}

// entry is the part of an OSV entry the index needs.
type entry struct {
	ID        string    `json:"id"`
	Modified  time.Time `json:"modified"`
	Published time.Time `json:"published"`
	Aliases   []string  `json:"aliases,omitempty"`
	Affected  []struct {
		Package struct {
			Name string `json:"name"`
		} `json:"package"`
		Ranges []osvRange `json:"ranges"`
	} `json:"affected"`
}

type osvRange struct {
	Type   string `json:"type"`
	Events []struct {
		Introduced string `json:"introduced,omitempty"`
		Fixed      string `json:"fixed,omitempty"`
	} `json:"events"`
}

// The index files, as govulncheck's client reads them.
type (
	dbMeta struct {
		Modified time.Time `json:"modified"`
	}
	moduleMeta struct {
		Path  string       `json:"path"`
		Vulns []moduleVuln `json:"vulns"`
	}
	moduleVuln struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
		Fixed    string    `json:"fixed,omitempty"`
	}
	vulnMeta struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
		Aliases  []string  `json:"aliases,omitempty"`
	}
)

// Convert reads the OSV entries of the vulndb module in src (the module's
// root: data/osv/*.json) and writes the database to dst, which must not
// exist or be empty. version is the module version and at its commit time.
func Convert(src fs.FS, dst, version string, at time.Time) (Meta, error) {
	meta := Meta{Module: Module, Version: version, Time: at.UTC()}
	files, err := fs.ReadDir(src, OSVDir)
	if err != nil {
		return meta, fmt.Errorf("reading %s of %s@%s: %w", OSVDir, Module, version, err)
	}
	if err := os.MkdirAll(filepath.Join(dst, "ID"), 0o755); err != nil {
		return meta, err
	}
	if err := os.MkdirAll(filepath.Join(dst, "index"), 0o755); err != nil {
		return meta, err
	}
	modules := map[string]*moduleMeta{}
	var vulns []vulnMeta
	for _, f := range files {
		name := f.Name()
		if !strings.HasSuffix(name, ".json") {
			continue
		}
		if !f.Type().IsRegular() {
			return meta, fmt.Errorf("%s/%s is not a regular file", OSVDir, name)
		}
		if len(vulns) == MaxEntries {
			return meta, fmt.Errorf("%s@%s has more than %d entries", Module, version, MaxEntries)
		}
		data, err := readBounded(src, path.Join(OSVDir, name))
		if err != nil {
			return meta, err
		}
		var e entry
		if err := json.Unmarshal(data, &e); err != nil {
			return meta, fmt.Errorf("%s/%s: %w", OSVDir, name, err)
		}
		if !idRE.MatchString(e.ID) || name != e.ID+".json" {
			return meta, fmt.Errorf("%s/%s: the entry's id is %q: a file must be named after its entry's id, GO-YYYY-NNNN.json", OSVDir, name, e.ID)
		}
		modified := e.Modified
		if modified.IsZero() {
			modified = meta.Time
		}
		vulns = append(vulns, vulnMeta{ID: e.ID, Modified: modified, Aliases: e.Aliases})
		for _, a := range e.Affected {
			m := modules[a.Package.Name]
			if m == nil {
				m = &moduleMeta{Path: a.Package.Name, Vulns: []moduleVuln{}}
				modules[a.Package.Name] = m
			}
			m.Vulns = append(m.Vulns, moduleVuln{ID: e.ID, Modified: modified, Fixed: LatestFixed(a.Ranges)})
		}
		if err := os.WriteFile(filepath.Join(dst, "ID", name), data, 0o644); err != nil {
			return meta, err
		}
	}
	if len(vulns) == 0 {
		return meta, fmt.Errorf("%s@%s has no entries in %s", Module, version, OSVDir)
	}
	meta.Entries, meta.Modules = len(vulns), len(modules)
	return meta, writeIndex(dst, meta, modules, vulns)
}

func writeIndex(dst string, meta Meta, modules map[string]*moduleMeta, vulns []vulnMeta) error {
	var mods []*moduleMeta
	for _, m := range modules {
		sort.Slice(m.Vulns, func(i, j int) bool { return m.Vulns[i].ID < m.Vulns[j].ID })
		mods = append(mods, m)
	}
	sort.Slice(mods, func(i, j int) bool { return mods[i].Path < mods[j].Path })
	sort.Slice(vulns, func(i, j int) bool { return vulns[i].ID < vulns[j].ID })
	for name, v := range map[string]any{
		"index/db.json":      dbMeta{Modified: meta.Time},
		"index/modules.json": mods,
		"index/vulns.json":   vulns,
		MetaFile:             meta,
	} {
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.FromSlash(name)), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// readBounded reads a file of at most MaxEntrySize bytes.
func readBounded(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxEntrySize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(data) > MaxEntrySize {
		return nil, fmt.Errorf("%s is larger than %d MiB", name, MaxEntrySize>>20)
	}
	return data, nil
}

// LatestFixed is the version that fixes a module for good, as the index
// says it (SemVer without "v"): the latest fixed event of the SEMVER ranges,
// or "" when the vulnerability was introduced again after it, or was never
// fixed. A version at or after it is not affected; before it, the entry's
// ranges decide.
func LatestFixed(ranges []osvRange) string {
	latest := ""
	for _, r := range ranges {
		if r.Type != "SEMVER" {
			continue
		}
		for _, e := range r.Events {
			if e.Fixed != "" && less(latest, e.Fixed) {
				latest = e.Fixed
			}
		}
		for _, e := range r.Events {
			if e.Introduced != "" && e.Introduced != "0" && less(latest, e.Introduced) {
				latest = ""
				break
			}
		}
	}
	return latest
}

// less compares two OSV versions (SemVer without "v"); "" is before all.
func less(a, b string) bool {
	return semver.Compare("v"+a, "v"+b) < 0
}

// ReadMeta reads the Meta of a converted database directory.
func ReadMeta(dir string) (Meta, error) {
	var m Meta
	data, err := os.ReadFile(filepath.Join(dir, MetaFile))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("reading %s: %w", MetaFile, err)
	}
	if m.Version == "" {
		return m, errors.New(MetaFile + " names no version")
	}
	return m, nil
}
