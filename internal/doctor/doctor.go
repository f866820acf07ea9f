// Package doctor is the report of `gopherfile doctor` and of the frontend's
// `--call doctor` subrequest: what the probe of the download step found
// (internal/step/probe writes it, in the builder or on the host), as JSON for
// CI and as a readable table, and the side-by-side comparison of a host and
// a builder report that names the first difference explaining a failure.
//
// The package is pure: it renders and compares, and does no I/O besides
// writing to the io.Writer it is given. Every value it prints was redacted
// by the probe (goenv.Redact); Render redacts the settings once more.
package doctor

import (
	"encoding/json"
	"fmt"
)

// Version is the version of the report format (result.json's "version").
const Version = "1"

// Where the probe ran.
const (
	Builder = "builder"
	Host    = "host"
)

// Report is what one probe found.
type Report struct {
	// Where is Builder or Host.
	Where string `json:"where"`
	// Module is the main module's path, GoLine and ToolchainLine go.mod's
	// go and toolchain lines.
	Module        string `json:"module"`
	GoLine        string `json:"goLine,omitempty"`
	ToolchainLine string `json:"toolchainLine,omitempty"`
	// Settings are the go settings in effect, with their origins, values
	// redacted.
	Settings []Setting `json:"settings"`
	// Toolchain is the Go toolchain the download would use.
	Toolchain Toolchain `json:"toolchain"`
	// Proxies are the GOPROXY entries, in order.
	Proxies []Proxy `json:"proxies,omitempty"`
	// SumDB is the checksum database.
	SumDB SumDB `json:"sumdb"`
	// Direct are the version control hosts of the modules fetched directly.
	Direct []Direct `json:"direct,omitempty"`
	// Modules are go.mod's requirements, with what answered for each.
	Modules []Module `json:"modules"`
	// Problems are what will fail, in the words of the build's diagnosis.
	Problems []Problem `json:"problems,omitempty"`
	// Vendored is set when vendor/modules.txt makes the download step
	// unnecessary.
	Vendored bool `json:"vendored,omitempty"`
	// Millis is how long the probe took.
	Millis int64 `json:"millis"`
	// Deadline is the download step's deadline the probe kept to, in seconds.
	DeadlineSeconds int `json:"deadlineSeconds,omitempty"`
}

// Setting is one go setting (or HTTP proxy, netrc, CA bundle, SSH agent).
type Setting struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Origin string `json:"origin"`
}

// Toolchain is the Go toolchain of the download and where it comes from.
type Toolchain struct {
	// Go is the go command's version ("1.26.8").
	Go string `json:"go"`
	// Source says where it comes from: "the builder image", or the module
	// proxy for a toolchain switch.
	Source string `json:"source"`
	// Switch is the toolchain the go command would switch to ("go1.27.1"),
	// "" for none.
	Switch string `json:"switch,omitempty"`
	OK     bool   `json:"ok"`
}

// Proxy is one GOPROXY entry.
type Proxy struct {
	// URL is the entry, redacted; Host its host.
	URL  string `json:"url"`
	Host string `json:"host,omitempty"`
	// Sep is the separator after the entry ("," or "|"), "" for the last.
	Sep string `json:"sep,omitempty"`
	// TLS is "trusted", "untrusted" or "" (http, or not reached).
	TLS string `json:"tls,omitempty"`
	// Issuer is the certificate issuer it presented; Intercepted says the
	// issuer looks like a TLS-intercepting proxy.
	Issuer      string `json:"issuer,omitempty"`
	Intercepted bool   `json:"intercepted,omitempty"`
	// Credential names the credential offered ("netrc entry for HOST (the
	// netrc secret)"), never its value; "" for none.
	Credential string `json:"credential,omitempty"`
	// Asked is the number of module paths asked; Statuses counts the
	// answers ("200 OK": 12, "404 Not Found": 1, "connection refused": 3).
	Asked    int            `json:"asked"`
	Statuses map[string]int `json:"statuses,omitempty"`
}

// SumDB is the checksum database.
type SumDB struct {
	// Name is GOSUMDB's name ("sum.golang.org"), "off" when off.
	Name string `json:"name"`
	// NoSumDB are the patterns exempt (GONOSUMDB, or GOPRIVATE).
	NoSumDB string `json:"nosumdb,omitempty"`
	// Via is how it is reached: "https://sum.golang.org" or a proxy's
	// /sumdb/ URL.
	Via string `json:"via,omitempty"`
	// Needed are the modules go.sum does not cover, which the build
	// looks up.
	Needed []string `json:"needed,omitempty"`
	// Status is what it answered ("200 OK", "not asked: go.sum covers
	// every requirement", an error).
	Status string `json:"status"`
	OK     bool   `json:"ok"`
}

// Direct is one version control repository fetched directly.
type Direct struct {
	Host string `json:"host"`
	// Repo is the repository URL (after go-get discovery).
	Repo    string   `json:"repo,omitempty"`
	Modules []string `json:"modules"`
	// Credential names what git was given: a token secret, netrc, the SSH
	// agent, or nothing.
	Credential string `json:"credential,omitempty"`
	// Status is git ls-remote's outcome.
	Status string `json:"status"`
	OK     bool   `json:"ok"`
}

// Module is one requirement of go.mod.
type Module struct {
	Path     string `json:"path"`
	Version  string `json:"version"`
	Indirect bool   `json:"indirect,omitempty"`
	// Via is the GOPROXY entry that answered (redacted), "direct" or "".
	Via    string `json:"via,omitempty"`
	Status string `json:"status"`
	OK     bool   `json:"ok"`
	// Row is the catalogue row of its failure, 0 when OK.
	Row int `json:"row,omitempty"`
}

// Problem is one thing that will fail, in the build diagnosis's words.
type Problem struct {
	Row       int    `json:"row"`
	Class     string `json:"class"`
	Transient bool   `json:"transient,omitempty"`
	Module    string `json:"module,omitempty"`
	Host      string `json:"host,omitempty"`
	// Setting names the setting involved (GOPROXY, GOPRIVATE, cacert, ...).
	Setting string `json:"setting,omitempty"`
	// Text is the paragraph the build's diagnosis prints for it.
	Text string `json:"text"`
	// Evidence is what the probe saw, as the go command would print it.
	Evidence string `json:"evidence,omitempty"`
}

// Failed reports whether a requirement cannot be fetched (a permanent
// problem, or a transient one the build's retries may not get past).
func (r *Report) Failed() bool { return len(r.Problems) > 0 }

// Setting returns the named setting.
func (r *Report) Setting(name string) (Setting, bool) {
	for _, s := range r.Settings {
		if s.Name == name {
			return s, true
		}
	}
	return Setting{}, false
}

// Rows are the catalogue rows of the problems, in order, each once.
func (r *Report) Rows() []int {
	seen := map[int]bool{}
	var out []int
	for _, p := range r.Problems {
		if !seen[p.Row] {
			seen[p.Row] = true
			out = append(out, p.Row)
		}
	}
	return out
}

// Parse reads a report written by the probe.
func Parse(data []byte) (*Report, error) {
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("reading the doctor report: %w", err)
	}
	return &r, nil
}

// JSON is the report as indented JSON.
func (r *Report) JSON() []byte {
	dt, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		panic(err) // plain data
	}
	return append(dt, '\n')
}
