package graph

import (
	"maps"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	bk "github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/internal/plan"
)

// DefaultPath is the PATH of an image whose base sets none (scratch).
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// ImageConfig is the runtime image config: the base image's config (nil for
// scratch) with the plan's entrypoint, cmd, env, user, workdir, labels and ports,
// and a history entry for the binaries layer. created is the image's creation
// time (SOURCE_DATE_EPOCH when given, for reproducible images).
func ImageConfig(p *plan.Plan, base *dockerspec.DockerOCIImage, target ocispecs.Platform, created time.Time) *dockerspec.DockerOCIImage {
	img := &dockerspec.DockerOCIImage{}
	if base != nil {
		cp := *base
		img = &cp
		img.Config.Env = append([]string(nil), base.Config.Env...)
		img.History = append([]ocispecs.History(nil), base.History...)
		img.Config.Labels = maps.Clone(base.Config.Labels)
		img.Config.ExposedPorts = maps.Clone(base.Config.ExposedPorts)
	}
	img.Platform = ocispecs.Platform{OS: target.OS, Architecture: target.Architecture, Variant: target.Variant}
	img.RootFS.Type = "layers"
	c := &img.Config
	if _, ok := plan.EnvValue(c.Env, "PATH"); !ok {
		c.Env = append([]string{"PATH=" + DefaultPath}, c.Env...)
	}
	c.Env = mergeEnv(c.Env, p.Image.Env)
	c.Entrypoint = append([]string(nil), p.Image.Entrypoint...)
	c.Cmd = append([]string(nil), p.Image.Cmd...)
	if p.Image.User != "" {
		c.User = p.Image.User
	} else if c.User == "" {
		c.User = p.Image.DefaultUser()
	}
	if p.Image.Workdir != "" {
		c.WorkingDir = p.Image.Workdir
	} else if c.WorkingDir == "" {
		c.WorkingDir = "/"
	}
	if len(p.Image.Labels) > 0 && c.Labels == nil {
		c.Labels = map[string]string{}
	}
	maps.Copy(c.Labels, p.Image.Labels)
	for _, port := range p.Image.Expose {
		if c.ExposedPorts == nil {
			c.ExposedPorts = map[string]struct{}{}
		}
		c.ExposedPorts[port] = struct{}{}
	}
	for _, v := range p.Image.Volumes {
		if c.Volumes == nil {
			c.Volumes = map[string]struct{}{}
		}
		c.Volumes[v] = struct{}{}
	}
	if p.Image.StopSignal != "" {
		c.StopSignal = p.Image.StopSignal
	}
	if h := p.Image.Healthcheck; h != nil {
		img.Config.Healthcheck = &dockerspec.HealthcheckConfig{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}
	}
	names := make([]string, len(p.Binaries))
	for i, b := range p.Binaries {
		names[i] = b.Output
	}
	t := created.UTC()
	img.Created = &t
	img.History = append(img.History, ocispecs.History{
		Created:   &t,
		CreatedBy: "gopherfile: go build " + strings.Join(names, " "),
		Comment:   "gopherfile.v1",
	})
	return img
}

// BinariesConfig is the config of the binaries target: just the platform.
func BinariesConfig(target ocispecs.Platform) *dockerspec.DockerOCIImage {
	img := &dockerspec.DockerOCIImage{}
	img.Platform = ocispecs.Platform{OS: target.OS, Architecture: target.Architecture, Variant: target.Variant}
	img.RootFS.Type = "layers"
	return img
}

// mergeEnv sets every KEY=VALUE of add in env, replacing existing keys in place.
func mergeEnv(env, add []string) []string {
	out := append([]string(nil), env...)
	for _, kv := range add {
		k, _, _ := strings.Cut(kv, "=")
		replaced := false
		for i, e := range out {
			if ek, _, _ := strings.Cut(e, "="); ek == k {
				out[i] = kv
				replaced = true
			}
		}
		if !replaced {
			out = append(out, kv)
		}
	}
	return out
}

// DefaultFileTime is the time of every file and directory Gopherfile writes
// into an image when the build has no SOURCE_DATE_EPOCH: fixed, so that the
// layer is byte-identical across rebuilds of the same binaries and registries
// store it once. Only the image config's created time then changes.
var DefaultFileTime = time.Unix(0, 0).UTC()

// FileTime is the time of the files and directories Gopherfile writes into an
// image: SOURCE_DATE_EPOCH, or DefaultFileTime.
func FileTime(p *plan.Plan) time.Time {
	if p.Epoch != nil {
		return p.Epoch.UTC()
	}
	return DefaultFileTime
}

// Image puts the binaries on the runtime base: every binary at its output
// path (mode 0755, owned by root) and the extra files; base is an image,
// scratch, or StaticBase (the built-in base, and scratch with the files
// Gopherfile adds to it). What Gopherfile adds is one layer in which every file and
// directory carries FileTime, merged onto the base: the layer depends on
// nothing but its content, so two builds of the same source give the same
// layer and, with SOURCE_DATE_EPOCH, the same image digest, on any builder and
// without exporter options. Without MergeOp (in.NoMergeOp) the files are
// written onto the base instead, dated by the build.
func Image(p *plan.Plan, in Inputs, base, bins bk.State) bk.State {
	names := make([]string, len(p.Binaries))
	for i, b := range p.Binaries {
		names[i] = b.Name
	}
	o := []bk.ConstraintsOpt{bk.WithCustomName("[image] add " + strings.Join(names, ", "))}
	if in.Location != nil {
		o = append(o, in.Location("image"))
	}
	if in.NoMergeOp {
		return base.File(imageFiles(p, in, bins), o...)
	}
	// The files are written onto the base (so that the directories they go
	// into keep the base's owner and mode), the difference is taken, and that
	// tree is copied once more with its time set: adding a file to a directory
	// changes the directory's time, and only a tree copy sets each directory's
	// time after its content.
	written := base.File(imageFiles(p, in, bins), bk.WithCustomName("[image] write "+strings.Join(names, ", ")))
	t := FileTime(p)
	layer := bk.Scratch().File(
		bk.Copy(bk.Diff(base, written), "/", "/", &bk.CopyInfo{CopyDirContentsOnly: true}, bk.WithCreatedTime(t)),
		bk.WithCustomName("[image] layer, every file and directory dated "+t.Format(time.RFC3339)))
	return bk.Merge([]bk.State{base, layer}, o...)
}

// imageFiles are the file actions that write what Gopherfile adds to the base.
// Missing parent directories are made first, owned by root with mode 0755
// (BuildKit would give them the owner and mode of the file copied into them).
func imageFiles(p *plan.Plan, in Inputs, bins bk.State) *bk.FileAction {
	f := &fileActions{}
	parents := func(dst string) { f.mkdir(path.Dir(dst), 0o755, bk.WithParents(true)) }
	for _, b := range p.Binaries {
		parents(b.Output)
		f.copy(bins, "/"+b.Name, b.Output, &bk.CopyInfo{CreateDestPath: true})
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
		parents(file.Dst)
		f.copy(in.Context, path.Join("/", p.ModuleDir, file.Src), file.Dst, info)
	}
	return f.fa
}

// collectBinaries puts binaries built in steps of their own into one state,
// each at /<name>: a MergeOp, or file copies on a builder without MergeOp.
func collectBinaries(in Inputs, bins []plan.Binary, outs []bk.State) bk.State {
	if len(outs) == 1 {
		return outs[0]
	}
	name := bk.WithCustomName("[build] collect binaries")
	if !in.NoMergeOp {
		return bk.Merge(outs, name)
	}
	f := &fileActions{}
	for i, st := range outs {
		f.copy(st, "/"+bins[i].Name, "/"+bins[i].Name)
	}
	return bk.Scratch().File(f.fa, name)
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
