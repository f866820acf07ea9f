// Package llb turns a plan into the BuildKit LLB graph of a Go image build:
// deps (go mod download on a persistent cache mount, seeing only go.mod/go.sum),
// tidy (go mod tidy -diff), compile (go build per binary, cross-compiled, network
// off) and image (runtime base plus binaries). It is pure: it builds llb.State
// values and image configs and never talks to a daemon.
//
// Every go step runs the step helper (package step, mounted read-only from
// the frontend image or the CLI) with its Config (package stepconfig) in the
// env; goStep and Graph.run are the one place that builds a go step's argv,
// env, GOFLAGS, network and mounts. Nothing is run through a shell.
package llb

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"strconv"
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
	// Helper is the step helper's file system, mounted at HelperDir in every
	// go step; HelperPath is the helper binary's path there.
	Helper     bk.State
	HelperPath string
	// Recovery is set when the build runs again because an offline step found
	// the module cache mount without the recorded modules
	// (stepconfig.ExitCacheLost); it comes with a Nonce.
	Recovery bool
	// Nonce, when set, goes into every go step's Config, so that every step
	// runs again (--no-cache, a recovery) without BuildKit's IgnoreCache.
	Nonce string
	// Location attaches a Gopherfile location (a spec field path) to a step so
	// that its failure points at the right line. It may be nil.
	Location func(field string) bk.ConstraintsOpt
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

func (in Inputs) opts(name, field string) []bk.RunOption {
	o := []bk.RunOption{bk.WithCustomName(name)}
	if in.Location != nil {
		o = append(o, in.Location(field))
	}
	return o
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

// Image puts the binaries on the runtime base: one layer with every binary at its
// output path (mode 0755, owned by root), the extra files, and on scratch the CA
// certificates, time zones, passwd/group with the nonroot user and /tmp.
func Image(p *plan.Plan, in Inputs, base, bins bk.State) bk.State {
	f := &fileActions{}
	created := createdOpt(p)
	if p.Image.ScratchExtras {
		f.copy(in.Builder, "/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/certs/ca-certificates.crt", append([]bk.CopyOption{&bk.CopyInfo{CreateDestPath: true, FollowSymlinks: true}}, created...)...)
		if p.Image.Tzdata {
			f.copy(in.Builder, "/usr/share/zoneinfo", "/usr/share/zoneinfo", append([]bk.CopyOption{&bk.CopyInfo{CreateDestPath: true, CopyDirContentsOnly: true}}, created...)...)
		}
		f.mkfile("/etc/passwd", 0o644, passwd, mkfileCreated(p)...)
		f.mkfile("/etc/group", 0o644, group, mkfileCreated(p)...)
		f.mkdir("/tmp", 0o1777, append([]bk.MkdirOption{bk.WithParents(true)}, mkdirCreated(p)...)...)
		f.mkdir("/home/nonroot", 0o700, append([]bk.MkdirOption{bk.WithParents(true), bk.WithUIDGID(65532, 65532)}, mkdirCreated(p)...)...)
	}
	for _, b := range p.Binaries {
		f.copy(bins, "/"+b.Name, b.Output, append([]bk.CopyOption{&bk.CopyInfo{CreateDestPath: true}}, created...)...)
	}
	for _, file := range p.Image.Files {
		info := &bk.CopyInfo{CreateDestPath: true}
		if file.Mode != "" {
			m, _ := strconv.ParseUint(file.Mode, 8, 32)
			info.Mode = &bk.ChmodOpt{Mode: os.FileMode(m)}
		}
		if file.Owner != "" {
			u, g, _ := strings.Cut(file.Owner, ":")
			uid, _ := strconv.Atoi(u)
			gid := uid
			if g != "" {
				gid, _ = strconv.Atoi(g)
			}
			info.ChownOpt = &bk.ChownOpt{User: &bk.UserOpt{UID: uid}, Group: &bk.UserOpt{UID: gid}}
		}
		f.copy(in.Context, path.Join("/", p.ModuleDir, file.Src), file.Dst, append([]bk.CopyOption{info}, created...)...)
	}
	names := make([]string, len(p.Binaries))
	for i, b := range p.Binaries {
		names[i] = b.Name
	}
	o := []bk.ConstraintsOpt{bk.WithCustomName("[image] add " + strings.Join(names, ", "))}
	if in.Location != nil {
		o = append(o, in.Location("image"))
	}
	return base.File(f.fa, o...)
}

// fileActions chains file actions into one FileOp (one layer).
type fileActions struct{ fa *bk.FileAction }

func (f *fileActions) copy(src bk.State, from, to string, opts ...bk.CopyOption) {
	if f.fa == nil {
		f.fa = bk.Copy(src, from, to, opts...)
		return
	}
	f.fa = f.fa.Copy(src, from, to, opts...)
}

func (f *fileActions) mkfile(p string, mode os.FileMode, data string, opts ...bk.MkfileOption) {
	if f.fa == nil {
		f.fa = bk.Mkfile(p, mode, []byte(data), opts...)
		return
	}
	f.fa = f.fa.Mkfile(p, mode, []byte(data), opts...)
}

func (f *fileActions) mkdir(p string, mode os.FileMode, opts ...bk.MkdirOption) {
	if f.fa == nil {
		f.fa = bk.Mkdir(p, mode, opts...)
		return
	}
	f.fa = f.fa.Mkdir(p, mode, opts...)
}

const (
	passwd = "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
	group  = "root:x:0:\nnonroot:x:65532:\nnobody:x:65534:\n"
)

func createdOpt(p *plan.Plan) []bk.CopyOption {
	if p.Epoch == nil {
		return nil
	}
	return []bk.CopyOption{bk.WithCreatedTime(*p.Epoch)}
}

func mkfileCreated(p *plan.Plan) []bk.MkfileOption {
	if p.Epoch == nil {
		return nil
	}
	return []bk.MkfileOption{bk.WithCreatedTime(*p.Epoch)}
}

func mkdirCreated(p *plan.Plan) []bk.MkdirOption {
	if p.Epoch == nil {
		return nil
	}
	return []bk.MkdirOption{bk.WithCreatedTime(*p.Epoch)}
}
