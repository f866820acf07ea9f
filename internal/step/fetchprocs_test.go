package step

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gopherfile/gopherfile/internal/stepconfig"
	"github.com/gopherfile/gopherfile/internal/testproxy"
)

// TestDownloadFetchesInParallel: the download step's go command fetches
// stepconfig.FetchProcs modules at a time (go's default is GOMAXPROCS, two
// on a 2-core builder), and GOMAXPROCS from the build's env wins. So does the
// tidy check's when the module cache lacks modules of go.sum (it runs
// beside the download, and go lets one process at a time fetch a module).
func TestDownloadFetchesInParallel(t *testing.T) {
	const n = 8
	var mods []testproxy.Module
	for i := range n {
		mods = append(mods, testproxy.Module{Path: fmt.Sprintf("example.com/m%d", i), Version: "v1.0.0",
			Files: map[string]string{"m.go": fmt.Sprintf("package m%d\n", i)}})
	}
	for _, tc := range []struct {
		name    string
		kind    stepconfig.Kind
		env     []string
		atLeast int
		atMost  int
	}{
		{name: "default", kind: stepconfig.Download, atLeast: min(n, stepconfig.FetchProcs), atMost: stepconfig.FetchProcs},
		{name: "GOMAXPROCS from env", kind: stepconfig.Download, env: []string{"GOMAXPROCS=1"}, atLeast: 1, atMost: 1},
		// go mod tidy loads packages as it goes, so its fetches overlap
		// less than go mod download's: more than half of them at once (go's
		// default is two on a 2-core builder, four on a 4-core one).
		{name: "tidy check with modules to fetch", kind: stepconfig.TidyCheck, atLeast: n/2 + 1, atMost: stepconfig.FetchProcs},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixtureWith(t, append([]testproxy.Module{lib}, mods...)...)
			gomod := "module example.com/app\n\ngo 1.22\n\nrequire (\n"
			var sum []string
			for _, m := range mods {
				gomod += "\t" + m.Path + " " + m.Version + "\n"
				sum = append(sum, f.proxy.GoSum(m.Path, m.Version)...)
			}
			f.write("go.mod", gomod+")\n")
			f.write("go.sum", strings.Join(sum, "\n")+"\n")
			os.Remove(f.dir + "/main.go")
			args := []string{"mod", "download"}
			if tc.kind == stepconfig.TidyCheck {
				// A tidy module: its package imports every requirement.
				args = []string{"mod", "tidy", "-diff"}
				imports := ""
				for _, m := range mods {
					imports += "\t_ \"" + m.Path + "\"\n"
				}
				f.write("main.go", "package main\n\nimport (\n"+imports+")\n\nfunc main() {}\n")
			}
			f.proxy.SetLatency(100 * time.Millisecond)
			if tc.kind == stepconfig.TidyCheck {
				f.proxy.SetLatency(200 * time.Millisecond)
			}
			code, out := f.run(stepconfig.Config{Kind: tc.kind, Stage: tc.kind.Stage(), Args: args,
				Net: f.net(), Record: f.record()}, append([]string{"GOPROXY=" + f.proxy.URL()}, tc.env...)...)
			if code != 0 {
				t.Fatalf("%s failed (%d):\n%s", tc.kind, code, out)
			}
			if got := f.proxy.MaxInFlight(); got < tc.atLeast || got > tc.atMost {
				t.Errorf("the proxy answered at most %d requests at once, want %d to %d", got, tc.atLeast, tc.atMost)
			}
		})
	}
}
