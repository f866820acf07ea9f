package scaffold

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/safefile"
)

// skipDirs are directory names whose main packages are examples, tests,
// generators and release helpers, not the program a project ships.
var skipDirs = map[string]bool{
	"example": true, "examples": true, "_examples": true, "demo": true, "demos": true, "sample": true, "samples": true,
	"testdata": true, "test": true, "tests": true, "e2e": true, "integration": true, "fixtures": true, "testutil": true,
	"tools": true, "tool": true, "_tools": true, "hack": true, "scripts": true, "script": true, "build": true, "ci": true,
	"docs": true, "doc": true, "contrib": true, "third_party": true, "bench": true, "benchmark": true, "benchmarks": true,
	"internal": true, "gen": true, "generate": true, "codegen": true, "mock": true, "mocks": true,
}

// Scores of the ranking; the highest wins, ties go to the shallower, then
// the alphabetically first directory.
const (
	scoreRoot      = 100 // the module root
	scoreCmdName   = 95  // cmd/<last element of the module path>
	scoreReadme    = 80  // `go install MODULE/DIR@...` in the README
	scoreBuildFile = 70  // `go build ./DIR` in a Makefile or Dockerfile
	scoreCmd       = 60  // another cmd/<name>
	scoreOther     = 40  // any other main package
)

// rank scores a candidate; a score of 0 means it is skipped.
func rank(c *candidate, mentions map[string]string) (int, string) {
	rel := strings.TrimPrefix(strings.TrimPrefix(c.dir, c.mod.dir), "/")
	if c.mod.dir == "." {
		rel = c.dir
	}
	if rel == "" {
		rel = "."
	}
	name := gomod.BinaryName(c.mod.facts.Path)
	switch {
	case rel == ".":
		return scoreRoot, "the main package at the module root"
	case rel == "cmd/"+name:
		return scoreCmdName, fmt.Sprintf("cmd/%s, named like the module %s", name, c.mod.facts.Path)
	}
	for _, e := range strings.Split(rel, "/") {
		if skipDirs[e] {
			return 0, fmt.Sprintf("in a %s/ directory (examples, tests, tools and generators are not ranked)", e)
		}
	}
	if src, ok := mentions[c.dir]; ok {
		if strings.HasPrefix(strings.ToUpper(path.Base(src)), "README") {
			return scoreReadme, "named by `go install` in " + src
		}
		return scoreBuildFile, "built by " + src
	}
	if strings.HasPrefix(rel, "cmd/") && strings.Count(rel, "/") == 1 {
		return scoreCmd, "another command under cmd/"
	}
	return scoreOther, "another main package"
}

// mentionFiles are the root files whose go install / go build lines name
// the program.
var mentionFiles = regexp.MustCompile(`^(?i)(readme|install|build)(\.[a-z]+)?$|^(GNUmakefile|Makefile|Dockerfile.*)$`)

var goCmdRE = regexp.MustCompile(`\bgo\s+(install|build|run)\b[^\n]*`)

// scanMentions finds the packages the project's README, Makefile and
// Dockerfile build: `go install MODULE/DIR@v` and `go build ./DIR`. It maps
// tree-root-relative directories to the file that names them.
func scanMentions(fsys fs.FS, mods []*module) map[string]string {
	out := map[string]string{}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return out
	}
	for _, e := range entries {
		if e.IsDir() || !mentionFiles.MatchString(e.Name()) {
			continue
		}
		data, err := safefile.ReadFile(fsys, e.Name(), safefile.MaxConfig)
		if err != nil {
			continue
		}
		for _, line := range goCmdRE.FindAllString(string(data), -1) {
			for _, f := range strings.Fields(line) {
				f = strings.Trim(f, "`'\"();,")
				f, _, _ = strings.Cut(f, "@")
				dir := ""
				for _, m := range mods {
					if f == m.facts.Path {
						dir = m.dir
					} else if strings.HasPrefix(f, m.facts.Path+"/") {
						dir = path.Join(m.dir, strings.TrimPrefix(f, m.facts.Path+"/"))
					}
				}
				if dir == "" && strings.HasPrefix(f, "./") {
					dir = path.Clean(strings.TrimSuffix(f, "/..."))
					if strings.HasSuffix(dir, ".go") {
						dir = path.Dir(dir)
					}
				}
				if dir != "" && dir != "." {
					if _, seen := out[dir]; !seen {
						out[dir] = e.Name()
					}
				}
			}
		}
	}
	return out
}
