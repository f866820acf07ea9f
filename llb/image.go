package llb

import (
	"sort"
	"strings"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/frontend/plan"
	"github.com/gopherfile/gopherfile/frontend/spec"
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
		img.Config.Labels = copyMap(base.Config.Labels)
		img.Config.ExposedPorts = copySet(base.Config.ExposedPorts)
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
		c.User = spec.NonrootUser
	}
	if p.Image.Workdir != "" {
		c.WorkingDir = p.Image.Workdir
	} else if c.WorkingDir == "" {
		c.WorkingDir = "/"
	}
	for k, v := range p.Image.Labels {
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		c.Labels[k] = v
	}
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

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func copySet(m map[string]struct{}) map[string]struct{} {
	if m == nil {
		return nil
	}
	out := make(map[string]struct{}, len(m))
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out[k] = struct{}{}
	}
	return out
}
