// Package stepconfig is the contract between the graph (package llb), which
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
	ModView   Kind = "modview"    // copies the build's modules from the shared module cache, verified against go.sum
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
	StageModView  = "module view"
)

// ExitCacheLost is the exit code of an offline step that finds the module
// cache mount without the modules the download step recorded (BuildKit
// garbage-collected or pruned the cache mount after the download step's
// result was cached). The frontend then runs the download step again and
// retries. It is EX_TEMPFAIL, which the go command never uses.
const ExitCacheLost = 75

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

	Build *BuildOpts `json:"build,omitempty"`
	Test  *TestOpts  `json:"test,omitempty"`
	Deps  *DepsOpts  `json:"deps,omitempty"`

	// Cache says which build caches the step writes and reads; nil for a
	// step without one.
	Cache *Cache `json:"cache,omitempty"`
	// ModView is the module view step's.
	ModView *ModViewOpts `json:"modView,omitempty"`
}

// Cache is how a go step uses the build cache (docs/caches.md). GOCACHE is
// Dir. When Read or Also is set, the step helper is also GOCACHEPROG
// (`<helper> step cacheprog`, Go 1.24 and newer): gets look in Dir, then in
// each of Read; puts go to Dir (and Also). Go before 1.24 ignores
// GOCACHEPROG and uses Dir alone.
type Cache struct {
	// Dir is the cache the step writes.
	Dir string `json:"dir"`
	// Read are caches the step only reads, mounted read-only.
	Read []string `json:"read,omitempty"`
	// Copy copies what the step finds in Read into Dir (the dependency
	// compile step, whose output must hold everything it used).
	Copy bool `json:"copy,omitempty"`
	// Also is a cache every put goes to besides Dir ("" for none).
	Also string `json:"also,omitempty"`
	// Note says for the step's log which caches these are and why.
	Note string `json:"note,omitempty"`
}

// CacheProgArg is the helper's argument (after Arg) that makes it the go
// command's GOCACHEPROG.
const CacheProgArg = "cacheprog"

// ModViewOpts are the module view step's.
type ModViewOpts struct {
	// Src is the shared module cache (mounted read-only), Dst the view.
	Src string `json:"src"`
	Dst string `json:"dst"`
	// SumFiles are the go.sum and go.work.sum files, relative to the
	// record's SrcDir.
	SumFiles []string `json:"sumFiles"`
	// Toolchains are golang.org/toolchain versions to copy too, checked
	// against their own .ziphash (GOTOOLCHAIN is not local: the go
	// command may switch to one of them).
	Toolchains []string `json:"toolchains,omitempty"`
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
	// Helper is the path of the helper binary, for git's credential helper.
	Helper string `json:"helper"`
}

// Secret names the networked steps read.
const (
	SecretNetrc   = "netrc"
	SecretCACert  = "cacert"
	SecretGOPROXY = "GOPROXY"
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
