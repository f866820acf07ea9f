package graph

import (
	bk "github.com/moby/buildkit/client/llb"

	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// Doctor is the doctor's probe (`gopherfile doctor`, --call doctor): a go
// step defined by the same Graph.run as the download step, so it has
// exactly the download step's network, secrets, SSH, CA bundle, HTTP proxies
// and settings, and sees only the dependency files. It runs no go command
// that fetches and mounts no module cache (GOMODCACHE is in the tmpfs HOME).
// nonce makes it a new step on every call: a probe's answer is never taken
// from the build cache. The state holds stepconfig.DoctorFile.
func (g *Graph) Doctor(nonce string) bk.State {
	es := g.run(goStep{
		kind:  stepconfig.Doctor,
		name:  "[doctor] probe what go mod download would reach",
		field: "modules",
		src:   g.in.DepFiles,
		out:   plan.OutDir,
		cfg:   stepconfig.Config{Stage: stepconfig.StageDoctor, Nonce: nonce},
	})
	return es.GetMount(plan.OutDir)
}
