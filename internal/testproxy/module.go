package testproxy

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

// Module is a fixture module served by the proxy. Files maps slash-separated
// paths relative to the module root to their contents. If Files has no
// "go.mod", the proxy generates "module Path\n\ngo 1.22\n".
type Module struct {
	Path    string
	Version string
	Files   map[string]string
}

// built is a fixture module in the form the proxy serves it.
type built struct {
	path, version string
	info          []byte // JSON for the .info endpoint
	mod           []byte // the go.mod file
	zip           []byte // the module zip
	tampered      []byte // a valid zip whose hash differs from zipSum
	zipSum        string // h1: hash of zip
	modSum        string // h1: hash of mod
	time          time.Time
}

// fixtureTime is the base commit time of fixture modules; each module's
// time is offset so that @latest ordering by time is also deterministic.
var fixtureTime = time.Date(2024, time.January, 2, 15, 4, 5, 0, time.UTC)

func build(m Module, seq int) (*built, error) {
	if err := module.Check(m.Path, m.Version); err != nil {
		return nil, fmt.Errorf("testproxy: invalid module: %w", err)
	}
	files := make(map[string]string, len(m.Files)+1)
	for name, content := range m.Files {
		files[name] = content
	}
	if _, ok := files["go.mod"]; !ok {
		files["go.mod"] = "module " + m.Path + "\n\ngo 1.22\n"
	}
	b := &built{
		path:    m.Path,
		version: m.Version,
		mod:     []byte(files["go.mod"]),
		time:    fixtureTime.Add(time.Duration(seq) * time.Minute),
	}
	mv := module.Version{Path: m.Path, Version: m.Version}

	var err error
	if b.zip, err = makeZip(mv, files, b.time); err != nil {
		return nil, err
	}
	tamperedFiles := make(map[string]string, len(files)+1)
	for name, content := range files {
		tamperedFiles[name] = content
	}
	tamperedFiles["tampered.txt"] = "this file was not in the published version\n"
	if b.tampered, err = makeZip(mv, tamperedFiles, b.time); err != nil {
		return nil, err
	}
	if b.zipSum, err = hashZip(b.zip); err != nil {
		return nil, err
	}
	b.modSum, err = dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b.mod)), nil
	})
	if err != nil {
		return nil, fmt.Errorf("testproxy: hashing go.mod of %s: %w", mv, err)
	}
	b.info, err = json.Marshal(struct {
		Version string
		Time    time.Time
	}{m.Version, b.time})
	if err != nil {
		return nil, fmt.Errorf("testproxy: encoding info of %s: %w", mv, err)
	}
	return b, nil
}

// makeZip creates a module zip with the layout the go command expects
// (every file under "path@version/").
func makeZip(mv module.Version, files map[string]string, mtime time.Time) ([]byte, error) {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	zfiles := make([]modzip.File, 0, len(names))
	for _, name := range names {
		zfiles = append(zfiles, memFile{name: name, data: files[name], mtime: mtime})
	}
	var buf bytes.Buffer
	if err := modzip.Create(&buf, mv, zfiles); err != nil {
		return nil, fmt.Errorf("testproxy: creating zip for %s: %w", mv, err)
	}
	return buf.Bytes(), nil
}

// hashZip computes the h1: hash of a module zip held in memory, exactly as
// dirhash.HashZip does for a zip file on disk.
func hashZip(data []byte) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", fmt.Errorf("testproxy: reading zip: %w", err)
	}
	var names []string
	byName := make(map[string]*zip.File)
	for _, f := range zr.File {
		names = append(names, f.Name)
		byName[f.Name] = f
	}
	h, err := dirhash.Hash1(names, func(name string) (io.ReadCloser, error) {
		f, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("file %q not found in zip", name)
		}
		return f.Open()
	})
	if err != nil {
		return "", fmt.Errorf("testproxy: hashing zip: %w", err)
	}
	return h, nil
}

// memFile is an in-memory file for golang.org/x/mod/zip.Create.
type memFile struct {
	name  string
	data  string
	mtime time.Time
}

func (f memFile) Path() string                 { return f.name }
func (f memFile) Lstat() (fs.FileInfo, error)  { return memInfo(f), nil }
func (f memFile) Open() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(f.data)), nil }

// memInfo is the fs.FileInfo of a memFile.
type memInfo memFile

func (i memInfo) Name() string       { return path.Base(i.name) }
func (i memInfo) Size() int64        { return int64(len(i.data)) }
func (i memInfo) Mode() fs.FileMode  { return 0o644 }
func (i memInfo) ModTime() time.Time { return i.mtime }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
