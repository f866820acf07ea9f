package main

// repo is one program of the corpus, fetched from the module proxy at a
// pinned version.
type repo struct {
	// Name is the short name used by -repos and in the table.
	Name string
	// Module and Version are the main module.
	Module, Version string
	// Workspace lists more modules of the same repository (at the same
	// version), each put in its directory; a go.work that uses them all is
	// written at the root, the main module going to Dir. Empty for a
	// single-module repository.
	Dir       string
	Workspace []wsModule
	// Vendor runs `go mod vendor` after the fetch: the repository vendors its
	// dependencies, and module zips leave vendor/ out.
	Vendor bool
	// Args run the entrypoint to print its version; Expect is a regexp its
	// output must match.
	Args   []string
	Expect string
	// BareExpect replaces Expect for the build with `version: 1` alone when
	// the output differs there (Expect may follow ldflags that init wrote).
	BareExpect string
	// Covers says what the corpus needs it for.
	Covers string
	// Subset: it is in the three-repo subset of `make test`.
	Subset bool
}

// wsModule is another module of a workspace repository.
type wsModule struct{ Module, Dir string }

// corpus is the list. Versions are pinned; nothing of theirs is committed.
var corpus = []repo{
	{Name: "fzf", Module: "github.com/junegunn/fzf", Version: "v0.65.2", Args: []string{"--version"}, Expect: `^dev`, BareExpect: `^0\.65 `,
		Covers: "root main; old go line (go 1.20); .goreleaser.yml (its ldflags -X main.version={{.Version}} make --version print dev without --build-arg VERSION); .tool-versions with Go 1.20 (too old for the tidy check)"},
	{Name: "shfmt", Module: "mvdan.cc/sh/v3", Version: "v3.14.1", Args: []string{"--version"}, Expect: `\S`,
		Covers: "cmd/shfmt and cmd/gosh, no cmd/<module name>: the README's go install picks shfmt"},
	{Name: "litestream-0.3", Module: "github.com/benbjohnson/litestream", Version: "v0.3.14", Args: []string{"version"}, Expect: `\S`, Subset: true,
		Covers: "cgo SQLite (github.com/mattn/go-sqlite3); go 1.21; Dockerfile FROM golang:1.21.3 (too old for the tidy check)"},
	{Name: "litestream", Module: "github.com/benbjohnson/litestream", Version: "v0.5.18", Args: []string{"version"}, Expect: `\S`,
		Covers: "toolchain line go1.26.10; .goreleaser.yml with CGO_ENABLED=0 next to a cgo VFS main; _examples"},
	{Name: "node_exporter", Module: "github.com/prometheus/node_exporter", Version: "v1.12.1", Args: []string{"--version"}, Expect: `node_exporter, version`,
		Covers: ".promu.yml (binaries, ldflags, go version); tools/ main"},
	{Name: "statsd_exporter", Module: "github.com/prometheus/statsd_exporter", Version: "v0.31.0", Args: []string{"--version"}, Expect: `statsd_exporter, version`,
		Covers: ".promu.yml without binaries (promu's default)"},
	{Name: "nats-server", Module: "github.com/nats-io/nats-server/v2", Version: "v2.15.3", Args: []string{"--version"}, Expect: `v2\.15\.3`,
		Covers: "toolchain line go1.26.11; .goreleaser.yml; module path with /v2"},
	{Name: "crane", Module: "github.com/google/go-containerregistry", Version: "v0.22.1", Args: []string{"version"}, Expect: `\S`,
		Covers: "cmd/crane, cmd/gcrane, cmd/registry, no cmd/<module name>: .goreleaser.yml builds crane and gcrane (and a krane that is a module of its own); toolchain line go1.26.6"},
	{Name: "yq", Module: "github.com/mikefarah/yq/v4", Version: "v4.54.3", Args: []string{"--version"}, Expect: `v4\.54\.3`,
		Covers: "root main next to examples/; .goreleaser.yaml; Dockerfile FROM golang:1.27.2"},
	{Name: "task", Module: "github.com/go-task/task/v3", Version: "v3.54.0", Args: []string{"--version"}, Expect: `\S`,
		Covers: "cmd/task with cmd/release, cmd/sleepit and testdata mains; .goreleaser.yml; CI go-version"},
	{Name: "age", Module: "filippo.io/age", Version: "v1.3.2", Args: []string{"--version"}, Expect: `\S`, Subset: true,
		Covers: "cmd/age with 7 other mains (cmd/age-keygen, extra/, internal/); toolchain line go1.27.0"},
	{Name: "gojq", Module: "github.com/itchyny/gojq", Version: "v0.12.18", Args: []string{"--version"}, Expect: `0\.12\.18`,
		Covers: "cmd/gojq next to _tools/; CI go-version (v0.12.20 needs a github.com/itchyny/go-yaml version that this machine's module proxy refuses with 403, so the corpus pins v0.12.18)"},
	{Name: "esbuild", Module: "github.com/evanw/esbuild", Version: "v0.28.2", Args: []string{"--version"}, Expect: `0\.28\.2`, Subset: true,
		Covers: "old go line (go 1.13), no dependencies; cmd/esbuild"},
	{Name: "runc", Module: "github.com/opencontainers/runc", Version: "v1.5.3", Vendor: true, Args: []string{"--version"}, Expect: `runc version`,
		Covers: "vendored tree (vendor/ restored with go mod vendor: module zips leave it out); cgo in the module's own package (libcontainer/nsenter); tests/cmd mains"},
	{Name: "mockgen", Module: "go.uber.org/mock", Version: "v0.6.0", Args: []string{"--version"}, Expect: `\S`,
		Covers: "the program in mockgen/ (not cmd/); .goreleaser.yml; CI go-version 1.23"},
	{Name: "ko", Module: "github.com/google/ko", Version: "v0.19.1", Args: []string{"version"}, Expect: `\S`,
		Covers: ".goreleaser.yml main ./main.go and .ko.yaml (build without main); root main"},
	{Name: "restic", Module: "github.com/restic/restic", Version: "v0.10.0", Args: []string{"version"}, Expect: `restic 0\.10\.0`,
		Covers: "old go line (go 1.13, 2020 dependencies); build.go at the root is a main only with the tag ignore_build_go; cmd/restic; helpers/ mains"},
	{Name: "gum", Module: "github.com/charmbracelet/gum", Version: "v0.17.0", Args: []string{"--version"}, Expect: `\S`,
		Covers: "toolchain line go1.24.1; .goreleaser.yml whose builds come from a remote include (so the ranking decides)"},
	{Name: "coredns", Module: "github.com/coredns/coredns", Version: "v1.15.0", Args: []string{"-version"}, Expect: `CoreDNS-1\.15\.0`,
		Covers: "root main next to //go:build ignore generators in the same directory; .go-version 1.27.3; 210 requirements"},
	{Name: "etcdctl", Module: "go.etcd.io/etcd/etcdctl/v3", Version: "v3.7.3", Dir: "etcdctl", Args: []string{"version"}, Expect: `etcdctl version: 3\.7\.3`,
		Workspace: []wsModule{
			{"go.etcd.io/etcd/api/v3", "api"},
			{"go.etcd.io/etcd/client/pkg/v3", "client/pkg"},
			{"go.etcd.io/etcd/client/v3", "client/v3"},
			{"go.etcd.io/etcd/pkg/v3", "pkg"},
		},
		Covers: "multi-module repository assembled from its published modules with a go.work; etcdctl's go.mod replaces ../api, ../client/pkg, ../client/v3, ../pkg; toolchain line go1.26.10"},
	{Name: "cosign", Module: "github.com/sigstore/cosign/v3", Version: "v3.1.3", Args: []string{"version"}, Expect: `GitVersion:`,
		Covers: "release config with hook-dependent builds: .goreleaser.yml's CGO_ENABLED=0 build next to two pivkey,pkcs11key builds whose hooks.pre apt-get install libpcsclite-dev (init writes them commented out, with what to add); those tags pull in github.com/miekg/pkcs11, whose types exist only with cgo; .ko.yaml; Dockerfile FROM golang:1.26.5"},
	{Name: "boulder", Module: "github.com/letsencrypt/boulder", Version: "v0.20261117.0", Args: []string{"--version"}, Expect: `GoVersion:go1\.`,
		Covers: "a dependency with types only with cgo: cmd/boulder imports github.com/letsencrypt/pkcs11key, which uses github.com/miekg/pkcs11 (the build without cgo fails with undefined: pkcs11.Ctx, and is built again with cgo, linked statically; on the minimal root the compile stops and runs again in golang:<go>, which has gcc); go line 1.27.0, newer than the host's Go (the corpus fetches with GOTOOLCHAIN=auto); CI go-version in a matrix"},
}
