package scaffold

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/safefile"
)

var (
	goVersionRE    = regexp.MustCompile(`^(?:go)?(1\.[0-9]+(?:\.[0-9]+)?)(?:\.x)?$`)
	toolVersionsRE = regexp.MustCompile(`(?m)^\s*(?:golang|go)\s+(\S+)`)
	fromGolangRE   = regexp.MustCompile(`(?mi)^\s*FROM\s+(?:--platform=\S+\s+)?(?:(?:docker\.io/)?library/)?golang:([^\s@]+)`)
	workflowGoRE   = regexp.MustCompile(`(?m)^\s*go-version:\s*['"]?([^'"\s#]+)['"]?\s*(?:#.*)?$`)
)

// goVersionHint finds the Go version the project says it builds with:
// .go-version, .tool-versions, .promu.yml's go.version, a CI workflow's
// go-version, a Dockerfile's FROM golang:X. The first that a build can use
// wins; when none can, the first is returned unused with why. nil when the
// project says nothing, or when the toolchain line already picks the builder.
func goVersionHint(fsys fs.FS, p *Project, rc *releaseConfig) *GoVersion {
	if p.Facts.Toolchain != "" || (p.Work != nil && p.Work.Toolchain != "") {
		return nil
	}
	var found []GoVersion
	add := func(v, file string) {
		m := goVersionRE.FindStringSubmatch(strings.TrimSpace(v))
		if m != nil {
			found = append(found, GoVersion{Version: m[1], File: file})
		}
	}
	read := func(name string) string {
		data, err := safefile.ReadFile(fsys, name, safefile.MaxConfig)
		if err != nil {
			return ""
		}
		return string(data)
	}
	if s := read(".go-version"); s != "" {
		add(strings.Fields(s + " x")[0], ".go-version")
	}
	if m := toolVersionsRE.FindStringSubmatch(read(".tool-versions")); m != nil {
		add(m[1], ".tool-versions")
	}
	if rc != nil && rc.GoVersion != "" {
		add(rc.GoVersion, rc.File)
	}
	if entries, err := fs.ReadDir(fsys, ".github/workflows"); err == nil {
		for _, e := range entries {
			name := path.Join(".github/workflows", e.Name())
			for _, m := range workflowGoRE.FindAllStringSubmatch(read(name), -1) {
				add(m[1], name)
			}
		}
	}
	if entries, err := fs.ReadDir(fsys, "."); err == nil {
		for _, e := range entries {
			if !e.IsDir() && strings.HasPrefix(e.Name(), "Dockerfile") {
				if m := fromGolangRE.FindStringSubmatch(read(e.Name())); m != nil {
					tag, _, _ := strings.Cut(m[1], "-") // golang:1.26-bookworm
					add(tag, e.Name())
				}
			}
		}
	}
	if len(found) == 0 {
		return nil
	}
	tidy := p.Work == nil && !p.Vendored && !p.TidyOff
	for i := range found {
		g := &found[i]
		r := plan.LookupGo(g.Version)
		switch {
		case p.Facts.Go != "" && lessGo(g.Version, p.Facts.Go) && !sameMinorTag(g.Version, p.Facts.Go):
			g.Why = fmt.Sprintf("older than go.mod's go line %s", p.Facts.Go)
		case tidy && lessGo(g.Version, plan.MinTidyGo):
			g.Why = fmt.Sprintf("the tidy check needs Go %s or newer (set tidy: off to build with Go %s)", plan.MinTidyGo, g.Version)
		case !r.Known && !r.Newer:
			g.Why = fmt.Sprintf("Go %s is not a release this frontend knows", g.Version)
		default:
			g.Use = true
			return g
		}
	}
	return &found[0]
}

func lessGo(a, b string) bool { return gomod.Compare(a, b) < 0 }

// sameMinorTag is true for a major.minor tag such as golang:1.26 against a
// go line 1.26.2: the tag has the newest 1.26 release.
func sameMinorTag(tag, goLine string) bool {
	return strings.Count(tag, ".") == 1 && strings.HasPrefix(goLine, tag+".")
}
