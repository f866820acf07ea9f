package frontend

import (
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	intoto "github.com/in-toto/in-toto-golang/in_toto"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	gatewaypb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/solver/result"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/frontend/plan"
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
		doc, err := spdxFromBuildInfo(b.plan.ModulePath, infos, created)
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

type spdxDoc struct {
	SPDXVersion       string             `json:"spdxVersion"`
	DataLicense       string             `json:"dataLicense"`
	SPDXID            string             `json:"SPDXID"`
	Name              string             `json:"name"`
	DocumentNamespace string             `json:"documentNamespace"`
	CreationInfo      spdxCreation       `json:"creationInfo"`
	Packages          []spdxPackage      `json:"packages"`
	Relationships     []spdxRelationship `json:"relationships"`
}

type spdxCreation struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	Name             string       `json:"name"`
	SPDXID           string       `json:"SPDXID"`
	VersionInfo      string       `json:"versionInfo,omitempty"`
	DownloadLocation string       `json:"downloadLocation"`
	FilesAnalyzed    bool         `json:"filesAnalyzed"`
	PrimaryPurpose   string       `json:"primaryPackagePurpose,omitempty"`
	ExternalRefs     []spdxExtRef `json:"externalRefs,omitempty"`
	Comment          string       `json:"comment,omitempty"`
}

type spdxExtRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

type spdxRelationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

// spdxFromBuildInfo writes an SPDX 2.3 document: the main module, the Go
// standard library and every dependency module compiled into the binaries.
func spdxFromBuildInfo(modulePath string, infos []*buildinfo.BuildInfo, created time.Time) ([]byte, error) {
	type mod struct{ path, version, sum, replacedBy string }
	mods := map[string]mod{}
	goVersions := map[string]bool{}
	for _, bi := range infos {
		goVersions[bi.GoVersion] = true
		for _, d := range bi.Deps {
			m := mod{path: d.Path, version: d.Version, sum: d.Sum}
			if d.Replace != nil {
				m.replacedBy = d.Replace.Path + "@" + d.Replace.Version
				if d.Replace.Version != "" {
					m.version = d.Replace.Version
				}
			}
			mods[d.Path+"@"+m.version] = m
		}
	}
	keys := make([]string, 0, len(mods))
	for k := range mods {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	id := func(s string) string {
		h := sha256.Sum256([]byte(s))
		return "SPDXRef-Package-" + hex.EncodeToString(h[:8])
	}
	mainID := id("main:" + modulePath)
	doc := spdxDoc{
		SPDXVersion: "SPDX-2.3", DataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT",
		Name:         "gopherfile-" + modulePath,
		CreationInfo: spdxCreation{Created: created.UTC().Format(time.RFC3339), Creators: []string{"Tool: gopherfile-" + version.Version}},
		Packages: []spdxPackage{{
			Name: modulePath, SPDXID: mainID, DownloadLocation: "NOASSERTION", PrimaryPurpose: "APPLICATION",
			ExternalRefs: []spdxExtRef{{"PACKAGE-MANAGER", "purl", "pkg:golang/" + modulePath}},
		}},
		Relationships: []spdxRelationship{{"SPDXRef-DOCUMENT", "DESCRIBES", mainID}},
	}
	gvs := make([]string, 0, len(goVersions))
	for v := range goVersions {
		gvs = append(gvs, v)
	}
	sort.Strings(gvs)
	for _, gv := range gvs {
		sid := id("stdlib:" + gv)
		doc.Packages = append(doc.Packages, spdxPackage{Name: "stdlib", SPDXID: sid, VersionInfo: gv, DownloadLocation: "https://go.dev/dl/", PrimaryPurpose: "LIBRARY",
			ExternalRefs: []spdxExtRef{{"PACKAGE-MANAGER", "purl", "pkg:golang/stdlib@" + strings.TrimPrefix(gv, "go")}}})
		doc.Relationships = append(doc.Relationships, spdxRelationship{mainID, "DEPENDS_ON", sid})
	}
	for _, k := range keys {
		m := mods[k]
		sid := id(k)
		p := spdxPackage{Name: m.path, SPDXID: sid, VersionInfo: m.version, DownloadLocation: "NOASSERTION", PrimaryPurpose: "LIBRARY",
			ExternalRefs: []spdxExtRef{{"PACKAGE-MANAGER", "purl", "pkg:golang/" + m.path + "@" + m.version}}}
		if m.sum != "" {
			p.Comment = "go.sum " + m.sum
		}
		if m.replacedBy != "" {
			p.Comment = strings.TrimSpace(p.Comment + " replaced by " + m.replacedBy)
		}
		doc.Packages = append(doc.Packages, p)
		doc.Relationships = append(doc.Relationships, spdxRelationship{mainID, "DEPENDS_ON", sid})
	}
	sum := sha256.Sum256([]byte(strings.Join(keys, "\n") + strings.Join(gvs, ",")))
	doc.DocumentNamespace = "https://gopherfile.dev/spdx/" + modulePath + "/" + hex.EncodeToString(sum[:12])
	dt, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("writing the SBOM: %w", err)
	}
	return dt, nil
}
