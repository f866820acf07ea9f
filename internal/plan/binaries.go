package plan

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/spec"
)

func binaries(s *spec.Spec, modulePath, defaultMain string, stamp Stamp, platforms []string) ([]Binary, error) {
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
			main = spec.DefaultMain
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
		if slices.Contains(spec.FixedTargets, name) {
			field, how := fields[i]+".main", fmt.Sprintf("main: %s makes a binary named %q", main, name)
			if b.Name != "" {
				field, how = fields[i]+".name", fmt.Sprintf("the build name %q", name)
			}
			return nil, &Error{Field: field, Msg: fmt.Sprintf("%s: %s, which is a fixed target (%s): --target %s could not build its image: rename the build with name:, e.g. name: %s-cmd",
				field, how, strings.Join(spec.FixedTargets, ", "), name, name)}
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
		if b.Strip == nil || *b.Strip { // nil only for the default build
			ld = "-s -w"
		}
		perPlatform := false
		if b.Ldflags != "" {
			field := fields[i] + ".ldflags"
			var err error
			perPlatform, err = usesPlatform(b.Ldflags)
			if err != nil {
				return nil, &Error{Field: field, Msg: field + ": " + err.Error()}
			}
			if perPlatform {
				// Rendered per target platform by BuildFlags; checked
				// now for every platform the Gopherfile names.
				for _, pl := range append([]string{"linux/amd64"}, platforms...) {
					if _, err := stamp.ForPlatform(pl).render(b.Ldflags); err != nil {
						return nil, &Error{Field: field, Msg: field + ": " + err.Error()}
					}
				}
				ld = strings.TrimSpace(ld + " " + b.Ldflags)
			} else {
				user, err := stamp.render(b.Ldflags)
				if err != nil {
					return nil, &Error{Field: field, Msg: field + ": " + err.Error()}
				}
				ld = strings.TrimSpace(ld + " " + user)
			}
		}
		if ld != "" && !perPlatform {
			flags = append(flags, "-ldflags="+ld)
		}
		if b.Gcflags != "" {
			flags = append(flags, "-gcflags="+b.Gcflags)
		}
		if len(b.Tags) > 0 {
			flags = append(flags, "-tags="+strings.Join(b.Tags, ","))
		}
		flags = append(flags, b.Flags...)
		bin := Binary{Name: name, Main: main, Output: output, Flags: flags, Env: sortedEnv(b.Env), Field: fields[i]}
		if perPlatform {
			bin.PlatformLdflags = ld
		}
		out = append(out, bin)
	}
	return out, nil
}

// checkImagePaths refuses an image whose binaries collide with each other or
// with what the Gopherfile puts around them: a binary inside another's
// output, a files entry whose dst is a binary or inside one (the copy would
// replace the binary), and a workdir or volume that is a binary.
func checkImagePaths(s *spec.Spec, bins []Binary) error {
	inside := func(p, dir string) bool { return strings.HasPrefix(p, dir+"/") }
	// of names a binary: "of builds[1] (worker)", or "of the default build".
	of := func(b Binary) string {
		if b.Field == "version" {
			return "of the default build"
		}
		return fmt.Sprintf("of %s (%s)", b.Field, b.Name)
	}
	for i, b := range bins {
		for j, o := range bins {
			if i != j && inside(b.Output, o.Output) {
				return &Error{Field: b.Field + ".output", Msg: fmt.Sprintf("%s.output: %s is inside %s, the binary %s: a file cannot hold another file", b.Field, b.Output, o.Output, of(o))}
			}
		}
	}
	for i, f := range s.Image.Files {
		dst := path.Clean(f.Dst)
		for _, b := range bins {
			if dst == b.Output || inside(dst, b.Output) {
				field := fmt.Sprintf("image.files[%d].dst", i)
				what := "is"
				if dst != b.Output {
					what = "is inside"
				}
				return &Error{Field: field, Msg: fmt.Sprintf("%s: %s %s %s, the binary %s: the copy would replace the binary: copy the file somewhere else, e.g. /etc/%s/", field, f.Dst, what, b.Output, of(b), b.Name)}
			}
		}
	}
	for _, b := range bins {
		if s.Image.Workdir != "" && path.Clean(s.Image.Workdir) == b.Output {
			return &Error{Field: "image.workdir", Msg: fmt.Sprintf("image.workdir: %s is the binary %s, not a directory: set workdir to a directory, e.g. /", s.Image.Workdir, of(b))}
		}
		for i, v := range s.Image.Volumes {
			if path.Clean(v) == b.Output || inside(b.Output, path.Clean(v)) {
				field := fmt.Sprintf("image.volumes[%d]", i)
				return &Error{Field: field, Msg: fmt.Sprintf("%s: the volume %s would hide the binary %s %s at run time: put the binary outside the volume", field, v, b.Output, of(b))}
			}
		}
	}
	return nil
}
