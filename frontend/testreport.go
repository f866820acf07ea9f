package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// maxSummary bounds summary.json as read through the gateway.
const maxSummary = 4 << 20

// runTests runs the test step and either fails the build with the failing
// tests' output (from the step helper's summary.json, which is small
// whatever the tests printed) or returns the step's files (test.json,
// junit.xml, test.txt) as the result.
func (b *build) runTests(ctx context.Context, pl ocispecs.Platform) (*gwclient.Result, error) {
	st := b.graph.Test()
	ref, err := b.solveRef(ctx, st, pl, false)
	if err != nil {
		return nil, err
	}
	dt, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: stepconfig.TestSummary, Range: &gwclient.FileRange{Length: maxSummary}})
	if err != nil {
		return nil, fmt.Errorf("gopherfile: reading the test summary: %w", err)
	}
	var s stepconfig.Summary
	if err := json.Unmarshal(dt, &s); err != nil {
		return nil, fmt.Errorf("gopherfile: reading the test summary: %w", err)
	}
	if s.ExitCode != 0 {
		var msg strings.Builder
		fmt.Fprintf(&msg, "go test failed (exit code %d): %s\n%s%s", s.ExitCode, s.Summary, s.Failures, s.Stderr)
		if s.Diagnosis != "" {
			msg.WriteString("\n" + s.Diagnosis)
		}
		return nil, b.fieldError("test", fmt.Errorf("%s", msg.String()))
	}
	out := gwclient.NewResult()
	out.SetRef(ref)
	return out, nil
}
