package diagnose

import (
	"strings"
	"testing"
)

func TestGeneratorNeedsNetwork(t *testing.T) {
	tests := []struct {
		name, output string
		want         bool
		wantText     string
	}{
		{"go run at a version", "go: golang.org/x/tools/cmd/stringer@v0.30.0: module lookup disabled by GOPROXY=off\ncolor.go:9: running \"go\": exit status 1\n", true, "not in the module cache"},
		{"dial", "Get \"https://api.example.com/schema.json\": dial tcp: lookup api.example.com on 127.0.0.11:53: no such host\n", true, "needed the network"},
		{"curl", "curl: (6) Could not resolve host: example.com\n", true, "needed the network"},
		{"generator bug", "gen.go:3: running \"mygen\": exit status 2\npanic: nil map\n", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := GeneratorNeedsNetwork(tt.output); got != tt.want {
				t.Fatalf("GeneratorNeedsNetwork = %v, want %v", got, tt.want)
			}
			if !tt.want {
				return
			}
			text := ExplainGenerate(tt.output, []string{"./..."})
			for _, w := range []string{tt.wantText, "runs offline", "generate: ./...", "go get -tool", "go tool stringer"} {
				if !strings.Contains(text, w) {
					t.Errorf("explanation lacks %q:\n%s", w, text)
				}
			}
		})
	}
}
