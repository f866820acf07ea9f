// Package plan resolves a Gopherfile spec, the go.mod facts and the build options
// (build args, target) into plain data: which builder image, which files the
// download step sees, which binaries with which flags, and the runtime image
// config. It does no I/O; the llb package turns a Plan into a BuildKit graph.
package plan

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/gopherfile/gopherfile/frontend/gomod"
	"github.com/gopherfile/gopherfile/frontend/spec"
)

// Targets a build can stop at.
const (
	TargetImage    = "image"
	TargetBinaries = "binaries"
	TargetDeps     = "deps"
	TargetTidy     = "tidy"
	TargetTest     = "test"
	TargetVet      = "vet"
)

// TargetInfo describes a target for --call targets and the README.
type TargetInfo struct {
	Name        string
	Description string
	Default     bool
}

// Targets lists the targets in the order they are documented.
var Targets = []TargetInfo{
	{Name: TargetImage, Description: "the runtime image with the binaries (default)", Default: true},
	{Name: TargetBinaries, Description: "just the binaries, for -o type=local,dest=DIR"},
	{Name: TargetDeps, Description: "the builder after go mod download (warms the module cache)"},
	{Name: TargetTidy, Description: "go.mod and go.sum after go mod tidy: docker buildx build --target tidy -o . fixes them"},
	{Name: TargetTest, Description: "go test; -o type=local,dest=DIR exports test.json, junit.xml and test.txt"},
	{Name: TargetVet, Description: "go vet over the test packages"},
}

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
	// CacheImports is true when the build imports a cache (--cache-from).
	CacheImports bool
}

// Module is what the plan needs to know about the context's Go files.
type Module struct {
	// Facts from go.mod.
	Facts *gomod.Facts
	// Work is go.work at the context root, if any.
	Work *gomod.Workspace
	// Vendored is true when vendor/modules.txt exists next to go.mod.
	Vendored bool
	// DefaultMain is the main package built when the Gopherfile lists no
	// builds: "." (also when empty) or "./cmd/<module name>" when the module
	// root has no main package and that directory has one (gosrc.DefaultMain).
	DefaultMain string
}

// Plan is one resolved build, independent of the target platform.
type Plan struct {
	Target string `json:"target"`
	// Builder is the builder image reference and where it came from.
	Builder       string `json:"builder"`
	BuilderOrigin string `json:"builderOrigin"`
	// BuilderReason says why this builder, for --call outline and errors:
	// "go.mod's toolchain line go1.25.3", "the newest Go release this
	// frontend knows (...)", "Gopherfile go: 1.24".
	BuilderReason string `json:"builderReason"`
	// GoVersion is the Go version the builder was chosen for.
	GoVersion string `json:"goVersion"`
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
	// Env is set for every go command, sorted KEY=VALUE.
	Env []string `json:"env,omitempty"`
	// Binaries to build.
	Binaries []Binary `json:"binaries"`
	// Image is the runtime image.
	Image Image `json:"image"`
	// CacheNS namespaces the build cache mount ids.
	CacheNS string `json:"cacheNS"`
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
	// CC maps target platforms to C cross compilers.
	CC map[string]string `json:"cc,omitempty"`
	// Test is the go test / go vet configuration.
	Test Test `json:"test"`
	// Epoch is SOURCE_DATE_EPOCH: file times and the image creation time.
	Epoch *time.Time `json:"epoch,omitempty"`
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
}

// Image is the runtime image.
type Image struct {
	// Base is the base image reference, or "scratch".
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
	// ScratchExtras adds CA certificates, passwd/group, /tmp (and tzdata when
	// Tzdata) from the builder, for a scratch base.
	ScratchExtras bool `json:"scratchExtras,omitempty"`
	Tzdata        bool `json:"tzdata,omitempty"`
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
func New(s *spec.Spec, m Module, opt Options) (*Plan, error) {
	if m.Facts == nil {
		return nil, &Error{Field: "module", Msg: "no go.mod facts"}
	}
	args := opt.BuildArgs
	p := &Plan{
		ModuleDir:  cleanDir(s.Module),
		ModulePath: m.Facts.Path,
		Vendored:   m.Vendored,
		Tidy:       s.Tidy != spec.TidyOff,
		Platforms:  s.Platforms,
	}
	// go mod tidy ignores go.work (golang/go#50750): in a workspace it looks the
	// other workspace modules up on the proxy and fails; and for a vendored module
	// it needs the network the vendor directory is there to avoid. In both, the
	// check runs only when the Gopherfile says tidy: check.
	if (m.Work != nil || m.Vendored) && s.Tidy == "" {
		p.Tidy = false
	}

	p.Target = opt.Target
	if p.Target == "" {
		p.Target = TargetImage
	}
	if !knownTarget(p.Target) {
		names := make([]string, len(Targets))
		for i, t := range Targets {
			names[i] = t.Name
		}
		return nil, &Error{Msg: fmt.Sprintf("unknown target %q: this Gopherfile has the targets %s", p.Target, strings.Join(names, ", "))}
	}

	// Builder image: build arg, then spec, then go.mod (see defaultGo).
	switch {
	case args[ArgBuilderImage] != "":
		p.Builder, p.BuilderOrigin = args[ArgBuilderImage], "build arg "+ArgBuilderImage
		p.BuilderReason = fmt.Sprintf("--build-arg %s=%s", ArgBuilderImage, p.Builder)
	case s.Builder != "":
		p.Builder, p.BuilderOrigin = s.Builder, "Gopherfile builder"
		p.BuilderReason = "the Gopherfile's builder: " + s.Builder
	}
	switch {
	case args[ArgGoVersion] != "":
		p.GoVersion = args[ArgGoVersion]
		if p.BuilderOrigin == "" {
			p.BuilderOrigin = "build arg " + ArgGoVersion
			p.BuilderReason = fmt.Sprintf("--build-arg %s=%s", ArgGoVersion, p.GoVersion)
		}
	case s.Go != "":
		p.GoVersion = s.Go
		if p.BuilderOrigin == "" {
			p.BuilderOrigin = "Gopherfile go"
			p.BuilderReason = fmt.Sprintf("the Gopherfile's go: %q", s.Go)
		}
	default:
		c := defaultGo(m)
		p.GoVersion = c.version
		if p.BuilderOrigin == "" {
			p.BuilderOrigin = "go.mod"
			if m.Work != nil && (m.Work.Go != "" || m.Work.Toolchain != "") {
				p.BuilderOrigin = "go.work"
			}
			p.BuilderReason = c.why
		}
	}
	if p.Builder == "" {
		p.Builder = "golang:" + p.GoVersion
	}

	p.RequiredGo = m.Facts.Go
	if m.Work != nil && m.Work.Go != "" {
		p.RequiredGo = m.Work.Go
	}

	deps, err := depFiles(p.ModuleDir, m)
	if err != nil {
		return nil, err
	}
	p.DepFiles = deps

	p.Env = sortedEnv(s.Env)
	if s.CGO {
		p.Env = setEnv(p.Env, "CGO_ENABLED", "1")
	}
	if v, ok := EnvValue(p.Env, "CGO_ENABLED"); ok && v == "1" {
		p.CGO = true
	}
	p.CC = s.CC
	// auto (the default): layers when the build imports a cache (a runner
	// that may be fresh), cache mounts otherwise.
	inLayer := func(arg, field string) (bool, error) {
		switch v := orDefault(args[arg], field); v {
		case "", spec.CacheAuto:
			return opt.CacheImports, nil
		case spec.CacheMount:
			return false, nil
		case spec.CacheLayer:
			return true, nil
		default:
			return false, &Error{Msg: fmt.Sprintf("--build-arg %s=%s: use auto, mount or layer", arg, v)}
		}
	}
	if p.ModulesInLayer, err = inLayer(ArgModuleCache, s.Cache.Modules); err != nil {
		return nil, err
	}
	if p.DepsInLayer, err = inLayer(ArgBuildCache, s.Cache.Build); err != nil {
		return nil, err
	}
	p.Epoch = opt.Epoch
	p.Downloads = downloads(s, args)
	for _, name := range []string{"GOFLAGS", "GOEXPERIMENT"} {
		if v, ok := args[name]; ok {
			p.Env = setEnv(p.Env, name, v)
		}
	}

	bins, err := binaries(s, m.Facts.Path, m.DefaultMain, stampValues(args, opt))
	if err != nil {
		return nil, err
	}
	p.Binaries = bins

	p.Image = image(s, bins, args, p.CGO)
	p.Image.Labels = ociLabels(p, bins, args, opt)
	p.Test = testPlan(s)

	p.CacheNS = args[ArgCacheNS]
	if p.CacheNS == "" {
		p.CacheNS = m.Facts.Path
	}
	return p, nil
}

func knownTarget(t string) bool {
	for _, k := range Targets {
		if k.Name == t {
			return true
		}
	}
	return false
}

func cleanDir(d string) string {
	if d == "" {
		return "."
	}
	return path.Clean(d)
}

// depFiles lists the files of the download step: go.mod and go.sum of the main
// module, of every local replace and of every workspace module.
func depFiles(moduleDir string, m Module) ([]string, error) {
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

func binaries(s *spec.Spec, modulePath, defaultMain string, stamp Stamp) ([]Binary, error) {
	builds := s.Builds
	fields := make([]string, len(builds))
	for i := range builds {
		fields[i] = fmt.Sprintf("builds[%d]", i)
	}
	if len(builds) == 0 {
		builds = []spec.Build{{Main: defaultMain}}
		fields = []string{"version"}
	}
	var out []Binary
	names := map[string]bool{}
	outputs := map[string]bool{}
	for i, b := range builds {
		main := b.Main
		if main == "" {
			main = "."
		}
		main = path.Clean(main)
		if main != "." {
			main = "./" + main
		}
		name := b.Name
		if name == "" {
			if main == "." {
				name = gomod.BinaryName(modulePath)
			} else {
				name = gomod.BinaryName(main)
			}
		}
		if names[name] {
			return nil, &Error{Field: fields[i], Msg: fmt.Sprintf("two builds make a binary named %q: give them different name: fields", name)}
		}
		names[name] = true
		output := b.Output
		if output == "" {
			output = path.Join(spec.DefaultBinDir, name)
		}
		output = path.Clean(output)
		if outputs[output] {
			return nil, &Error{Field: fields[i], Msg: fmt.Sprintf("two builds write %s: give them different output: fields", output)}
		}
		outputs[output] = true
		var flags []string
		ld := ""
		if b.Strip == nil || *b.Strip {
			ld = "-s -w"
		}
		if b.Ldflags != "" {
			user, err := stamp.render(b.Ldflags)
			if err != nil {
				return nil, &Error{Field: fields[i] + ".ldflags", Msg: err.Error()}
			}
			ld = strings.TrimSpace(ld + " " + user)
		}
		if ld != "" {
			flags = append(flags, "-ldflags="+ld)
		}
		if b.Gcflags != "" {
			flags = append(flags, "-gcflags="+b.Gcflags)
		}
		if len(b.Tags) > 0 {
			flags = append(flags, "-tags="+strings.Join(b.Tags, ","))
		}
		flags = append(flags, b.Flags...)
		out = append(out, Binary{Name: name, Main: main, Output: output, Flags: flags, Env: sortedEnv(b.Env), Field: fields[i]})
	}
	return out, nil
}

func image(s *spec.Spec, bins []Binary, args map[string]string, cgo bool) Image {
	img := Image{
		Base:       s.Image.Base,
		Cmd:        s.Image.Cmd,
		Env:        sortedEnv(s.Image.Env),
		User:       s.Image.User,
		Workdir:    s.Image.Workdir,
		Labels:     s.Image.Labels,
		Volumes:    s.Image.Volumes,
		StopSignal: s.Image.StopSignal,
		Files:      s.Image.Files,
	}
	if v := args[ArgBaseImage]; v != "" {
		img.Base = v
	}
	if img.Base == "" {
		img.Base = spec.DefaultBase
		if cgo {
			img.Base = spec.DefaultCGOBase
		}
	}
	if img.Base == spec.Scratch {
		img.ScratchExtras = true
		img.Tzdata = s.Image.Tzdata == nil || *s.Image.Tzdata
	}
	if h := s.Image.Healthcheck; h != nil {
		hc := &Healthcheck{Test: append([]string{"CMD"}, h.Cmd...), Retries: h.Retries}
		hc.Interval, _ = time.ParseDuration(orDefault(h.Interval, "0s"))
		hc.Timeout, _ = time.ParseDuration(orDefault(h.Timeout, "0s"))
		hc.StartPeriod, _ = time.ParseDuration(orDefault(h.StartPeriod, "0s"))
		img.Healthcheck = hc
	}
	img.Entrypoint = s.Image.Entrypoint
	if len(img.Entrypoint) == 0 {
		img.Entrypoint = []string{bins[0].Output}
	}
	for _, p := range s.Image.Expose {
		if n, err := spec.NormalizePort(p); err == nil {
			img.Expose = append(img.Expose, n)
		}
	}
	return img
}

func sortedEnv(m map[string]string) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// EnvValue returns the value of key in a KEY=VALUE list, and whether it is set.
func EnvValue(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// setEnv sets KEY=VALUE in a sorted env list.
func setEnv(env []string, key, value string) []string {
	out := []string{}
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			out = append(out, kv)
		}
	}
	out = append(out, key+"="+value)
	sort.Strings(out)
	return out
}
