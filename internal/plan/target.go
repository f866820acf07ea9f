package plan

import (
	"fmt"
	"slices"
	"strings"
)

// Targets a build can stop at.
const (
	TargetImage     = "image"
	TargetBinaries  = "binaries"
	TargetDeps      = "deps"
	TargetTidy      = "tidy"
	TargetTest      = "test"
	TargetVet       = "vet"
	TargetVulncheck = "vulncheck"
)

// TargetInfo describes a target for --call targets and the README.
type TargetInfo struct {
	Name        string
	Description string
	Default     bool
	// Field is the spec field of a build's target (builds[N], or version
	// for the default build); empty for the fixed targets.
	Field string
}

// Targets lists the targets in the order they are documented.
var Targets = []TargetInfo{
	{Name: TargetImage, Description: "the runtime image with the binaries (default)", Default: true},
	{Name: TargetBinaries, Description: "just the binaries, for -o type=local,dest=DIR"},
	{Name: TargetDeps, Description: "the builder after go mod download (warms the module cache)"},
	{Name: TargetTidy, Description: "go.mod and go.sum after go mod tidy: docker buildx build --target tidy -o . fixes them"},
	{Name: TargetTest, Description: "go test; -o type=local,dest=DIR exports test.json, junit.xml and test.txt"},
	{Name: TargetVet, Description: "go vet over the test packages"},
	{Name: TargetVulncheck, Description: "govulncheck over the binaries' packages; -o type=local,dest=DIR exports vulncheck.json, SARIF and OpenVEX"},
}

// binaryImage is the image of one build alone (--target <build name>): the
// image of the whole Gopherfile, with that binary as the entrypoint. The
// cmd stays when the Gopherfile's entrypoint is that binary already (it is
// that binary's arguments), and is dropped otherwise.
func binaryImage(img Image, bins []Binary, name string) Image {
	var b Binary
	for _, x := range bins {
		if x.Name == name {
			b = x
		}
	}
	runsIt := len(img.Entrypoint) > 0 && img.Entrypoint[0] == b.Output
	if !runsIt {
		img.Entrypoint = []string{b.Output}
		img.Cmd = nil
	}
	return img
}

// onlyBinary is the binary named name, alone.
func onlyBinary(bins []Binary, name string) []Binary {
	i := slices.IndexFunc(bins, func(b Binary) bool { return b.Name == name })
	return []Binary{bins[i]}
}

func knownTarget(t string) bool {
	for _, k := range Targets {
		if k.Name == t {
			return true
		}
	}
	return false
}

// resolveTarget checks the target: a fixed one, or the name of a build,
// which is the image of that binary alone (Binary).
func (p *Plan) resolveTarget() error {
	if knownTarget(p.Target) {
		return nil
	}
	for _, b := range p.Binaries {
		if b.Name == p.Target {
			p.Binary, p.Target = b.Name, TargetImage
			return nil
		}
	}
	var names []string
	for _, t := range Targets {
		names = append(names, t.Name)
	}
	var builds []string
	for _, b := range p.Binaries {
		builds = append(builds, b.Name)
	}
	return &Error{Msg: fmt.Sprintf("unknown target %q: this Gopherfile has the targets %s, and one image per build: %s (docker buildx build --call targets lists them)",
		p.Target, strings.Join(names, ", "), strings.Join(builds, ", "))}
}

// TargetList is every target of the plan: the fixed ones, then one per
// build, for --call targets.
func (p *Plan) TargetList() []TargetInfo {
	out := append([]TargetInfo(nil), Targets...)
	bins := p.Binaries
	if p.Binary != "" {
		bins = p.allBinaries
	}
	for _, b := range bins {
		out = append(out, TargetInfo{Name: b.Name, Description: fmt.Sprintf("the image of %s alone (%s), as its entrypoint", b.Name, b.Main), Field: b.Field})
	}
	return out
}
