// Package spec defines the Gopherfile format: the YAML a user writes, its defaults
// and its validation. The types here, with their doc comments, are the single source
// for the reference in docs/reference.md and the JSON schema (see cmd/gfdocs).
//
// Parse never panics: every problem is an *Error that names the line and column of
// the Gopherfile and says what to do.
package spec

// Spec is a whole Gopherfile.
type Spec struct {
	// Version of the Gopherfile format. Required; the only version is 1.
	Version int `yaml:"version" json:"version"`

	// Go is the Go version of the go steps, e.g. "1.26" (its newest release
	// this frontend knows) or "1.26.8". A pure Go build runs it as the Go
	// toolchain from the module proxy (golang.org/toolchain, verified); a
	// build that needs a C compiler or git runs in golang:<go>. Default:
	// the toolchain line of go.work or go.mod, else the newest release this
	// frontend knows of the go line's minor (go 1.25.0: 1.25.x; never older
	// than Go 1.23 when the tidy check runs), else the newest Go it knows.
	// The build arg GO_VERSION overrides it.
	Go GoVersion `yaml:"go,omitempty" json:"go,omitempty"`

	// Builder is the image that runs the go commands. Default: none for a
	// pure Go build (the Go toolchain from the module proxy, on a minimal root
	// the frontend writes), golang:<go> for one that needs a C compiler or
	// git (cgo, direct version-control fetches). Naming an image always runs
	// the go steps in it. The build arg BUILDER_IMAGE overrides it.
	Builder string `yaml:"builder,omitempty" json:"builder,omitempty"`

	// Module is the directory of the main module's go.mod, relative to the build
	// context (for a module in a subdirectory of a monorepo). Default: ".".
	Module string `yaml:"module,omitempty" json:"module,omitempty"`

	// Platforms to build when --platform is not given, e.g. [linux/amd64, linux/arm64].
	// Default: the platform of the builder (buildkitd). Each is listed once.
	Platforms []Platform `yaml:"platforms,omitempty" json:"platforms,omitempty"`

	// Env is set for every go command (download, tidy, test and build), e.g.
	// CGO_ENABLED: "1", GOFLAGS: "-tags=netgo" or GOEXPERIMENT: "...". It never
	// reaches the runtime image. GOMAXPROCS here also sets how many modules
	// go mod download and the tidy check fetch at once (16 when it is not
	// set). Reserved, and refused here: names starting
	// with GOPHERFILE_; what the build steps set (HOME, GOMODCACHE, GOCACHE,
	// GOCACHEPROG, GOROOT, GOENV, GIT_TERMINAL_PROMPT, GIT_CONFIG_GLOBAL,
	// SSH_AUTH_SOCK);
	// the module download settings (GOPROXY, GOPRIVATE, GONOPROXY, GONOSUMDB,
	// GOSUMDB, GOINSECURE, GOAUTH, GOTOOLCHAIN), which go in modules:; the
	// target platform (GOOS, GOARCH, GOARM, GOAMD64), which comes from
	// platforms: or --platform; the download step's credentials (NETRC,
	// SSL_CERT_FILE, GIT_SSL_CAINFO, GIT_SSH_COMMAND), which come from
	// secrets and modules:; HTTP proxies (HTTP_PROXY, HTTPS_PROXY,
	// NO_PROXY, ALL_PROXY, FTP_PROXY, in either case), which are build args;
	// and what would change the programs that run next to the build's
	// secrets (docs/security.md lists them with the reasons): PATH, LD_*,
	// GIT_*, SSH_*, CURL_*, OPENSSL_*, GNUTLS_*, MALLOC_*, SSL_CERT_DIR,
	// SSLKEYLOGFILE, BASH_ENV, ENV, SHELLOPTS, BASHOPTS, XDG_CONFIG_HOME,
	// XDG_CONFIG_DIRS, GOVCS and glibc's GCONV_PATH, GETCONF_DIR,
	// HOSTALIASES, LOCALDOMAIN, RES_OPTIONS, RESOLV_HOST_CONF, LOCPATH,
	// NLSPATH and NIS_PATH. A build's own env: (builds[].env) may set these
	// last ones: it reaches that build's compile step only.
	Env map[string]string `yaml:"env,omitempty" json:"env,omitempty"`

	// CGO builds with cgo (CGO_ENABLED=1) when true, dynamically linked with
	// the builder's C compiler (the go steps then run in golang:<go>); the
	// default runtime base then becomes
	// gcr.io/distroless/base-debian12:nonroot (glibc). Cross-compiling with
	// cgo needs a C cross compiler in cc. When false, never with cgo. When
	// unset (and env sets no CGO_ENABLED), each binary is built without cgo
	// unless it needs it (a package with Go files only with cgo, a package
	// whose names the build uses are declared only in its cgo files such as
	// github.com/miekg/pkcs11, or a dependency known to need it such as
	// github.com/mattn/go-sqlite3); then it is built with cgo, linked
	// statically (tags netgo,osusergo), in golang:<go>, so that it still runs
	// on the default static base.
	CGO *bool `yaml:"cgo,omitempty" json:"cgo,omitempty"`

	// CC names the C cross compiler per target platform for cgo builds, e.g.
	// {linux/arm64: aarch64-linux-gnu-gcc} or {linux/arm64: "zig cc -target
	// aarch64-linux-gnu"}. The builder image must have it.
	CC map[string]string `yaml:"cc,omitempty" json:"cc,omitempty"`

	// Tidy is the go.mod check: "check" (default) runs `go mod tidy -diff` and fails
	// the build with the diff when go.mod or go.sum is not tidy; "off" skips it.
	// For vendored modules and go.work workspaces the default is off (go mod tidy
	// needs the network there and ignores go.work), and for a go.mod whose go
	// line is older than 1.17 (today's go mod tidy keeps fewer go.sum lines than
	// the Go such a module was tidied with; the build warns that the check is off).
	Tidy TidyMode `yaml:"tidy,omitempty" json:"tidy,omitempty"`

	// Builds lists the binaries to build. Default: one binary from the main
	// package at the module root, or from cmd/<last element of the module
	// path> when the root is no main package, named after the module path.
	// Each build is also a target: --target <name> builds an image holding
	// only that binary, as its entrypoint, with the same base, user, env,
	// labels and files (one image per binary, like ko build ./cmd/<name>).
	// A build may therefore not be named like a fixed target (image,
	// binaries, deps, tidy, test, vet, vulncheck).
	Builds []Build `yaml:"builds,omitempty" json:"builds,omitempty"`

	// Sources copies named build contexts into the source tree before go
	// generate, the tidy check, the tests and the compile: web assets built
	// by another bake target (contexts = { web = "target:web" }) or a folder
	// (--build-context web=./ui/dist) end up where //go:embed expects them.
	// A context the build is not given fails with the flag to add.
	Sources []Source `yaml:"sources,omitempty" json:"sources,omitempty"`

	// Generate lists package patterns, e.g. ["./..."], to run go generate on
	// after the sources are in and before the tidy check, the tests and the
	// compile. It runs offline (no network, GOPROXY=off) with the module
	// cache the download step filled, mounted read-only: generators declared
	// as tools in go.mod (go get -tool golang.org/x/tools/cmd/stringer, then
	// //go:generate go tool stringer -type=Color) run from there. The
	// generated files feed the tidy check, the tests and the build, never the
	// build context; the step is cached by the sources. Default: none (go
	// generate does not run).
	Generate []string `yaml:"generate,omitempty" json:"generate,omitempty"`

	// Image configures the runtime image.
	Image Image `yaml:"image,omitempty" json:"image,omitempty"`

	// Cache configures where the module cache lives between builds.
	Cache Cache `yaml:"cache,omitempty" json:"cache,omitempty"`

	// Test configures the test target (go test) and the vet target (go vet).
	Test Test `yaml:"test,omitempty" json:"test,omitempty"`

	// Vulncheck runs govulncheck over the binaries' packages in the image
	// build too (the vulncheck target always runs it): reachable
	// vulnerabilities fail the build (fail) or are reported (report).
	Vulncheck Vulncheck `yaml:"vulncheck,omitempty" json:"vulncheck,omitempty"`

	// Modules configures how go mod download fetches modules: proxies, private
	// modules, checksum database, credentials and retries. A build arg with the Go
	// name of a setting (e.g. --build-arg GOPROXY=...) overrides it for one build.
	Modules Modules `yaml:"modules,omitempty" json:"modules,omitempty"`
}

// Modules is how modules are downloaded. Unset settings keep the builder image's
// values (for the official golang image: the go command's defaults).
type Modules struct {
	// Proxy is GOPROXY: proxy URLs separated by "," (the next is tried on 404 or
	// 410 only) or "|" (on any error), "direct" for version control, "off" to
	// forbid downloads. Build arg: GOPROXY.
	Proxy string `yaml:"proxy,omitempty" json:"proxy,omitempty"`

	// Private is GOPRIVATE: module path patterns (globs on path prefixes, e.g.
	// github.com/acme/*) fetched directly and never checked against the public
	// checksum database. It is the default of noproxy and nosumdb. Build arg: GOPRIVATE.
	Private []string `yaml:"private,omitempty" json:"private,omitempty"`

	// NoProxy is GONOPROXY: patterns fetched directly, not through the proxy.
	// Build arg: GONOPROXY.
	NoProxy []string `yaml:"noproxy,omitempty" json:"noproxy,omitempty"`

	// NoSumDB is GONOSUMDB: patterns not checked against the checksum database.
	// Use it for private paths only. Build arg: GONOSUMDB.
	NoSumDB []string `yaml:"nosumdb,omitempty" json:"nosumdb,omitempty"`

	// SumDB is GOSUMDB: the checksum database, e.g. sum.golang.org or
	// "sum.golang.org https://sum.mirror.example". "off" disables verification
	// (warned about). Build arg: GOSUMDB.
	SumDB string `yaml:"sumdb,omitempty" json:"sumdb,omitempty"`

	// Insecure is GOINSECURE: patterns fetched over plain HTTP or unverified TLS
	// for direct fetches (checksums are still verified). Build arg: GOINSECURE.
	Insecure []string `yaml:"insecure,omitempty" json:"insecure,omitempty"`

	// Auth is GOAUTH: "netrc" (the default), "git DIR", "off" or a command.
	// Build arg: GOAUTH.
	Auth string `yaml:"auth,omitempty" json:"auth,omitempty"`

	// Toolchain is GOTOOLCHAIN. Default "local": a go.mod that needs a newer Go
	// than the builder fails with a clear message; "auto" lets the go command
	// download the toolchain go.mod asks for. Build arg: GOTOOLCHAIN.
	Toolchain string `yaml:"toolchain,omitempty" json:"toolchain,omitempty"`

	// Retries is how many times one request to a module proxy is retried
	// after a transient failure (a connection error or reset, a timeout, a
	// body that stops arriving for 30s, 5xx, or 429 after its Retry-After),
	// the first two at once (0 and 10ms: one bad backend of a proxy is
	// usually gone on the next request), then with exponential backoff
	// (0.2s doubling to 8s) and jitter; a 429 always backs off: 0 to 20.
	// go mod download itself runs once; a failed direct fetch from version
	// control (which no proxy sees) re-runs the command, as often. Default 6;
	// 0 disables retries.
	Retries *RetryCount `yaml:"retries,omitempty" json:"retries,omitempty"`

	// Timeout is the deadline of each networked module step (go mod download,
	// and the tidy check), retries included: a Go duration, default 5m. The
	// go command sets no timeout on its requests; Gopherfile also gives each
	// request 10s to connect, 60s for the response headers and 30s of
	// silence in the body.
	Timeout Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`

	// Netrc says whether the secret "netrc" (--secret id=netrc,src=$HOME/.netrc)
	// holds credentials for private proxies and HTTPS git: "optional" (default),
	// "required" (the build fails without it) or "off".
	Netrc SecretMode `yaml:"netrc,omitempty" json:"netrc,omitempty"`

	// CACert says whether the secret "cacert" (--secret id=cacert,src=ca.pem) is
	// a CA bundle to trust, for TLS-intercepting corporate proxies: "optional"
	// (default), "required" or "off". It is used by the go command and git.
	CACert SecretMode `yaml:"cacert,omitempty" json:"cacert,omitempty"`

	// GitHosts are hosts whose HTTPS git fetches use a token from the secret
	// GIT_AUTH_TOKEN.<host> (--secret id=GIT_AUTH_TOKEN.github.com,env=TOKEN).
	// Default: the hosts named by private.
	GitHosts []string `yaml:"gitHosts,omitempty" json:"gitHosts,omitempty"`

	// SSH forwards the SSH agent (--ssh default) for git@ modules: "off"
	// (default), "optional" or "required". With it, HTTPS URLs of sshHosts are
	// rewritten to git@ URLs.
	SSH SecretMode `yaml:"ssh,omitempty" json:"ssh,omitempty"`

	// SSHHosts are the git hosts reached over SSH when ssh is on. Default: the
	// hosts named by private.
	SSHHosts []string `yaml:"sshHosts,omitempty" json:"sshHosts,omitempty"`

	// KnownHosts are known_hosts lines (public host keys) for the SSH git hosts,
	// one line per item (ssh-keyscan HOST prints them), on top of the keys
	// Gopherfile knows for github.com, gitlab.com and bitbucket.org.
	KnownHosts []string `yaml:"knownHosts,omitempty" json:"knownHosts,omitempty"`

	// SSHUnknownHosts is what git over SSH does with a host whose key is
	// neither one of the keys Gopherfile knows for github.com, gitlab.com and
	// bitbucket.org nor in knownHosts: "refuse" (default) or "accept-new"
	// (take the key on first use; the step starts with no known keys in every
	// build, so a machine between the builder and the host could answer in
	// its place).
	SSHUnknownHosts UnknownHosts `yaml:"sshUnknownHosts,omitempty" json:"sshUnknownHosts,omitempty"`
}

// Build is one binary.
type Build struct {
	// Name of the binary: a plain file name of letters, digits, ".", "_" and
	// "-". Default: the last element of main (or of the module path, for the
	// module root), without a /vN suffix. It is also the --target that
	// builds the image of this binary alone, so it may not be a fixed target
	// (image, binaries, deps, tidy, test, vet, vulncheck): a main like ./cmd/test needs
	// a name.
	Name string `yaml:"name,omitempty" json:"name,omitempty"`

	// Main is the main package, as a path relative to the module root, e.g.
	// "./cmd/server", inside the module, of letters, digits and "/", ".", "_",
	// "-", "~", "+". Default: ".".
	Main string `yaml:"main,omitempty" json:"main,omitempty"`

	// Output is where the binary goes in the image: a clean absolute path, of
	// letters, digits and "/", ".", "_", "-", "~", "+", that is not a directory
	// or a file the base image or Gopherfile needs (/, /tmp, /etc,
	// /usr/local/bin, /etc/passwd, ...). Default: /usr/local/bin/<name>.
	Output string `yaml:"output,omitempty" json:"output,omitempty"`

	// Ldflags passed to go build with -ldflags, e.g. "-s -w -X main.version={{.Version}}".
	// It is a Go template with .Version (build arg VERSION, else "dev"), .Commit
	// (the git revision BuildKit reports for the context, else build arg
	// COMMIT), .ShortCommit (its first 7 characters), .Date
	// (SOURCE_DATE_EPOCH as RFC 3339, else empty), .Os, .Arch and .Variant
	// (the target platform of this compile, e.g. linux, arm64 and "", or
	// linux, arm and v7) and {{.Arg "NAME"}} (any build arg), with if/else,
	// eq/ne/and/or/not, print
	// and printf (widths and precisions up to 999); no range, with, define or
	// variables. A value with whitespace, quotes
	// or control characters is refused, since it would split the flag or add
	// linker flags of its own; the expanded ldflags is at most 64 KiB.
	Ldflags string `yaml:"ldflags,omitempty" json:"ldflags,omitempty"`

	// Tags are build tags, passed with -tags.
	Tags []string `yaml:"tags,omitempty" json:"tags,omitempty"`

	// Gcflags passed to go build with -gcflags.
	Gcflags string `yaml:"gcflags,omitempty" json:"gcflags,omitempty"`

	// Flags are extra go build flags, e.g. ["-race"] or ["-pgo=off"].
	Flags []string `yaml:"flags,omitempty" json:"flags,omitempty"`

	// Strip links without the symbol table and DWARF debug information
	// (-ldflags="-s -w" in front of ldflags): about 30% smaller binaries and
	// faster links; panics still print full stack traces and pprof still
	// symbolizes. Set false to keep them for a debugger or core dumps.
	// Default true.
	Strip *bool `yaml:"strip,omitempty" json:"strip,omitempty"`

	// Env is set for this binary's go build only, on top of the top-level env.
	// The reserved names of env are refused here too, and so is GOFLAGS (the
	// build's own flags replace it): use flags: instead.
	Env map[string]string `yaml:"env,omitempty" json:"env,omitempty"`
}

// Source is a named build context copied into the source tree.
type Source struct {
	// Context is the name of a build context: --build-context NAME=DIR or
	// NAME=docker-image://REF with docker buildx build, contexts = { NAME =
	// "target:web" } in a bake file. Letters, digits, ".", "_", "-" and "/".
	Context string `yaml:"context" json:"context"`

	// Dst is where its files go: a directory relative to the build context
	// root (not to module:), inside it, e.g. web/dist. The context's content
	// is copied into it, over what the build context has there.
	Dst string `yaml:"dst" json:"dst"`
}

// Image is the runtime image.
type Image struct {
	// Base is the runtime base image, or "scratch". Default: the built-in
	// static base, which the frontend writes itself (nothing is pulled): the
	// layout of gcr.io/distroless/static-debian12:nonroot (CA certificates,
	// the time zones, /etc/passwd and /etc/group with nonroot 65532, /tmp,
	// /home/nonroot; user 65532, workdir /home/nonroot), every file dated
	// SOURCE_DATE_EPOCH or 1970; with cgo: true,
	// gcr.io/distroless/base-debian12:nonroot (glibc).
	Base string `yaml:"base,omitempty" json:"base,omitempty"`

	// Entrypoint of the image; its first element is the program, not empty.
	// Default: the first binary.
	Entrypoint []string `yaml:"entrypoint,omitempty" json:"entrypoint,omitempty"`

	// Cmd is the default arguments to the entrypoint.
	Cmd []string `yaml:"cmd,omitempty" json:"cmd,omitempty"`

	// Env is set in the runtime image, on top of the base image's env.
	Env map[string]string `yaml:"env,omitempty" json:"env,omitempty"`

	// User the container runs as. Default: the base image's user, or 65532 (nonroot)
	// when the base sets none.
	User string `yaml:"user,omitempty" json:"user,omitempty"`

	// Workdir is the working directory of the container. Default: the base image's.
	Workdir string `yaml:"workdir,omitempty" json:"workdir,omitempty"`

	// Labels are added to the image config, on top of the base image's labels.
	Labels map[string]string `yaml:"labels,omitempty" json:"labels,omitempty"`

	// Expose lists the ports the container listens on, e.g. ["8080", "53/udp"].
	Expose []string `yaml:"expose,omitempty" json:"expose,omitempty"`

	// Volumes are the image's volume mount points, e.g. ["/data"].
	Volumes []string `yaml:"volumes,omitempty" json:"volumes,omitempty"`

	// StopSignal is the signal that stops the container, e.g. SIGINT.
	StopSignal string `yaml:"stopSignal,omitempty" json:"stopSignal,omitempty"`

	// Healthcheck is the container health check.
	Healthcheck *Healthcheck `yaml:"healthcheck,omitempty" json:"healthcheck,omitempty"`

	// Files are extra files or folders copied from the build context into the image.
	Files []File `yaml:"files,omitempty" json:"files,omitempty"`

	// Tzdata adds the time zone database (usr/share/zoneinfo, from the Go
	// release that builds the binaries) to the built-in static base and to
	// scratch (default true). On scratch, Gopherfile also adds what the
	// built-in base has: CA certificates, /etc/passwd and /etc/group with the
	// nonroot user 65532, /tmp and /home/nonroot.
	Tzdata *bool `yaml:"tzdata,omitempty" json:"tzdata,omitempty"`
}

// Healthcheck is a container health check, run by the container runtime.
type Healthcheck struct {
	// Cmd is the command, as a list: the binary and its arguments
	// (e.g. ["/usr/local/bin/server", "-health"]).
	Cmd []string `yaml:"cmd" json:"cmd"`

	// Interval between checks, e.g. 30s.
	Interval Duration `yaml:"interval,omitempty" json:"interval,omitempty"`

	// Timeout of one check, e.g. 5s.
	Timeout Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`

	// StartPeriod during which failures do not count, e.g. 10s.
	StartPeriod Duration `yaml:"startPeriod,omitempty" json:"startPeriod,omitempty"`

	// Retries is how many failed checks in a row make the container unhealthy.
	Retries Count `yaml:"retries,omitempty" json:"retries,omitempty"`
}

// File is a file or folder copied from the build context into the image.
type File struct {
	// Src is the path in the build context (relative, inside the context).
	Src string `yaml:"src" json:"src"`

	// Dst is the absolute path in the image. It may not be a binary's output or
	// inside one, nor a directory or file the image needs (see builds[].output).
	Dst string `yaml:"dst" json:"dst"`

	// Mode is the octal file mode, e.g. "0644"; default: as in the context.
	Mode string `yaml:"mode,omitempty" json:"mode,omitempty"`

	// Owner is uid:gid, e.g. "65532:65532"; default 0:0.
	Owner string `yaml:"owner,omitempty" json:"owner,omitempty"`
}

// Cache is where caches live.
type Cache struct {
	// Modules is "mount": the module cache is a BuildKit cache mount, shared
	// by every build on the builder (in its BUILDKIT_CACHE_MOUNT_NS) and
	// fastest on a long-lived builder; the go test, go generate and compile
	// steps read a copy of only this build's modules, verified against
	// go.sum. Or "layer": the downloaded modules are part of the download
	// step's layer, so --cache-to type=registry,mode=max / --cache-from carry
	// them to a fresh builder (ephemeral CI runners), which then runs no go
	// mod download at all; version control clones are left out, and private
	// modules in it are warned about (whoever can pull the cache can read
	// them). Or "auto" (default): "layer" when the build imports a cache
	// (--cache-from), else "mount". The build arg GOPHERFILE_MODULE_CACHE
	// overrides it.
	Modules CacheMode `yaml:"modules,omitempty" json:"modules,omitempty"`

	// Build is "mount": GOCACHE, the compiled packages, is a BuildKit cache
	// mount shared by the compile steps of every project with the same Go
	// toolchain and platform (go test and go generate have one of their own
	// per project, and only read the shared one); or "layer":
	// the standard library and every dependency package the binaries import
	// are also compiled in a step of their own whose layer keeps them (keyed
	// by the list of imported packages, so a .go edit that changes no import
	// reuses it), and --cache-to type=registry,mode=max / --cache-from carry it:
	// a fresh builder then compiles only the module's own packages. It costs a
	// `go list -deps` (a fraction of a second) on every build. Or "auto"
	// (default): "layer" when the build imports a cache (--cache-from), else
	// "mount". The build arg GOPHERFILE_BUILD_CACHE overrides it.
	Build CacheMode `yaml:"build,omitempty" json:"build,omitempty"`
}

// Test configures go test (the test target) and go vet (the vet target).
type Test struct {
	// Packages to test and vet. Default: ["./..."].
	Packages []string `yaml:"packages,omitempty" json:"packages,omitempty"`

	// Race runs the tests with the race detector (needs cgo in the builder).
	Race bool `yaml:"race,omitempty" json:"race,omitempty"`

	// Short passes -short.
	Short bool `yaml:"short,omitempty" json:"short,omitempty"`

	// Tags are build tags for the tests.
	Tags []string `yaml:"tags,omitempty" json:"tags,omitempty"`

	// Args are extra go test flags, e.g. ["-count=1", "-timeout=5m"].
	Args []string `yaml:"args,omitempty" json:"args,omitempty"`

	// Network gives the tests network access (default false: tests run offline).
	Network bool `yaml:"network,omitempty" json:"network,omitempty"`
}

// Vulncheck is govulncheck in the build: source mode over the main packages
// of the builds, for each target platform, offline, with the Go
// vulnerability database taken from the module proxy as the module
// golang.org/x/vulndb at a pinned version.
type Vulncheck struct {
	// Mode is "off" (default): the image build does not run govulncheck;
	// "report": it runs, and reachable vulnerabilities are warnings; "fail":
	// a reachable vulnerability not in allow fails the build, with its ID,
	// the vulnerable symbol, the call path from main and the fix.
	// Vulnerabilities in packages the program imports but whose vulnerable
	// code it never calls, or in modules it only requires, never fail it.
	// The vulncheck target fails on reachable ones unless mode is report.
	// The build arg VULNCHECK overrides it.
	Mode VulncheckMode `yaml:"mode,omitempty" json:"mode,omitempty"`

	// DB is the version of the module golang.org/x/vulndb (the Go
	// vulnerability database, fetched through the module proxy like any
	// module), e.g. v0.0.0-20261105234957-e22db6528018. Default: the version
	// this frontend version names; the build says its date and age. The
	// build arg VULNCHECK_DB overrides it.
	DB string `yaml:"db,omitempty" json:"db,omitempty"`

	// Govulncheck is the version of golang.org/x/vuln whose govulncheck
	// runs, built with the builder's Go. Default: the version this frontend
	// version names.
	Govulncheck string `yaml:"govulncheck,omitempty" json:"govulncheck,omitempty"`

	// Allow lists vulnerabilities that do not fail the build even when
	// reachable, each with the reason.
	Allow []VulnAllow `yaml:"allow,omitempty" json:"allow,omitempty"`
}

// VulnAllow is an accepted vulnerability.
type VulnAllow struct {
	// ID is the Go vulnerability ID (GO-2022-1059) or one of its aliases
	// (a CVE or GHSA ID).
	ID VulnID `yaml:"id" json:"id"`

	// Reason says why it is accepted (required): it is printed with the
	// finding in every build.
	Reason string `yaml:"reason" json:"reason"`
}

// Defaults used when a field is empty (see also Defaults).
const (
	// DefaultBase is the image the built-in static base stands in for: the
	// same layout (a best-practice Dockerfile uses it as its base).
	DefaultBase    = "gcr.io/distroless/static-debian12:nonroot"
	DefaultCGOBase = "gcr.io/distroless/base-debian12:nonroot"
	DefaultBinDir  = "/usr/local/bin"
	NonrootUser    = "65532"
	Scratch        = "scratch"
)
