package vulnreport

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Product names what an OpenVEX document speaks about: the main module at
// the version the build stamps, as a package URL.
type Product struct {
	// Module path and Version of the main module.
	Module, Version string
	// Author is the document's author, e.g. "Gopherfile".
	Author string
}

// PURL is the product's package URL (pkg:golang/MODULE@VERSION).
func (p Product) PURL() string {
	s := "pkg:golang/" + p.Module
	if p.Version != "" {
		s += "@" + p.Version
	}
	return s
}

// PatchVEX completes the OpenVEX document govulncheck writes (-format
// openvex), which leaves the author and the product unknown, gives the
// document an id that is no IRI and an affected statement no action: the
// author and every statement's product become p, the id a URN, and an
// affected statement gets the fix from r as its action statement (OpenVEX
// requires one). Statuses and justifications stay
// govulncheck's: not_affected with vulnerable_code_not_in_execute_path for
// an imported package whose vulnerable code is never called, and with
// vulnerable_code_not_present for a module whose vulnerable packages are not
// compiled in at all.
func PatchVEX(data []byte, p Product, r *Report) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("reading govulncheck's OpenVEX document: %w", err)
	}
	if p.Author != "" {
		doc["author"] = p.Author
	}
	// govulncheck's document id ("govulncheck/vex:<hash of the content>") is
	// no IRI, as OpenVEX wants: the same hash, as a URN.
	if id, ok := doc["@id"].(string); ok {
		if _, hash, ok := strings.Cut(id, "vex:"); ok && hash != "" {
			doc["@id"] = "urn:gopherfile:vex:" + hash
		}
	}
	fixes := map[string]Finding{}
	for _, f := range r.Findings {
		fixes[f.ID] = f
	}
	stmts, _ := doc["statements"].([]any)
	for _, s := range stmts {
		st, ok := s.(map[string]any)
		if !ok {
			continue
		}
		if prods, ok := st["products"].([]any); ok {
			for _, pr := range prods {
				if m, ok := pr.(map[string]any); ok {
					m["@id"] = p.PURL()
					m["identifiers"] = map[string]any{"purl": p.PURL()}
				}
			}
		}
		if st["status"] != "affected" {
			continue
		}
		if _, ok := st["action_statement"]; ok {
			continue
		}
		id := ""
		if v, ok := st["vulnerability"].(map[string]any); ok {
			id, _ = v["name"].(string)
		}
		action := "No fixed version is known yet: avoid calling the vulnerable code, or replace the module."
		if f, ok := fixes[id]; ok && f.Fix != "" {
			action = fmt.Sprintf("Update %s to %s: %s.", f.Module, f.Fixed, f.Fix)
		}
		st["action_statement"] = action
	}
	return json.MarshalIndent(doc, "", "  ")
}
