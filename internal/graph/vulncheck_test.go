package graph

import (
	"strings"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/internal/gomod"
)

// TestVulncheckGolden: the tool and database steps fetch through the
// module proxies with the download step's machinery and see nothing of the
// build context; the analysis is offline, per platform, per build-tag group.
func TestVulncheckGolden(t *testing.T) {
	arm64 := ocispecs.Platform{OS: "linux", Architecture: "arm64"}
	p := testPlan(t, "version: 1\nvulncheck: {mode: fail}\nbuilds:\n  - {main: ./cmd/api}\n  - {main: ./cmd/worker}\n  - {main: ./cmd/tool, tags: [x]}\n", facts, false)
	in := testInputs(p)
	runs := New(p, in).Vulncheck(arm64)
	if len(runs) != 2 || runs[0].Name != "api" || strings.Join(runs[0].Binaries, ",") != "api,worker" || runs[1].Name != "tool" {
		t.Fatalf("runs %+v", runs)
	}
	out := describe(t, VulnOutput(runs), arm64)
	golden(t, "vulncheck-arm64", out)

	for _, s := range strings.Split(out, "EXEC ")[1:] {
		switch {
		case strings.HasPrefix(s, `"[vulncheck] go install`), strings.HasPrefix(s, `"[vulncheck] go mod download`):
			if strings.Contains(s, DownloadDir) {
				t.Errorf("a vulncheck fetch step waits for the download record (its cache key would follow go.mod):\n%s", s)
			}
			for _, want := range []string{"network=UNSET", "cache=gopherfile/gomodcache sharing=SHARED", "mount /run/secrets/netrc type=SECRET", "env GOFLAGS=\n", "env GOWORK=off", "cwd=" + HomeDir} {
				if !strings.Contains(s, want) {
					t.Errorf("fetch step lacks %q:\n%s", want, s)
				}
			}
		case strings.HasPrefix(s, `"[vulncheck linux/arm64] govulncheck`):
			for _, want := range []string{"network=NONE", "env GOPROXY=off", "env GOOS=linux", "env GOARCH=arm64", "env CGO_ENABLED=0", "mount " + VulnToolDir + " type=BIND readonly=true", "mount " + VulnDBDir + " type=BIND readonly=true"} {
				if !strings.Contains(s, want) {
					t.Errorf("the analysis lacks %q:\n%s", want, s)
				}
			}
		}
	}
}

// TestVulncheckCacheKeys: the fetch steps do not change with the sources or
// the module, only with their versions and the Go that builds govulncheck
// (which follows go.mod's go line).
func TestVulncheckCacheKeys(t *testing.T) {
	amd64 := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	defOf := func(gopherfile string, f *gomod.Facts) string {
		p := testPlan(t, gopherfile, f, false)
		g := New(p, testInputs(p))
		g.Vulncheck(amd64)
		return describe(t, *g.vulnDBState, amd64) + describe(t, *g.vulnToolState, amd64)
	}
	a := defOf("version: 1\n", facts)
	if strings.Contains(a, "local://context") {
		t.Errorf("a fetch step reads the build context:\n%s", a)
	}
	if b := defOf("version: 1\n", &gomod.Facts{Path: "example.com/other", Go: facts.Go}); a != b {
		t.Errorf("the fetch steps follow the module:\n%s\n---\n%s", a, b)
	}
	if c := defOf("version: 1\nvulncheck: {db: v0.0.0-20250101000000-abcdefabcdef}\n", facts); a == c {
		t.Error("the database step does not follow vulncheck.db")
	}
}
