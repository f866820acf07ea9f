package spec

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/platforms"
	"github.com/distribution/reference"
)

var (
	portRE   = regexp.MustCompile(`^([0-9]{1,5})(/(tcp|udp|sctp))?$`)
	signalRE = regexp.MustCompile(`^(SIG[A-Z0-9+-]+|[0-9]{1,2})$`)
	ownerRE  = regexp.MustCompile(`^[0-9]{1,10}(:[0-9]{1,10})?$`)
	hostRE   = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]+)?$`)
)

// Validate checks every field of s, as Parse does after decoding; pos says
// where the fields are written (nil puts every problem on line 1). The error
// joins every problem found (see Errors), in the order of their lines.
func (s *Spec) Validate(pos Positions) error {
	if pos == nil {
		pos = Positions{}
	}
	r := &report{pos: pos}
	s.validate(r)
	return r.err()
}

func (s *Spec) validate(r *report) {
	if _, written := r.pos["version"]; !written {
		r.addError(&Error{Pos: Pos{Line: 1, Column: 1}, Msg: "missing the version field", Hint: "add the line `version: 1`"})
	} else if s.Version != 1 && !r.failed("version") {
		r.add("version", fmt.Sprintf("unsupported version %d", s.Version),
			"this frontend reads version 1; for another version use a matching frontend image in the # syntax= line")
	}
	if s.Go != "" && !IsGoVersion(string(s.Go)) {
		r.add("go", fmt.Sprintf("%s is not a Go version", quote(string(s.Go))), `write it like "1.26" or "1.26.8", quoted`)
	}
	if s.Builder != "" {
		if err := checkImageRef(s.Builder); err != nil {
			r.add("builder", err.Error(), "write an image reference like golang:1.26 or registry.example.com/golang:1.26")
		}
	}
	if s.Module != "" {
		if err := checkRelDir(s.Module); err != nil {
			r.add("module", err.Error(), "write the directory of go.mod relative to the build context, e.g. ./services/api")
		}
	}
	validatePlatforms(r, s.Platforms)
	validateEnv(r, "env", s.Env, true, false)
	checkEnum(r, "tidy", s.Tidy, s.Tidy.Values())
	s.Cache.validate(r, "cache")
	s.Modules.validate(r, "modules")
	for _, p := range sortedKeys(s.CC) {
		if err := CheckPlatform(p); err != nil {
			r.add("cc."+p, err.Error(), "cc maps platforms like linux/arm64 to a C compiler command")
		}
		switch c, bad := controlChar(s.CC[p]); {
		case strings.TrimSpace(s.CC[p]) == "":
			r.add("cc."+p, "the C compiler is empty", "write the command, e.g. aarch64-linux-gnu-gcc")
		case bad:
			r.add("cc."+p, fmt.Sprintf("the C compiler contains %s", describeChar(c)), "write the command on one line")
		}
	}
	s.Test.validate(r, "test")
	s.Vulncheck.validate(r, "vulncheck")
	validatePatterns(r, "generate", s.Generate, "go generate")
	validateSources(r, s.Sources)
	names := map[string]int{}
	outputs := map[string]int{}
	for i := range s.Builds {
		s.Builds[i].validate(r, fmt.Sprintf("builds[%d]", i), i, names, outputs)
	}
	s.Image.validate(r, "image")
}

// failed reports whether decoding skipped field for its shape (so it holds
// the zero value, which is not what the user wrote).
func (r *report) failed(field string) bool {
	for _, e := range r.errs {
		if e.Field == field {
			return true
		}
	}
	return false
}

// validatePlatforms checks each platform and that none is listed twice (two
// spellings of one platform, like linux/arm and linux/arm/v7, count as one).
func validatePlatforms(r *report, list []Platform) {
	seen := map[string]int{}
	for i, p := range list {
		f := fmt.Sprintf("platforms[%d]", i)
		if err := CheckPlatform(string(p)); err != nil {
			r.add(f, err.Error(), "write platforms like linux/amd64, linux/arm64 or linux/arm/v7")
			continue
		}
		pl, _ := platforms.Parse(string(p))
		key := platforms.FormatAll(platforms.Normalize(pl))
		if j, dup := seen[key]; dup {
			r.add(f, fmt.Sprintf("%s is listed twice: it is the platform of platforms[%d] (%s)", p, j, list[j]), "list each platform once")
			continue
		}
		seen[key] = i
	}
}

func (c *Cache) validate(r *report, field string) {
	checkEnum(r, field+".modules", c.Modules, c.Modules.Values())
	checkEnum(r, field+".build", c.Build, c.Build.Values())
}

func (t *Test) validate(r *report, field string) {
	validatePatterns(r, field+".packages", t.Packages, "flags go in args")
	for i, a := range t.Args {
		f := fmt.Sprintf("%s.args[%d]", field, i)
		if !strings.HasPrefix(a, "-") {
			r.add(f, fmt.Sprintf("%s is not a go test flag", quote(a)), "packages go in packages:")
		} else if c, bad := controlChar(a); bad {
			r.add(f, fmt.Sprintf("%s contains %s", quote(a), describeChar(c)), "write one flag per list item")
		}
	}
	validateTags(r, field+".tags", t.Tags)
}

// validatePatterns checks a list of package patterns; what names where
// flags go instead.
func validatePatterns(r *report, field string, list []string, what string) {
	for i, p := range list {
		f := fmt.Sprintf("%s[%d]", field, i)
		if p == "" || strings.HasPrefix(p, "-") || strings.Contains(p, "..") && !strings.HasSuffix(p, "...") {
			hint := "write patterns like ./... or ./internal/...; " + what
			if what == "go generate" {
				hint = "write patterns like ./... or ./internal/..., relative to the module root"
			}
			r.add(f, fmt.Sprintf("%s is not a package pattern", quote(p)), hint)
		} else if c, bad := controlChar(p); bad {
			r.add(f, fmt.Sprintf("%s contains %s", quote(p), describeChar(c)), "write one pattern per list item")
		}
	}
}

// contextNameRE is a named build context's name as BuildKit takes it.
var contextNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]*$`)

// validateSources checks sources: a context name each, a destination inside
// the build context, no two at one destination.
func validateSources(r *report, list []Source) {
	dsts := map[string]int{}
	for i, src := range list {
		f := fmt.Sprintf("sources[%d]", i)
		switch {
		case src.Context == "":
			r.add(f+".context", "the context name is empty", "name a build context, e.g. context: web, given with --build-context web=./ui/dist")
		case len(src.Context) > MaxNameLen || !contextNameRE.MatchString(src.Context) || strings.Contains(src.Context, "://"):
			r.add(f+".context", fmt.Sprintf("%s is not a build context name", quote(src.Context)), "use letters, digits, '.', '_', '-' and '/', e.g. web")
		case src.Context == "context" || src.Context == "dockerfile":
			r.add(f+".context", fmt.Sprintf("%s is the main build context, which is already the source tree", quote(src.Context)), "name another build context, e.g. web")
		}
		if src.Dst == "" {
			r.add(f+".dst", "the destination is empty", "write a directory relative to the build context, e.g. web/dist")
			continue
		}
		if err := checkRelDir(src.Dst); err != nil {
			r.add(f+".dst", err.Error(), "write a directory relative to the build context root, e.g. web/dist")
			continue
		}
		if c, bad := badPathChar(src.Dst); bad {
			r.add(f+".dst", fmt.Sprintf("%s contains %s", quote(src.Dst), describeChar(c)), "use letters, digits and '/', '.', '_', '-', '~', '+'")
			continue
		}
		dst := path.Clean(src.Dst)
		if dst == "." {
			r.add(f+".dst", "the destination is the build context root", "copy the context into a directory of its own, e.g. web/dist")
			continue
		}
		if j, dup := dsts[dst]; dup {
			r.add(f+".dst", fmt.Sprintf("%s is already the destination of sources[%d]", src.Dst, j), "give every source its own directory")
			continue
		}
		dsts[dst] = i
	}
}

// IsBuildTag reports whether t may be an item of tags: (one tag, without
// spaces, commas, quotes or control characters).
func IsBuildTag(t string) bool {
	_, bad := controlChar(t)
	return t != "" && !bad && !strings.ContainsAny(t, " ,\"'")
}

func validateTags(r *report, field string, tags []string) {
	for j, t := range tags {
		if !IsBuildTag(t) {
			r.add(fmt.Sprintf("%s[%d]", field, j), fmt.Sprintf("%s is not a build tag", quote(t)), "one tag per list item, without spaces, commas or quotes")
		}
	}
}

// validate checks build i; names and outputs remember the earlier builds'.
func (b *Build) validate(r *report, f string, i int, names, outputs map[string]int) {
	if b.Main != "" {
		if err := checkMain(b.Main); err != nil {
			r.add(f+".main", err.Error(), `write the main package relative to the module root, e.g. "./cmd/server"`)
		}
	}
	if b.Name != "" {
		if err := checkName(b.Name); err != nil {
			r.add(f+".name", err.Error(), "use letters, digits, '.', '_' and '-', e.g. server")
		} else if slices.Contains(FixedTargets, b.Name) {
			r.add(f+".name", fmt.Sprintf("the build name %q is a fixed target (%s), so --target %s could not build its image", b.Name, strings.Join(FixedTargets, ", "), b.Name),
				fmt.Sprintf("rename the build, e.g. name: %s-cmd (every build is also a --target)", b.Name))
		} else if j, dup := names[b.Name]; dup {
			r.add(f+".name", fmt.Sprintf("binary %q is already built by builds[%d]", b.Name, j), "give every build its own name")
		} else {
			names[b.Name] = i
		}
	}
	if b.Output != "" {
		if msg, hint := outputProblem(b.Output); msg != "" {
			r.add(f+".output", msg, hint)
		} else if j, dup := outputs[b.Output]; dup {
			r.add(f+".output", fmt.Sprintf("%s is already the output of builds[%d]", b.Output, j), "give every build its own output path")
		} else {
			outputs[b.Output] = i
		}
	}
	validateTags(r, f+".tags", b.Tags)
	for j, fl := range b.Flags {
		ff := fmt.Sprintf("%s.flags[%d]", f, j)
		if !strings.HasPrefix(fl, "-") {
			r.add(ff, fmt.Sprintf("%s is not a go build flag", quote(fl)), `flags start with "-", e.g. "-race"; the package goes in main`)
			continue
		}
		if c, bad := controlChar(fl); bad {
			r.add(ff, fmt.Sprintf("%s contains %s", quote(fl), describeChar(c)), "write one flag per list item")
			continue
		}
		switch name, _, _ := strings.Cut(strings.TrimLeft(fl, "-"), "="); name {
		case "o", "C", "modfile", "overlay":
			r.add(ff, fmt.Sprintf("the flag -%s is set by Gopherfile", name), "use output: for where the binary goes")
		}
	}
	for _, fl := range []struct{ name, v string }{{"ldflags", b.Ldflags}, {"gcflags", b.Gcflags}} {
		if c, bad := controlChar(fl.v); bad {
			r.add(f+"."+fl.name, fmt.Sprintf("the flags contain %s", describeChar(c)), "write them on one line")
		}
	}
	if b.Ldflags != "" {
		if err := CheckTemplate(b.Ldflags); err != nil {
			r.add(f+".ldflags", err.Error(), `see the README: {{.Version}}, {{.Commit}}, {{.ShortCommit}}, {{.Date}}, {{.Os}}, {{.Arch}}, {{.Variant}}, {{.Arg "NAME"}}`)
		}
	}
	validateEnv(r, f+".env", b.Env, true, true)
}

func (img *Image) validate(r *report, field string) {
	if img.Base != "" && img.Base != Scratch {
		if err := checkImageRef(img.Base); err != nil {
			r.add(field+".base", err.Error(), `write an image reference like gcr.io/distroless/static-debian12:nonroot, or "scratch"`)
		}
	}
	if len(img.Entrypoint) > 0 && strings.TrimSpace(img.Entrypoint[0]) == "" {
		r.add(field+".entrypoint[0]", "the entrypoint's first element, the program to run, is empty", `write the program's path, e.g. [/usr/local/bin/server], or leave entrypoint out to run the first binary`)
	}
	validateEnv(r, field+".env", img.Env, false, false)
	if img.Workdir != "" {
		if c, bad := controlChar(img.Workdir); bad {
			r.add(field+".workdir", fmt.Sprintf("%s contains %s", quote(img.Workdir), describeChar(c)), "write it like /app")
		} else if !path.IsAbs(img.Workdir) {
			r.add(field+".workdir", fmt.Sprintf("%s is not an absolute path", quote(img.Workdir)), "write it like /app")
		}
	}
	if img.User != "" && strings.ContainsFunc(img.User, func(c rune) bool { return c == ' ' || c < 0x20 || c == 0x7f }) {
		r.add(field+".user", fmt.Sprintf("%s is not a user", quote(img.User)), "write a name or uid, optionally :group, e.g. 65532:65532")
	}
	for i, p := range img.Expose {
		if _, err := NormalizePort(p); err != nil {
			r.add(fmt.Sprintf("%s.expose[%d]", field, i), err.Error(), `write ports like "8080", "8080/tcp" or "53/udp"`)
		}
	}
	for i, v := range img.Volumes {
		if err := CheckImagePath(v); err != nil {
			r.add(fmt.Sprintf("%s.volumes[%d]", field, i), err.Error(), "write it like /data")
		}
	}
	if img.StopSignal != "" && !signalRE.MatchString(img.StopSignal) {
		r.add(field+".stopSignal", fmt.Sprintf("%s is not a signal", quote(img.StopSignal)), "write it like SIGTERM, SIGINT or 15")
	}
	if img.Healthcheck != nil {
		img.Healthcheck.validate(r, field+".healthcheck")
	}
	for i := range img.Files {
		img.Files[i].validate(r, fmt.Sprintf("%s.files[%d]", field, i))
	}
	for _, k := range sortedKeys(img.Labels) {
		if strings.TrimSpace(k) == "" {
			r.add(field+".labels", "a label has an empty name", "")
		}
	}
}

func (h *Healthcheck) validate(r *report, field string) {
	if len(h.Cmd) == 0 || strings.TrimSpace(h.Cmd[0]) == "" {
		r.add(field, "the health check has no cmd", "write cmd: [/usr/local/bin/server, -health]")
	}
	for _, d := range []struct {
		name string
		v    Duration
	}{{"interval", h.Interval}, {"timeout", h.Timeout}, {"startPeriod", h.StartPeriod}} {
		if d.v == "" {
			continue
		}
		if msg := d.v.check(0); msg != "" {
			r.add(field+"."+d.name, msg, "write it like 30s or 1m")
		}
	}
	if h.Retries < MinCount {
		r.add(field+".retries", "retries cannot be negative", "write 0 or more")
	}
}

func (f *File) validate(r *report, field string) {
	if f.Src == "" || f.Dst == "" {
		r.add(field, "a file needs src and dst", "write {src: config/app.yaml, dst: /etc/app/app.yaml}")
		return
	}
	if err := checkRelDir(f.Src); err != nil {
		r.add(field+".src", err.Error(), "src is a path inside the build context")
	}
	if err := CheckImagePath(f.Dst); err != nil {
		r.add(field+".dst", err.Error(), "dst is an absolute path in the image")
	}
	if f.Mode != "" {
		if m, err := strconv.ParseUint(f.Mode, 8, 32); err != nil || m > 0o7777 {
			r.add(field+".mode", fmt.Sprintf("%s is not an octal file mode", quote(f.Mode)), `write it like "0644", quoted`)
		}
	}
	if f.Owner != "" && !ownerRE.MatchString(f.Owner) {
		r.add(field+".owner", fmt.Sprintf("%s is not uid:gid", quote(f.Owner)), `write numbers, e.g. "65532:65532"`)
	}
}

func (m *Modules) validate(r *report, field string) {
	checkEnum(r, field+".netrc", m.Netrc, m.Netrc.Values())
	checkEnum(r, field+".cacert", m.CACert, m.CACert.Values())
	checkEnum(r, field+".ssh", m.SSH, m.SSH.Values())
	checkEnum(r, field+".sshUnknownHosts", m.SSHUnknownHosts, m.SSHUnknownHosts.Values())
	if m.Retries != nil && (*m.Retries < MinRetries || *m.Retries > MaxRetries) {
		r.add(field+".retries", fmt.Sprintf("%d retries is out of range", *m.Retries), fmt.Sprintf("use %d to %d", MinRetries, MaxRetries))
	}
	if m.Timeout != "" {
		if msg := m.Timeout.check(time.Second); msg != "" {
			r.add(field+".timeout", msg, "write a duration of at least 1s, like 5m or 90s")
		}
	}
	for _, s := range []struct{ name, v string }{{"proxy", m.Proxy}, {"sumdb", m.SumDB}, {"auth", m.Auth}, {"toolchain", m.Toolchain}} {
		if c, bad := controlChar(s.v); bad {
			r.add(field+"."+s.name, fmt.Sprintf("the value contains %s", describeChar(c)), "write it on one line")
		}
	}
	if strings.ContainsAny(m.Proxy, " \t\n") {
		r.add(field+".proxy", "GOPROXY cannot contain spaces", `separate entries with "," or "|"`)
	}
	for _, l := range []struct {
		name string
		v    []string
	}{{"private", m.Private}, {"noproxy", m.NoProxy}, {"nosumdb", m.NoSumDB}, {"insecure", m.Insecure}} {
		for i, p := range l.v {
			f := fmt.Sprintf("%s.%s[%d]", field, l.name, i)
			if _, bad := controlChar(p); p == "" || bad || strings.ContainsAny(p, ", ") {
				r.add(f, fmt.Sprintf("%s is not a module path pattern", quote(p)), "one pattern per list item, e.g. github.com/acme/*")
			} else if _, err := path.Match(p, p); err != nil {
				r.add(f, fmt.Sprintf("%s is not a valid glob: %v", quote(p), err), "")
			}
		}
	}
	for _, l := range []struct {
		name string
		v    []string
	}{{"gitHosts", m.GitHosts}, {"sshHosts", m.SSHHosts}} {
		for i, h := range l.v {
			if !hostRE.MatchString(h) {
				r.add(fmt.Sprintf("%s.%s[%d]", field, l.name, i), fmt.Sprintf("%s is not a host name", quote(h)), "write just the host, e.g. github.com")
			}
		}
	}
	for i, k := range m.KnownHosts {
		f := fmt.Sprintf("%s.knownHosts[%d]", field, i)
		if c, bad := controlChar(strings.TrimRight(k, "\n")); bad {
			r.add(f, fmt.Sprintf("the known_hosts line contains %s", describeChar(c)), "write one known_hosts line per list item (a YAML | block keeps newlines: use a list)")
		} else if len(strings.Fields(k)) < 3 {
			r.add(f, "not a known_hosts line", "write `HOST KEYTYPE KEY`, as ssh-keyscan prints it")
		}
	}
}

func checkImageRef(ref string) error {
	if c, bad := controlChar(ref); bad {
		return fmt.Errorf("%s is not a valid image reference: it contains %s", quote(ref), describeChar(c))
	}
	if _, err := reference.ParseNormalizedNamed(ref); err != nil {
		return fmt.Errorf("%s is not a valid image reference: %w", quote(ref), err)
	}
	return nil
}

// CheckPlatform accepts linux platforms that Go can cross-compile to.
func CheckPlatform(p string) error {
	pl, err := platforms.Parse(p)
	if err != nil {
		return fmt.Errorf("%s is not a platform: %w", quote(p), err)
	}
	if pl.OS != "linux" {
		return fmt.Errorf("%s: only linux images are supported", quote(p))
	}
	if !goArch[pl.Architecture] {
		return fmt.Errorf("%s: architecture %q is not supported", quote(p), pl.Architecture)
	}
	if !platformRE.MatchString(p) {
		return fmt.Errorf("%s is not a platform: write it in lower case, as os/arch or os/arch/variant", quote(p))
	}
	return nil
}

// goArch lists the OCI architectures Gopherfile builds for (their GOARCH is
// the same name). PlatformPattern lists them too (a test checks it).
var goArch = map[string]bool{"amd64": true, "arm64": true, "arm": true, "386": true, "ppc64le": true, "s390x": true, "riscv64": true, "mips64le": true, "loong64": true}

// NormalizePort turns "8080" into "8080/tcp" and checks the number.
func NormalizePort(p string) (string, error) {
	m := portRE.FindStringSubmatch(p)
	if m == nil {
		return "", fmt.Errorf("%s is not a port", quote(p))
	}
	n, _ := strconv.Atoi(m[1])
	if n < 1 || n > 65535 {
		return "", fmt.Errorf("port %d is out of range 1-65535", n)
	}
	proto := m[3]
	if proto == "" {
		proto = "tcp"
	}
	return fmt.Sprintf("%d/%s", n, proto), nil
}

// sortedKeys returns the keys of m in order, so that problems are reported in
// the same order on every run.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
