package vulnreport

import (
	"encoding/json"
	"fmt"
)

// PatchSARIF makes govulncheck's SARIF log (-format sarif) valid SARIF
// 2.1.0: govulncheck can list one call stack twice in a result (two
// findings of one vulnerability with the same frames), and the schema wants
// each result's stacks and related locations, and the driver's rules,
// unique. Exact duplicates are dropped; nothing else changes.
func PatchSARIF(data []byte) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("reading govulncheck's SARIF log: %w", err)
	}
	runs, _ := doc["runs"].([]any)
	for _, r := range runs {
		run, ok := r.(map[string]any)
		if !ok {
			continue
		}
		if tool, ok := run["tool"].(map[string]any); ok {
			if driver, ok := tool["driver"].(map[string]any); ok {
				dedupe(driver, "rules")
			}
		}
		results, _ := run["results"].([]any)
		for _, res := range results {
			if m, ok := res.(map[string]any); ok {
				dedupe(m, "stacks")
				dedupe(m, "relatedLocations")
			}
		}
	}
	return json.MarshalIndent(doc, "", "  ")
}

// dedupe drops the repeated items of the array m[key], keeping the first.
func dedupe(m map[string]any, key string) {
	list, ok := m[key].([]any)
	if !ok {
		return
	}
	seen := map[string]bool{}
	out := list[:0]
	for _, item := range list {
		k, err := json.Marshal(item) // map keys sorted: a canonical form
		if err != nil || seen[string(k)] {
			continue
		}
		seen[string(k)] = true
		out = append(out, item)
	}
	m[key] = out
}
