package plan

import (
	"fmt"
	"go/version"
	"strings"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/gosrc"
	"github.com/gopherfile/gopherfile/internal/spec"
)

// Toolchain is the Go toolchain the go steps run with when they do not run
// in a builder image: the module golang.org/toolchain of GoVersion from the
// module proxy (the download step's proxies and credentials), on the
// minimal root filesystem the frontend writes.
type Toolchain struct {
	// GoVersion is a Go release, e.g. "1.25.14".
	GoVersion string `json:"goVersion"`
	// Hashes are the h1 hashes of its toolchain modules that the release
	// table carries, by GOARCH; a build platform without one verifies the
	// toolchain against the checksum database (GOSUMDB).
	Hashes map[string]string `json:"hashes,omitempty"`
}

// Hash is the h1 hash the table carries for goarch, "" for none.
func (t *Toolchain) Hash(goarch string) string { return t.Hashes[goarch] }

// Identity is what a cache id names the toolchain by on goarch: its
// version and, when the table knows it, its module's h1 hash (else the
// version alone: the toolchain step verifies it against the checksum
// database, so one version has one content).
func (t *Toolchain) Identity(goarch string) string {
	if h := t.Hash(goarch); h != "" {
		return "go" + t.GoVersion + "@" + h
	}
	return "go" + t.GoVersion
}

// Where the go steps run: on the minimal root with the toolchain from the
// module proxy, or in a builder image. These are Plan.Runner's values.
const (
	RunnerToolchain = "toolchain"
	RunnerImage     = "image"
)

// chooseRunner decides whether the go steps run with the toolchain from the
// module proxy (p.Toolchain) or in the builder image, and says why in
// p.RunnerReason. The image is for what needs a C compiler or git (cgo,
// direct version-control fetches), a builder the user names, and a Go the
// module proxy has no toolchain for.
func (p *Plan) chooseRunner(s *spec.Spec, b BuilderChoice, m gomod.Module) {
	p.Runner = RunnerImage
	why := imageReason(p, s, b, m)
	if why != "" {
		p.RunnerReason = why
		return
	}
	v := toolchainVersion(b.GoVersion)
	p.Runner = RunnerToolchain
	p.Toolchain = &Toolchain{GoVersion: v, Hashes: map[string]string{}}
	for _, arch := range []string{"amd64", "arm64"} {
		if h := ToolchainHash(v, arch); h != "" {
			p.Toolchain.Hashes[arch] = h
		}
	}
	p.RunnerReason = fmt.Sprintf("a pure Go build: Go %s from the module proxy (golang.org/toolchain), on a minimal root without a C compiler or git", v)
}

// UseImage makes the go steps run in the builder image (Builder), for why:
// a step on the minimal root found the build needs a C compiler or git.
func (p *Plan) UseImage(why string) {
	p.Runner, p.RunnerReason, p.Toolchain = RunnerImage, why, nil
}

// imageReason says why the go steps need the builder image, "" when the
// toolchain from the module proxy does.
func imageReason(p *Plan, s *spec.Spec, b BuilderChoice, m gomod.Module) string {
	if b.Named() {
		return "the builder is named: " + b.Reason
	}
	if p.CGO {
		return "cgo is on (cgo: true or CGO_ENABLED=1 in env): the build needs a C compiler"
	}
	for _, bin := range p.Binaries {
		if v, ok := EnvValue(bin.Env, "CGO_ENABLED"); ok && v == "1" {
			return fmt.Sprintf("%s sets CGO_ENABLED=1: the build needs a C compiler", bin.Field)
		}
	}
	if p.Target == TargetTest && s.Test.Race {
		return "test.race: the race detector needs cgo and a C compiler"
	}
	if p.CGOAuto && m.Facts != nil {
		for _, r := range m.Facts.RequirePaths {
			if why, ok := gosrc.KnownCgo(r); ok {
				return fmt.Sprintf("go.mod requires %s (%s): with cgo unset it is built with cgo, which needs a C compiler (cgo: false builds it without)", r, why)
			}
		}
	}
	if toolchainVersion(b.GoVersion) == "" {
		return fmt.Sprintf("Go %s: the module proxy has toolchains of Go releases from 1.21 on, named by their patch (e.g. go: \"1.26.3\"); this frontend knows no release of it", b.GoVersion)
	}
	if why := needsGit(p); why != "" {
		return why
	}
	return ""
}

// needsGit says why the module downloads need git (and so the builder
// image), "" when every module comes from a module proxy.
func needsGit(p *Plan) string {
	d := p.Downloads
	proxy := goenvValue(d, "GOPROXY", "https://proxy.golang.org,direct")
	if !hasProxy(proxy) {
		return fmt.Sprintf("GOPROXY=%s names no module proxy before direct or off: the toolchain comes from a module proxy, and direct fetches need git", goenv.Redact("GOPROXY", proxy))
	}
	noproxy := goenvValue(d, "GONOPROXY", "")
	field := "modules.noproxy (GONOPROXY)"
	if _, ok := d.Setting("GONOPROXY"); !ok {
		noproxy, field = goenvValue(d, "GOPRIVATE", ""), "modules.private (GOPRIVATE)"
	}
	if noproxy != "" && noproxy != "none" {
		return fmt.Sprintf("%s=%s: those modules are fetched from version control with git (set modules.noproxy: [none] when a proxy serves them)", field, noproxy)
	}
	if d.SSH == spec.SecretRequired {
		return "modules.ssh: required: modules are fetched with git over SSH"
	}
	return ""
}

func goenvValue(d Downloads, name, def string) string {
	if s, ok := d.Setting(name); ok {
		return s.Value
	}
	return def
}

// hasProxy reports whether goproxy names a module proxy before "direct" or
// "off".
func hasProxy(goproxy string) bool {
	for _, e := range strings.FieldsFunc(goproxy, func(r rune) bool { return r == ',' || r == '|' }) {
		e = strings.TrimSpace(e)
		if e == "direct" || e == "off" {
			return false
		}
		if strings.HasPrefix(e, "https://") || strings.HasPrefix(e, "http://") || strings.HasPrefix(e, "file://") {
			return true
		}
	}
	return false
}

// toolchainVersion is the Go release whose toolchain module stands for the
// builder's Go v: v itself when it names a release ("1.25.3", "1.27rc1"),
// the newest patch the table knows for a minor line ("1.25"), "" when
// there is none (before Go 1.21, or a minor line the table does not know).
func toolchainVersion(v string) string {
	gv := "go" + strings.TrimPrefix(v, "go")
	if !version.IsValid(gv) || version.Compare(gv, "go1.21.0") < 0 {
		return ""
	}
	if strings.Count(v, ".") >= 2 || strings.Contains(v, "rc") {
		return strings.TrimPrefix(v, "go")
	}
	if r := LookupGo(v); r.Known && r.NewestPatch != "" {
		return r.NewestPatch
	}
	return ""
}
