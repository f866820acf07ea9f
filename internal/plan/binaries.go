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
		main, name, err := binaryName(b, fields[i], modulePath)
		if err != nil {
			return nil, err
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
		ld, perPlatform, err := buildLdflags(b, fields[i], stamp, platforms)
		if err != nil {
			return nil, err
		}
		var flags []string
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

// binaryName returns a build's main package ("." or "./path") and its
// binary's name, refusing a name that is one of the fixed targets.
func binaryName(b spec.Build, field, modulePath string) (main, name string, err error) {
	main = b.Main
	if main == "" {
		main = spec.DefaultMain
	}
	main = path.Clean(main)
	if main != "." {
		main = "./" + main
	}
	name = b.Name
	if name == "" {
		if main == "." {
			name = gomod.BinaryName(modulePath)
		} else {
			name = gomod.BinaryName(main)
		}
	}
	if slices.Contains(spec.FixedTargets, name) {
		f, how := field+".main", fmt.Sprintf("main: %s makes a binary named %q", main, name)
		if b.Name != "" {
			f, how = field+".name", fmt.Sprintf("the build name %q", name)
		}
		return "", "", &Error{Field: f, Msg: fmt.Sprintf("%s: %s, which is a fixed target (%s): --target %s could not build its image: rename the build with name:, e.g. name: %s-cmd",
			f, how, strings.Join(spec.FixedTargets, ", "), name, name)}
	}
	return main, name, nil
}

// buildLdflags returns a build's -ldflags (-s -w unless strip: false, then
// its ldflags: rendered with the stamp) and whether they depend on the
// target platform (then BuildFlags renders them per platform; they are
// checked here for every platform the Gopherfile names).
func buildLdflags(b spec.Build, buildField string, stamp Stamp, platforms []string) (ld string, perPlatform bool, err error) {
	if b.Strip == nil || *b.Strip { // nil only for the default build
		ld = "-s -w"
	}
	if b.Ldflags == "" {
		return ld, false, nil
	}
	field := buildField + ".ldflags"
	fail := func(err error) (string, bool, error) {
		return "", false, &Error{Field: field, Msg: field + ": " + err.Error()}
	}
	if perPlatform, err = usesPlatform(b.Ldflags); err != nil {
		return fail(err)
	}
	if perPlatform {
		for _, pl := range append([]string{"linux/amd64"}, platforms...) {
			if _, err := stamp.ForPlatform(pl).render(b.Ldflags); err != nil {
				return fail(err)
			}
		}
		return strings.TrimSpace(ld + " " + b.Ldflags), true, nil
	}
	user, err := stamp.render(b.Ldflags)
	if err != nil {
		return fail(err)
	}
	return strings.TrimSpace(ld + " " + user), false, nil
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
