package step

import (
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// TestDownloadGoLineTooNew: when the go command cannot even start for the
// module (go env fails: a go line newer than the builder, a toolchain switch
// the proxy cannot serve), the download step says row 12, not that the
// builder has no go command.
func TestDownloadGoLineTooNew(t *testing.T) {
	for _, tc := range []struct {
		name, toolchain string
		want            []string
	}{
		{"GOTOOLCHAIN=local", "local", []string{"go.mod requires go >= 1.99.0", "(row 12, Go too old in the builder)"}},
		{"GOTOOLCHAIN=auto", "auto", []string{"toolchain not available", "(row 12, Go too old in the builder)", "tried to download go1.99.0 and switch to it", "GOTOOLCHAIN=auto"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.write("go.mod", "module example.com/app\n\ngo 1.99.0\n\nrequire example.com/lib v1.0.0\n")
			code, out := f.run(stepconfig.Config{Kind: stepconfig.Download, Stage: "go mod download", Args: []string{"mod", "download"},
				Net: f.net(), Record: f.record()}, "GOPROXY="+f.proxy.URL(), "GOTOOLCHAIN="+tc.toolchain)
			if code == 0 {
				t.Fatalf("the download succeeded:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "no go command") {
				t.Errorf("a go line newer than the builder is not a missing go command:\n%s", out)
			}
		})
	}
}
