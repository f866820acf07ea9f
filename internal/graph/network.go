package graph

import (
	"path"

	bk "github.com/moby/buildkit/client/llb"

	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// ModuleNetwork is the network of the networked module steps (download, tidy,
// and go test with test.network): the build's --network host or none, or
// BuildKit's default network. BuildKit runs a step in the host's network only
// with the network.host entitlement. The compile steps never get a network.
func ModuleNetwork(p *plan.Plan) []bk.RunOption {
	switch p.Network {
	case plan.NetworkHost:
		return []bk.RunOption{bk.Network(bk.NetModeHost)}
	case plan.NetworkNone:
		return []bk.RunOption{bk.Network(bk.NetModeNone)}
	}
	return nil
}

// netConfig is the Config of the networked module steps.
func (g *Graph) netConfig(kind stepconfig.Kind) *stepconfig.Net { return netConfig(g.p, g.in, kind) }

func netConfig(p *plan.Plan, in Inputs, kind stepconfig.Kind) *stepconfig.Net {
	d := p.Downloads
	return &stepconfig.Net{
		TempDir:        TempDir,
		SrcDir:         plan.SrcDir,
		TreeFiles:      treeFiles(p),
		WalkGoFiles:    kind == stepconfig.TidyCheck || kind == stepconfig.TidyFix, // the steps that mount the whole tree
		Retries:        d.Retries,
		TimeoutSeconds: d.TimeoutSeconds,
		SecretDir:      SecretDir,
		Home:           HomeDir,
		Netrc:          string(d.Netrc),
		CACert:         string(d.CACert),
		SSH:            string(d.SSH),
		GitHosts:       d.GitHosts,
		SSHHosts:       d.SSHHosts,
		KnownHosts:     d.KnownHosts,
		AcceptNewHosts: d.AcceptNewHosts,
		Helper:         in.HelperPath,
	}
}

// treeFiles are the dependency files a networked step checks before the go
// command reads them: the plan's (go.mod and go.sum of the module, its
// local replaces and workspace modules, go.work and go.work.sum),
// vendor/modules.txt, and a go.work the go command would find.
func treeFiles(p *plan.Plan) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range append(append([]string{}, p.DepFiles...), path.Join(p.ModuleDir, "vendor/modules.txt"),
		path.Join(p.ModuleDir, "go.work"), path.Join(p.ModuleDir, "go.work.sum"), "go.work", "go.work.sum") {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}
