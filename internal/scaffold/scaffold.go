// Package scaffold reads a Go project's tree and decides what `gopherfile
// init` writes: the program the project ships (from its release config, else
// the best-ranked main package), cgo when the build needs it, the Go version
// the project builds with, and the module to build in a go.work workspace.
package scaffold

import (
	"errors"
	"fmt"
	gomodule "golang.org/x/mod/module"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"unicode"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/gosrc"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/safefile"
	"github.com/gopherfile/gopherfile/internal/spec"
)

// Options are the inputs that do not come from the tree.
type Options struct {
	// GoCommand is the go command init may run (`go list -deps`, to find
	// cgo use in dependencies); empty to read the files only.
	GoCommand string
}

// Build is one build of the Gopherfile.
type Build struct {
	// Name is the binary name; empty for the default (the last path element).
	Name string
	// Main is the package relative to the module dir: "." or "./cmd/x".
	Main    string
	Tags    []string
	Ldflags string
	Flags   []string
	Env     map[string]string
	// Why says where it came from, for a comment.
	Why string
	// Notes are what init left out of it.
	Notes []string
}

// Other is a main package the Gopherfile does not build, listed commented out.
type Other struct {
	// Main is relative to the module dir ("./cmd/x"), or to the tree root
	// for a package of another workspace module.
	Main string
	Why  string
}

// GoVersion is the Go version the project says it builds with.
type GoVersion struct {
	Version, File string
	// Use is false when init writes it commented out, because of Why.
	Use bool
	Why string
}

// Project is what init writes.
type Project struct {
	// ModuleDir is the module: value ("." for the tree root).
	ModuleDir  string
	ModulePath string
	Facts      *gomod.Facts
	Work       *gomod.Workspace
	Vendored   bool
	Builds     []Build
	Others     []Other
	// Release is the release config the builds come from, if any.
	Release string
	// CGO is true when the build needs cgo, CGOWhy says why (also when the
	// release config turns it off).
	CGO    bool
	CGOWhy string
	Go     *GoVersion
	// Notes are for the user: printed and written as comments.
	Notes []string
	// TidyOff turns the tidy check off, because of TidyWhy.
	TidyOff bool
	TidyWhy string
	// Ignore is the text of a Gopherfile.dockerignore to write, when the
	// project's .dockerignore leaves the sources out; empty otherwise.
	Ignore string
}

// module is one module of the tree.
type module struct {
	dir   string // slash path relative to the tree root
	facts *gomod.Facts
}

// candidate is a main package found in the tree.
type candidate struct {
	dir   string // relative to the tree root
	mod   *module
	score int
	why   string
}

// Analyze reads the tree at root.
func Analyze(root string, opt Options) (*Project, error) {
	fsys := os.DirFS(root)
	tree := gosrc.Tree{FS: fsys}
	p := &Project{ModuleDir: "."}

	var mods []*module
	if data, err := safefile.ReadFile(fsys, "go.work", safefile.MaxGoMod); err == nil || !errors.Is(err, fs.ErrNotExist) {
		if err != nil {
			return nil, fmt.Errorf("reading go.work: %w", err)
		}
		w, err := gomod.ParseWork("go.work", data)
		if err != nil {
			return nil, err
		}
		p.Work = w
		for _, u := range w.Use {
			m, err := readModule(fsys, u)
			if err != nil {
				p.Notes = append(p.Notes, fmt.Sprintf("go.work uses %s: %v", u, err))
				continue
			}
			mods = append(mods, m)
		}
		if len(mods) == 0 {
			return nil, fmt.Errorf("go.work in %s uses no module with a go.mod that init can read", root)
		}
	} else {
		m, err := readModule(fsys, ".")
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no go.mod in %s: run gopherfile init in the directory of go.mod (or of go.work), or create one with `go mod init MODULE_PATH`", root)
		}
		if err != nil {
			return nil, err
		}
		mods = []*module{m}
	}

	var cands []*candidate
	for _, m := range mods {
		dirs, err := tree.Dirs(m.dir)
		if err != nil {
			return nil, err
		}
		for _, d := range dirs {
			pkg, err := tree.Load(d, gosrc.Config{CGO: true})
			if err != nil || !pkg.IsMain() {
				continue
			}
			if rel := strings.TrimPrefix(strings.TrimPrefix(d, m.dir), "/"); rel != "" && rel != "." && gomodule.CheckImportPath(m.facts.Path+"/"+rel) != nil {
				continue // go build refuses the package (a space, a non-ASCII letter): so does the Gopherfile
			}
			cands = append(cands, &candidate{dir: d, mod: m})
		}
	}
	mentions := scanMentions(fsys, mods)
	for _, c := range cands {
		c.score, c.why = rank(c, mentions)
	}
	sort.SliceStable(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.score != b.score {
			return a.score > b.score
		}
		if da, db := strings.Count(a.dir, "/"), strings.Count(b.dir, "/"); da != db {
			return da < db
		}
		return a.dir < b.dir
	})

	projectName := gomod.BinaryName(mods[0].facts.Path)
	rc, skipped := readRelease(fsys, projectName)
	p.Notes = append(p.Notes, skipped...)
	var chosen *module
	if rc != nil {
		chosen = p.fromRelease(tree, rc, mods, projectName)
	}
	if chosen == nil {
		chosen = p.fromRanking(cands)
	}
	if chosen == nil {
		chosen = mods[0]
	}
	p.ModuleDir = chosen.dir
	p.ModulePath = chosen.facts.Path
	p.Facts = chosen.facts
	_, err := fs.Stat(fsys, path.Join(chosen.dir, "vendor/modules.txt"))
	p.Vendored = gomod.IsVendored(chosen.facts, p.Work, err == nil)
	// Other main packages, commented out.
	built := map[string]bool{}
	for _, b := range p.Builds {
		built[path.Join(chosen.dir, b.Main)] = true
	}
	for _, c := range cands {
		if built[c.dir] {
			continue
		}
		main := c.dir
		if c.mod == chosen {
			main = relMain(chosen.dir, c.dir)
		}
		p.Others = append(p.Others, Other{Main: main, Why: c.why})
	}

	p.detectCgo(root, tree, mods, chosen, opt)
	p.checkTidy()
	p.Go = goVersionHint(fsys, p, rc)
	p.checkReplaces(chosen)
	p.checkDockerignore(fsys)
	return p, nil
}

func readModule(fsys fs.FS, dir string) (*module, error) {
	name := path.Join(dir, "go.mod")
	data, err := safefile.ReadFile(fsys, name, safefile.MaxGoMod)
	if err != nil {
		return nil, err
	}
	f, err := gomod.Parse(name, data)
	if err != nil {
		return nil, err
	}
	return &module{dir: path.Clean(dir), facts: f}, nil
}

// relMain is dir as a Gopherfile main relative to the module dir modDir.
func relMain(modDir, dir string) string {
	rel := dir
	if modDir != "." {
		rel = strings.TrimPrefix(strings.TrimPrefix(dir, modDir), "/")
		if rel == "" {
			rel = "."
		}
	}
	if rel == "." {
		return "."
	}
	return "./" + rel
}

// moduleOf is the module whose directory holds dir (the deepest one).
func moduleOf(mods []*module, dir string) *module {
	var best *module
	bestLen := -1
	for _, m := range mods {
		if m.dir != "." && dir != m.dir && !strings.HasPrefix(dir, m.dir+"/") {
			continue
		}
		l := len(m.dir)
		if m.dir == "." {
			l = 0
		}
		if l > bestLen {
			best, bestLen = m, l
		}
	}
	return best
}

// fromRelease takes the builds of the release config that are main packages
// for linux in one module; it returns that module, nil when none is.
func (p *Project) fromRelease(tree gosrc.Tree, rc *releaseConfig, mods []*module, projectName string) *module {
	var chosen *module
	names := map[string]bool{}
	for _, rb := range rc.Builds {
		m := moduleOf(mods, rb.Dir)
		if m == nil {
			p.Notes = append(p.Notes, fmt.Sprintf("%s builds %s, which is in no module of this tree", rb.Where, rb.Dir))
			continue
		}
		tags, flags, notes := translateFlags(rb.Flags)
		var ok []string
		for _, t := range append(append([]string{}, rb.Tags...), tags...) {
			if spec.IsBuildTag(t) {
				ok = append(ok, t)
			} else {
				notes = append(notes, fmt.Sprintf("tag %q left out: it is not one build tag", t))
			}
		}
		tags = ok
		if why := tree.WhyNotMain(rb.Dir, gosrc.Config{Tags: tags, CGO: rb.CGO != "0"}); why != "" {
			p.Notes = append(p.Notes, fmt.Sprintf("%s builds %s, but %s, so init left it out", rb.Where, rb.Dir, why))
			continue
		}
		if chosen != nil && m != chosen {
			p.Others = append(p.Others, Other{Main: rb.Dir, Why: rb.Where + " (another workspace module)"})
			continue
		}
		b := Build{Name: rb.Name, Main: relMain(m.dir, rb.Dir), Tags: tags, Flags: flags, Why: "from " + rb.Where, Notes: notes}
		key := b.Name
		if key == "" {
			key = b.Main
		}
		if names[key] {
			continue // the same binary for another platform
		}
		names[key] = true
		ld, ldNotes := translateLdflags(rb.Ldflags, projectName)
		b.Ldflags, b.Notes = ld, append(b.Notes, ldNotes...)
		for _, e := range rb.Env {
			k, v, _ := strings.Cut(e, "=")
			why, _, reserved := spec.ReservedEnvReason(k, true)
			switch {
			case !spec.IsEnvName(k):
				b.Notes = append(b.Notes, fmt.Sprintf("env %q left out: it is not an environment variable name (letters, digits and _)", k))
			case strings.ContainsFunc(v, unicode.IsControl):
				b.Notes = append(b.Notes, fmt.Sprintf("env %s left out: its value holds a control character", k))
			case reserved:
				b.Notes = append(b.Notes, fmt.Sprintf("env %s=%s left out: %s", k, goenv.Redact(k, v), why))
			case k == "GO111MODULE" || strings.Contains(e, "{{"):
				b.Notes = append(b.Notes, fmt.Sprintf("env %s left out", e))
			default:
				if b.Env == nil {
					b.Env = map[string]string{}
				}
				b.Env[k] = v
			}
		}
		switch rb.CGO {
		case "1":
			if !p.CGO {
				p.CGO, p.CGOWhy = true, rb.Where+" sets CGO_ENABLED=1"
			}
		case "0":
			if p.CGOWhy == "" {
				p.CGOWhy = rb.Where + " sets CGO_ENABLED=0"
			}
		}
		chosen = m
		p.Builds = append(p.Builds, b)
	}
	if chosen != nil {
		p.Release = rc.File
		p.Notes = append(p.Notes, rc.Notes...)
	}
	return chosen
}

// fromRanking builds the best-ranked candidate; the rest are listed.
func (p *Project) fromRanking(cands []*candidate) *module {
	if len(cands) == 0 || cands[0].score <= 0 {
		return nil
	}
	c := cands[0]
	p.Builds = []Build{{Main: relMain(c.mod.dir, c.dir), Why: c.why}}
	return c.mod
}

// checkTidy writes tidy: off, with the reason, for a module older than Go
// 1.17 (plan.OldTidyReason: the frontend's default is the same; init writes
// it down so that the Gopherfile says so).
func (p *Project) checkTidy() {
	if p.Work != nil || p.Vendored {
		return // (workspaces and vendored modules have it off by default)
	}
	if why := plan.OldTidyReason(p.Facts.Go); why != "" {
		p.TidyOff, p.TidyWhy = true, why
	}
}

// checkReplaces notes local replaces that point outside the tree.
func (p *Project) checkReplaces(m *module) {
	for _, r := range m.facts.LocalReplaces {
		dir := path.Join(m.dir, r)
		if dir == ".." || strings.HasPrefix(dir, "../") {
			p.Notes = append(p.Notes, fmt.Sprintf(
				"%s replaces a module with %s, which is outside this directory, so a build with this directory as the context fails: "+
					"run gopherfile init in a directory that holds both (with a go.work there, or pass it as the build context and set module:)",
				path.Join(m.dir, "go.mod"), r))
		}
	}
}
