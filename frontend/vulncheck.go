package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"strings"
	"time"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	gatewaypb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/solver/result"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	"github.com/containerd/platforms"

	"github.com/gopherfile/gopherfile/internal/graph"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
	"github.com/gopherfile/gopherfile/internal/version"
	"github.com/gopherfile/gopherfile/internal/vulnreport"
)

// vulnField is the Gopherfile field vulncheck messages point at.
const vulnField = "vulncheck"

// vulncheck runs govulncheck for one platform and checks its findings: a
// reachable one that the allow-list does not name fails the build when the
// plan says so (FailsOnVuln), else it is a warning. It returns the state of
// the reports, the vulncheck target's output.
func (b *build) vulncheck(ctx context.Context, target ocispecs.Platform) (llb.State, error) {
	runs := b.graph.Vulncheck(target)
	eg, ctx := errgroup.WithContext(ctx)
	for i, r := range runs {
		eg.Go(func() error {
			ref, err := b.solveRef(ctx, r.State, target, true)
			if err != nil {
				return err
			}
			dt, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: stepconfig.VulnSummary, Range: &gwclient.FileRange{Length: maxSummary}})
			if err != nil {
				return fmt.Errorf("gopherfile: reading the govulncheck summary: %w", err)
			}
			var res stepconfig.VulnResult
			if err := json.Unmarshal(dt, &res); err != nil {
				return fmt.Errorf("gopherfile: reading the govulncheck summary: %w", err)
			}
			if err := b.checkVulns(ctx, platforms.Format(target), r, res); err != nil {
				return err
			}
			vex, err := b.patchVEX(ctx, ref, res)
			if err != nil {
				return err
			}
			runs[i].State = r.State.File(llb.Mkfile("/"+stepconfig.VulnVEX, 0o644, vex, llb.WithCreatedTime(graph.DefaultFileTime)),
				llb.WithCustomName("[vulncheck] OpenVEX document of "+strings.Join(r.Binaries, ", ")))
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return llb.State{}, err
	}
	return graph.VulnOutput(runs), nil
}

// checkVulns turns one run's result into warnings or the build's error.
func (b *build) checkVulns(ctx context.Context, pl string, r graph.VulnRun, res stepconfig.VulnResult) error {
	v := b.plan.Vulncheck
	db := v.DBDescription(time.Now())
	what := fmt.Sprintf("govulncheck of %s for %s", strings.Join(r.Binaries, ", "), pl)
	if res.Error != "" {
		return b.fieldError(vulnField, fmt.Errorf("%s could not analyse the program: %s", what, res.Error))
	}
	if res.Report == nil {
		return b.fieldError(vulnField, fmt.Errorf("%s wrote no report", what))
	}
	warn := func(msg string) {
		b.src.Warn(ctx, msg, gwclient.WarnOpts{Range: lineRange(b.pos.Of(vulnField).Line), Level: 1})
	}
	if !v.DBTime.IsZero() && time.Since(v.DBTime) > plan.StaleVulnDB {
		warn(fmt.Sprintf("the vulnerability database %s is old: vulnerabilities published since are not checked; pin a newer version with vulncheck.db or --build-arg %s", db, plan.ArgVulncheckDB))
	}
	allow := make([]vulnreport.Allowed, len(v.Allow))
	for i, a := range v.Allow {
		allow[i] = vulnreport.Allowed{ID: string(a.ID), Reason: a.Reason}
	}
	blocking, allowed, unused := res.Report.Blocking(allow)
	for _, f := range allowed {
		warn(fmt.Sprintf("%s: %s is reachable (%s) and allowed by vulncheck.allow: %s", what, f.ID, f.Symbol, reasonOf(f, allow)))
	}
	for _, a := range unused {
		warn(fmt.Sprintf("%s: vulncheck.allow names %s, which is not reachable here: remove it when it no longer applies to any binary or platform", what, a.ID))
	}
	_, imp, req := res.Report.Counts()
	if len(blocking) == 0 {
		return nil
	}
	var msg strings.Builder
	fmt.Fprintf(&msg, "%s found %d reachable %s (and %d imported but not called, %d in required modules only, which do not fail the build), with the database %s:\n",
		what, len(blocking), plural(len(blocking), "vulnerability", "vulnerabilities"), imp, req, db)
	for _, f := range blocking {
		msg.WriteString("\n" + f.Detail())
	}
	fmt.Fprintf(&msg, "\nFix them, or accept one with a reason under vulncheck.allow (- id: %s, reason: ...). -o type=local,dest=DIR with --target vulncheck exports vulncheck.json, vulncheck.sarif and vulncheck.openvex.json.", blocking[0].ID)
	if !b.plan.FailsOnVuln() {
		for _, f := range blocking {
			warn(fmt.Sprintf("%s: %s is reachable: %s; fix: %s", what, f.ID, f.Symbol, orText(f.Fix, "no fixed version yet")))
		}
		return nil
	}
	return b.fieldError(vulnField, fmt.Errorf("%s", msg.String()))
}

func reasonOf(f vulnreport.Finding, allow []vulnreport.Allowed) string {
	for _, a := range allow {
		if strings.EqualFold(a.ID, f.ID) {
			return a.Reason
		}
		for _, al := range f.Aliases {
			if strings.EqualFold(a.ID, al) {
				return a.Reason
			}
		}
	}
	return ""
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// patchVEX completes govulncheck's OpenVEX document with the product (the
// main module at the version the build stamps) and the fixes
// (vulnreport.PatchVEX). It is done here, not in the govulncheck step, so
// that a new version does not run the analysis again.
func (b *build) patchVEX(ctx context.Context, ref gwclient.Reference, res stepconfig.VulnResult) ([]byte, error) {
	raw, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: stepconfig.VulnVEX, Range: &gwclient.FileRange{Length: maxSummary}})
	if err != nil {
		return nil, fmt.Errorf("gopherfile: reading the OpenVEX document: %w", err)
	}
	p := vulnreport.Product{Module: b.plan.ModulePath, Version: b.plan.ModuleVersion(), Author: "Gopherfile " + version.Version + " (govulncheck " + b.plan.Vulncheck.Govulncheck + ")"}
	out, err := vulnreport.PatchVEX(raw, p, res.Report)
	if err != nil {
		return nil, fmt.Errorf("gopherfile: %w", err)
	}
	return out, nil
}

// keepVEX remembers a platform's reports for addVEX.
func (b *build) keepVEX(pl ocispecs.Platform, st llb.State) {
	b.vexMu.Lock()
	defer b.vexMu.Unlock()
	if b.vex == nil {
		b.vex = map[string]llb.State{}
	}
	b.vex[platforms.FormatAll(platforms.Normalize(pl))] = st
}

// openVEXPredicate is the in-toto predicate type of an OpenVEX document.
const openVEXPredicate = "https://openvex.dev/ns/v0.2.0"

// addVEX attaches each platform's OpenVEX document to its image as an
// in-toto attestation, so that scanners that read VEX (the unreachable
// findings not_affected) see it next to the image.
func (b *build) addVEX(ctx context.Context, rb *dockerui.ResultBuilder) error {
	b.vexMu.Lock()
	vex := maps.Clone(b.vex)
	b.vexMu.Unlock()
	if len(vex) == 0 {
		return nil
	}
	runs := b.graph.VulnRunNames()
	return rb.EachPlatform(ctx, func(ctx context.Context, id string, pl ocispecs.Platform) error {
		st, ok := vex[platforms.FormatAll(platforms.Normalize(pl))]
		if !ok {
			return nil
		}
		ref, err := b.solveRef(ctx, st, pl, false)
		if err != nil {
			return err
		}
		for _, name := range runs {
			rb.Result.AddAttestation(id, gwclient.Attestation{
				Kind:   gatewaypb.AttestationKind_InToto,
				Ref:    ref,
				Path:   path.Join("/", name, stepconfig.VulnVEX),
				InToto: result.InTotoAttestation{PredicateType: openVEXPredicate},
			})
		}
		return nil
	})
}
