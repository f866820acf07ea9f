package scaffold

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gopherfile/gopherfile/internal/safefile"
)

// releaseBuild is one binary a release config builds, as the config says it.
type releaseBuild struct {
	// Dir is the main package, a slash path relative to the tree root.
	Dir  string
	Name string
	Tags []string
	// Ldflags, Flags and Env as written (templates not yet translated).
	Ldflags []string
	Flags   []string
	Env     []string
	// CGO is "1" or "0" when the config sets CGO_ENABLED, else "".
	CGO string
	// Where names it: ".goreleaser.yaml builds[0]".
	Where string
}

// releaseConfig is what a release config file says.
type releaseConfig struct {
	File   string
	Builds []releaseBuild
	// GoVersion is the Go version the config builds with (.promu.yml go.version).
	GoVersion string
	// Notes are things the config has that a Gopherfile does not take.
	Notes []string
}

// releaseFiles are the release configs init reads, in this order; the first
// one present with builds for linux wins.
var releaseFiles = []string{".goreleaser.yaml", ".goreleaser.yml", "goreleaser.yaml", "goreleaser.yml", ".ko.yaml", ".ko.yml", ".promu.yml", ".promu.yaml"}

// strList is a YAML string or list of strings.
type strList []string

func (l *strList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*l = strList{n.Value}
		return nil
	case yaml.SequenceNode:
		var out []string
		for _, c := range n.Content {
			if c.Kind == yaml.ScalarNode {
				out = append(out, c.Value)
			}
		}
		*l = out
		return nil
	}
	return nil
}

type goreleaserFile struct {
	ProjectName string            `yaml:"project_name"`
	Builds      []goreleaserBuild `yaml:"builds"`
	Includes    yaml.Node         `yaml:"includes"`
}

type goreleaserBuild struct {
	ID      string    `yaml:"id"`
	Main    string    `yaml:"main"`
	Dir     string    `yaml:"dir"`
	Binary  string    `yaml:"binary"`
	Builder string    `yaml:"builder"`
	Env     strList   `yaml:"env"`
	Flags   strList   `yaml:"flags"`
	Ldflags strList   `yaml:"ldflags"`
	Tags    strList   `yaml:"tags"`
	Goos    []string  `yaml:"goos"`
	Skip    yaml.Node `yaml:"skip"`
}

type koFile struct {
	DefaultBaseImage string `yaml:"defaultBaseImage"`
	Builds           []struct {
		ID      string  `yaml:"id"`
		Dir     string  `yaml:"dir"`
		Main    string  `yaml:"main"`
		Env     strList `yaml:"env"`
		Flags   strList `yaml:"flags"`
		Ldflags strList `yaml:"ldflags"`
	} `yaml:"builds"`
}

type promuFile struct {
	Repository struct {
		Path string `yaml:"path"`
	} `yaml:"repository"`
	Go struct {
		Version string `yaml:"version"`
		CGO     bool   `yaml:"cgo"`
	} `yaml:"go"`
	Build struct {
		Binaries []struct {
			Name string `yaml:"name"`
			Path string `yaml:"path"`
		} `yaml:"binaries"`
		Flags   string `yaml:"flags"`
		Ldflags string `yaml:"ldflags"`
		Tags    struct {
			All   []string `yaml:"all"`
			Linux []string `yaml:"linux"`
		} `yaml:"tags"`
	} `yaml:"build"`
}

// readRelease reads the first release config of the tree root that builds
// something for linux. nil when there is none.
func readRelease(fsys fs.FS, projectName string) (*releaseConfig, []string) {
	var skipped []string
	for _, name := range releaseFiles {
		data, err := safefile.ReadFile(fsys, name, safefile.MaxConfig)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				skipped = append(skipped, fmt.Sprintf("%s not read: %v", name, err))
			}
			continue
		}
		var rc *releaseConfig
		switch {
		case strings.Contains(name, "goreleaser"):
			rc, err = parseGoreleaser(name, data, projectName)
		case strings.Contains(name, ".ko."):
			rc, err = parseKo(name, data)
		default:
			rc, err = parsePromu(name, data)
		}
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("%s does not parse (%v), so init did not use it", name, err))
			continue
		}
		if len(rc.Builds) == 0 {
			skipped = append(skipped, fmt.Sprintf("%s has no build for linux that init can read", name))
			skipped = append(skipped, rc.Notes...)
			continue
		}
		return rc, skipped
	}
	return nil, skipped
}

// cleanMain joins a config's dir and main into a slash path relative to the
// tree root; a main that names a .go file means its directory. ok is false
// for a path outside the tree or one with a template.
func cleanMain(dir, main string) (string, bool) {
	if strings.Contains(dir+main, "{{") {
		return "", false
	}
	if main == "" {
		main = "."
	}
	p := path.Clean(path.Join(".", dir, main))
	if strings.HasSuffix(p, ".go") {
		p = path.Dir(p)
	}
	if p == ".." || strings.HasPrefix(p, "../") || path.IsAbs(p) {
		return "", false
	}
	return p, true
}

func parseGoreleaser(name string, data []byte, projectName string) (*releaseConfig, error) {
	var f goreleaserFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, err
	}
	rc := &releaseConfig{File: name}
	if f.ProjectName != "" && !strings.Contains(f.ProjectName, "{{") {
		projectName = f.ProjectName
	}
	builds := f.Builds
	if len(builds) == 0 && f.Includes.Kind == 0 {
		// goreleaser's default: one build of the main package at the root.
		builds = append(builds, goreleaserBuild{})
	}
	if len(f.Builds) == 0 && f.Includes.Kind != 0 {
		rc.Notes = append(rc.Notes, name+" takes its builds from includes:, which init does not follow")
	}
	for i, b := range builds {
		where := fmt.Sprintf("%s builds[%d]", name, i)
		if b.ID != "" {
			where = fmt.Sprintf("%s build %q", name, b.ID)
		}
		if b.Builder != "" && b.Builder != "go" {
			continue // prebuilt, rust, zig, ...
		}
		if b.Skip.Kind == yaml.ScalarNode && b.Skip.Value == "true" {
			continue
		}
		if len(b.Goos) > 0 && !contains(b.Goos, "linux") {
			continue
		}
		dir, ok := cleanMain(b.Dir, b.Main)
		if !ok {
			rc.Notes = append(rc.Notes, fmt.Sprintf("%s: main %q is a template or outside the tree, so init did not use it", where, path.Join(b.Dir, b.Main)))
			continue
		}
		rb := releaseBuild{Dir: dir, Where: where, Ldflags: b.Ldflags, Flags: b.Flags, Tags: b.Tags}
		rb.Name = binaryName(b.Binary, projectName)
		for _, e := range b.Env {
			k, v, _ := strings.Cut(e, "=")
			if k == "CGO_ENABLED" {
				rb.CGO = v
				continue
			}
			rb.Env = append(rb.Env, e)
		}
		rc.Builds = append(rc.Builds, rb)
	}
	return rc, nil
}

// binaryName is a release config's binary name as a Gopherfile name: its last
// path element, with {{.ProjectName}} filled in; "" (the default) for other
// templates.
func binaryName(binary, projectName string) string {
	binary = projectNameRE.ReplaceAllString(binary, projectName)
	if binary == "" || strings.Contains(binary, "{{") {
		return ""
	}
	return path.Base(binary)
}

var projectNameRE = regexp.MustCompile(`\{\{\s*\.ProjectName\s*\}\}`)

func parseKo(name string, data []byte) (*releaseConfig, error) {
	var f koFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, err
	}
	rc := &releaseConfig{File: name}
	if f.DefaultBaseImage != "" {
		rc.Notes = append(rc.Notes, fmt.Sprintf("%s sets defaultBaseImage %s; the Gopherfile keeps its default base (set image.base to use it)", name, f.DefaultBaseImage))
	}
	for i, b := range f.Builds {
		where := fmt.Sprintf("%s builds[%d]", name, i)
		if b.Main == "" {
			rc.Notes = append(rc.Notes, where+" names no main (ko takes it from the command line), so init did not use it")
			continue
		}
		dir, ok := cleanMain(b.Dir, b.Main)
		if !ok {
			continue
		}
		rb := releaseBuild{Dir: dir, Where: where, Ldflags: b.Ldflags, Flags: b.Flags}
		for _, e := range b.Env {
			k, v, _ := strings.Cut(e, "=")
			if k == "CGO_ENABLED" {
				rb.CGO = v
				continue
			}
			rb.Env = append(rb.Env, e)
		}
		rc.Builds = append(rc.Builds, rb)
	}
	return rc, nil
}

func parsePromu(name string, data []byte) (*releaseConfig, error) {
	var f promuFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, err
	}
	rc := &releaseConfig{File: name, GoVersion: f.Go.Version}
	bins := f.Build.Binaries
	if len(bins) == 0 && f.Repository.Path != "" {
		// promu's default: one binary named after the repository, from the root.
		bins = append(bins, struct {
			Name string `yaml:"name"`
			Path string `yaml:"path"`
		}{Name: path.Base(f.Repository.Path), Path: "."})
	}
	flags := strings.Fields(f.Build.Flags)
	tags := append(append([]string{}, f.Build.Tags.All...), f.Build.Tags.Linux...)
	for i, b := range bins {
		dir, ok := cleanMain("", b.Path)
		if !ok {
			continue
		}
		rb := releaseBuild{Dir: dir, Name: b.Name, Where: fmt.Sprintf("%s build.binaries[%d]", name, i), Flags: flags, Tags: tags}
		if f.Build.Ldflags != "" {
			rb.Ldflags = []string{f.Build.Ldflags}
		}
		if f.Go.CGO {
			rb.CGO = "1"
		}
		rc.Builds = append(rc.Builds, rb)
	}
	return rc, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
