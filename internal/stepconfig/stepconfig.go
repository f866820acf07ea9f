// Package stepconfig is the contract between the graph (internal/graph), which
// writes a Config into every go step it defines, and the step helper
// (package step), which runs inside that step and reads it back. A Config is
// plain data: it holds no secret (secrets reach the helper as BuildKit
// secret mounts) and no credential (values of settings travel in the step's
// env and are redacted whenever the helper prints them).
package stepconfig

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/gopherfile/gopherfile/internal/goenv"
)

// Env is the environment variable that carries the encoded Config.
const Env = "GOPHERFILE_CONFIG"

// Kind is what a step does.
type Kind string

// The kinds of step.
const (
	Download  Kind = "download"   // go mod download: networked, writes the download record
	TidyCheck Kind = "tidy-check" // go mod tidy -diff: networked
	TidyFix   Kind = "tidy"       // go mod tidy, then copies go.mod/go.sum to OutDir
	Test      Kind = "test"       // go test -json: writes the report to OutDir, always succeeds
	Vet       Kind = "vet"        // go vet
	Build     Kind = "build"      // go build of one binary
	ListDeps  Kind = "list-deps"  // go list -deps: the packages outside the module (cache.build: layer)
	BuildDeps Kind = "build-deps" // go build of those packages into DepCache (cache.build: layer)
	Generate  Kind = "generate"   // go generate on a writable source tree, offline
	Doctor    Kind = "doctor"     // the doctor's probe: the download step's network and secrets, writes DoctorFile to OutDir, always succeeds
	VulnDB    Kind = "vulndb"     // go mod download of the vulnerability database module: networked, converts it into OutDir
	VulnTool  Kind = "vulntool"   // go install of govulncheck: networked, GOBIN is OutDir
	Vulncheck Kind = "vulncheck"  // govulncheck over the binaries' packages: writes the reports to OutDir, always succeeds
	// The steps of the toolchain from the module proxy and of the files the
	// frontend writes (no go command of the build runs in them).
	FetchToolchain Kind = "fetch-toolchain" // networked: the toolchain zip into the toolchain cache mount, verified
	Toolchain      Kind = "toolchain"       // offline: the verified zip from the cache mount unpacked into OutDir (a GOROOT)
	Root           Kind = "root"            // offline: the minimal root or the static base into OutDir
	// The module view of the offline steps (no go command runs in it).
	ModView Kind = "modview" // copies the build's modules from the shared module cache, verified against go.sum
)

// The stages of a build: the go command a step runs, as Config.Stage, the
// progress names and the failure reports name it.
const (
	StageDownload = "go mod download"
	StageTidy     = "go mod tidy -diff"
	StageTidyFix  = "go mod tidy"
	StageBuild    = "go build"
	StageDeps     = "go build (dependencies)"
	StageList     = "go list -deps"
	StageTest     = "go test"
	StageVet      = "go vet"
	StageGenerate = "go generate"
	// The toolchain and root steps run no go command of the build.
	StageFetchToolchain = "fetch the Go toolchain"
	StageToolchain      = "Go toolchain"
	StageRoot           = "minimal root"
	StageStaticBase     = "static base"
	StageDoctor         = "gopherfile doctor"
	StageVulnDB         = "go mod download (vulnerability database)"
	StageVulnTool       = "go install govulncheck"
	StageVuln           = "govulncheck"
	StageModView        = "module view"
)

// KindInfo is what a kind of step is, for the graph that defines it and the
// helper that runs it.
type KindInfo struct {
	// Stage names the go command the step runs (one of the Stage constants).
	Stage string
	// Networked steps fetch modules: they get the download settings, the
	// secrets, SSH and the network, and never run the tree's own code.
	Networked bool
	// Compiles is true for the steps that compile for a target platform:
	// they get GOOS/GOARCH, CGO_ENABLED and the build's env.
	Compiles bool
	// RunsTreeCode is true for the steps that run the tree's own code (its
	// tests, its generators): they never write a cache another step reads.
	RunsTreeCode bool
	// Cache is the build cache policy of the kind (docs/caches.md).
	Cache CachePolicy
	// FetchesModules is true for the steps whose go command fetches a
	// module graph: they run it with FetchProcs (the go command fetches
	// GOMAXPROCS modules at a time, and a fetch mostly waits on the
	// network).
	FetchesModules bool
	// Background is true for a check that runs beside the compile and
	// that no step of the image waits for: it runs at a lower CPU
	// priority, so that on a small builder the compile keeps the cores.
	Background bool
}

// FetchProcs is the GOMAXPROCS of the go command in the steps that fetch
// modules on the way to the compile, unless the build's env sets
// GOMAXPROCS: go mod download and go mod tidy fetch (and then extract) at
// most GOMAXPROCS modules at a time, two on a 2-core builder, where a fetch
// is a round trip to the proxy.
const FetchProcs = 16

// kinds is the one table of the facts of each kind.
var kinds = map[Kind]KindInfo{
	Download: {Stage: StageDownload, Networked: true, Cache: CacheNone, FetchesModules: true},
	// The tidy steps read the shared module cache before any check (they
	// also write it): their build cache is theirs, and reads no other. The
	// tidy check runs beside the download and the compile, which do not
	// wait for it: at a lower priority, and with go's own GOMAXPROCS (the
	// kernel weighs every thread, so FetchProcs threads would take back
	// what the priority gave) unless it has modules to fetch: then beside
	// the download, with FetchProcs (the helper's tidyFetches).
	TidyCheck: {Stage: StageTidy, Networked: true, Cache: CacheOwn, Background: true},
	TidyFix:   {Stage: StageTidyFix, Networked: true, Cache: CacheOwn, FetchesModules: true},
	Test:      {Stage: StageTest, RunsTreeCode: true, Cache: CacheOwn},
	// Vet runs the toolchain's analyzers; with a vettool it is CacheOwn.
	Vet:       {Stage: StageVet, Cache: CacheCompile},
	Build:     {Stage: StageBuild, Compiles: true, Cache: CacheCompile},
	ListDeps:  {Stage: StageList, Compiles: true, Cache: CacheCompile},
	BuildDeps: {Stage: StageDeps, Compiles: true, Cache: CacheOutput},
	Generate:  {Stage: StageGenerate, RunsTreeCode: true, Cache: CacheOwn},
	// The doctor probes where the download would go, with its network,
	// secrets and settings; it runs no go command and writes no cache.
	Doctor: {Stage: StageDoctor, Networked: true, Cache: CacheNone},
	// The vulnerability database and govulncheck are modules of their own,
	// fetched (and the tool compiled for the build platform) with the
	// download step's machinery; the analysis compiles for the target.
	// Both compiles run code other than the builder's toolchain (a
	// toolchain GOTOOLCHAIN=auto switches to, govulncheck itself): each
	// keeps a cache of its own.
	VulnDB:    {Stage: StageVulnDB, Networked: true, Cache: CacheNone},
	VulnTool:  {Stage: StageVulnTool, Networked: true, Cache: CacheOwn},
	Vulncheck: {Stage: StageVuln, Compiles: true, Cache: CacheOwn},
	// The toolchain from the module proxy: fetched with the download
	// step's machinery, unpacked offline; the root step writes the minimal
	// root or the static base (Stage StageStaticBase) offline.
	FetchToolchain: {Stage: StageFetchToolchain, Networked: true, Cache: CacheNone},
	Toolchain:      {Stage: StageToolchain, Cache: CacheNone},
	Root:           {Stage: StageRoot, Cache: CacheNone},
	ModView:        {Stage: StageModView, Cache: CacheNone},
}

// Info returns the facts of the kind; ok is false for an unknown kind (a
// frontend and a step helper of different versions).
func (k Kind) Info() (info KindInfo, ok bool) {
	info, ok = kinds[k]
	return info, ok
}

// Networked reports whether steps of this kind fetch modules.
func (k Kind) Networked() bool { return kinds[k].Networked }

// Compiles reports whether steps of this kind compile for a target platform.
func (k Kind) Compiles() bool { return kinds[k].Compiles }

// FetchesModules reports whether steps of this kind fetch a module graph.
func (k Kind) FetchesModules() bool { return kinds[k].FetchesModules }

// Background reports whether steps of this kind are checks nothing waits for.
func (k Kind) Background() bool { return kinds[k].Background }

// Stage is the go command steps of this kind run.
func (k Kind) Stage() string { return kinds[k].Stage }

// CachePolicy is the build cache policy of steps of this kind.
func (k Kind) CachePolicy() CachePolicy { return kinds[k].Cache }

// DoctorFile is the doctor step's report (internal/doctor's JSON) in OutDir.
const DoctorFile = "doctor.json"

// ExitCacheLost is the exit code of an offline step that finds the module
// cache mount without the modules the download step recorded (BuildKit
// garbage-collected or pruned the cache mount after the download step's
// result was cached). The frontend then runs the download step again and
// retries. It is EX_TEMPFAIL, which the go command never uses.
const ExitCacheLost = 75

// ExitNeedsImage is the exit code of a go step on the minimal root (the
// toolchain from the module proxy, Config.MinimalRoot) that finds the build
// needs what only a builder image has: a C compiler (cgo) or git (a direct
// version-control fetch). The frontend then plans again with the builder
// image and says why. It is EX_PROTOCOL, which the go command never uses.
const ExitNeedsImage = 76

// ExitToolchainMissing is the exit code of the toolchain step when the
// toolchain cache mount does not hold the verified zip (a new builder, or
// BuildKit garbage-collected the mount): the frontend runs the fetch step
// and then the toolchain step again. It is EX_NOPERM.
const ExitToolchainMissing = 77

// Config is one step's configuration.
type Config struct {
	Kind Kind `json:"kind"`
	// Stage names the go command for messages: one of the Stage constants.
	Stage string `json:"stage"`
	// Args are the go command's arguments, after "go".
	Args []string `json:"args"`
	// OutDir is where the step writes its output files, "" for none.
	OutDir string `json:"outDir,omitempty"`

	// Net is set for the networked module steps (download, tidy).
	Net *Net `json:"net,omitempty"`
	// Untrusted is set in those steps when the Gopherfile is untrusted
	// (GOPHERFILE_UNTRUSTED): the go command then gets only the environment
	// goenv.UntrustedStepEnv allows.
	Untrusted bool `json:"untrusted,omitempty"`
	// Diag is what the diagnosis of a failure knows.
	Diag Diag `json:"diag"`
	// Record is the download record: written by the download step, checked
	// by the offline steps. Nil when there is none (a vendored module).
	Record *Record `json:"record,omitempty"`
	// LocalProxies are module cache download directories tried before
	// GOPROXY (file:// proxies), e.g. the shared cache mount when the module
	// cache lives in the download step's layer.
	LocalProxies []string `json:"localProxies,omitempty"`
	// ShareDownloads is where the download step copies what it fetched
	// (GOMODCACHE/cache/download), when GOMODCACHE is its own layer: the
	// shared cache mount, so that the next go.mod change fetches only new
	// modules. "" for none.
	ShareDownloads string `json:"shareDownloads,omitempty"`
	// Recovery is set when the build runs again because an offline step
	// found the module cache mount without the recorded modules.
	Recovery bool `json:"recovery,omitempty"`
	// Nonce, when set, makes the step a new one, so that it runs again:
	// for --no-cache and for a recovery. (BuildKit's own IgnoreCache is never
	// used on a go step: on a step with a cache mount it also empties that
	// cache mount, for every build on the builder that shares it.)
	Nonce string `json:"nonce,omitempty"`

	// MinimalRoot is set when the step runs with the toolchain from the
	// module proxy on the minimal root (no C compiler, no git): a step that
	// needs either exits with ExitNeedsImage.
	MinimalRoot bool `json:"minimalRoot,omitempty"`

	Build     *BuildOpts     `json:"build,omitempty"`
	Test      *TestOpts      `json:"test,omitempty"`
	Deps      *DepsOpts      `json:"deps,omitempty"`
	Vuln      *VulnOpts      `json:"vuln,omitempty"`
	Toolchain *ToolchainOpts `json:"toolchain,omitempty"`
	Root      *RootOpts      `json:"root,omitempty"`

	// Cache says which build caches the step writes and reads; nil for a
	// step without one.
	Cache *Cache `json:"cache,omitempty"`
	// ModView is the module view step's.
	ModView *ModViewOpts `json:"modView,omitempty"`
}

// ToolchainOpts are the toolchain steps'.
type ToolchainOpts struct {
	// Version is the module version of golang.org/toolchain, e.g.
	// v0.0.1-go1.25.14.linux-amd64.
	Version string `json:"version"`
	// Hash is its h1 hash from the frontend's release table; "" has the
	// fetch step verify it against the checksum database (GOSUMDB).
	Hash string `json:"hash,omitempty"`
	// Cache is the toolchain cache mount, which holds verified zips.
	Cache string `json:"cache"`
}

// ToolchainSum is the file in the fetch step's OutDir that holds the
// verified h1 hash of the zip it fetched.
const ToolchainSum = "toolchain.sum"

// RootOpts are the root step's.
type RootOpts struct {
	// Zoneinfo adds the time zone database (usr/share/zoneinfo) from the
	// GOROOT of the go command on PATH (its lib/time/zoneinfo.zip).
	Zoneinfo bool `json:"zoneinfo,omitempty"`
}

// Net configures the networked module steps.
type Net struct {
	// Retries is how many times one proxy request is retried after a
	// transient failure.
	Retries int `json:"retries"`
	// TimeoutSeconds is the deadline of the whole step.
	TimeoutSeconds int `json:"timeoutSeconds"`
	// SecretDir holds the secret mounts; Home is a tmpfs for git's config,
	// known_hosts and the netrc link.
	SecretDir string `json:"secretDir"`
	Home      string `json:"home"`
	// Netrc, CACert and SSH are "optional", "required" or "off".
	Netrc  string `json:"netrc"`
	CACert string `json:"cacert"`
	SSH    string `json:"ssh"`
	// GitHosts take a token from the secret GIT_AUTH_TOKEN.<host>; SSHHosts
	// are reached over SSH (insteadOf) when SSH is on.
	GitHosts   []string `json:"gitHosts,omitempty"`
	SSHHosts   []string `json:"sshHosts,omitempty"`
	KnownHosts []string `json:"knownHosts,omitempty"`
	// AcceptNewHosts takes SSH host keys that neither goenv.KnownHosts nor
	// KnownHosts list on first use; otherwise ssh refuses them.
	AcceptNewHosts bool `json:"acceptNewHosts,omitempty"`
	// Helper is the path of the helper binary, for git's credential helper.
	Helper string `json:"helper"`
	// TempDir is a directory on disk (not the tmpfs HOME) for the bodies the
	// loopback proxies hold while they arrive; "" for the system's.
	TempDir string `json:"tempDir,omitempty"`

	// SrcDir is the build context root in the step. TreeFiles are the
	// dependency files (relative to SrcDir) the step reads, which must be
	// regular files of the build context; with WalkGoFiles (the tidy steps)
	// no Go file or go.mod of the tree may be a link out of it.
	SrcDir      string   `json:"srcDir,omitempty"`
	TreeFiles   []string `json:"treeFiles,omitempty"`
	WalkGoFiles bool     `json:"walkGoFiles,omitempty"`
}

// SecretOwner is the user and group that own the secret mounts of the
// networked steps (mode 0400). No process of a step runs as this user: the
// step helper reads the secrets as root with its capabilities, and the go
// command, run as root without them, cannot.
const SecretOwner = 65533

// Secret names the networked steps read.
const (
	SecretNetrc   = "netrc"
	SecretCACert  = "cacert"
	SecretGOPROXY = goenv.GOPROXY
	// SecretGitTokenPrefix + host is BuildKit's name for a git token.
	SecretGitTokenPrefix = "GIT_AUTH_TOKEN."
)

// Diag is what the diagnosis knows besides the step's env.
type Diag struct {
	// Settings name where each go setting came from; their values are read
	// from the step's env, so that no value is written twice.
	Settings []goenv.Setting `json:"settings,omitempty"`
	// GoVersion is the builder's Go version, GoModGo the go line of go.mod.
	GoVersion string `json:"goVersion,omitempty"`
	GoModGo   string `json:"goModGo,omitempty"`
	// GitHost and SSHHost are the first git hosts with tokens or SSH.
	GitHost string `json:"gitHost,omitempty"`
	SSHHost string `json:"sshHost,omitempty"`
}

// RecordFile is the download record's file name in Record.Dir.
const RecordFile = "record"

// Record is the download record.
type Record struct {
	// Files are the dependency files (go.mod, go.sum, go.work...) relative
	// to SrcDir; the record is the hash of their contents.
	Files []string `json:"files"`
	// SrcDir is the context root in the step.
	SrcDir string `json:"srcDir"`
	// Dir is the download step's output directory holding the record file
	// (mounted read-only in the offline steps).
	Dir string `json:"dir"`
	// Markers is the directory in the shared module cache mount where the
	// download step leaves a marker per record; "" when the module cache is
	// in the download step's layer (nothing to lose).
	Markers string `json:"markers,omitempty"`
}

// BuildOpts are the compile step's.
type BuildOpts struct {
	// Name of the binary, Main the package (relative to the module dir),
	// Output the file go build writes.
	Name   string `json:"name"`
	Main   string `json:"main"`
	Output string `json:"output"`
	// Seed is the dependency build cache (cache.build: layer) to copy into
	// an empty GOCACHE, "" for none.
	Seed string `json:"seed,omitempty"`
	// Cgo is set when the Gopherfile leaves cgo unset: the step builds
	// without cgo unless the binary needs it, and then with Cgo's args.
	Cgo *CgoOpts `json:"cgo,omitempty"`
}

// CgoOpts say how a binary that needs cgo is built when the Gopherfile
// leaves cgo unset.
type CgoOpts struct {
	// Args are the go command's arguments with cgo (linked statically).
	Args []string `json:"args"`
	// CC is the C compiler of a cross build (the Gopherfile's cc), "" on
	// the build platform.
	CC string `json:"cc,omitempty"`
	// NoCC names the target platform when it is not the build platform and
	// cc names no C compiler for it: the binary cannot be built with cgo.
	NoCC string `json:"noCC,omitempty"`
}

// TestOpts are the test step's.
type TestOpts struct {
	// MaxOutput bounds the test output kept per test and in total.
	MaxOutput int `json:"maxOutput"`
}

// DepsOpts are the dependency list and compile steps'.
type DepsOpts struct {
	// List is the package list file: written by list-deps, read by build-deps.
	List string `json:"list"`
	// Cache is the build cache the dependency compile step fills.
	Cache string `json:"cache,omitempty"`
}

// Encode returns c as the value of Env.
func (c *Config) Encode() string {
	dt, err := json.Marshal(c)
	if err != nil {
		panic(err) // a Config is plain data
	}
	return string(dt)
}

// FromEnv reads the Config of the running step.
func FromEnv() (*Config, error) {
	v, ok := os.LookupEnv(Env)
	if !ok {
		return nil, fmt.Errorf("%s is not set: the step helper runs only inside a Gopherfile build step", Env)
	}
	var c Config
	if err := json.Unmarshal([]byte(v), &c); err != nil {
		return nil, fmt.Errorf("reading %s: %w", Env, err)
	}
	return &c, nil
}

// Setting returns the origin record of a setting, if the config has one.
func (d Diag) Setting(name string) (goenv.Setting, bool) {
	for _, s := range d.Settings {
		if s.Name == name {
			return s, true
		}
	}
	return goenv.Setting{}, false
}

// Files of the test step's output.
const (
	TestJSON    = "test.json"
	TestStderr  = "test.stderr"
	TestExit    = "exitcode"
	TestJUnit   = "junit.xml"
	TestText    = "test.txt"
	TestSummary = "summary.json"
)

// Summary is what the test step tells the frontend (summary.json): small
// enough to read through the gateway, whatever the tests printed.
type Summary struct {
	ExitCode int    `json:"exitCode"`
	Summary  string `json:"summary"`
	// Failures is the bounded output of the failed tests.
	Failures string `json:"failures,omitempty"`
	// Stderr is the bounded standard error of go test (build errors).
	Stderr string `json:"stderr,omitempty"`
	// Diagnosis explains a failure of the go command itself.
	Diagnosis string `json:"diagnosis,omitempty"`
}
