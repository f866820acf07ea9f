package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gopherfile/gopherfile/internal/goenv"
)

// A compile step that runs only the Go toolchain of the builder writes
// build cache entries keyed by their inputs, which every project on the
// builder may share. One that runs a program the Gopherfile or the tree
// chose (a C compiler named by env CC, a -toolexec wrapper, another Go
// toolchain) could write anything under any key, so it gets a cache of its
// own (docs/caches.md). TreePrograms finds every such setting.

// toolchainOnlyEnv are the env names a compile step may have and still run
// only the builder's Go toolchain: they select Go features and runtime
// behaviour, never a program. Every other name (CC, CXX, AR, PKG_CONFIG,
// CGO_CFLAGS and the other flags handed to the C compiler, CGO_*_ALLOW,
// PATH, LD_PRELOAD, GCC_EXEC_PREFIX, ...) may make the go command or the C
// compiler run something else.
var toolchainOnlyEnv = map[string]bool{
	goenv.CGO_ENABLED:  true,
	goenv.GOEXPERIMENT: true,
	goenv.GODEBUG:      true,
	goenv.GOFIPS140:    true,
	goenv.GOFLAGS:      true, // its flags are checked one by one
	goenv.GOTELEMETRY:  true,
	goenv.GO111MODULE:  true,
	goenv.GOWORK:       true,
	goenv.GOMAXPROCS:   true,
	goenv.GOGC:         true,
	goenv.GOMEMLIMIT:   true,
	"TZ":               true,
	"LANG":             true,
	"LC_ALL":           true,
}

// programFlags are the go build, go test and go vet flags that make the go
// command run a program besides the Go toolchain. -buildvcs counts unless
// it says false: go build then runs git on the tree's .git directory, whose
// config may name programs.
var programFlags = map[string]string{
	"toolexec":   "runs every tool through the program it names",
	"exec":       "runs the test binaries through the program it names",
	"vettool":    "runs the program it names as go vet",
	"compiler":   "chooses another compiler",
	"gccgoflags": "passes flags to gccgo",
	"buildvcs":   "makes the go command run git on the tree's .git directory, whose config may name programs",
}

// valueFlags are the go command flags that take a value (as -name value or
// -name=value); boolFlags those that take none. Neither names a program
// (-ldflags is checked flag by flag).
var (
	valueFlags = strings.Fields(`toolexec exec vettool compiler gccgoflags ldflags p tags gcflags asmflags mod modfile
		overlay pgo buildmode installsuffix covermode coverpkg count run skip timeout cpu parallel bench benchtime
		shuffle coverprofile outputdir vet blockprofile cpuprofile memprofile mutexprofile trace list fuzz
		fuzztime fuzzminimizetime`)
	boolFlags = strings.Fields(`buildvcs a n v x work json race msan asan linkshared trimpath modcacherw cover
		short failfast benchmem fullpath i`)
)

// programLinkerFlags are -ldflags flags that name a program (the external
// linker or archiver) or hand flags to the C compiler used as the linker,
// which can name programs itself (-B, -fuse-ld, -wrapper, -fplugin).
var programLinkerFlags = map[string]string{
	"extld":      "names the external linker",
	"extldflags": "passes flags to the external linker (the C compiler), which can name programs",
	"extar":      "names the archiver",
}

// TreePrograms returns the settings of a go step that let the Gopherfile
// or the tree choose a program the step runs besides the builder's Go
// toolchain, each as "<where>: <what it does>". b is the binary of a
// compile step (nil for the steps that build no binary: vet, the module
// steps); the compile's C cross compiler (cc:) is the graph's to add. An
// empty result means the step runs only the Go toolchain.
func (p *Plan) TreePrograms(b *Binary) []string {
	var out []string
	if t, ok := p.Downloads.Setting(goenv.GOTOOLCHAIN); ok && t.Value != "local" {
		out = append(out, fmt.Sprintf("GOTOOLCHAIN=%s (%s): the go command may run another Go toolchain than the builder's", t.Value, t.Origin))
	}
	env := p.Env
	where := "env"
	check := func(list []string, where string) {
		for _, kv := range list {
			k, v, _ := strings.Cut(kv, "=")
			switch {
			case k == goenv.GOFLAGS:
				for _, w := range flagPrograms(strings.Fields(v)) {
					out = append(out, where+".GOFLAGS "+w)
				}
			case !toolchainOnlyEnv[k]:
				out = append(out, fmt.Sprintf("%s.%s: the go command or the C compiler may run a program it names", where, k))
			}
		}
	}
	check(env, where)
	if b != nil {
		check(b.Env, b.Field+".env")
		for _, w := range flagPrograms(b.Flags) {
			out = append(out, b.Field+" "+w)
		}
		if b.PlatformLdflags != "" {
			for _, w := range flagPrograms([]string{"-ldflags=" + b.PlatformLdflags}) {
				out = append(out, b.Field+" "+w)
			}
		}
	}
	return out
}

// VetPrograms is TreePrograms for the vet step, whose flags are the
// test's tags and GOFLAGS: a -vettool there runs a program the tree chose.
func (p *Plan) VetPrograms() []string {
	out := p.TreePrograms(nil)
	for _, w := range flagPrograms(p.Test.VetFlags) {
		out = append(out, "test "+w)
	}
	return out
}

// flagPrograms returns, for go command flags, the ones that name a
// program, as "-name: why". A flag the go command does not know is named
// too: it cannot be shown to be harmless.
func flagPrograms(flags []string) []string {
	var out []string
	for i := 0; i < len(flags); i++ {
		f := flags[i]
		if !strings.HasPrefix(f, "-") {
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(f, "-"), "=")
		takesValue := slices.Contains(valueFlags, name)
		if takesValue && !hasVal && i+1 < len(flags) {
			i++
			val = flags[i]
		}
		why := programFlags[name]
		switch {
		case !takesValue && !slices.Contains(boolFlags, name):
			out = append(out, fmt.Sprintf("-%s: a flag Gopherfile does not know, which may name a program", name))
		case name == "buildvcs":
			if hasVal && val == "false" {
				continue
			}
			out = append(out, "-buildvcs: "+why)
		case name == "ldflags":
			out = append(out, linkerPrograms(val)...)
		case why != "":
			out = append(out, "-"+name+": "+why)
		}
	}
	return out
}

// linkerPrograms returns the linker flags in an -ldflags value that name
// a program.
func linkerPrograms(ldflags string) []string {
	var out []string
	for _, tok := range strings.Fields(ldflags) {
		name, _, _ := strings.Cut(strings.TrimLeft(strings.Trim(tok, `"'`), "-"), "=")
		if why, ok := programLinkerFlags[name]; ok && strings.HasPrefix(strings.Trim(tok, `"'`), "-") {
			out = append(out, fmt.Sprintf("-ldflags -%s: %s", name, why))
		}
	}
	return out
}
