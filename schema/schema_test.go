package schema

import (
	"encoding/json"
	"testing"
)

func TestJSON(t *testing.T) {
	var doc struct {
		Schema     string                     `json:"$schema"`
		Title      string                     `json:"title"`
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(JSON, &doc); err != nil {
		t.Fatalf("the embedded schema is not JSON: %v", err)
	}
	if doc.Schema == "" || doc.Title != "Gopherfile" {
		t.Errorf("$schema %q, title %q", doc.Schema, doc.Title)
	}
	for _, field := range []string{"version", "builds", "image", "modules"} {
		if _, ok := doc.Properties[field]; !ok {
			t.Errorf("no property %q", field)
		}
	}
}
