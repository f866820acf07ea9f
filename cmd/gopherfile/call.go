package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/moby/buildkit/client"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	"github.com/tonistiigi/fsutil"

	"github.com/gopherfile/gopherfile/frontend"
	"github.com/gopherfile/gopherfile/internal/plan"
)

// callRequests maps --call values to BuildKit's subrequest ids.
var callRequests = map[string]string{
	"targets": targets.SubrequestsTargetsDefinition.Name,
	"outline": outline.SubrequestsOutlineDefinition.Name,
	"check":   lint.SubrequestLintDefinition.Name,
	"doctor":  frontend.DoctorRequest,
}

// callAttr sets the request id of --call; "build" (or "") is a build.
func callAttr(call string, attrs map[string]string) error {
	if call == "" || call == "build" {
		return nil
	}
	id, ok := callRequests[call]
	if !ok {
		return fmt.Errorf("--call %s: use build, targets, outline, check or doctor", call)
	}
	attrs["requestid"] = id
	return nil
}

// callResult runs the frontend in-process and keeps the subrequest's
// printable result (result.txt, else result.json) and status code.
type callResult struct {
	text   []byte
	json   []byte
	status int
}

func (c *callResult) build(ctx context.Context, gw gwclient.Client) (*gwclient.Result, error) {
	res, err := frontend.Build(ctx, gw)
	if err != nil || res == nil {
		return res, err
	}
	c.json = res.Metadata["result.json"]
	if dt, ok := res.Metadata["result.txt"]; ok {
		c.text = dt
	} else {
		c.text = c.json
	}
	if s, ok := res.Metadata["result.statuscode"]; ok {
		c.status, _ = strconv.Atoi(strings.TrimSpace(string(s)))
	}
	return res, nil
}

// print writes the result of --call; check with problems is exit status 1.
func (c *callResult) print(call string, w io.Writer) error {
	w.Write(c.text)
	if c.status != 0 {
		if call == "doctor" {
			return exitError(c.status)
		}
		return fmt.Errorf("--call %s: the check found problems", call)
	}
	return nil
}

// tagExport is the image export of -t/--tag: pushed with --push, else kept
// in buildkitd's image store (where its worker has one).
func tagExport(tags []string, push bool) (client.ExportEntry, error) {
	for _, t := range tags {
		if strings.ContainsAny(t, ", \"") {
			return client.ExportEntry{}, fmt.Errorf("-t %q: an image name has no commas, spaces or quotes", t)
		}
	}
	attrs := map[string]string{"name": strings.Join(tags, ",")}
	if push {
		attrs["push"] = "true"
	}
	return client.ExportEntry{Type: client.ExporterImage, Attrs: attrs}, nil
}

// attestAttr sets a BuildKit attestation attribute from --sbom or
// --provenance: "true" (or no value) asks for the default, "false" for
// none, anything else is passed on (e.g. mode=max, generator=REF).
func attestAttr(attrs map[string]string, name, v string) {
	switch v {
	case "", "false":
	case "true":
		if name == "provenance" {
			attrs["attest:provenance"] = "mode=min"
			return
		}
		attrs["attest:"+name] = ""
	default:
		attrs["attest:"+name] = v
	}
}

// localContext turns --build-context NAME=DIR into a local mount: a value
// with a scheme (docker-image://, oci-layout://, target:, https://, git
// URLs) goes to the frontend as it is.
func localContext(name, v string, attrs map[string]string, mounts map[string]fsutil.FS) error {
	if strings.Contains(v, "://") || strings.HasPrefix(v, "target:") || strings.HasPrefix(v, "input:") || strings.HasPrefix(v, "git@") || strings.HasPrefix(v, "local:") {
		attrs["context:"+name] = v
		return nil
	}
	fi, err := os.Stat(v)
	if err != nil || !fi.IsDir() {
		return fmt.Errorf("--build-context %s=%s: not a directory (give a directory, or docker-image://REF)", name, v)
	}
	abs, _ := filepath.Abs(v)
	fs, err := fsutil.NewFS(abs)
	if err != nil {
		return fmt.Errorf("--build-context %s=%s: %w", name, v, err)
	}
	key := "ctx-" + name
	mounts[key] = fs
	attrs["context:"+name] = "local:" + key
	return nil
}

// targetsUsage lists the targets for --help.
func targetsUsage() string {
	var b strings.Builder
	b.WriteString("\nTargets (--target):\n")
	for _, t := range plan.Targets {
		fmt.Fprintf(&b, "  %-10s %s\n", t.Name, t.Description)
	}
	b.WriteString("  NAME       the name of a build: the image of that binary alone, as its entrypoint\n")
	b.WriteString("             (--call targets lists them for a Gopherfile)\n")
	return b.String()
}

// boolString is a flag that is "true" when given without a value.
type boolString struct{ v *string }

func (f boolString) String() string {
	if f.v == nil {
		return ""
	}
	return *f.v
}
func (f boolString) Set(s string) error { *f.v = s; return nil }
func (f boolString) IsBoolFlag() bool   { return true }
