package stepconfig

import (
	"github.com/gopherfile/gopherfile/internal/vulndb"
	"github.com/gopherfile/gopherfile/internal/vulnreport"
)

// VulnOpts are the vulnerability database step's and the govulncheck step's.
// (The tool step, go install of govulncheck, needs nothing but its args.)
type VulnOpts struct {
	// Module and Version of the vulnerability database module
	// (golang.org/x/vulndb at a pinned version).
	Module  string `json:"module"`
	Version string `json:"version"`
	// DB is the converted database: written by the database step (its
	// OutDir), read by the govulncheck step.
	DB string `json:"db"`
	// Tool is the govulncheck binary the tool step built, ToolVersion the
	// version of golang.org/x/vuln it was built from.
	Tool        string `json:"tool,omitempty"`
	ToolVersion string `json:"toolVersion,omitempty"`
	// Patterns are the main packages govulncheck analyses (relative to the
	// module directory), Tags their build tags.
	Patterns []string `json:"patterns,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	// Title names the run in the report (the platform).
	Title string `json:"title,omitempty"`
}

// Files of the govulncheck step's output. VulnSummary is what the frontend
// reads; the others are the exports of the vulncheck target.
const (
	VulnJSON    = "vulncheck.json"
	VulnSARIF   = "vulncheck.sarif"
	VulnVEX     = "vulncheck.openvex.json"
	VulnText    = "vulncheck.txt"
	VulnSummary = "vulncheck-summary.json"
)

// VulnResult is what the govulncheck step tells the frontend
// (VulnSummary): the database it used and the findings, or why govulncheck
// could not run.
type VulnResult struct {
	// Error says why govulncheck did not finish ("" when it did).
	Error string `json:"error,omitempty"`
	// DB is the database the findings come from.
	DB vulndb.Meta `json:"db"`
	// Report holds the findings.
	Report *vulnreport.Report `json:"report,omitempty"`
}
