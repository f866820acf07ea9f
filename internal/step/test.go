package step

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/gopherfile/gopherfile/internal/safefile"
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
	// The tests ran as the step's user and could write into the output
	// directory: nothing they left running may write there any more, and
	// nothing they put there (a link to a host file, which an uploader of
	// the exported report would follow) is exported.
	killOthers()
	err = keepOnly(out, jf, []string{stepconfig.TestJSON, stepconfig.TestStderr, stepconfig.TestExit, stepconfig.TestJUnit, stepconfig.TestText, stepconfig.TestSummary})
	if cerr := jf.Close(); err == nil {
		err = cerr
	}
	if err != nil {
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
		if err := writeOwn(filepath.Join(out, name), dt); err != nil {
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
		keepOnly(h.cfg.OutDir, nil, nil)
		writeOwn(filepath.Join(h.cfg.OutDir, "vet.txt"), []byte(res.output))
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

// keepOnly removes from dir everything but the files named keep, and makes
// sure the file json (test.json, written through the helper's own
// descriptor while the tests ran) is that descriptor's regular file: if the
// tests replaced it, a fresh copy of what the helper wrote takes its place.
func keepOnly(dir string, json *os.File, keep []string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !slices.Contains(keep, e.Name()) {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	if json == nil {
		return nil
	}
	p := filepath.Join(dir, stepconfig.TestJSON)
	mine, err := json.Stat()
	if err != nil {
		return err
	}
	if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() && os.SameFile(fi, mine) {
		return nil
	}
	if _, err := json.Seek(0, io.SeekStart); err != nil {
		return err
	}
	dt, err := io.ReadAll(json)
	if err != nil {
		return err
	}
	return writeOwn(p, dt)
}

// writeOwn writes a file of the step's output afresh: whatever is at path
// (a link, a directory the tests made) is removed first, and the new file is
// created without following a link.
func writeOwn(path string, data []byte) error {
	if err := os.RemoveAll(path); err != nil {
		return err
	}
	return safefile.CreateNew(path, data, 0o644)
}
