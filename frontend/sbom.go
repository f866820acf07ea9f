package frontend

import (
	"context"
	"debug/buildinfo"
	"fmt"
	"io"
	"strings"
	"time"

	intoto "github.com/in-toto/in-toto-golang/in_toto"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	gatewaypb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/solver/result"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/spdx"
	"github.com/gopherfile/gopherfile/internal/version"
)

// addSBOMs attaches an SPDX SBOM to every platform's image when --sbom (attest:sbom)
// is asked for. It is written from the Go build info of the binaries in the image,
// so it lists exactly the modules compiled in, with their versions and purls.
// BuildKit then runs no scanner image of its own.
func (b *build) addSBOMs(ctx context.Context, rb *dockerui.ResultBuilder, created time.Time) error {
	return rb.EachPlatform(ctx, func(ctx context.Context, id string, pl ocispecs.Platform) error {
		ref, ok := rb.Result.FindRef(id)
		if !ok || ref == nil {
			return nil
		}
		var infos []*buildinfo.BuildInfo
		for _, bin := range b.plan.Binaries {
			path := bin.Output
			if b.plan.Target == plan.TargetBinaries {
				path = "/" + bin.Name
			}
			bi, err := buildinfo.Read(&refReaderAt{ctx: ctx, ref: ref, name: path})
			if err != nil {
				return fmt.Errorf("gopherfile: reading the Go build info of %s for the SBOM: %w", path, err)
			}
			infos = append(infos, bi)
		}
		doc, err := spdx.FromBuildInfo(infos, spdx.Options{
			ModulePath: b.plan.ModulePath, ModuleVersion: b.plan.ModuleVersion(),
			Created: created, Tool: "gopherfile-" + version.Version,
			Origin: b.plan.ModuleOrigin, Toolchain: "the builder image " + b.builderImg.pinnedRef(),
		})
		if err != nil {
			return err
		}
		st := llb.Scratch().File(llb.Mkfile("/sbom.spdx.json", 0o644, doc), llb.WithCustomName("[sbom] Go modules of "+strings.Join(binaryNames(b.plan), ", ")))
		sref, err := b.solveRef(ctx, st, pl, false)
		if err != nil {
			return err
		}
		rb.Result.AddAttestation(id, gwclient.Attestation{
			Kind: gatewaypb.AttestationKind_InToto,
			Ref:  sref,
			Path: "/sbom.spdx.json",
			Metadata: map[string][]byte{
				result.AttestationReasonKey: []byte(result.AttestationReasonSBOM),
			},
			InToto: result.InTotoAttestation{PredicateType: intoto.PredicateSPDX},
		})
		return nil
	})
}

func binaryNames(p *plan.Plan) []string {
	var n []string
	for _, b := range p.Binaries {
		n = append(n, b.Name)
	}
	return n
}

// refReaderAt reads a file of a build result in ranges, so that a large binary
// is never loaded whole.
type refReaderAt struct {
	ctx  context.Context
	ref  gwclient.Reference
	name string
}

func (r *refReaderAt) ReadAt(p []byte, off int64) (int, error) {
	dt, err := r.ref.ReadFile(r.ctx, gwclient.ReadRequest{Filename: r.name, Range: &gwclient.FileRange{Offset: int(off), Length: len(p)}})
	if err != nil {
		return 0, err
	}
	n := copy(p, dt)
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
