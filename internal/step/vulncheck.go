package step

import (
	"bytes"
	"context"
	"encoding/json"

	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/gopherfile/gopherfile/internal/stepconfig"
	"github.com/gopherfile/gopherfile/internal/vulndb"
	"github.com/gopherfile/gopherfile/internal/vulnreport"
)

// vulncheck runs govulncheck in source mode over the binaries' main
// packages, offline, with the database the database step converted, and
// writes vulncheck.json (govulncheck's own JSON), the SARIF and OpenVEX
// documents (govulncheck's own writers, from that JSON: -mode convert), the
// readable report and the summary the frontend reads. govulncheck is the
// binary the tool step built with the builder's Go (Config.Vuln.Tool), so
// that it type-checks the sources with the go/types of the Go that
// compiles them. The step succeeds whatever it finds, so that the frontend
// decides and the reports can be exported; it fails only when it was
// stopped.
func (h *helper) vulncheck(ctx context.Context) int {
	if !h.checkCache() {
		return stepconfig.ExitCacheLost
	}
	o := h.cfg.Vuln
	out := h.cfg.OutDir
	if err := os.MkdirAll(out, 0o755); err != nil {
		h.printf("gopherfile: %v", err)
		return 1
	}
	res := stepconfig.VulnResult{}
	meta, err := vulndb.ReadMeta(o.DB)
	if err != nil {
		res.Error = fmt.Sprintf("the vulnerability database step left no database: %v", err)
		return h.writeVulnResult(res)
	}
	res.DB = meta
	h.printf("gopherfile: govulncheck (golang.org/x/vuln@%s) with the database %s@%s of %s",
		o.ToolVersion, meta.Module, meta.Version, meta.Time.Format("2006-01-02"))

	start := time.Now()
	args := []string{"-db", "file://" + o.DB, "-format", "json"}
	if len(o.Tags) > 0 {
		args = append(args, "-tags", strings.Join(o.Tags, ","))
	}
	args = append(args, o.Patterns...)
	var stdout, stderr bytes.Buffer
	if err := h.scan(ctx, args, nil, &stdout, &stderr); err != nil {
		if ctx.Err() != nil {
			h.printf("gopherfile: govulncheck was stopped: %v", ctx.Err())
			return 1
		}
		res.Error = strings.TrimSpace(stderr.String() + "\n" + err.Error())
		return h.writeVulnResult(res)
	}
	rep, err := vulnreport.Parse(bytes.NewReader(stdout.Bytes()))
	if err != nil {
		res.Error = err.Error()
		return h.writeVulnResult(res)
	}
	res.Report = rep
	files := map[string][]byte{stepconfig.VulnJSON: stdout.Bytes()}
	for name, format := range map[string]string{stepconfig.VulnSARIF: "sarif", stepconfig.VulnVEX: "openvex"} {
		var conv, cerr bytes.Buffer
		if err := h.scan(ctx, []string{"-db", "file://" + o.DB, "-mode", "convert", "-format", format}, bytes.NewReader(stdout.Bytes()), &conv, &cerr); err != nil {
			h.printf("gopherfile: govulncheck -format %s: %v\n%s", format, err, cerr.String())
			return 1
		}
		data := conv.Bytes()
		if format == "sarif" {
			patched, err := vulnreport.PatchSARIF(data)
			if err != nil {
				h.printf("gopherfile: %v", err)
				return 1
			}
			data = patched
		}
		files[name] = data
	}
	text := rep.Text(o.Title)
	files[stepconfig.VulnText] = []byte(text)
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
			h.printf("gopherfile: writing %s: %v", name, err)
			return 1
		}
	}
	fmt.Fprint(h.stdout, text)
	h.printf("gopherfile: govulncheck took %s", time.Since(start).Round(time.Millisecond))
	return h.writeVulnResult(res)
}

// scan runs the govulncheck binary with the go command's env (GOOS, GOARCH,
// CGO_ENABLED, GOFLAGS and GOPROXY=off of the step).
func (h *helper) scan(ctx context.Context, args []string, stdin *bytes.Reader, stdout, stderr *bytes.Buffer) error {
	cmd := exec.CommandContext(ctx, h.cfg.Vuln.Tool, args...)
	cmd.Env = h.env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if stdin != nil {
		cmd.Stdin = stdin
	}
	cmd.WaitDelay = 5 * time.Second
	return cmd.Run()
}

func (h *helper) writeVulnResult(res stepconfig.VulnResult) int {
	if res.Error != "" {
		h.printf("gopherfile: govulncheck failed: %s", res.Error)
	}
	data, err := json.Marshal(res)
	if err == nil {
		err = os.WriteFile(filepath.Join(h.cfg.OutDir, stepconfig.VulnSummary), data, 0o644)
	}
	if err != nil {
		h.printf("gopherfile: writing %s: %v", stepconfig.VulnSummary, err)
		return 1
	}
	return 0
}
