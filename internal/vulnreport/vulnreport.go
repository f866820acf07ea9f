// Package vulnreport reads the JSON stream govulncheck writes (-format
// json: config, SBOM, osv and finding messages) and sums it up per
// vulnerability: reachable (a vulnerable symbol is called from a main
// package), imported (a vulnerable package is imported but no vulnerable
// symbol is called) or required (only the module is required). It renders
// the readable report of the build log and the summary the frontend reads,
// with the call path from main, the fixed version and the command that fixes
// it. It is pure: no I/O but the reader it is given.
package vulnreport

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Level is how close a program comes to a vulnerability.
type Level string

// The levels, from farthest to closest.
const (
	// Required: a module the program requires has the vulnerability, but no
	// vulnerable package is imported.
	Required Level = "module"
	// Imported: a vulnerable package is imported, no vulnerable symbol called.
	Imported Level = "package"
	// Reachable: a vulnerable symbol is called from a main package.
	Reachable Level = "symbol"
)

func (l Level) rank() int {
	switch l {
	case Reachable:
		return 3
	case Imported:
		return 2
	case Required:
		return 1
	}
	return 0
}

// Finding is one vulnerability of the program, at its closest level.
type Finding struct {
	ID      string   `json:"id"`
	Aliases []string `json:"aliases,omitempty"`
	Summary string   `json:"summary,omitempty"`
	Level   Level    `json:"level"`
	// Module and Version are the affected module ("stdlib" for the standard
	// library) and the version the program uses.
	Module  string `json:"module"`
	Version string `json:"version,omitempty"`
	// Fixed is the first version without the vulnerability ("" if none).
	Fixed string `json:"fixed,omitempty"`
	// Symbol is the vulnerable symbol called (Reachable), e.g.
	// golang.org/x/text/language.ParseAcceptLanguage; Package the vulnerable
	// package (Imported and Reachable).
	Symbol  string `json:"symbol,omitempty"`
	Package string `json:"package,omitempty"`
	// Path is a call path from a main package to Symbol, main first, each
	// "pkg.Func (file:line)".
	Path []string `json:"path,omitempty"`
	// Fix is the command that fixes it: a go get, or the Go release to
	// build with for the standard library.
	Fix string `json:"fix,omitempty"`
}

// Report is one govulncheck run, summed up.
type Report struct {
	// GoVersion is the Go the standard library was checked for.
	GoVersion string `json:"goVersion,omitempty"`
	// Scanner is govulncheck's name and version.
	Scanner string `json:"scanner,omitempty"`
	// DBModified is the database's modified time.
	DBModified *time.Time `json:"dbModified,omitempty"`
	// Modules is how many modules the program requires (the SBOM).
	Modules  int       `json:"modules"`
	Findings []Finding `json:"findings,omitempty"`
}

// Counts returns how many findings are reachable, imported and required.
func (r *Report) Counts() (reachable, imported, required int) {
	for _, f := range r.Findings {
		switch f.Level {
		case Reachable:
			reachable++
		case Imported:
			imported++
		default:
			required++
		}
	}
	return
}

// The messages of the stream that matter here.
type (
	message struct {
		Config *struct {
			ScannerName    string     `json:"scanner_name"`
			ScannerVersion string     `json:"scanner_version"`
			DBLastModified *time.Time `json:"db_last_modified"`
			GoVersion      string     `json:"go_version"`
		} `json:"config"`
		SBOM *struct {
			GoVersion string `json:"go_version"`
			Modules   []struct {
				Path string `json:"path"`
			} `json:"modules"`
		} `json:"SBOM"`
		OSV *struct {
			ID      string   `json:"id"`
			Aliases []string `json:"aliases"`
			Summary string   `json:"summary"`
		} `json:"osv"`
		Finding *finding `json:"finding"`
	}
	finding struct {
		OSV          string  `json:"osv"`
		FixedVersion string  `json:"fixed_version"`
		Trace        []frame `json:"trace"`
	}
	frame struct {
		Module   string `json:"module"`
		Version  string `json:"version"`
		Package  string `json:"package"`
		Function string `json:"function"`
		Receiver string `json:"receiver"`
		Position *struct {
			Filename string `json:"filename"`
			Line     int    `json:"line"`
		} `json:"position"`
	}
)

// MaxMessages bounds the messages read from one stream.
const MaxMessages = 1 << 20

// Parse reads a govulncheck JSON stream.
func Parse(r io.Reader) (*Report, error) {
	rep := &Report{}
	dec := json.NewDecoder(r)
	byID := map[string]*Finding{}
	osvs := map[string]*Finding{}
	for n := 0; ; n++ {
		if n == MaxMessages {
			return nil, fmt.Errorf("the govulncheck output has more than %d messages", MaxMessages)
		}
		var m message
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("reading the govulncheck output: %w", err)
		}
		switch {
		case m.Config != nil:
			rep.Scanner = strings.TrimSpace(m.Config.ScannerName + " " + m.Config.ScannerVersion)
			rep.DBModified = m.Config.DBLastModified
			rep.GoVersion = m.Config.GoVersion
		case m.SBOM != nil:
			rep.Modules = len(m.SBOM.Modules)
			if m.SBOM.GoVersion != "" {
				rep.GoVersion = m.SBOM.GoVersion
			}
		case m.OSV != nil:
			osvs[m.OSV.ID] = &Finding{Aliases: m.OSV.Aliases, Summary: m.OSV.Summary}
		case m.Finding != nil && len(m.Finding.Trace) > 0:
			f := fromFinding(m.Finding)
			if old, ok := byID[f.ID]; !ok || f.Level.rank() > old.Level.rank() {
				byID[f.ID] = &f
			}
		}
	}
	for id, f := range byID {
		if o := osvs[id]; o != nil {
			f.Aliases, f.Summary = o.Aliases, o.Summary
		}
		rep.Findings = append(rep.Findings, *f)
	}
	sort.Slice(rep.Findings, func(i, j int) bool {
		a, b := rep.Findings[i], rep.Findings[j]
		if a.Level != b.Level {
			return a.Level.rank() > b.Level.rank()
		}
		return a.ID < b.ID
	})
	return rep, nil
}

// fromFinding is a finding message as a Finding. Its trace starts at the
// vulnerable symbol (or package, or module) and ends in a main package.
func fromFinding(m *finding) Finding {
	top := m.Trace[0]
	f := Finding{ID: m.OSV, Module: top.Module, Version: top.Version, Fixed: m.FixedVersion, Package: top.Package, Level: Required}
	switch {
	case top.Function != "":
		f.Level = Reachable
		f.Symbol = symbol(top)
		for i := len(m.Trace) - 1; i >= 0; i-- {
			f.Path = append(f.Path, describe(m.Trace[i]))
		}
	case top.Package != "":
		f.Level = Imported
	}
	f.Fix = fixCommand(f.Module, f.Fixed)
	return f
}

func symbol(fr frame) string {
	name := fr.Function
	if fr.Receiver != "" {
		name = strings.TrimPrefix(fr.Receiver, "*") + "." + name
	}
	if fr.Package != "" {
		return fr.Package + "." + name
	}
	return name
}

func describe(fr frame) string {
	s := symbol(fr)
	if fr.Position != nil && fr.Position.Filename != "" {
		s += fmt.Sprintf(" (%s:%d)", fr.Position.Filename, fr.Position.Line)
	}
	return s
}

// fixCommand is what fixes a module at a fixed version: go get for a
// module, a newer Go for the standard library and the toolchain.
func fixCommand(module, fixed string) string {
	if fixed == "" {
		return ""
	}
	switch module {
	case "stdlib", "toolchain":
		v := strings.TrimPrefix(fixed, "v")
		return fmt.Sprintf("build with Go %s or newer (go: \"%s\" in the Gopherfile, or go get toolchain@go%s)", v, v, v)
	}
	return fmt.Sprintf("go get %s@%s", module, fixed)
}
