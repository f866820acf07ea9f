package scaffold

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/gosrc"
)

// detectCgo decides cgo for the builds, unless the release config did: a
// package the build compiles that has no Go files without cgo, or a
// dependency known to need it. It asks `go list -deps` when the go command
// and the module cache can answer, else reads the tree (the module, vendor/,
// local replaces and workspace modules).
func (p *Project) detectCgo(root string, tree gosrc.Tree, mods []*module, chosen *module, opt Options) {
	if p.CGO || p.CGOWhy != "" || len(p.Builds) == 0 {
		return
	}
	for _, b := range p.Builds {
		why, ok := cgoByGoList(root, chosen, b, p.Work != nil, p.Vendored, opt)
		if !ok {
			why = cgoByFiles(tree, mods, chosen, b, p.Vendored)
		}
		if why != "" {
			p.CGO, p.CGOWhy = true, why
			return
		}
	}
}

// cgoByGoList runs go list -deps with CGO_ENABLED=0 and no network: a
// package whose files all need cgo shows as "build constraints exclude all
// Go files". ok is false when go list cannot answer (no go command, modules
// not in the cache).
func cgoByGoList(root string, m *module, b Build, work, vendored bool, opt Options) (why string, ok bool) {
	if opt.GoCommand == "" || m.facts.Go == "" || len(b.Env) > 0 {
		return "", false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := []string{"list", "-e", "-deps", "-f", "{{.ImportPath}}\t{{.Standard}}\t{{len .GoFiles}}\t{{with .Error}}{{.Err}}{{end}}"}
	if len(b.Tags) > 0 {
		args = append(args, "-tags="+strings.Join(b.Tags, ","))
	}
	args = append(args, b.Main)
	cmd := exec.CommandContext(ctx, opt.GoCommand, args...)
	cmd.Dir = filepath.Join(root, filepath.FromSlash(m.dir))
	mod := "-mod=readonly"
	if vendored {
		mod = "-mod=vendor"
	}
	cmd.Env = append(os.Environ(), goenv.CGO_ENABLED+"=0", goenv.GOOS+"=linux", goenv.GOARCH+"=amd64", goenv.GOPROXY+"=off", goenv.GOFLAGS+"="+mod, goenv.GOTOOLCHAIN+"=local")
	if !work {
		cmd.Env = append(cmd.Env, goenv.GOWORK+"=off")
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return "", false
	}
	var need []string
	for _, line := range strings.Split(out.String(), "\n") {
		f := strings.SplitN(line, "\t", 4)
		if len(f) < 4 || f[1] == "true" {
			continue
		}
		if w, known := gosrc.KnownCgo(f[0]); known {
			return fmt.Sprintf("%s (go list -deps %s)", w, b.Main), true
		}
		switch {
		case f[3] == "" && f[2] == "0": // (only test files build)
			need = append(need, f[0])
		case f[3] == "":
		case strings.Contains(f[3], "build constraints exclude all Go files"):
			need = append(need, f[0])
		default:
			return "", false // a module missing from the cache: go list cannot tell
		}
	}
	if len(need) > 0 {
		return fmt.Sprintf("%s has Go files only with cgo (go list -deps %s)", need[0], b.Main), true
	}
	return "", true
}

// cgoByFiles walks the packages of the build that the tree has.
func cgoByFiles(tree gosrc.Tree, mods []*module, chosen *module, b Build, vendored bool) string {
	start := path.Join(chosen.dir, b.Main)
	// import path prefix → tree dir: the workspace modules and local replaces.
	roots := map[string]string{}
	for _, m := range mods {
		roots[m.facts.Path] = m.dir
	}
	for _, r := range chosen.facts.LocalReplaces {
		dir := path.Join(chosen.dir, r)
		if mm, err := readModule(tree.FS, dir); err == nil {
			roots[mm.facts.Path] = dir
		}
	}
	prefixes := make([]string, 0, len(roots))
	for p := range roots {
		prefixes = append(prefixes, p)
	}
	sort.Slice(prefixes, func(i, j int) bool { return len(prefixes[i]) > len(prefixes[j]) })
	dirOf := func(imp string) string {
		for _, p := range prefixes {
			if imp == p {
				return roots[p]
			}
			if strings.HasPrefix(imp, p+"/") {
				return path.Join(roots[p], strings.TrimPrefix(imp, p+"/"))
			}
		}
		if vendored {
			d := path.Join(chosen.dir, "vendor", imp)
			if tree.Exists(d) {
				return d
			}
		}
		return ""
	}
	seen := map[string]bool{start: true}
	queue := []string{start}
	for len(queue) > 0 {
		dir := queue[0]
		queue = queue[1:]
		without, err := tree.Load(dir, gosrc.Config{Tags: b.Tags})
		if err != nil {
			continue
		}
		if without.Name == "" {
			with, err := tree.Load(dir, gosrc.Config{Tags: b.Tags, CGO: true})
			if err == nil && len(with.CgoFiles) > 0 {
				return fmt.Sprintf("%s has Go files only with cgo (%s)", dir, strings.Join(with.CgoFiles, ", "))
			}
			continue
		}
		for _, imp := range without.Imports {
			if w, known := gosrc.KnownCgo(imp); known {
				return fmt.Sprintf("%s (imported by %s)", w, dir)
			}
			if d := dirOf(imp); d != "" && !seen[d] {
				seen[d] = true
				queue = append(queue, d)
			}
		}
	}
	return ""
}
