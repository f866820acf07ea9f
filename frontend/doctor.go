package frontend

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"

	"github.com/gopherfile/gopherfile/internal/doctor"
	"github.com/gopherfile/gopherfile/internal/graph"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// DoctorRequest is the request id of the doctor subrequest: docker buildx
// build --call doctor sends "frontend." + the --call name.
const DoctorRequest = "frontend.doctor"

// doctorDefinition describes the doctor subrequest for --call
// subrequests.describe.
var doctorDefinition = subrequests.Request{
	Name:        DoctorRequest,
	Version:     doctor.Version,
	Type:        subrequests.TypeRPC,
	Description: "Probe what go mod download would reach, with the download step's network, secrets and settings, and predict what will fail",
	Opts:        []subrequests.Named{},
	Metadata:    []subrequests.Named{{Name: "result.json"}, {Name: "result.txt"}, {Name: "result.statuscode"}},
}

// describe answers --call subrequests.describe: BuildKit's subrequests and
// the doctor.
func describe() (*gwclient.Result, error) {
	all := []subrequests.Request{outline.SubrequestsOutlineDefinition, targets.SubrequestsTargetsDefinition,
		lint.SubrequestLintDefinition, doctorDefinition, subrequests.SubrequestsDescribeDefinition}
	dt, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return nil, err
	}
	var txt bytes.Buffer
	if err := subrequests.PrintDescribe(dt, &txt); err != nil {
		return nil, err
	}
	res := gwclient.NewResult()
	res.Metadata = map[string][]byte{
		"result.json": dt,
		"result.txt":  txt.Bytes(),
		"version":     []byte(subrequests.SubrequestsDescribeDefinition.Version),
	}
	return res, nil
}

// doctor answers --call doctor: it plans the build as for the deps target,
// runs the doctor step (the download step's network, secrets and settings;
// a new step every time), and returns its report as result.json, the table
// as result.txt, and result.statuscode 1 when a requirement cannot be
// fetched (docker buildx exits with it).
func (b *build) doctor(ctx context.Context) (*gwclient.Result, error) {
	if err := checkGateway(b.c.BuildOpts().Caps); err != nil {
		return nil, err
	}
	b.doctorMode = true // before planning: the options plan the deps target
	p, err := b.planned(ctx)
	if err != nil {
		return nil, err
	}
	if err := b.checkSyntaxPinned(); err != nil {
		return nil, err
	}
	if err := b.prepare(ctx); err != nil {
		return nil, err
	}
	g := graph.New(p, b.in)
	ref, err := b.solveRef(ctx, g.Doctor(nonce()), b.in.BuildPlatform, true)
	if err != nil {
		return nil, err
	}
	dt, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: stepconfig.DoctorFile})
	if err != nil {
		return nil, fmt.Errorf("gopherfile: reading the doctor report: %w", err)
	}
	r, err := doctor.Parse(dt)
	if err != nil {
		return nil, fmt.Errorf("gopherfile: %w", err)
	}
	return doctorResult(r), nil
}

// doctorResult is the subrequest's result.
func doctorResult(r *doctor.Report) *gwclient.Result {
	var txt bytes.Buffer
	doctor.Render(&txt, r)
	status := "0"
	if r.Failed() {
		status = "1"
	}
	res := gwclient.NewResult()
	res.Metadata = map[string][]byte{
		"result.json":       r.JSON(),
		"result.txt":        txt.Bytes(),
		"result.statuscode": []byte(status),
		"version":           []byte(doctor.Version),
	}
	return res
}
