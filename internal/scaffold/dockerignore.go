package scaffold

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"

	"github.com/gopherfile/gopherfile/internal/safefile"
)

// GopherfileIgnore is the ignore file BuildKit reads for a build file named
// Gopherfile instead of .dockerignore (<build file>.dockerignore).
const GopherfileIgnore = "Gopherfile.dockerignore"

// checkDockerignore: many projects' .dockerignore is written for a
// Dockerfile that copies a prebuilt binary ("*" then "!coredns"), and
// leaves go.mod or the sources out of the build context. Then init writes
// Gopherfile.dockerignore, which BuildKit reads instead for this build file.
func (p *Project) checkDockerignore(fsys fs.FS) {
	data, err := safefile.ReadFile(fsys, ".dockerignore", safefile.MaxConfig)
	if err != nil {
		return
	}
	if _, err := fs.Stat(fsys, GopherfileIgnore); err == nil {
		return // the project has its own
	}
	patterns, err := ignorefile.ReadAll(bytes.NewReader(data))
	if err != nil {
		return
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return
	}
	need := []string{path.Join(p.ModuleDir, "go.mod")}
	for _, b := range p.Builds {
		dir := path.Join(p.ModuleDir, b.Main)
		entries, err := fs.ReadDir(fsys, dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.IsDir() && path.Ext(e.Name()) == ".go" {
				need = append(need, path.Join(dir, e.Name()))
				break
			}
		}
	}
	for _, f := range need {
		if excluded, err := pm.MatchesOrParentMatches(f); err == nil && excluded {
			p.Ignore = fmt.Sprintf("# Written by `gopherfile init`: BuildKit reads this file instead of .dockerignore\n"+
				"# for the build file Gopherfile. The project's .dockerignore leaves %s out of\n"+
				"# the build context (it is written for a Dockerfile that copies a prebuilt binary).\n"+
				".git\n", f)
			p.Notes = append(p.Notes, fmt.Sprintf(".dockerignore leaves %s out of the build context, so init writes %s (BuildKit reads it instead for Gopherfile) with only .git in it", f, GopherfileIgnore))
			return
		}
	}
}
