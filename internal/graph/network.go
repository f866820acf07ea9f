package graph

import (
	bk "github.com/moby/buildkit/client/llb"

	"github.com/gopherfile/gopherfile/internal/plan"
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
