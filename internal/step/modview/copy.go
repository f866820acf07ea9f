package modview

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopherfile/gopherfile/internal/dirsum"
)

// Part is which files of each module a view holds. A compile reads no
// test of a dependency: the build part leaves out the _test.go files and
// the testdata directories (about 40 % of a module cache's files). Either
// part reads and hashes every file of a module: each is verified against
// the whole go.sum hash.
type Part int

const (
	// PartAll is every file of each module.
	PartAll Part = iota
	// PartBuild is what a compile may read: every file but the _test.go
	// files and the testdata directories. A module with a //go:embed
	// directive in a non-test .go file keeps its testdata directories
	// (an embed pattern may name one).
	PartBuild
)

// ParsePart reads a Part from its name ("", "all", "build").
func ParsePart(name string) (Part, error) {
	switch name {
	case "", "all":
		return PartAll, nil
	case "build":
		return PartBuild, nil
	}
	return PartAll, fmt.Errorf("unknown module view part %q", name)
}

// fileClass is what a module file is to the parts.
type fileClass int

const (
	classBuild    fileClass = iota
	classTestGo             // a _test.go file outside testdata
	classTestdata           // a file in a testdata directory
)

func classify(rel string) fileClass {
	dirs := strings.Split(filepath.ToSlash(filepath.Dir(rel)), "/")
	for _, d := range dirs {
		if d == "testdata" {
			return classTestdata
		}
	}
	if strings.HasSuffix(rel, "_test.go") {
		return classTestGo
	}
	return classBuild
}

// writes reports whether part holds a file of class c; testdata files
// are decided once the whole module has been read (keepData: the module
// embeds files).
func (part Part) writes(c fileClass, keepData bool) bool {
	return part == PartAll || c == classBuild || c == classTestdata && keepData
}

// modCopy is the copy of one module directory under way.
type modCopy struct {
	src, tmp string
	sums     map[string][sha256.Size]byte // by slash path relative to src
	written  int
	size     int64
	embeds   bool     // a non-test .go file holds a //go:embed directive
	later    []string // testdata files read but not yet written
}

// copyVerified copies the files of part of the extracted module directory
// src to dst (through a temporary directory beside it). Every file is read
// once and hashed as it is copied; the h1 hash of all of them, written or
// not, must be go.sum's: what is verified is what the later steps read.
func copyVerified(src, dst, prefix, want string, part Part) (int, int64, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return 0, 0, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dst), ".modview-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(tmp)
	c := &modCopy{src: src, tmp: tmp, sums: map[string][sha256.Size]byte{}}
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if !d.Type().IsRegular() {
			return &MismatchError{Module: prefix, Want: want, Got: fmt.Sprintf("%s, which is not a regular file (%s)", filepath.ToSlash(rel), d.Type())}
		}
		class := classify(rel)
		if class == classTestdata && part != PartAll {
			c.later = append(c.later, rel)
			return c.file(rel, false, false)
		}
		return c.file(rel, part.writes(class, false), class == classBuild && strings.HasSuffix(rel, ".go"))
	})
	if err != nil {
		return 0, 0, err
	}
	if part.writes(classTestdata, c.embeds) {
		for _, rel := range c.later {
			first := c.sums[filepath.ToSlash(rel)]
			if err := c.file(rel, true, false); err != nil {
				return 0, 0, err
			}
			if c.sums[filepath.ToSlash(rel)] != first {
				return 0, 0, &MismatchError{Module: prefix, Want: want, Got: fmt.Sprintf("%s, which changed while it was copied", filepath.ToSlash(rel))}
			}
		}
	}
	hexSums := make(map[string]string, len(c.sums))
	for name, sum := range c.sums {
		hexSums[prefix+"/"+name] = hex.EncodeToString(sum[:])
	}
	got, err := dirsum.Hash1(hexSums)
	if err != nil {
		return 0, 0, err
	}
	if got != want {
		return 0, 0, &MismatchError{Module: prefix, Want: want, Got: got}
	}
	if err := os.Rename(tmp, dst); err != nil {
		return 0, 0, err
	}
	return c.written, c.size, nil
}

// file reads one file of the module, hashes it and, if write, copies it
// (read-only, as in the module cache); scan looks for //go:embed in it.
func (c *modCopy) file(rel string, write, scan bool) error {
	in, err := os.Open(filepath.Join(c.src, rel))
	if err != nil {
		return err
	}
	defer in.Close()
	h := sha256.New()
	var w io.Writer = h
	var out *os.File
	if write {
		dst := filepath.Join(c.tmp, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if out, err = os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444); err != nil {
			return err
		}
		defer out.Close()
		w = io.MultiWriter(h, out)
	}
	var n int64
	if scan {
		var dt []byte
		if dt, err = io.ReadAll(in); err == nil {
			c.embeds = c.embeds || bytes.Contains(dt, []byte("//go:embed"))
			var m int
			m, err = w.Write(dt)
			n = int64(m)
		}
	} else {
		n, err = io.Copy(w, in)
	}
	if err == nil && out != nil {
		err = out.Close()
	}
	if err != nil {
		return err
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	c.sums[filepath.ToSlash(rel)] = sum
	if write {
		c.written++
		c.size += n
	}
	return nil
}
