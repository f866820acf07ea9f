package diagnose

import (
	"regexp"
	"strings"
)

// generateNetworkRE is evidence, in go generate's output, that a generator
// tried to reach the network: the go command refusing a module lookup
// (GOPROXY=off, for a go run pkg@version or a tool missing from go.mod), or
// a connection that the step's empty network namespace refuses.
var generateNetworkRE = regexp.MustCompile(`module lookup disabled by GOPROXY=off|` +
	`dial (tcp|udp)[^:]*: |no such host|network is unreachable|Temporary failure in name resolution|` +
	`Could not resolve host|Name or service not known|connection refused`)

// GeneratorNeedsNetwork reports whether a failed go generate's output says a
// generator needed the network.
func GeneratorNeedsNetwork(output string) bool {
	return generateNetworkRE.MatchString(output)
}

// ExplainGenerate is the paragraph for a go generate that failed because a
// generator needed the network. patterns are the generate: patterns.
func ExplainGenerate(output string, patterns []string) string {
	what := "A generator needed the network"
	if strings.Contains(output, "module lookup disabled by GOPROXY=off") {
		what = "A generator needed a module that is not in the module cache (go run PKG@VERSION, or a tool that go.mod does not declare)"
	}
	text := what + ", but go generate (generate: " + strings.Join(patterns, " ") + ") runs offline: no network, GOPROXY=off, " +
		"with only the modules the download step fetched for go.mod. Declare the generator as a tool in go.mod " +
		"(go get -tool golang.org/x/tools/cmd/stringer@latest, then //go:generate go tool stringer ...) so that the " +
		"download step fetches it, or run the generator that needs the network before the build and commit its output."
	return "gopherfile: go generate failed: 1 problem(s)\n\n" + strings.Join(strings.Fields(text), " ") + "\n"
}
