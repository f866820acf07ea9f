package llb

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/frontend/gomod"
	"github.com/gopherfile/gopherfile/frontend/plan"
)

// TestScriptsParse checks every generated step script with sh -n, for plans
// that switch on every credential feature.
func TestScriptsParse(t *testing.T) {
	for _, gf := range []string{
		"version: 1\n",
		"version: 1\nmodules:\n  private: [github.com/acme/*, gitlab.acme.io/x]\n  netrc: required\n  cacert: required\n  ssh: required\n  knownHosts: [\"github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\"]\n  retries: 0\n",
		"version: 1\nbuilds:\n  - {name: \"it's\", main: \"./cmd/a+b\"}\n",
	} {
		p := testPlan(t, strings.ReplaceAll(gf, "it's", "its"), &gomod.Facts{Path: "example.com/m", Go: "1.26"}, false)
		scripts := map[string]string{
			"download": credentialsScript(p) + retryScript(p, "go mod download", "go mod download"),
			"tidy":     credentialsScript(p) + retryScript(p, "go mod tidy -diff", "go mod tidy -diff"),
		}
		for _, b := range p.Binaries {
			scripts["build "+b.Name] = compileScript(p, b, []string{"go", "build", "-o", plan.OutDir + "/" + b.Name, b.Main})
		}
		for name, s := range scripts {
			cmd := exec.Command("sh", "-n")
			cmd.Stdin = strings.NewReader(s)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s script does not parse: %v\n%s\n%s", name, err, out, s)
			}
		}
	}
}

func TestRequiredSecretsAreChecked(t *testing.T) {
	p := testPlan(t, "version: 1\nmodules:\n  netrc: required\n  ssh: required\n", &gomod.Facts{Path: "example.com/m", Go: "1.26"}, false)
	s := credentialsScript(p)
	for _, want := range []string{"--secret id=netrc,src=$HOME/.netrc", "--ssh default"} {
		if !strings.Contains(s, want) {
			t.Errorf("script does not name %q:\n%s", want, s)
		}
	}
}
