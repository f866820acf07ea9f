// Package spdx writes SPDX 2.3 SBOMs (JSON) from the Go build info of
// binaries: the main module at the version the build stamps, the Go
// toolchain and standard library, and every module compiled in, each with
// its purl, its go.sum hash (h1:) and where the build took it from (a
// module proxy, version control, vendor/, a local replace).
package spdx

import (
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Document is an SPDX 2.3 document, the fields this package writes.
type Document struct {
	SPDXVersion       string         `json:"spdxVersion"`
	DataLicense       string         `json:"dataLicense"`
	SPDXID            string         `json:"SPDXID"`
	Name              string         `json:"name"`
	DocumentNamespace string         `json:"documentNamespace"`
	CreationInfo      CreationInfo   `json:"creationInfo"`
	Packages          []Package      `json:"packages"`
	Relationships     []Relationship `json:"relationships"`
}

// CreationInfo says when and by which tool the document was written.
type CreationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

// Package is one SPDX package: a module or the standard library.
type Package struct {
	Name             string        `json:"name"`
	SPDXID           string        `json:"SPDXID"`
	VersionInfo      string        `json:"versionInfo,omitempty"`
	DownloadLocation string        `json:"downloadLocation"`
	FilesAnalyzed    bool          `json:"filesAnalyzed"`
	PrimaryPurpose   string        `json:"primaryPackagePurpose,omitempty"`
	ExternalRefs     []ExternalRef `json:"externalRefs,omitempty"`
	// SourceInfo says where the build took the package from.
	SourceInfo string `json:"sourceInfo,omitempty"`
	Comment    string `json:"comment,omitempty"`
}

// Options say what the build info does not.
type Options struct {
	// ModulePath and ModuleVersion name the main module and the version
	// the build stamps ("" when it has none).
	ModulePath, ModuleVersion string
	// Created is the document's time, Tool its creator.
	Created time.Time
	Tool    string
	// Origin says where a module came from (localReplace: replaced by a
	// directory); nil leaves it out.
	Origin func(path string, localReplace bool) string
	// Toolchain names where the Go toolchain came from, e.g. the builder
	// image with its digest.
	Toolchain string
}

// ExternalRef is a package's reference, here its purl.
type ExternalRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

// Relationship links two SPDX elements (DESCRIBES, DEPENDS_ON).
type Relationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

// FromBuildInfo writes an SPDX 2.3 document (JSON): the main module, the Go
// standard library and toolchain, and every dependency module compiled into
// the binaries.
func FromBuildInfo(infos []*buildinfo.BuildInfo, o Options) ([]byte, error) {
	type mod struct {
		path, version, sum, replacedBy string
		local                          bool
	}
	mods := map[string]mod{}
	goVersions := map[string]bool{}
	for _, bi := range infos {
		goVersions[bi.GoVersion] = true
		for _, d := range bi.Deps {
			m := mod{path: d.Path, version: d.Version, sum: d.Sum}
			if d.Replace != nil {
				m.replacedBy = d.Replace.Path + "@" + d.Replace.Version
				m.sum = d.Replace.Sum
				if d.Replace.Version != "" {
					m.version = d.Replace.Version
				} else {
					m.replacedBy, m.local = d.Replace.Path, true
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
	modulePath := o.ModulePath
	mainID := id("main:" + modulePath)
	purl := "pkg:golang/" + modulePath
	if o.ModuleVersion != "" {
		purl += "@" + o.ModuleVersion
	}
	doc := Document{
		SPDXVersion: "SPDX-2.3", DataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT",
		Name:         "gopherfile-" + modulePath,
		CreationInfo: CreationInfo{Created: o.Created.UTC().Format(time.RFC3339), Creators: []string{"Tool: " + o.Tool}},
		Packages: []Package{{
			Name: modulePath, SPDXID: mainID, VersionInfo: o.ModuleVersion, DownloadLocation: "NOASSERTION", PrimaryPurpose: "APPLICATION",
			ExternalRefs: []ExternalRef{{"PACKAGE-MANAGER", "purl", purl}},
			SourceInfo:   "the build context",
		}},
		Relationships: []Relationship{{"SPDXRef-DOCUMENT", "DESCRIBES", mainID}},
	}
	gvs := make([]string, 0, len(goVersions))
	for v := range goVersions {
		gvs = append(gvs, v)
	}
	sort.Strings(gvs)
	for _, gv := range gvs {
		sid := id("stdlib:" + gv)
		doc.Packages = append(doc.Packages, Package{Name: "stdlib", SPDXID: sid, VersionInfo: gv, DownloadLocation: "https://go.dev/dl/", PrimaryPurpose: "LIBRARY",
			ExternalRefs: []ExternalRef{{"PACKAGE-MANAGER", "purl", "pkg:golang/stdlib@" + strings.TrimPrefix(gv, "go")}},
			SourceInfo:   o.Toolchain})
		doc.Relationships = append(doc.Relationships, Relationship{mainID, "DEPENDS_ON", sid})
		tid := id("toolchain:" + gv)
		doc.Packages = append(doc.Packages, Package{Name: "go toolchain", SPDXID: tid, VersionInfo: gv, DownloadLocation: "https://go.dev/dl/", PrimaryPurpose: "APPLICATION",
			ExternalRefs: []ExternalRef{{"PACKAGE-MANAGER", "purl", "pkg:golang/toolchain@" + strings.TrimPrefix(gv, "go")}},
			SourceInfo:   o.Toolchain, Comment: "the Go that compiled the binaries"})
		doc.Relationships = append(doc.Relationships, Relationship{tid, "BUILD_TOOL_OF", mainID})
	}
	for _, k := range keys {
		m := mods[k]
		sid := id(k)
		p := Package{Name: m.path, SPDXID: sid, VersionInfo: m.version, DownloadLocation: "NOASSERTION", PrimaryPurpose: "LIBRARY",
			ExternalRefs: []ExternalRef{{"PACKAGE-MANAGER", "purl", "pkg:golang/" + m.path + "@" + m.version}}}
		if m.sum != "" {
			p.Comment = "go.sum " + m.sum
		}
		if o.Origin != nil {
			p.SourceInfo = o.Origin(m.path, m.local)
		}
		if m.replacedBy != "" {
			p.Comment = strings.TrimSpace(p.Comment + " replaced by " + m.replacedBy)
		}
		doc.Packages = append(doc.Packages, p)
		doc.Relationships = append(doc.Relationships, Relationship{mainID, "DEPENDS_ON", sid})
	}
	sum := sha256.Sum256([]byte(strings.Join(keys, "\n") + strings.Join(gvs, ",")))
	doc.DocumentNamespace = "https://gopherfile.dev/spdx/" + modulePath + "/" + hex.EncodeToString(sum[:12])
	dt, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("writing the SBOM: %w", err)
	}
	return dt, nil
}
