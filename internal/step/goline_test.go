package step

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// TestDownloadGoLineTooNew: when the go command cannot even start for the
// module (go env fails: a go line newer than the builder, a toolchain switch
// the proxy cannot serve), the download step says row 12, not that the
// builder has no go command. The test proxy passes toolchain requests on to
// the first proxy of the process's GOPROXY: here a server that answers as
// proxy.golang.org does for a Go release that does not exist (404), or as a
// proxy whose rules refuse the version (403 with its reason).
func TestDownloadGoLineTooNew(t *testing.T) {
	for _, tc := range []struct {
		name, toolchain string
		code            int
		body            string
		want            []string
	}{
		{"GOTOOLCHAIN=local", "local", 404, "not found", []string{"go.mod requires go >= 1.99.0", "(row 12, Go too old in the builder)"}},
		{"GOTOOLCHAIN=auto, 404", "auto", 404, "not found: unknown revision", []string{"toolchain not available", "(row 12, Go too old in the builder)", "tried to download go1.99.0 and switch to it", "GOTOOLCHAIN=auto"}},
		{"GOTOOLCHAIN=auto, 403", "auto", 403, "This module version is not available.", []string{"(row 12, Go too old in the builder)", "tried to download go1.99.0 (golang.org/toolchain) and switch to it",
			"which failed (403 Forbidden: This module version is not available.)", "GOTOOLCHAIN=auto", "Build with Go 1.99.0 or newer (go: \"1.99.0\" in the Gopherfile"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, tc.body, tc.code)
			}))
			defer upstream.Close()
			t.Setenv("GOPROXY", upstream.URL)
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
			for _, bad := range []string{"no go command", "(row 20", "(row 5"} {
				if strings.Contains(out, bad) {
					t.Errorf("a go line newer than the builder is not %q:\n%s", bad, out)
				}
			}
		})
	}
}
