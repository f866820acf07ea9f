package step

import (
	"context"

	"github.com/gopherfile/gopherfile/internal/step/diagnose"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// generate runs go generate in the writable source tree. Offline like the
// compile: a generator that needs the network gets a paragraph saying so.
func (h *helper) generate(ctx context.Context) int {
	if !h.checkCache() {
		return stepconfig.ExitCacheLost
	}
	res := h.runGo(ctx, goRun{args: h.cfg.Args})
	if res.ok() {
		return 0
	}
	if code, ok := h.orImage(res); ok {
		return code
	}
	if res.err == nil && diagnose.GeneratorNeedsNetwork(res.output) {
		h.printf("\n%s", diagnose.ExplainGenerate(res.output, h.cfg.Args[1:]))
		return exitCode(res)
	}
	h.explainKnown(ctx, res)
	return exitCode(res)
}
