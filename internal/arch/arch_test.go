package arch

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/gopherfile/gopherfile"

// rank orders the layers: a package may import only packages of a lower
// rank. Packages of the same rank do not import each other. A package not
// listed here fails the test, so a new package is placed on purpose.
var rank = map[string]int{
	// Facts every layer needs.
	"internal/goenv":      0,
	"internal/version":    0,
	"internal/vulndb":     0,
	"internal/gitinfo":    0,
	"internal/vulnreport": 0,
	"internal/safefile":   0,
	"internal/dirsum":     0,
	// Pure inputs: the YAML format, go.mod facts, Go files, the step contract.
	"internal/spec":       1,
	"internal/gosum":      1,
	"internal/gomod":      2,
	"internal/gosrc":      1,
	"internal/stepconfig": 1,
	"internal/spdx":       1,
	// The doctor's report: rendered by the CLI and the gateway alike.
	"internal/doctor":      1,
	"internal/gotoolchain": 1,
	// The plan: spec + go.mod + options, no I/O.
	"internal/plan": 3,
	// What reads the plan: the checks and the LLB graph.
	"internal/lint":  4,
	"internal/graph": 4,
	// gopherfile init writes a Gopherfile from a tree.
	"internal/scaffold": 4,
	// The gateway: the only package that talks to BuildKit's gateway.
	"frontend": 5,
	// The step helper, on the other side of the stepconfig contract.
	"internal/step/netrc":      1,
	"internal/step/testreport": 1,
	"internal/step/retryproxy": 1,
	"internal/step/cacheprog":  1,
	"internal/step/modview":    2,
	"internal/step/diagnose":   2,
	"internal/step/probe":      3,
	"internal/step":            4,
	// Documentation generators and the schema.
	"internal/specdoc": 2,
	"schema":           2,
	// Test support (imported by tests only).
	"internal/golden":    0,
	"internal/testproxy": 0,
	"internal/testgit":   1,
	"internal/arch":      0,
	// The binaries and the tools of the repository.
	"cmd/gopherfile":          9,
	"cmd/gopherfile-frontend": 9,
	"cmd/gfdocs":              9,
	"hack/corpus":             9,
	"hack/goreleases":         9,
	"hack/settingnames":       9,
}

type pkg struct {
	ImportPath string
	Imports    []string
}

func packages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// own returns the path of an import inside the module relative to it, and
// false for any other import.
func own(path string) (string, bool) {
	rel, ok := strings.CutPrefix(path, module+"/")
	if !ok || strings.HasPrefix(rel, "examples/") {
		return "", false
	}
	return rel, true
}

func TestLayers(t *testing.T) {
	for _, p := range packages(t) {
		from, ok := own(p.ImportPath)
		if !ok {
			continue
		}
		rf, ok := rank[from]
		if !ok {
			t.Errorf("%s is not placed in a layer: add it to rank in internal/arch/arch_test.go", from)
			continue
		}
		for _, imp := range p.Imports {
			to, ok := own(imp)
			if !ok {
				continue
			}
			rt, ok := rank[to]
			if !ok {
				continue // reported as the importer of its own
			}
			if rt >= rf {
				t.Errorf("%s (layer %d) imports %s (layer %d): a package imports only lower layers", from, rf, to, rt)
			}
			if isHelper(to) && !isHelper(from) && !strings.HasPrefix(from, "cmd/") {
				t.Errorf("%s imports the step helper %s: only the binaries do (the contract is internal/stepconfig)", from, to)
			}
			if to == "frontend" && !strings.HasPrefix(from, "cmd/") {
				t.Errorf("%s imports the gateway (frontend): only the binaries do", from)
			}
		}
	}
}

func isHelper(path string) bool {
	return path == "internal/step" || strings.HasPrefix(path, "internal/step/")
}
