package lint

import (
	"io/fs"
	"path"
	"regexp"
	"strings"

	"github.com/gopherfile/gopherfile/internal/safefile"
)

// RuleGenerateNeedsNetwork is a //go:generate directive that fetches a
// module at a version, which the offline generate: step cannot.
const RuleGenerateNeedsNetwork = "generate-needs-network"

// goRunAtVersion is `go run PKG@VERSION` in a //go:generate line.
var goRunAtVersion = regexp.MustCompile(`^//go:generate\s+go\s+run\s+(?:-\S+\s+)*(\S+@\S+)`)

// maxGenerateFiles bounds the .go files generateNeedsNetwork reads.
const maxGenerateFiles = 5000

// generateNeedsNetwork: with generate: on, every //go:generate go run
// PKG@VERSION under the module is reported at the generate: line: the step
// runs offline with the modules go.mod declares, so the directive would
// fail; a tool directive (go get -tool) does the same offline.
func (c *checker) generateNeedsNetwork() {
	if c.opt.Tree == nil || len(c.s.Generate) == 0 {
		return
	}
	root := path.Clean("./" + c.s.Module)
	n := 0
	fs.WalkDir(c.opt.Tree, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if name := d.Name(); p != root && (name == "vendor" || name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return fs.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		if n++; n > maxGenerateFiles {
			return fs.SkipAll
		}
		dt, err := safefile.ReadFile(c.opt.Tree, p, safefile.MaxGoFile)
		if err != nil {
			return nil
		}
		for i, line := range strings.Split(string(dt), "\n") {
			m := goRunAtVersion.FindStringSubmatch(strings.TrimSpace(line))
			if m == nil {
				continue
			}
			pkg, _, _ := strings.Cut(m[1], "@")
			c.add(RuleGenerateNeedsNetwork, LevelError, "generate",
				"%s:%d runs go run %s, which fetches a module, but go generate runs offline in the build: declare it as a tool (go get -tool %s) and write //go:generate go tool %s",
				p, i+1, m[1], m[1], path.Base(pkg))
		}
		return nil
	})
}
