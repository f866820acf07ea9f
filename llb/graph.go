// Package llb turns a plan into the BuildKit LLB graph of a Go image build:
// deps (go mod download on a persistent cache mount, seeing only go.mod/go.sum),
// tidy (go mod tidy -diff), compile (go build per binary, cross-compiled, network
// off) and image (runtime base plus binaries). It is pure: it builds llb.State
// values and image configs and never talks to a daemon.
package llb

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strings"

	"github.com/containerd/platforms"
	bk "github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/frontend/plan"
)

// Inputs are the states a graph is built from.
type Inputs struct {
	// BuildPlatform is where the go commands run.
	BuildPlatform ocispecs.Platform
	// Builder is the builder image (for the build platform) with its config applied.
	Builder bk.State
	// Context is the whole build context, .dockerignore applied.
	Context bk.State
	// DepFiles is the build context with only plan.DepFiles.
	DepFiles bk.State
	// RefreshDownload re-runs go mod download even when its result is cached:
	// with the module cache on a cache mount, a result imported from a registry
	// cache says "downloaded" while the builder's cache mount may be empty.
	RefreshDownload bool
	// Location attaches a Gopherfile location (a spec field path) to a step so
	// that its failure points at the right line. It may be nil.
	Location func(field string) bk.ConstraintsOpt
	// NoMergeOp is true on a builder without MergeOp (BuildKit before v0.10,
	// Docker Engine 20.10): file copies stand in for it.
	NoMergeOp bool
}

// StepEnv holds a step's shell script. The script travels in the exec's env
// (so it is part of the step's cache key) rather than as a mounted file or a
// long -c argument, so that a failure reads
// `process "/bin/sh -c eval "$GOPHERFILE_STEP" gopherfile-download" did not complete`.
const StepEnv = "GOPHERFILE_STEP"

// script runs a shell script named name.
func script(name, text string) []bk.RunOption {
	return []bk.RunOption{
		bk.AddEnv(StepEnv, "unset "+StepEnv+"\n"+text),
		bk.Args([]string{"/bin/sh", "-c", `eval "$` + StepEnv + `"`, "gopherfile-" + strings.TrimSuffix(name, ".sh")}),
	}
}

func (in Inputs) opts(name, field string) []bk.RunOption {
	o := []bk.RunOption{bk.WithCustomName(name)}
	if in.Location != nil {
		o = append(o, in.Location(field))
	}
	return o
}

// ModCacheID is the cache mount id of the module cache. It is shared by every
// project on a builder: the module cache is content-addressed and verified.
const ModCacheID = "gopherfile/gomodcache"

// BuildCacheID is the cache mount id of GOCACHE for one project, Go version and
// target platform.
func BuildCacheID(p *plan.Plan, target ocispecs.Platform) string {
	sum := sha256.Sum256([]byte(p.CacheNS))
	return fmt.Sprintf("gopherfile/gocache/%s/go%s/%s", hex.EncodeToString(sum[:6]), p.GoVersion, platformID(target))
}

func platformID(p ocispecs.Platform) string {
	return strings.ReplaceAll(platforms.FormatAll(platforms.Normalize(p)), "/", "-")
}

func workDir(p *plan.Plan) string { return path.Join(plan.SrcDir, p.ModuleDir) }

// goEnv is the env every go command gets.
func goEnv(p *plan.Plan) []bk.RunOption {
	o := []bk.RunOption{
		bk.AddEnv("GOMODCACHE", modCacheDir(p)),
		bk.AddEnv("GOCACHE", plan.GoCache),
	}
	if s, ok := p.Downloads.Setting("GOTOOLCHAIN"); ok {
		o = append(o, bk.AddEnv("GOTOOLCHAIN", s.Value))
	}
	for _, kv := range p.Env {
		k, v, _ := strings.Cut(kv, "=")
		o = append(o, bk.AddEnv(k, v))
	}
	return o
}

// modCacheDir is GOMODCACHE: the cache mount, or a directory of the download
// step's layer.
func modCacheDir(p *plan.Plan) string {
	if p.ModulesInLayer {
		return plan.GoModLayer
	}
	return plan.GoModCache
}

// modCache mounts the shared module cache. With the module cache in layers,
// only the download step mounts it, as a local proxy that saves downloads when
// go.mod changes; later steps read the modules from the layer.
func modCache(p *plan.Plan) bk.RunOption {
	return bk.AddMount(plan.GoModCache, bk.Scratch(), bk.AsPersistentCacheDir(ModCacheID, bk.CacheMountShared))
}

// noop is a RunOption that does nothing.
var noop = runOptionFunc(func(*bk.ExecInfo) {})

type runOptionFunc func(*bk.ExecInfo)

func (f runOptionFunc) SetRunOption(ei *bk.ExecInfo) { f(ei) }

// stepModCache is modCache for the steps after the download.
func stepModCache(p *plan.Plan) bk.RunOption {
	if p.ModulesInLayer {
		return noop
	}
	return modCache(p)
}

func buildCache(p *plan.Plan, target ocispecs.Platform) bk.RunOption {
	return bk.AddMount(plan.GoCache, bk.Scratch(), bk.AsPersistentCacheDir(BuildCacheID(p, target), bk.CacheMountShared))
}

// Deps is the download step: the builder plus only the dependency files, running
// `go mod download` with the module cache on a persistent cache mount. Its cache
// key depends on the builder, the dependency files and the settings only, never
// on a .go file. For a vendored module it is the builder itself.
func Deps(p *plan.Plan, in Inputs) bk.State {
	if p.Vendored {
		return in.Builder
	}
	o := append(script("download.sh", credentialsScript(p)+layerCacheScript(p)+retryScript(p, "go mod download", "go mod download")+layerCacheSave(p)),
		bk.Dir(workDir(p)),
		bk.AddMount(plan.SrcDir, in.DepFiles, bk.Readonly),
		modCache(p),
	)
	o = append(o, goEnv(p)...)
	o = append(o, downloadOpts(p)...)
	o = append(o, ModuleNetwork(p)...)
	field := "version"
	if len(p.Downloads.Settings) > 1 {
		field = "modules"
	}
	o = append(o, in.opts("[deps] go mod download", field)...)
	if in.RefreshDownload && !p.ModulesInLayer {
		o = append(o, bk.IgnoreCache)
	}
	return in.Builder.Run(o...).Root()
}

// Tidy is the go.mod check: `go mod tidy -diff` over the whole module. It needs
// the network (tidy looks at every platform's and test's imports).
func Tidy(p *plan.Plan, in Inputs, deps bk.State) bk.State {
	o := append(script("tidy-check.sh", credentialsScript(p)+retryScript(p, "go mod tidy -diff", "go mod tidy -diff")),
		bk.Dir(workDir(p)),
		bk.AddMount(plan.SrcDir, in.Context, bk.Readonly),
		stepModCache(p),
		buildCache(p, in.BuildPlatform),
	)
	o = append(o, goEnv(p)...)
	o = append(o, downloadOpts(p)...)
	o = append(o, ModuleNetwork(p)...)
	if p.Vendored {
		o = append(o, bk.AddEnv("GOFLAGS", "-mod=mod"))
	}
	o = append(o, in.opts("[tidy] go mod tidy -diff", "tidy")...)
	return deps.Run(o...).Root()
}

// TidyFix runs `go mod tidy` on a writable copy of the module and returns a
// state holding only the tidied go.mod and go.sum, at their context paths, for
// the tidy target (-o . writes them back).
func TidyFix(p *plan.Plan, in Inputs, deps bk.State) bk.State {
	out := path.Join(plan.OutDir, p.ModuleDir)
	text := credentialsScript(p) + retryScript(p, "go mod tidy", "go mod tidy") +
		fmt.Sprintf("mkdir -p %[1]s && cp go.mod %[1]s/ && if [ -f go.sum ]; then cp go.sum %[1]s/; fi\n", shellQuote(out))
	o := append(script("tidy.sh", text),
		bk.Dir(workDir(p)),
		bk.AddMount(plan.SrcDir, in.Context),
		stepModCache(p),
		buildCache(p, in.BuildPlatform),
	)
	o = append(o, goEnv(p)...)
	o = append(o, downloadOpts(p)...)
	o = append(o, ModuleNetwork(p)...)
	o = append(o, bk.AddEnv("GOFLAGS", "-mod=mod"))
	o = append(o, in.opts("[tidy] go mod tidy", "tidy")...)
	return deps.Run(o...).AddMount(plan.OutDir, bk.Scratch())
}

// TestRun runs go test -json over the test packages on the build platform and
// returns a state with test.json, test.stderr and exitcode: the step itself
// always succeeds, so that the frontend can turn the results into a report and
// a JUnit file and fail the build with just the failing tests' output.
func TestRun(p *plan.Plan, in Inputs, deps bk.State) bk.State {
	args := append([]string{"go", "test", "-json"}, p.Test.Flags...)
	args = append(args, p.Test.Packages...)
	q := shellJoin(args)
	text := fmt.Sprintf("%s >%[2]s/test.json 2>%[2]s/test.stderr\necho $? >%[2]s/exitcode\n", q, plan.OutDir)
	o := append(script("test.sh", text),
		bk.Dir(workDir(p)),
		bk.AddMount(plan.SrcDir, in.Context, bk.Readonly),
		stepModCache(p),
		buildCache(p, in.BuildPlatform),
	)
	if !p.Test.Network {
		o = append(o, bk.Network(bk.NetModeNone), bk.AddEnv("GOPROXY", "off"))
	} else {
		o = append(o, ModuleNetwork(p)...)
	}
	o = append(o, goEnv(p)...)
	goflags := "-mod=readonly -buildvcs=false"
	if p.Vendored {
		goflags = "-mod=vendor -buildvcs=false"
	}
	o = append(o, bk.AddEnv("GOFLAGS", goflags))
	o = append(o, in.opts("[test] "+strings.Join(args, " "), "test")...)
	return deps.Run(o...).AddMount(plan.OutDir, bk.Scratch())
}

// Vet runs go vet over the test packages; problems fail the build. The state
// holds vet.txt.
func Vet(p *plan.Plan, in Inputs, deps bk.State) bk.State {
	args := append([]string{"go", "vet"}, p.Test.VetFlags...)
	args = append(args, p.Test.Packages...)
	q := shellJoin(args)
	text := fmt.Sprintf("%s >%[2]s/vet.txt 2>&1\nrc=$?\ncat %[2]s/vet.txt\nexit $rc\n", q, plan.OutDir)
	o := append(script("vet.sh", text),
		bk.Dir(workDir(p)),
		bk.AddMount(plan.SrcDir, in.Context, bk.Readonly),
		stepModCache(p),
		buildCache(p, in.BuildPlatform),
		bk.Network(bk.NetModeNone),
		bk.AddEnv("GOPROXY", "off"),
	)
	o = append(o, goEnv(p)...)
	o = append(o, bk.AddEnv("GOFLAGS", "-mod=readonly -buildvcs=false"))
	o = append(o, in.opts("[vet] "+strings.Join(args, " "), "test")...)
	return deps.Run(o...).AddMount(plan.OutDir, bk.Scratch())
}

// GoPlatformEnv is the GOOS/GOARCH/GOARM/GOAMD64 for a target platform.
func GoPlatformEnv(target ocispecs.Platform) []string {
	env := []string{"GOOS=" + target.OS, "GOARCH=" + target.Architecture}
	switch target.Architecture {
	case "arm":
		v := strings.TrimPrefix(target.Variant, "v")
		if v == "" {
			v = "7"
		}
		env = append(env, "GOARM="+v)
	case "amd64":
		if target.Variant != "" {
			env = append(env, "GOAMD64="+target.Variant)
		}
	}
	return env
}

// CrossCGOError is returned for a cgo build for another platform than the
// build platform when the spec names no C cross compiler for it.
type CrossCGOError struct{ Target, Build string }

func (e *CrossCGOError) Error() string {
	return fmt.Sprintf("cgo is on and %s is not the build platform %s, so the build needs a C cross compiler for %s: add it under cc: in the Gopherfile (e.g. cc: {%s: aarch64-linux-gnu-gcc}, in a builder image that has it), or build without cgo",
		e.Target, e.Build, e.Target, e.Target)
}

// Compile builds every binary for the target platform on the build platform and
// returns a state holding just the binaries, each at /<name>. The compile steps
// have no network and GOPROXY=off, so they can never fetch.
func Compile(p *plan.Plan, in Inputs, deps bk.State, target ocispecs.Platform) (bk.State, error) {
	cc := ""
	if p.CGO && !samePlatform(target, in.BuildPlatform) {
		cc = p.CC[platforms.Format(target)]
		if cc == "" {
			return bk.State{}, &CrossCGOError{Target: platforms.Format(target), Build: platforms.Format(in.BuildPlatform)}
		}
	}
	var outs []bk.State
	seeds := map[string]bk.State{}
	for _, b := range p.Binaries {
		var seed *bk.State
		if p.DepsInLayer {
			key := depGroupKey(b)
			st, ok := seeds[key]
			if !ok {
				st = compileDeps(p, in, deps, target, b, cc)
				seeds[key] = st
			}
			seed = &st
		}
		outs = append(outs, compileOne(p, in, deps, target, b, cc, seed))
	}
	return collectBinaries(in, p.Binaries, outs), nil
}

func samePlatform(a, b ocispecs.Platform) bool {
	return platforms.Only(platforms.Normalize(b)).Match(platforms.Normalize(a)) && a.Architecture == b.Architecture
}

// compileEnv is the env of the offline go commands that build binary b for
// the target platform: GOOS/GOARCH, CGO_ENABLED, CC, the binary's env, GOFLAGS
// and GOPROXY=off.
func compileEnv(p *plan.Plan, target ocispecs.Platform, b plan.Binary, cc string) []bk.RunOption {
	goflags := "-mod=readonly"
	if p.Vendored {
		goflags = "-mod=vendor"
	}
	goflags += " -buildvcs=false"
	if user, ok := plan.EnvValue(p.Env, "GOFLAGS"); ok && user != "" {
		goflags += " " + user
	}
	o := goEnv(p)
	if _, ok := plan.EnvValue(p.Env, "CGO_ENABLED"); !ok {
		o = append(o, bk.AddEnv("CGO_ENABLED", "0"))
	}
	for _, kv := range GoPlatformEnv(target) {
		k, v, _ := strings.Cut(kv, "=")
		o = append(o, bk.AddEnv(k, v))
	}
	if cc != "" {
		o = append(o, bk.AddEnv("CC", cc))
	}
	for _, kv := range b.Env {
		k, v, _ := strings.Cut(kv, "=")
		o = append(o, bk.AddEnv(k, v))
	}
	return append(o, bk.AddEnv("GOFLAGS", goflags), bk.AddEnv("GOPROXY", "off"))
}

func compileOne(p *plan.Plan, in Inputs, deps bk.State, target ocispecs.Platform, b plan.Binary, cc string, seed *bk.State) bk.State {
	args := append([]string{"go", "build", "-trimpath", "-o", path.Join(plan.OutDir, b.Name)}, b.Flags...)
	args = append(args, b.Main)
	text := compileScript(p, b, args)
	if seed != nil {
		text = seedScript + text
	}
	o := append(script("build-"+b.Name+".sh", text),
		bk.Dir(workDir(p)),
		bk.AddMount(plan.SrcDir, in.Context, bk.Readonly),
		stepModCache(p),
		buildCache(p, target),
		bk.Network(bk.NetModeNone),
	)
	if seed != nil {
		// Writable (changes dropped) rather than read-only, so that the step's
		// cache key follows the dependency step's key instead of hashing the
		// content of a whole build cache.
		o = append(o, bk.AddMount(plan.DepCache, *seed, bk.ForceNoOutput))
	}
	o = append(o, compileEnv(p, target, b, cc)...)
	name := fmt.Sprintf("[build %s %s] %s", b.Name, platforms.Format(target), strings.Join(args, " "))
	o = append(o, in.opts(name, b.Field+".main")...)
	es := deps.Run(o...)
	return es.AddMount(plan.OutDir, bk.Scratch())
}

// seedScript fills an empty build cache mount from the dependency step's
// layer, once per package list (a marker file named after the list's hash
// travels with it).
const seedScript = `m=$(ls ` + plan.DepCache + ` 2>/dev/null | grep '^gopherfile-seed-' | head -n 1)
if [ -n "$m" ] && [ ! -e "$GOCACHE/$m" ]; then
  cp -R ` + plan.DepCache + `/. "$GOCACHE/" && echo "gopherfile: build cache seeded with the compiled dependencies ($(grep -c . ` + plan.DepCache + `/gopherfile-packages.txt) packages)"
fi
`

// depGroupKey is what decides which dependency packages a binary needs and
// how they are compiled: binaries with the same key share one dependency step.
func depGroupKey(b plan.Binary) string {
	return strings.Join(depFlags(b.Flags), "\x00") + "\x01" + strings.Join(b.Env, "\x00")
}

// depFlags are the go build flags that also apply to dependency packages:
// not -ldflags (link only), not -o, not coverage, and -gcflags/-asmflags only
// with a package pattern (without one they apply to the packages named on the
// command line, which for the dependency step would be the dependencies).
func depFlags(flags []string) []string {
	var out []string
	for i := 0; i < len(flags); i++ {
		f := flags[i]
		name, val, hasVal := strings.Cut(strings.TrimPrefix(f, "-"), "=")
		name = strings.TrimPrefix(name, "-")
		takesValue := name == "ldflags" || name == "gcflags" || name == "asmflags" || name == "o" || name == "coverpkg" || name == "covermode"
		if takesValue && !hasVal && i+1 < len(flags) {
			i++
			val = flags[i]
		}
		switch name {
		case "ldflags", "o", "cover", "coverpkg", "covermode":
			continue
		case "gcflags", "asmflags":
			if strings.HasPrefix(val, "-") || !strings.Contains(val, "=") {
				continue
			}
			out = append(out, "-"+name+"="+val)
			continue
		}
		if takesValue && !hasVal {
			out = append(out, f, val)
			continue
		}
		out = append(out, f)
	}
	return out
}

// compileDeps (cache.build: layer) lists the packages binary b imports from
// outside the module, the standard library included, for the target
// platform, and compiles them in a step whose output is that build cache:
// keyed by the list's content, it is reused across .go edits that change no
// import, and a registry cache carries it to fresh builders.
func compileDeps(p *plan.Plan, in Inputs, deps bk.State, target ocispecs.Platform, b plan.Binary, cc string) bk.State {
	flags := depFlags(b.Flags)
	var mains []string
	for _, x := range p.Binaries {
		if depGroupKey(x) == depGroupKey(b) {
			mains = append(mains, x.Main)
		}
	}
	q := shellJoin(append(append([]string{}, flags...), mains...))
	list := fmt.Sprintf("go list -deps -f '{{if not (and .Module .Module.Main)}}{{.ImportPath}}{{end}}' %s >%s/gopherfile-packages.txt\n",
		q, plan.OutDir)
	lo := append(script("list-deps.sh", list),
		bk.Dir(workDir(p)),
		bk.AddMount(plan.SrcDir, in.Context, bk.Readonly),
		stepModCache(p),
		bk.Network(bk.NetModeNone),
	)
	lo = append(lo, compileEnv(p, target, b, cc)...)
	lo = append(lo, in.opts(fmt.Sprintf("[build deps %s] go list -deps %s", platforms.Format(target), strings.Join(mains, " ")), b.Field+".main")...)
	pkgs := deps.Run(lo...).AddMount(plan.OutDir, bk.Scratch())

	fq := shellJoin(flags)
	build := fmt.Sprintf(`cp %[1]s/gopherfile-packages.txt %[2]s/
go build -trimpath %[3]s $(cat %[1]s/gopherfile-packages.txt) || exit 1
touch %[2]s/gopherfile-seed-$( (cat %[1]s/gopherfile-packages.txt; echo %[4]s; env | grep -E '^(GO|CGO_|CC=)' | sort) | sha256sum | cut -c1-16)
`, plan.PkgList, plan.DepCache, fq, shellQuote(fq))
	do := append(script("build-deps.sh", build),
		bk.Dir(workDir(p)),
		// go.mod and go.sum only (for a vendored module, the context): the
		// step must not depend on the module's own .go files.
		bk.AddMount(plan.SrcDir, depSources(p, in), bk.Readonly),
		bk.AddMount(plan.PkgList, pkgs, bk.Readonly),
		stepModCache(p),
		bk.Network(bk.NetModeNone),
	)
	do = append(do, compileEnv(p, target, b, cc)...)
	do = append(do, bk.AddEnv("GOCACHE", plan.DepCache))
	do = append(do, in.opts(fmt.Sprintf("[build deps %s] go build (standard library and dependencies)", platforms.Format(target)), b.Field+".main")...)
	return deps.Run(do...).AddMount(plan.DepCache, bk.Scratch())
}

// depSources is what the dependency compile step sees of the context.
func depSources(p *plan.Plan, in Inputs) bk.State {
	if p.Vendored {
		return in.Context
	}
	return in.DepFiles
}

// compileScript runs go build and turns the two mistakes go reports badly into
// plain messages: a main path that does not exist and a package that is not main.
func compileScript(p *plan.Plan, b plan.Binary, args []string) string {
	q := shellJoin(args)
	out := shellQuote(path.Join(plan.OutDir, b.Name))
	main := shellQuote(b.Main)
	return fmt.Sprintf(`if [ ! -d %[2]s ]; then
  echo "gopherfile: the main package %[2]s of binary %[3]s does not exist in the module (looked for the directory $PWD/%[2]s)." >&2
  echo "gopherfile: fix main: in the Gopherfile; it is a path relative to the directory of go.mod." >&2
  exit 1
fi
log=/tmp/gopherfile-build.log
%[1]s >"$log" 2>&1
rc=$?
cat "$log"
if [ "$rc" -ne 0 ]; then
%[5]s
exit "$rc"
fi
if [ ! -f %[4]s ] || [ "$(head -c 4 %[4]s | tail -c 3)" != ELF ]; then
  echo "gopherfile: %[2]s is not a main package (package $(go list -f '{{.Name}}' %[2]s 2>/dev/null)), so go build wrote no binary." >&2
  echo "gopherfile: point main: at a directory with package main and a func main." >&2
  exit 1
fi
`, q, main, shellQuote(b.Name), out, explainScript(p, "go build"))
}

// shellJoin quotes each word for /bin/sh and joins them with spaces.
func shellJoin(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = shellQuote(w)
	}
	return strings.Join(q, " ")
}

// shellQuote quotes s for /bin/sh.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
