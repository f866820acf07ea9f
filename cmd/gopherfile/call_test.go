package main

import (
	"reflect"
	"testing"

	"github.com/tonistiigi/fsutil"
)

func TestBuildAttrs(t *testing.T) {
	tests := []struct {
		name  string
		set   func(map[string]string) error
		attrs map[string]string
	}{
		{"sbom", func(a map[string]string) error { attestAttr(a, "sbom", "true"); return nil }, map[string]string{"attest:sbom": ""}},
		{"sbom off", func(a map[string]string) error { attestAttr(a, "sbom", "false"); return nil }, map[string]string{}},
		{"provenance", func(a map[string]string) error { attestAttr(a, "provenance", "true"); return nil }, map[string]string{"attest:provenance": "mode=min"}},
		{"provenance max", func(a map[string]string) error { attestAttr(a, "provenance", "mode=max"); return nil }, map[string]string{"attest:provenance": "mode=max"}},
		{"call targets", func(a map[string]string) error { return callAttr("targets", a) }, map[string]string{"requestid": "frontend.targets"}},
		{"call check", func(a map[string]string) error { return callAttr("check", a) }, map[string]string{"requestid": "frontend.lint"}},
		{"call build", func(a map[string]string) error { return callAttr("build", a) }, map[string]string{}},
		{"image context", func(a map[string]string) error {
			return localContext("golang:1.26", "docker-image://registry.acme/golang:1.26", a, map[string]fsutil.FS{})
		}, map[string]string{"context:golang:1.26": "docker-image://registry.acme/golang:1.26"}},
		{"target context", func(a map[string]string) error { return localContext("web", "target:web", a, map[string]fsutil.FS{}) }, map[string]string{"context:web": "target:web"}},
		{"dir context", func(a map[string]string) error { return localContext("web", t.TempDir(), a, map[string]fsutil.FS{}) }, map[string]string{"context:web": "local:ctx-web"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := map[string]string{}
			if err := tt.set(a); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a, tt.attrs) {
				t.Errorf("attrs %v, want %v", a, tt.attrs)
			}
		})
	}
	if err := localContext("web", "/does/not/exist", map[string]string{}, map[string]fsutil.FS{}); err == nil {
		t.Error("a missing directory is accepted")
	}
	e, err := tagExport([]string{"r.example/a:1", "r.example/a:latest"}, true)
	if err != nil || e.Attrs["name"] != "r.example/a:1,r.example/a:latest" || e.Attrs["push"] != "true" {
		t.Errorf("tag export %+v, %v", e, err)
	}
	if _, err := tagExport([]string{"a b"}, false); err == nil {
		t.Error("a tag with a space is accepted")
	}
}
