package plan

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/gopherfile/gopherfile/internal/spec"
)

// The versions of the vulnerability scanner and database this frontend
// version uses unless the Gopherfile or a build arg names others: the one
// place they are written. Update them with the Go releases (releases.go):
// `go list -m -versions golang.org/x/vuln` and `go list -m
// golang.org/x/vulndb@master` through the module proxy.
const (
	VulnDBModule       = "golang.org/x/vulndb"
	DefaultVulnDB      = "v0.0.0-20261105234957-e22db6528018"
	GovulncheckModule  = "golang.org/x/vuln"
	GovulncheckPkg     = "golang.org/x/vuln/cmd/govulncheck"
	DefaultGovulncheck = "v1.9.0"
)

// Build args of vulncheck.
const (
	ArgVulncheck   = "VULNCHECK"
	ArgVulncheckDB = "VULNCHECK_DB"
)

// StaleVulnDB is the age after which the build warns that the database is old.
const StaleVulnDB = 60 * 24 * time.Hour

// Vulncheck is the resolved vulncheck: setting.
type Vulncheck struct {
	// Mode of the image build (off, report, fail); the vulncheck target
	// runs whatever it is, failing unless it is report.
	Mode spec.VulncheckMode `json:"mode"`
	// ModeOrigin says where Mode came from.
	ModeOrigin string `json:"modeOrigin,omitempty"`
	// DB is the golang.org/x/vulndb version, DBOrigin where it came from.
	DB       string `json:"db"`
	DBOrigin string `json:"dbOrigin"`
	// DBTime is the commit time of a pseudo-version DB (zero for a tag).
	DBTime time.Time `json:"dbTime,omitempty"`
	// Govulncheck is the golang.org/x/vuln version.
	Govulncheck string `json:"govulncheck"`
	// Allow are the accepted IDs with their reasons.
	Allow []spec.VulnAllow `json:"allow,omitempty"`
}

// Runs reports whether the build runs govulncheck.
func (p *Plan) RunsVulncheck() bool {
	switch p.Target {
	case TargetVulncheck:
		return true
	case TargetImage, TargetBinaries:
		return p.Vulncheck.Mode != spec.VulncheckOff
	}
	return false
}

// FailsOnVuln reports whether a reachable vulnerability fails the build.
func (p *Plan) FailsOnVuln() bool {
	if p.Target == TargetVulncheck {
		return p.Vulncheck.Mode != spec.VulncheckReport
	}
	return p.Vulncheck.Mode == spec.VulncheckFail
}

func vulncheckPlan(s *spec.Spec, args map[string]string) (Vulncheck, error) {
	v := Vulncheck{Mode: s.Vulncheck.Mode, ModeOrigin: "Gopherfile vulncheck.mode", DB: s.Vulncheck.DB, DBOrigin: "Gopherfile vulncheck.db",
		Govulncheck: s.Vulncheck.Govulncheck, Allow: s.Vulncheck.Allow}
	if v.Mode == "" {
		v.Mode, v.ModeOrigin = spec.VulncheckOff, "the default"
	}
	if a, ok := args[ArgVulncheck]; ok && a != "" {
		m := spec.VulncheckMode(a)
		if !slices.Contains(m.Values(), m) {
			return v, &Error{Field: "vulncheck.mode", Msg: fmt.Sprintf("--build-arg %s=%s: use off, report or fail", ArgVulncheck, shorten(a))}
		}
		v.Mode, v.ModeOrigin = m, "--build-arg "+ArgVulncheck
	}
	if a, ok := args[ArgVulncheckDB]; ok && a != "" {
		if !semver.IsValid(a) || semver.Canonical(a) != a {
			return v, &Error{Field: "vulncheck.db", Msg: fmt.Sprintf("--build-arg %s=%s is not a module version of %s: pass one like %s", ArgVulncheckDB, shorten(a), VulnDBModule, DefaultVulnDB)}
		}
		v.DB, v.DBOrigin = a, "--build-arg "+ArgVulncheckDB
	}
	if v.DB == "" {
		v.DB, v.DBOrigin = DefaultVulnDB, "the version this frontend names"
	}
	if t, err := module.PseudoVersionTime(v.DB); err == nil {
		v.DBTime = t
	}
	if v.Govulncheck == "" {
		v.Govulncheck = DefaultGovulncheck
	}
	return v, nil
}

// DBDescription names the database and its age at now, for messages:
// "golang.org/x/vulndb@v0.0.0-2026... (2026-11-05, 31 days old; the version this frontend names)".
func (v Vulncheck) DBDescription(now time.Time) string {
	s := VulnDBModule + "@" + v.DB
	var parts []string
	if !v.DBTime.IsZero() {
		days := int(now.Sub(v.DBTime).Hours() / 24)
		parts = append(parts, fmt.Sprintf("%s, %d days old", v.DBTime.Format("2006-01-02"), max(days, 0)))
	}
	parts = append(parts, v.DBOrigin)
	return s + " (" + strings.Join(parts, "; ") + ")"
}

// ModuleVersion is the main module's version as the build stamps it: the
// Version of the ldflags templates when it is a module version (v1.2.3),
// else "" (dev builds have none).
func (p *Plan) ModuleVersion() string {
	v := p.stamp.Version
	if semver.IsValid(v) {
		return v
	}
	if semver.IsValid("v" + v) {
		return "v" + v
	}
	return ""
}
