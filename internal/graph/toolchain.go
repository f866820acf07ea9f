package graph

import (
	"time"

	bk "github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/internal/gotoolchain"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// The toolchain from the module proxy and the minimal root.
const (
	// GoRootDir is where the toolchain is mounted, read-only, in every go
	// step on the minimal root.
	GoRootDir = "/usr/local/go"
	// toolchainCacheName is the cache mount of verified toolchain zips, one
	// per builder and cache namespace (ToolchainCacheID): the fetch step
	// writes it, the toolchain step reads it and checks each zip's hash
	// again (any build may write a cache mount).
	toolchainCacheName = "gopherfile/toolchain"
	toolchainCache     = "/gopherfile/toolchain-cache"
	// stepOut is the output directory of the toolchain and root steps.
	stepOut = "/gopherfile/out"
	// MinimalRootPath is the PATH of the go steps on the minimal root.
	MinimalRootPath = GoRootDir + "/bin:" + DefaultPath
)

// helperExec runs the step helper on root with cfg, for the steps that run
// no go command of the build (toolchain, root): no source, no module cache.
func helperExec(in Inputs, root bk.State, cfg stepconfig.Config, name string, o ...bk.RunOption) bk.ExecState {
	opts := []bk.RunOption{
		bk.Args([]string{in.HelperPath, "step"}),
		bk.Dir("/"),
		bk.AddMount(HelperDir, in.Helper, bk.Readonly),
		bk.AddEnv(stepconfig.Env, cfg.Encode()),
		bk.WithCustomName(name),
	}
	return root.Run(append(opts, o...)...)
}

// MinimalRoot is the root file system of the go steps that run with the
// toolchain from the module proxy: the root step's files (passwd and group
// with root and nonroot, CA certificates, /tmp), written from scratch by
// the step helper, with PATH leading to the toolchain at GoRootDir.
func MinimalRoot(in Inputs) bk.State {
	es := helperExec(in, bk.Scratch(), stepconfig.Config{Kind: stepconfig.Root, Stage: stepconfig.StageRoot, OutDir: stepOut},
		"[root] write the minimal root (CA certificates, passwd, /tmp)",
		bk.Network(bk.NetModeNone), bk.AddMount(stepOut, bk.Scratch()))
	return es.GetMount(stepOut).AddEnv("PATH", MinimalRootPath)
}

// ToolchainCacheID is the id of the toolchain cache mount, in the cache
// namespace like every other (docs/caches.md).
func ToolchainCacheID(p *plan.Plan) string { return namespaced(p, toolchainCacheName) }

// ToolchainVersion is the golang.org/toolchain module version of the plan's
// toolchain for the build platform.
func ToolchainVersion(p *plan.Plan, in Inputs) string {
	return gotoolchain.Version(p.Toolchain.GoVersion, in.BuildPlatform.Architecture)
}

// toolchainOpts is the toolchain steps' config.
func toolchainOpts(p *plan.Plan, in Inputs, hash string) *stepconfig.ToolchainOpts {
	return &stepconfig.ToolchainOpts{Version: ToolchainVersion(p, in), Hash: hash, Cache: toolchainCache}
}

// FetchToolchain is the networked step that fetches the toolchain zip into
// the toolchain cache mount through the download step's proxies,
// credentials and retries, verified against hash ("" for the checksum
// database), unless the mount holds it already; its output holds
// stepconfig.ToolchainSum, the verified hash. Its definition carries the
// module settings; the toolchain step's does not (ToolchainTree).
func FetchToolchain(p *plan.Plan, in Inputs, hash, nonce string) bk.State {
	cfg := stepconfig.Config{Kind: stepconfig.FetchToolchain, Stage: stepconfig.StageFetchToolchain, OutDir: stepOut,
		Toolchain: toolchainOpts(p, in, hash), Net: netConfig(p, in, stepconfig.FetchToolchain), Nonce: nonce}
	cfg.Diag.GoVersion = p.Toolchain.GoVersion
	cfg.Diag.Settings = diagSettings(p, true)
	o := []bk.RunOption{
		bk.AddMount(stepOut, bk.Scratch()),
		bk.AddMount(toolchainCache, bk.Scratch(), bk.AsPersistentCacheDir(ToolchainCacheID(p), bk.CacheMountShared)),
	}
	for _, st := range p.Downloads.Settings {
		o = append(o, bk.AddEnv(st.Name, st.Value))
	}
	o = append(o, downloadOpts(p)...)
	o = append(o, ModuleNetwork(p)...)
	es := helperExec(in, MinimalRoot(in), cfg, "[toolchain] fetch "+gotoolchain.Module+"@"+cfg.Toolchain.Version, o...)
	return es.GetMount(stepOut)
}

// ToolchainTree is the toolchain, unpacked, for the build platform, from
// the verified zip in the toolchain cache mount (stepconfig.ExitToolchainMissing
// when it is not there: FetchToolchain fetches it). Its definition is the
// module version, the hash and the step helper only, so every build of that
// Go on the builder, whatever its module settings, and a registry cache on a
// fresh runner find it. nonce is "" but when BuildKit emptied the toolchain
// cache mount while the fetch step's result stayed cached: BuildKit does not
// run a step again in the build in which it failed.
func ToolchainTree(p *plan.Plan, in Inputs, hash, nonce string) bk.State {
	cfg := stepconfig.Config{Kind: stepconfig.Toolchain, Stage: stepconfig.StageToolchain, OutDir: stepOut, Toolchain: toolchainOpts(p, in, hash), Nonce: nonce}
	es := helperExec(in, bk.Scratch(), cfg, "[toolchain] go"+p.Toolchain.GoVersion+" "+in.BuildPlatform.OS+"/"+in.BuildPlatform.Architecture+" ("+hash+")",
		bk.Network(bk.NetModeNone),
		bk.AddMount(stepOut, bk.Scratch()),
		bk.AddMount(toolchainCache, bk.Scratch(), bk.AsPersistentCacheDir(ToolchainCacheID(p), bk.CacheMountShared), bk.Readonly))
	return es.GetMount(stepOut)
}

// StaticBase is the built-in static base (and the files Gopherfile adds to
// scratch): the root step's files, with the time zones of the builder's Go
// when p.Image.Tzdata, in one layer whose files carry FileTime.
func StaticBase(p *plan.Plan, in Inputs) bk.State {
	cfg := stepconfig.Config{Kind: stepconfig.Root, Stage: stepconfig.StageStaticBase, OutDir: stepOut, Root: &stepconfig.RootOpts{Zoneinfo: p.Image.Tzdata}}
	o := []bk.RunOption{bk.Network(bk.NetModeNone), bk.AddMount(stepOut, bk.Scratch())}
	if in.GoRoot != nil {
		o = append(o, in.snapshotMount(GoRootDir, *in.GoRoot))
	}
	files := helperExec(in, in.Builder, cfg, "[image] write the static base (CA certificates, time zones, passwd, /tmp)", o...).GetMount(stepOut)
	t := FileTime(p)
	return bk.Scratch().File(bk.Copy(files, "/", "/", &bk.CopyInfo{CopyDirContentsOnly: true}, bk.WithCreatedTime(t)),
		bk.WithCustomName("[image] static base, every file dated "+t.Format("2006-01-02T15:04:05Z07:00")))
}

// StaticBaseConfig is the image config of the built-in static base: that
// of a distroless static nonroot image, with a history entry that records
// where its files come from (caRoots: the module version of the CA roots
// the step helper carries) for the static base p.Image.Builtin and for
// scratch with the files Gopherfile adds.
func StaticBaseConfig(p *plan.Plan, caRoots string, created time.Time) *dockerspec.DockerOCIImage {
	img := &dockerspec.DockerOCIImage{}
	if p.Image.Builtin {
		img.Config.Env = []string{"PATH=" + DefaultPath, "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"}
		img.Config.User = "65532"
		img.Config.WorkingDir = "/home/nonroot"
	}
	what := "CA certificates (golang.org/x/crypto/x509roots/fallback " + caRoots + ")"
	if p.Image.Tzdata {
		what += ", time zones (lib/time/zoneinfo.zip of Go " + p.GoVersion + ")"
	}
	t := created.UTC()
	img.History = []ocispecs.History{{Created: &t, CreatedBy: "gopherfile: built-in static base: " + what + ", /etc/passwd and /etc/group with nonroot 65532, /tmp, /home/nonroot", Comment: "gopherfile.v1"}}
	return img
}
