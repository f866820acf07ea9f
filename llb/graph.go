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
	// Location attaches a Gopherfile location (a spec field path) to a step so
	// that its failure points at the right line. It may be nil.
	Location func(field string) bk.ConstraintsOpt
}

// ScriptDir is where a step's script is mounted.
const ScriptDir = "/gopherfile/step"

// script runs a shell script that is mounted as a file, so that a failure
// reads `process "/bin/sh /gopherfile/step/download.sh" did not complete`
// instead of quoting the whole script.
func script(name, text string) []bk.RunOption {
	st := bk.Scratch().File(bk.Mkfile("/"+name, 0o755, []byte(text)), bk.WithCustomName("[internal] "+name))
	return []bk.RunOption{
		bk.AddMount(ScriptDir, st, bk.Readonly),
		bk.Args([]string{"/bin/sh", path.Join(ScriptDir, name)}),
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
		bk.AddEnv("GOMODCACHE", plan.GoModCache),
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

func modCache() bk.RunOption {
	return bk.AddMount(plan.GoModCache, bk.Scratch(), bk.AsPersistentCacheDir(ModCacheID, bk.CacheMountShared))
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
	o := append(script("download.sh", credentialsScript(p)+retryScript(p, "go mod download", "go mod download")),
		bk.Dir(workDir(p)),
		bk.AddMount(plan.SrcDir, in.DepFiles),
		modCache(),
	)
	o = append(o, goEnv(p)...)
	o = append(o, downloadOpts(p)...)
	field := "version"
	if len(p.Downloads.Settings) > 1 {
		field = "modules"
	}
	o = append(o, in.opts("[deps] go mod download", field)...)
	return in.Builder.Run(o...).Root()
}

// Tidy is the go.mod check: `go mod tidy -diff` over the whole module. It needs
// the network (tidy looks at every platform's and test's imports).
func Tidy(p *plan.Plan, in Inputs, deps bk.State) bk.State {
	o := append(script("tidy-check.sh", credentialsScript(p)+retryScript(p, "go mod tidy -diff", "go mod tidy -diff")),
		bk.Dir(workDir(p)),
		bk.AddMount(plan.SrcDir, in.Context, bk.Readonly),
		modCache(),
		buildCache(p, in.BuildPlatform),
	)
	o = append(o, goEnv(p)...)
	o = append(o, downloadOpts(p)...)
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
		modCache(),
		buildCache(p, in.BuildPlatform),
	)
	o = append(o, goEnv(p)...)
	o = append(o, downloadOpts(p)...)
	o = append(o, bk.AddEnv("GOFLAGS", "-mod=mod"))
	o = append(o, in.opts("[tidy] go mod tidy", "tidy")...)
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

// Compile builds every binary for the target platform on the build platform and
// returns a state holding just the binaries, each at /<name>. The compile steps
// have no network and GOPROXY=off, so they can never fetch.
func Compile(p *plan.Plan, in Inputs, deps bk.State, target ocispecs.Platform) bk.State {
	var outs []bk.State
	for _, b := range p.Binaries {
		outs = append(outs, compileOne(p, in, deps, target, b))
	}
	if len(outs) == 1 {
		return outs[0]
	}
	return bk.Merge(outs, bk.WithCustomName("[build] collect binaries"))
}

func compileOne(p *plan.Plan, in Inputs, deps bk.State, target ocispecs.Platform, b plan.Binary) bk.State {
	goflags := "-mod=readonly"
	if p.Vendored {
		goflags = "-mod=vendor"
	}
	goflags += " -buildvcs=false"
	if user, ok := plan.EnvValue(p.Env, "GOFLAGS"); ok && user != "" {
		goflags += " " + user
	}
	args := append([]string{"go", "build", "-trimpath", "-o", path.Join(plan.OutDir, b.Name)}, b.Flags...)
	args = append(args, b.Main)
	o := append(script("build-"+b.Name+".sh", compileScript(b, args)),
		bk.Dir(workDir(p)),
		bk.AddMount(plan.SrcDir, in.Context, bk.Readonly),
		modCache(),
		buildCache(p, target),
		bk.Network(bk.NetModeNone),
	)
	o = append(o, goEnv(p)...)
	if _, ok := plan.EnvValue(p.Env, "CGO_ENABLED"); !ok {
		o = append(o, bk.AddEnv("CGO_ENABLED", "0"))
	}
	for _, kv := range GoPlatformEnv(target) {
		k, v, _ := strings.Cut(kv, "=")
		o = append(o, bk.AddEnv(k, v))
	}
	for _, kv := range b.Env {
		k, v, _ := strings.Cut(kv, "=")
		o = append(o, bk.AddEnv(k, v))
	}
	o = append(o, bk.AddEnv("GOFLAGS", goflags), bk.AddEnv("GOPROXY", "off"))
	name := fmt.Sprintf("[build %s %s] %s", b.Name, platforms.Format(target), strings.Join(args, " "))
	o = append(o, in.opts(name, b.Field+".main")...)
	es := deps.Run(o...)
	return es.AddMount(plan.OutDir, bk.Scratch())
}

// compileScript runs go build and turns the two mistakes go reports badly into
// plain messages: a main path that does not exist and a package that is not main.
func compileScript(b plan.Binary, args []string) string {
	var q []string
	for _, a := range args {
		q = append(q, shellQuote(a))
	}
	out := shellQuote(path.Join(plan.OutDir, b.Name))
	main := shellQuote(b.Main)
	return fmt.Sprintf(`if [ ! -d %[2]s ]; then
  echo "gopherfile: the main package %[2]s of binary %[3]s does not exist in the module (looked for the directory $PWD/%[2]s)." >&2
  echo "gopherfile: fix main: in the Gopherfile; it is a path relative to the directory of go.mod." >&2
  exit 1
fi
%[1]s
if [ ! -f %[4]s ] || [ "$(head -c 4 %[4]s | tail -c 3)" != ELF ]; then
  echo "gopherfile: %[2]s is not a main package (package $(go list -f '{{.Name}}' %[2]s 2>/dev/null)), so go build wrote no binary." >&2
  echo "gopherfile: point main: at a directory with package main and a func main." >&2
  exit 1
fi
`, strings.Join(q, " "), main, shellQuote(b.Name), out)
}

// shellQuote quotes s for /bin/sh.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Image puts the binaries on the runtime base: one layer with every binary at its
// output path, mode 0755, owned by root.
func Image(p *plan.Plan, in Inputs, base, bins bk.State) bk.State {
	var fa *bk.FileAction
	for _, b := range p.Binaries {
		cp := bk.Copy(bins, "/"+b.Name, b.Output, &bk.CopyInfo{CreateDestPath: true})
		if fa == nil {
			fa = cp
		} else {
			fa = fa.Copy(bins, "/"+b.Name, b.Output, &bk.CopyInfo{CreateDestPath: true})
		}
	}
	names := make([]string, len(p.Binaries))
	for i, b := range p.Binaries {
		names[i] = b.Name
	}
	o := []bk.ConstraintsOpt{bk.WithCustomName("[image] add " + strings.Join(names, ", "))}
	if in.Location != nil {
		o = append(o, in.Location("image"))
	}
	return base.File(fa, o...)
}
