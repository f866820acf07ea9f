package step

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/gopherfile/gopherfile/internal/step/diagnose"
	"github.com/gopherfile/gopherfile/internal/step/testreport"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// maxSummaryPart bounds each part of the summary.
const maxSummaryPart = 256 << 10

// test runs go test -json, streaming its events into the report, and
// writes test.json, junit.xml, test.txt and summary.json. The step itself
// succeeds whatever the tests do, so that the frontend can report them.
func (h *helper) test(ctx context.Context) int {
	if !h.checkCache() {
		return stepconfig.ExitCacheLost
	}
	out := h.cfg.OutDir
	if err := os.MkdirAll(out, 0o755); err != nil {
		h.printf("gopherfile: %v", err)
		return 1
	}
	jf, err := os.Create(filepath.Join(out, stepconfig.TestJSON))
	if err != nil {
		h.printf("gopherfile: %v", err)
		return 1
	}
	max := testreport.DefaultMaxOutput
	if h.cfg.Test != nil && h.cfg.Test.MaxOutput > 0 {
		max = h.cfg.Test.MaxOutput
	}
	rep := testreport.New(max)
	res := h.runGo(ctx, goRun{args: h.cfg.Args, stdout: io.MultiWriter(jf, rep)})
	rep.Close()
	if err := jf.Close(); err != nil {
		h.printf("gopherfile: writing test.json: %v", err)
		return 1
	}
	if res.err != nil {
		h.printf("gopherfile: %s: %v", h.cfg.Stage, res.err)
		return 1
	}
	if code, ok := h.orImage(res); ok {
		return code
	}
	s := stepconfig.Summary{ExitCode: res.code, Summary: rep.Summary(), Failures: clip(rep.Failures()), Stderr: clip(res.output)}
	if res.code != 0 && len(diagnose.Classify(res.output)) > 0 {
		s.Diagnosis = diagnose.Report(res.output, h.diagContext(ctx, nil))
	}
	junit, err := rep.JUnit()
	if err != nil {
		h.printf("gopherfile: %v", err)
		return 1
	}
	sj, _ := json.Marshal(s)
	for name, dt := range map[string][]byte{
		stepconfig.TestStderr:  []byte(res.output),
		stepconfig.TestExit:    []byte(strconv.Itoa(res.code) + "\n"),
		stepconfig.TestJUnit:   junit,
		stepconfig.TestText:    []byte(rep.Text()),
		stepconfig.TestSummary: sj,
	} {
		if err := os.WriteFile(filepath.Join(out, name), dt, 0o644); err != nil {
			h.printf("gopherfile: writing %s: %v", name, err)
			return 1
		}
	}
	if res.code != 0 {
		fmt.Fprint(h.stdout, s.Failures)
		if s.Diagnosis != "" {
			h.printf("\n%s", s.Diagnosis)
		}
	}
	h.printf("gopherfile: go test: %s", s.Summary)
	return 0
}

// vet runs go vet; its findings fail the step. vet.txt keeps the output.
func (h *helper) vet(ctx context.Context) int {
	if !h.checkCache() {
		return stepconfig.ExitCacheLost
	}
	res := h.runGo(ctx, goRun{args: h.cfg.Args})
	if h.cfg.OutDir != "" {
		os.MkdirAll(h.cfg.OutDir, 0o755)
		os.WriteFile(filepath.Join(h.cfg.OutDir, "vet.txt"), []byte(res.output), 0o644)
	}
	if code, ok := h.orImage(res); ok {
		return code
	}
	if !res.ok() {
		h.explainKnown(ctx, res)
		return exitCode(res)
	}
	return 0
}

// clip keeps the start and the end of s within maxSummaryPart.
func clip(s string) string {
	if len(s) <= maxSummaryPart {
		return s
	}
	half := maxSummaryPart / 2
	return s[:half] + fmt.Sprintf("\n... (%d bytes left out) ...\n", len(s)-2*half) + s[len(s)-half:]
}
