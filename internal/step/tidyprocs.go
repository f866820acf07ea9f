package step

import (
	"os"
	"path/filepath"

	"golang.org/x/mod/module"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/gosum"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// tidyFetches reports whether the tidy check's go command will fetch
// modules: the shared module cache lacks the zip of a module version that
// the tree's go.sum files name. The tidy check runs beside the download
// step, and the go command lets one process at a time fetch a module
// version: at go's default GOMAXPROCS (two fetches at a time on a 2-core
// builder) the check would hold back the download. A tidy check that only
// reads (an edited .go file, the modules already there) keeps go's default,
// which weighs little beside the compile (KindInfo.Background).
func (h *helper) tidyFetches() bool {
	n := h.cfg.Net
	if h.cfg.Kind != stepconfig.TidyCheck || n == nil {
		return false
	}
	modcache, ok := h.getenv(goenv.GOMODCACHE) // the graph always sets it
	if !ok || modcache == "" {
		return false
	}
	var sums []string
	for _, f := range n.TreeFiles {
		if b := filepath.Base(f); b == "go.sum" || b == "go.work.sum" {
			sums = append(sums, filepath.Join(n.SrcDir, f))
		}
	}
	return lacksModules(modcache, sums)
}

// lacksModules reports whether modcache lacks the zip (its .ziphash, which
// the go command writes once the zip is checked) of a module version that a
// go.sum file has a zip hash for. The files were checked to be regular
// files of the tree (checkTree) before this reads them; one that cannot be
// read counts as lacking (the go command will say what is wrong with it).
func lacksModules(modcache string, sumFiles []string) bool {
	entries, err := gosum.ReadFiles(sumFiles...)
	if err != nil {
		return true
	}
	for _, e := range entries {
		if e.Zip == "" {
			continue
		}
		escPath, err1 := module.EscapePath(e.Path)
		escVersion, err2 := module.EscapeVersion(e.Version)
		if err1 != nil || err2 != nil {
			continue
		}
		zh := filepath.Join(modcache, "cache", "download", filepath.FromSlash(escPath), "@v", escVersion+".ziphash")
		if _, err := os.Lstat(zh); err != nil {
			return true
		}
	}
	return false
}
