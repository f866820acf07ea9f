package specdoc

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/spec"
)

// TestDefaultsInDocs keeps the doc comments (the README reference and the
// schema's descriptions) saying the defaults spec/defaults.go applies.
func TestDefaultsInDocs(t *testing.T) {
	fields, err := Fields("../spec")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, value string
	}{
		{"modules.timeout", "default " + string(spec.DefaultTimeout)},
		{"modules.retries", fmt.Sprint("default ", spec.DefaultRetries)},
		{"modules.netrc", fmt.Sprintf("%q (default)", spec.DefaultNetrc)},
		{"modules.cacert", fmt.Sprintf("%q (default)", spec.DefaultCACert)},
		{"modules.ssh", fmt.Sprintf("%q (default)", spec.DefaultSSH)},
		{"cache.modules", fmt.Sprintf("%q (default)", spec.DefaultCacheMode)},
		{"cache.build", fmt.Sprintf("%q (default)", spec.DefaultCacheMode)},
		{"builds[].main", fmt.Sprintf("Default: %q", spec.DefaultMain)},
		{"test.packages", fmt.Sprintf("Default: [%q]", spec.DefaultTestPattern)},
	}
	for _, tt := range tests {
		f, ok := fields[tt.path]
		if !ok {
			t.Errorf("no field %s", tt.path)
			continue
		}
		doc := strings.Join(strings.Fields(f.Doc), " ")
		if !strings.Contains(strings.ToLower(doc), strings.ToLower(tt.value)) {
			t.Errorf("the doc of %s does not say its default %s: %q", tt.path, tt.value, doc)
		}
	}
}

func TestFields(t *testing.T) {
	fields, err := Fields("../spec")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"version", "image.base", "builds[].main", "modules.proxy", "test.packages"} {
		if _, ok := fields[p]; !ok {
			t.Errorf("Fields lacks %s", p)
		}
	}
	if !fields["env"].Map {
		t.Errorf("env is not a map")
	}
	if _, ok := fields["builds"]; !ok {
		t.Errorf("Fields lacks the list builds itself")
	}
}
