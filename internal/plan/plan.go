// Package plan resolves a Gopherfile spec, the go.mod facts and the build options
// (build args, target) into plain data: which builder image, which files the
// download step sees, which binaries with which flags, and the runtime image
// config. It does no I/O; the llb package turns a Plan into a BuildKit graph.
package plan

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gopherfile/gopherfile/internal/gitinfo"
	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/spec"
)

// Build args Gopherfile reads besides BuildKit's own.
const (
	ArgGoVersion    = "GO_VERSION"
	ArgBuilderImage = "BUILDER_IMAGE"
	ArgBaseImage    = "BASE_IMAGE"
	ArgCacheNS      = "BUILDKIT_CACHE_MOUNT_NS"
	ArgModuleCache  = "GOPHERFILE_MODULE_CACHE"
	ArgBuildCache   = "GOPHERFILE_BUILD_CACHE"
)

// Paths inside the builder.
const (
	SrcDir     = "/src"
	OutDir     = "/out"
	GoModCache = "/gopherfile/gomodcache"
	// GoModLayer is GOMODCACHE when the module cache lives in the download
	// step's layer (cache.modules: layer).
	GoModLayer = "/gopherfile/modules"
	GoCache    = "/gopherfile/gocache"
	// DepCache is GOCACHE of the dependency compile step, and where the
	// compile steps find its layer (cache.build: layer).
	DepCache = "/gopherfile/depcache"
	// PkgList is where the dependency compile step finds the package list.
	PkgList = "/gopherfile/pkglist"
)

// Options are the per-build inputs that do not come from files.
type Options struct {
	// BuildArgs as given with --build-arg.
	BuildArgs map[string]string
	// Target as given with --target; empty means the default.
	Target string
	// VCSSource and VCSRevision are what BuildKit reports about the context's
	// git repository (the vcs:source and vcs:revision options), if anything.
	VCSSource, VCSRevision string
	// Epoch is SOURCE_DATE_EPOCH, if given.
	Epoch *time.Time
	// Git is what the context's .git (or BuildKit's git context) says of
	// the commit and its release tag, nil when nothing.
	Git *gitinfo.Info
	// CacheImports is true when the build imports a cache (--cache-from).
	CacheImports bool
	// Network is the build's network mode (--network): NetworkDefault,
	// NetworkHost or NetworkNone.
	Network string
}

// Network modes of the networked module steps (download, tidy, and tests with
// test.network), as --network names them. The compile is always offline.
const (
	NetworkDefault = ""
	NetworkHost    = "host"
	NetworkNone    = "none"
)

// Plan is one resolved build, independent of the target platform.
type Plan struct {
	// Target is a fixed target (TargetImage for the image of one build).
	Target string `json:"target"`
	// Binary, when set, is the build whose image the target is (--target
	// <build name>): Binaries holds that build alone.
	Binary string `json:"binary,omitempty"`
	// Builder is the builder image reference and where it came from.
	Builder       string `json:"builder"`
	BuilderOrigin string `json:"builderOrigin"`
	// BuilderReason says why this builder, for --call outline and errors:
	// "go.mod's toolchain line go1.25.3", "the newest Go release this
	// frontend knows (...)", "Gopherfile go: 1.24".
	BuilderReason string `json:"builderReason"`
	// BuilderFrom is the Gopherfile field, or the go.mod or go.work line,
	// that chose the builder's Go (or image), for errors that point at it.
	BuilderFrom ChoiceFrom `json:"builderFrom"`
	// GoVersion is the Go version the builder was chosen for.
	GoVersion string `json:"goVersion"`
	// Runner is where the go steps run: RunnerToolchain (Toolchain from the
	// module proxy on the minimal root) or RunnerImage (the Builder image);
	// RunnerReason says why, for --call outline and the log.
	Runner       string `json:"runner"`
	RunnerReason string `json:"runnerReason"`
	// Toolchain is the Go toolchain from the module proxy, nil when the go
	// steps run in the Builder image.
	Toolchain *Toolchain `json:"toolchain,omitempty"`
	// RequiredGo is the go line of go.mod (or go.work): the oldest Go that can
	// build the module.
	RequiredGo string `json:"requiredGo,omitempty"`
	// ModuleDir is the directory of go.mod in the context ("." for the root).
	ModuleDir  string `json:"moduleDir"`
	ModulePath string `json:"modulePath"`
	// DepFiles are the context paths the download step sees (go.mod, go.sum and
	// those of local replaces and workspace modules).
	DepFiles []string `json:"depFiles"`
	// Vendored skips the download step and builds with -mod=vendor.
	Vendored bool `json:"vendored"`
	// Tidy runs `go mod tidy -diff` as a check.
	Tidy bool `json:"tidy"`
	// TidyOffReason says why the check is off when the Gopherfile leaves
	// tidy unset and go.mod is older than OldestTidyGo.
	TidyOffReason string `json:"tidyOffReason,omitempty"`
	// Env is set for every go command, sorted KEY=VALUE.
	Env []string `json:"env,omitempty"`
	// SecretStepEnv is what of Env the steps that hold secrets (download,
	// tidy) get: all of it, or for an untrusted Gopherfile (Untrusted) only
	// GOFLAGS and GOEXPERIMENT from build args.
	SecretStepEnv []string `json:"secretStepEnv,omitempty"`
	// Untrusted is set by --build-arg GOPHERFILE_UNTRUSTED=1 (ArgUntrusted).
	Untrusted bool `json:"untrusted,omitempty"`
	// Binaries to build.
	Binaries []Binary `json:"binaries"`
	// Image is the runtime image.
	Image Image `json:"image"`
	// CacheNS is the build arg BUILDKIT_CACHE_MOUNT_NS: every cache mount
	// id starts with it, path-joined as BuildKit's Dockerfile frontend does
	// (docs/caches.md); "" for none. It never comes from the tree: CI sets
	// one per trust level (the trusted branch, pull requests).
	CacheNS string `json:"cacheNS,omitempty"`
	// ToolchainID identifies the Go toolchain the go steps run, for the
	// ids of the compile caches, set by the frontend once it has resolved
	// it: Toolchain.Identity of the build platform (go<version>@<h1 hash>)
	// for the toolchain from the module proxy, or the builder image's
	// digest. "" while unknown (a builder from a local named context): no
	// step then shares a compile cache.
	ToolchainID string `json:"toolchainID,omitempty"`
	// PrivateInLayer are the private modules (GOPRIVATE or GONOPROXY
	// matches among go.mod's requirements) that cache.modules: layer puts
	// in the download step's layer, which --cache-to mode=max exports.
	PrivateInLayer []string `json:"privateInLayer,omitempty"`
	// Platforms from the spec, used when --platform is not given.
	Platforms []string `json:"platforms,omitempty"`
	// Downloads is how modules are fetched.
	Downloads Downloads `json:"downloads"`
	// ModulesInLayer puts the module cache in the download step's layer.
	ModulesInLayer bool `json:"modulesInLayer,omitempty"`
	// DepsInLayer compiles the standard library and dependency packages in a
	// step of their own, whose layer a registry cache carries.
	DepsInLayer bool `json:"depsInLayer,omitempty"`
	// CGO is true when binaries are built with cgo.
	CGO bool `json:"cgo,omitempty"`
	// CGOAuto is true when the Gopherfile leaves cgo unset (no cgo:, no
	// CGO_ENABLED in env): a binary is built without cgo unless it needs
	// it, and then with cgo linked statically (StaticCgoFlags). A build
	// whose own env sets CGO_ENABLED is built as it says.
	CGOAuto bool `json:"cgoAuto,omitempty"`
	// CC maps target platforms to C cross compilers.
	CC map[string]string `json:"cc,omitempty"`
	// Test is the go test / go vet configuration.
	Test Test `json:"test"`
	// Epoch is SOURCE_DATE_EPOCH: file times and the image creation time.
	Epoch *time.Time `json:"epoch,omitempty"`
	// Network is the network mode of the networked module steps (--network):
	// NetworkDefault (BuildKit's sandbox network), NetworkHost or NetworkNone.
	Network string `json:"network,omitempty"`
	// Generate are the package patterns of go generate (none: no step).
	Generate []string `json:"generate,omitempty"`
	// Sources are named contexts copied into the source tree.
	Sources []Source `json:"sources,omitempty"`
	// Vulncheck is govulncheck's setting.
	Vulncheck Vulncheck `json:"vulncheck"`

	// stamp renders the ldflags templates that use the target platform.
	stamp Stamp
	// allBinaries are every build's binaries when Binary narrows Binaries.
	allBinaries []Binary
}

// Source is a named build context copied into the source tree at Dst (a
// clean path relative to the build context root).
type Source struct {
	Context string `json:"context"`
	Dst     string `json:"dst"`
	// Field is the spec field, for error locations.
	Field string `json:"field"`
}

// Test is the go test and go vet configuration.
type Test struct {
	Packages []string `json:"packages"`
	// Flags are the go test flags (without -json/-v).
	Flags []string `json:"flags,omitempty"`
	// VetFlags are the go vet flags.
	VetFlags []string `json:"vetFlags,omitempty"`
	Network  bool     `json:"network,omitempty"`
}

// Binary is one go build.
type Binary struct {
	Name string `json:"name"`
	// Main is the package, relative to the module dir, starting with "./" or ".".
	Main string `json:"main"`
	// Output is the path in the image.
	Output string `json:"output"`
	// Flags are the go build flags after -trimpath and -o.
	Flags []string `json:"flags,omitempty"`
	// Env is this binary's own env on top of Plan.Env, sorted KEY=VALUE.
	Env []string `json:"env,omitempty"`
	// Field is the spec field the binary came from, for error locations.
	Field string `json:"field"`
	// PlatformLdflags is the -ldflags template (after -s -w) when it uses
	// the target platform (.Os, .Arch, .Variant): Flags then has no
	// -ldflags, and BuildFlags renders it per platform.
	PlatformLdflags string `json:"platformLdflags,omitempty"`
}

// Image is the runtime image.
type Image struct {
	// Base is the base image reference, "scratch", or "" for the built-in
	// static base (Builtin).
	Base       string            `json:"base"`
	Entrypoint []string          `json:"entrypoint,omitempty"`
	Cmd        []string          `json:"cmd,omitempty"`
	Env        []string          `json:"env,omitempty"`
	User       string            `json:"user,omitempty"`
	Workdir    string            `json:"workdir,omitempty"`
	Labels     map[string]string `json:"labels,omitempty"`
	Expose     []string          `json:"expose,omitempty"`
	Volumes    []string          `json:"volumes,omitempty"`
	StopSignal string            `json:"stopSignal,omitempty"`
	// Healthcheck is the docker HEALTHCHECK, nil for none.
	Healthcheck *Healthcheck `json:"healthcheck,omitempty"`
	// Files are extra files from the context.
	Files []spec.File `json:"files,omitempty"`
	// Builtin is the built-in static base: BuiltinFiles with the image
	// config of a distroless static nonroot image.
	Builtin bool `json:"builtin,omitempty"`
	// BuiltinFiles adds what a distroless static image has (CA
	// certificates, passwd/group with nonroot 65532, /tmp, /home/nonroot,
	// and the time zones when Tzdata), written by the frontend (the root
	// step): for the built-in base and for scratch.
	BuiltinFiles bool `json:"builtinFiles,omitempty"`
	Tzdata       bool `json:"tzdata,omitempty"`
}

// Healthcheck is a resolved health check.
type Healthcheck struct {
	Test                           []string
	Interval, Timeout, StartPeriod time.Duration
	Retries                        int
}

// Error is a planning problem tied to a spec field.
type Error struct {
	Field string // spec field path, "" when it is about the context
	Msg   string
}

func (e *Error) Error() string { return e.Msg }

// New resolves the plan.
func New(s *spec.Spec, m gomod.Module, opt Options) (*Plan, error) {
	if m.Facts == nil {
		return nil, &Error{Field: "module", Msg: "no go.mod facts"}
	}
	args := opt.BuildArgs
	written := s
	s = s.Defaults()
	p := &Plan{
		ModuleDir:  cleanDir(s.Module),
		ModulePath: m.Facts.Path,
		Vendored:   m.Vendored,
		Platforms:  platformStrings(s.Platforms),
	}
	p.chooseTidy(s, written, m)

	p.Target = opt.Target
	if p.Target == "" {
		p.Target = TargetImage
	}

	b := ChooseBuilder(written, args, m)
	p.Builder, p.BuilderOrigin, p.BuilderReason, p.GoVersion = b.Image, b.Origin, b.Reason, b.GoVersion
	p.BuilderFrom = b.From

	p.RequiredGo = m.Facts.Go
	if m.Work != nil && m.Work.Go != "" {
		p.RequiredGo = m.Work.Go
	}

	deps, err := depFiles(p.ModuleDir, m)
	if err != nil {
		return nil, err
	}
	p.DepFiles = deps

	if err := p.environment(s, args, opt); err != nil {
		return nil, err
	}
	if err := p.binariesAndImage(s, m, args, opt); err != nil {
		return nil, err
	}
	p.Generate = s.Generate
	for i, src := range s.Sources {
		p.Sources = append(p.Sources, Source{Context: src.Context, Dst: path.Clean(src.Dst), Field: fmt.Sprintf("sources[%d]", i)})
	}
	p.Test = testPlan(s)
	if p.Vulncheck, err = vulncheckPlan(s, args); err != nil {
		return nil, err
	}
	p.chooseRunner(s, b, m)

	p.CacheNS = args[ArgCacheNS]
	if p.ModulesInLayer {
		p.PrivateInLayer = p.Downloads.PrivateModules(m.Facts.RequirePaths)
	}
	return p, nil
}

// chooseTidy decides whether the tidy check runs: s is the spec with its
// defaults, written the spec as written.
func (p *Plan) chooseTidy(s, written *spec.Spec, m gomod.Module) {
	p.Tidy = s.Tidy != spec.TidyOff
	// go mod tidy ignores go.work (golang/go#50750): in a workspace it looks the
	// other workspace modules up on the proxy and fails; and for a vendored module
	// it needs the network the vendor directory is there to avoid. In both, the
	// check runs only when the Gopherfile says tidy: check.
	if (m.Work != nil || m.Vendored) && written.Tidy == "" {
		p.Tidy = false
	}
	// A go.mod older than Go 1.17 is, for today's go mod tidy, almost never
	// tidy: the check is off unless the Gopherfile asks for it.
	if p.Tidy && written.Tidy == "" {
		if p.TidyOffReason = OldTidyReason(m.Facts.Go); p.TidyOffReason != "" {
			p.Tidy = false
		}
	}
}

// environment resolves what the steps see: env: and cgo, the caches, the
// module settings, the network and the untrusted mode.
func (p *Plan) environment(s *spec.Spec, args map[string]string, opt Options) error {
	p.Env = sortedEnv(s.Env)
	if s.CGO != nil {
		p.Env = setEnv(p.Env, goenv.CGO_ENABLED, map[bool]string{true: "1", false: "0"}[*s.CGO])
	}
	v, set := EnvValue(p.Env, goenv.CGO_ENABLED)
	p.CGO = set && v == "1"
	p.CGOAuto = !set
	p.CC = s.CC
	var err error
	if p.ModulesInLayer, err = cacheInLayer(args, ArgModuleCache, s.Cache.Modules, opt.CacheImports); err != nil {
		return err
	}
	if p.DepsInLayer, err = cacheInLayer(args, ArgBuildCache, s.Cache.Build, opt.CacheImports); err != nil {
		return err
	}
	p.Epoch = opt.Epoch
	p.Downloads = downloads(s, args)
	switch p.Network = opt.Network; p.Network {
	case NetworkDefault, NetworkHost:
	case NetworkNone:
		// Without a network the go command can only use the module cache:
		// GOPROXY=off makes it name the missing module at once instead of
		// retrying DNS lookups, and the diagnosis names the flag.
		p.Downloads.Override(goenv.GOPROXY, goenv.Off, "--network none")
	default:
		return &Error{Msg: fmt.Sprintf("--network %s: Gopherfile supports --network default, host and none", p.Network)}
	}
	for _, name := range []string{goenv.GOFLAGS, goenv.GOEXPERIMENT} {
		if v, ok := args[name]; ok {
			p.Env = setEnv(p.Env, name, v)
		}
	}
	p.SecretStepEnv = p.Env
	if p.Untrusted, err = untrustedArg(args); err != nil {
		return err
	}
	if p.Untrusted {
		if err := p.checkUntrusted(args); err != nil {
			return err
		}
		p.untrustedEnv(args)
	}
	return nil
}

// binariesAndImage resolves the binaries, the target and the image.
func (p *Plan) binariesAndImage(s *spec.Spec, m gomod.Module, args map[string]string, opt Options) error {
	stamp := stampValues(args, opt)
	bins, err := binaries(s, m.Facts.Path, m.DefaultMain, stamp, p.Platforms)
	if err != nil {
		return err
	}
	p.stamp = stamp
	p.Binaries = bins
	if err := p.resolveTarget(); err != nil {
		return err
	}

	p.Image = image(s, bins, args, p.CGO)
	if err := checkImagePaths(s, bins); err != nil {
		return err
	}
	if p.Binary != "" {
		p.Image = binaryImage(p.Image, bins, p.Binary)
		p.allBinaries, p.Binaries = bins, onlyBinary(bins, p.Binary)
	}
	p.Image.Labels = ociLabels(p, p.Binaries, args, opt)
	return nil
}

func cleanDir(d string) string {
	if d == "" {
		return "."
	}
	return path.Clean(d)
}

// depFiles lists the files of the download step: go.mod and go.sum of the main
// module, of every local replace and of every workspace module.
func depFiles(moduleDir string, m gomod.Module) ([]string, error) {
	set := map[string]bool{}
	addMod := func(dir string) {
		set[path.Join(dir, "go.mod")] = true
		set[path.Join(dir, "go.sum")] = true
	}
	addMod(moduleDir)
	for _, r := range m.Facts.LocalReplaces {
		dir := path.Join(moduleDir, r)
		if dir == ".." || strings.HasPrefix(dir, "../") {
			return nil, &Error{Msg: fmt.Sprintf("go.mod replaces a module with the directory %s, which is outside the build context: build from a directory that contains it (e.g. the repository root) and set module: in the Gopherfile to the directory of go.mod", r)}
		}
		addMod(dir)
	}
	if m.Work != nil {
		set["go.work"] = true
		set["go.work.sum"] = true
		for _, u := range m.Work.Use {
			if u == ".." || strings.HasPrefix(u, "../") {
				return nil, &Error{Msg: fmt.Sprintf("go.work uses the directory %s, which is outside the build context", u)}
			}
			addMod(u)
		}
		for _, r := range m.Work.LocalReplaces {
			if r == ".." || strings.HasPrefix(r, "../") {
				return nil, &Error{Msg: fmt.Sprintf("go.work replaces a module with the directory %s, which is outside the build context", r)}
			}
			addMod(r)
		}
	}
	out := make([]string, 0, len(set))
	for f := range set {
		out = append(out, f)
	}
	sort.Strings(out)
	return out, nil
}

// cacheInLayer resolves cache.modules or cache.build (mode, after defaults) and
// its build arg: auto (the default) is layers when the build imports a cache
// (a runner that may be fresh), cache mounts otherwise.
func cacheInLayer(args map[string]string, arg string, mode spec.CacheMode, imports bool) (bool, error) {
	if v := args[arg]; v != "" {
		mode = spec.CacheMode(v)
		if !slices.Contains(mode.Values(), mode) {
			var names []string
			for _, m := range mode.Values() {
				names = append(names, string(m))
			}
			last := len(names) - 1
			return false, &Error{Msg: fmt.Sprintf("--build-arg %s=%s: use %s or %s", arg, v, strings.Join(names[:last], ", "), names[last])}
		}
	}
	switch mode {
	case spec.CacheMount:
		return false, nil
	case spec.CacheLayer:
		return true, nil
	}
	return imports, nil
}

func platformStrings(list []spec.Platform) []string {
	if len(list) == 0 {
		return nil
	}
	out := make([]string, len(list))
	for i, p := range list {
		out[i] = string(p)
	}
	return out
}
