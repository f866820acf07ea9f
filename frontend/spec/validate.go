package spec

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/platforms"
	"github.com/distribution/reference"
)

var (
	goVersionRE = regexp.MustCompile(`^1\.[0-9]+(\.[0-9]+)?((rc|beta)[0-9]+)?$`)
	nameRE      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	envNameRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	portRE      = regexp.MustCompile(`^([0-9]{1,5})(/(tcp|udp|sctp))?$`)
	signalRE    = regexp.MustCompile(`^(SIG[A-Z0-9+-]+|[0-9]{1,2})$`)
	ownerRE     = regexp.MustCompile(`^[0-9]{1,10}(:[0-9]{1,10})?$`)
)

// validate checks the decoded spec; seen says which fields were written.
func validate(s *Spec, pos Positions, seen map[string]bool) error {
	errAt := func(field, msg, hint string) error {
		return &Error{Pos: pos.Of(field), Field: field, Msg: msg, Hint: hint}
	}
	if !seen["version"] {
		return &Error{Pos: Pos{Line: 1, Column: 1}, Msg: "missing the version field", Hint: "add the line `version: 1`"}
	}
	if s.Version != 1 {
		return errAt("version", fmt.Sprintf("unsupported version %d", s.Version),
			"this frontend reads version 1; for another version use a matching frontend image in the # syntax= line")
	}
	if s.Go != "" && !goVersionRE.MatchString(s.Go) {
		return errAt("go", fmt.Sprintf("%q is not a Go version", s.Go), `write it like "1.26" or "1.26.8", quoted`)
	}
	if s.Builder != "" {
		if err := checkImageRef(s.Builder); err != nil {
			return errAt("builder", err.Error(), "write an image reference like golang:1.26 or registry.example.com/golang:1.26")
		}
	}
	if s.Module != "" {
		if err := checkRelDir(s.Module); err != nil {
			return errAt("module", err.Error(), "write the directory of go.mod relative to the build context, e.g. ./services/api")
		}
	}
	for i, p := range s.Platforms {
		if err := CheckPlatform(p); err != nil {
			return errAt(fmt.Sprintf("platforms[%d]", i), err.Error(), "write platforms like linux/amd64, linux/arm64 or linux/arm/v7")
		}
	}
	if err := checkEnv(s.Env, "env", errAt); err != nil {
		return err
	}
	switch s.Tidy {
	case "", TidyCheck, TidyOff:
	default:
		return errAt("tidy", fmt.Sprintf("unknown value %q", s.Tidy), `use "check" (the default) or "off"`)
	}
	switch s.Cache.Modules {
	case "", CacheAuto, CacheMount, CacheLayer:
	default:
		return errAt("cache.modules", fmt.Sprintf("unknown value %q", s.Cache.Modules), `use "auto" (the default), "mount" or "layer"`)
	}
	switch s.Cache.Build {
	case "", CacheAuto, CacheMount, CacheLayer:
	default:
		return errAt("cache.build", fmt.Sprintf("unknown value %q", s.Cache.Build), `use "auto" (the default), "mount" or "layer"`)
	}
	if err := validateModules(&s.Modules, errAt); err != nil {
		return err
	}
	for _, p := range sortedKeys(s.CC) {
		cc := s.CC[p]
		if err := CheckPlatform(p); err != nil {
			return errAt("cc", err.Error(), "cc maps platforms like linux/arm64 to a C compiler command")
		}
		if strings.TrimSpace(cc) == "" {
			return errAt("cc."+p, "the C compiler is empty", "")
		}
	}
	for i, p := range s.Test.Packages {
		if strings.HasPrefix(p, "-") || strings.Contains(p, "..") && !strings.HasSuffix(p, "...") {
			return errAt(fmt.Sprintf("test.packages[%d]", i), fmt.Sprintf("%q is not a package pattern", p), `write patterns like ./... or ./internal/...; flags go in args`)
		}
	}
	for i, a := range s.Test.Args {
		if !strings.HasPrefix(a, "-") {
			return errAt(fmt.Sprintf("test.args[%d]", i), fmt.Sprintf("%q is not a go test flag", a), "packages go in packages:")
		}
	}
	names := map[string]int{}
	outputs := map[string]int{}
	for i, b := range s.Builds {
		f := fmt.Sprintf("builds[%d]", i)
		if b.Main != "" {
			if err := checkMain(b.Main); err != nil {
				return errAt(f+".main", err.Error(), `write the main package relative to the module root, e.g. "./cmd/server"`)
			}
		}
		if b.Name != "" {
			if !nameRE.MatchString(b.Name) || len(b.Name) > 128 {
				return errAt(f+".name", fmt.Sprintf("%q is not a valid binary name", b.Name), "use letters, digits, '.', '_' and '-'")
			}
			if j, dup := names[b.Name]; dup {
				return errAt(f+".name", fmt.Sprintf("binary %q is already built by builds[%d]", b.Name, j), "give every build its own name")
			}
			names[b.Name] = i
		}
		if b.Output != "" {
			if err := CheckImagePath(b.Output); err != nil {
				return errAt(f+".output", err.Error(), "write an absolute path in the image, e.g. /usr/local/bin/server")
			}
			if j, dup := outputs[b.Output]; dup {
				return errAt(f+".output", fmt.Sprintf("%s is already the output of builds[%d]", b.Output, j), "give every build its own output path")
			}
			outputs[b.Output] = i
		}
		for j, t := range b.Tags {
			if t == "" || strings.ContainsAny(t, " ,\t\"'") {
				return errAt(fmt.Sprintf("%s.tags[%d]", f, j), fmt.Sprintf("%q is not a build tag", t), "one tag per list item, without spaces or commas")
			}
		}
		for j, fl := range b.Flags {
			if !strings.HasPrefix(fl, "-") {
				return errAt(fmt.Sprintf("%s.flags[%d]", f, j), fmt.Sprintf("%q is not a go build flag", fl), `flags start with "-", e.g. "-race"; the package goes in main`)
			}
			switch name, _, _ := strings.Cut(strings.TrimLeft(fl, "-"), "="); name {
			case "o", "C", "modfile", "overlay":
				return errAt(fmt.Sprintf("%s.flags[%d]", f, j), fmt.Sprintf("the flag -%s is set by Gopherfile", name), "use output: for where the binary goes")
			}
		}
		if err := checkEnv(b.Env, f+".env", errAt); err != nil {
			return err
		}
	}
	img := s.Image
	if img.Base != "" && img.Base != Scratch {
		if err := checkImageRef(img.Base); err != nil {
			return errAt("image.base", err.Error(), `write an image reference like gcr.io/distroless/static-debian12:nonroot, or "scratch"`)
		}
	}
	if err := checkEnv(img.Env, "image.env", errAt); err != nil {
		return err
	}
	if img.Workdir != "" && !path.IsAbs(img.Workdir) {
		return errAt("image.workdir", fmt.Sprintf("%q is not an absolute path", img.Workdir), "write it like /app")
	}
	if img.User != "" && strings.ContainsAny(img.User, " \t\n") {
		return errAt("image.user", fmt.Sprintf("%q is not a user", img.User), "write a name or uid, optionally :group, e.g. 65532:65532")
	}
	for i, p := range img.Expose {
		if _, err := NormalizePort(p); err != nil {
			return errAt(fmt.Sprintf("image.expose[%d]", i), err.Error(), `write ports like "8080", "8080/tcp" or "53/udp"`)
		}
	}
	for i, v := range img.Volumes {
		if !path.IsAbs(v) {
			return errAt(fmt.Sprintf("image.volumes[%d]", i), fmt.Sprintf("%q is not an absolute path", v), "write it like /data")
		}
	}
	if img.StopSignal != "" && !signalRE.MatchString(img.StopSignal) {
		return errAt("image.stopSignal", fmt.Sprintf("%q is not a signal", img.StopSignal), "write it like SIGTERM, SIGINT or 15")
	}
	if h := img.Healthcheck; h != nil {
		if len(h.Cmd) == 0 {
			return errAt("image.healthcheck", "the health check has no cmd", "write cmd: [/usr/local/bin/server, -health]")
		}
		for _, d := range []struct{ name, v string }{{"interval", h.Interval}, {"timeout", h.Timeout}, {"startPeriod", h.StartPeriod}} {
			if d.v == "" {
				continue
			}
			if dur, err := time.ParseDuration(d.v); err != nil || dur < 0 {
				return errAt("image.healthcheck."+d.name, fmt.Sprintf("%q is not a duration", d.v), "write it like 30s or 1m")
			}
		}
		if h.Retries < 0 {
			return errAt("image.healthcheck.retries", "retries cannot be negative", "")
		}
	}
	for i, f := range img.Files {
		field := fmt.Sprintf("image.files[%d]", i)
		if f.Src == "" || f.Dst == "" {
			return errAt(field, "a file needs src and dst", "write {src: config/app.yaml, dst: /etc/app/app.yaml}")
		}
		if err := checkRelDir(f.Src); err != nil {
			return errAt(field+".src", err.Error(), "src is a path inside the build context")
		}
		if err := CheckImagePath(f.Dst); err != nil {
			return errAt(field+".dst", err.Error(), "dst is an absolute path in the image")
		}
		if f.Mode != "" {
			if m, err := strconv.ParseUint(f.Mode, 8, 32); err != nil || m > 0o7777 {
				return errAt(field+".mode", fmt.Sprintf("%q is not an octal file mode", f.Mode), `write it like "0644", quoted`)
			}
		}
		if f.Owner != "" && !ownerRE.MatchString(f.Owner) {
			return errAt(field+".owner", fmt.Sprintf("%q is not uid:gid", f.Owner), `write numbers, e.g. "65532:65532"`)
		}
	}
	for _, k := range sortedKeys(img.Labels) {
		if strings.TrimSpace(k) == "" {
			return errAt("image.labels", "a label has an empty name", "")
		}
	}
	return nil
}

func checkImageRef(ref string) error {
	if _, err := reference.ParseNormalizedNamed(ref); err != nil {
		return fmt.Errorf("%q is not a valid image reference: %w", ref, err)
	}
	return nil
}

func checkEnv(env map[string]string, field string, errAt func(field, msg, hint string) error) error {
	for _, k := range sortedKeys(env) {
		v := env[k]
		if !envNameRE.MatchString(k) {
			return errAt(field+"."+k, fmt.Sprintf("%q is not a valid environment variable name", k), "use letters, digits and _")
		}
		if strings.ContainsRune(v, 0) {
			return errAt(field+"."+k, "the value contains a NUL byte", "")
		}
	}
	return nil
}

// checkRelDir accepts a clean relative directory inside the context.
func checkRelDir(p string) error {
	if path.IsAbs(p) || strings.HasPrefix(p, "\\") || strings.Contains(p, "\\") {
		return fmt.Errorf("%q must be a relative path with forward slashes", p)
	}
	c := path.Clean(p)
	if c == ".." || strings.HasPrefix(c, "../") {
		return fmt.Errorf("%q is outside the build context", p)
	}
	return nil
}

func checkMain(p string) error {
	if err := checkRelDir(p); err != nil {
		return err
	}
	if strings.Contains(p, "...") {
		return fmt.Errorf("%q is a package pattern; name one main package", p)
	}
	return nil
}

// CheckImagePath accepts a clean absolute path inside the image that is not the root.
func CheckImagePath(p string) error {
	if !path.IsAbs(p) {
		return fmt.Errorf("%q is not an absolute path", p)
	}
	c := path.Clean(p)
	if c == "/" {
		return fmt.Errorf("%q is the image root, not a file", p)
	}
	if strings.Contains(p, "/../") || strings.HasSuffix(p, "/..") || strings.ContainsRune(p, 0) {
		return fmt.Errorf("%q contains ..", p)
	}
	return nil
}

// CheckPlatform accepts linux platforms that Go can cross-compile to.
func CheckPlatform(p string) error {
	pl, err := platforms.Parse(p)
	if err != nil {
		return fmt.Errorf("%q is not a platform: %w", p, err)
	}
	if pl.OS != "linux" {
		return fmt.Errorf("%q: only linux images are supported", p)
	}
	if _, ok := goArch[pl.Architecture]; !ok {
		return fmt.Errorf("%q: architecture %q is not supported", p, pl.Architecture)
	}
	return nil
}

// goArch lists the OCI architectures Gopherfile builds for (their GOARCH is the same name).
var goArch = map[string]bool{"amd64": true, "arm64": true, "arm": true, "386": true, "ppc64le": true, "s390x": true, "riscv64": true, "mips64le": true, "loong64": true}

// NormalizePort turns "8080" into "8080/tcp" and checks the number.
func NormalizePort(p string) (string, error) {
	m := portRE.FindStringSubmatch(p)
	if m == nil {
		return "", fmt.Errorf("%q is not a port", p)
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

var hostRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]+)?$`)

func validateModules(m *Modules, errAt func(field, msg, hint string) error) error {
	for _, f := range []struct {
		name string
		v    string
	}{{"netrc", m.Netrc}, {"cacert", m.CACert}, {"ssh", m.SSH}} {
		switch f.v {
		case "", SecretOptional, SecretRequired, SecretOff:
		default:
			return errAt("modules."+f.name, fmt.Sprintf("unknown value %q", f.v), `use "optional", "required" or "off"`)
		}
	}
	if m.Retries != nil && (*m.Retries < 0 || *m.Retries > 20) {
		return errAt("modules.retries", fmt.Sprintf("%d retries is out of range", *m.Retries), "use 0 to 20")
	}
	if m.Timeout != "" {
		if d, err := time.ParseDuration(m.Timeout); err != nil || d < time.Second {
			return errAt("modules.timeout", fmt.Sprintf("%q is not a duration of at least 1s", m.Timeout), "write it like 5m or 90s")
		}
	}
	if strings.ContainsAny(m.Proxy, " \t\n") {
		return errAt("modules.proxy", "GOPROXY cannot contain spaces", `separate entries with "," or "|"`)
	}
	for _, l := range []struct {
		name string
		v    []string
	}{{"private", m.Private}, {"noproxy", m.NoProxy}, {"nosumdb", m.NoSumDB}, {"insecure", m.Insecure}} {
		for i, p := range l.v {
			if p == "" || strings.ContainsAny(p, ", \t") {
				return errAt(fmt.Sprintf("modules.%s[%d]", l.name, i), fmt.Sprintf("%q is not a module path pattern", p), "one pattern per list item, e.g. github.com/acme/*")
			}
			if _, err := path.Match(p, p); err != nil {
				return errAt(fmt.Sprintf("modules.%s[%d]", l.name, i), fmt.Sprintf("%q is not a valid glob: %v", p, err), "")
			}
		}
	}
	for _, l := range []struct {
		name string
		v    []string
	}{{"gitHosts", m.GitHosts}, {"sshHosts", m.SSHHosts}} {
		for i, h := range l.v {
			if !hostRE.MatchString(h) {
				return errAt(fmt.Sprintf("modules.%s[%d]", l.name, i), fmt.Sprintf("%q is not a host name", h), "write just the host, e.g. github.com")
			}
		}
	}
	for i, k := range m.KnownHosts {
		if len(strings.Fields(k)) < 3 {
			return errAt(fmt.Sprintf("modules.knownHosts[%d]", i), "not a known_hosts line", "write `HOST KEYTYPE KEY`, as ssh-keyscan prints it")
		}
	}
	return nil
}

// sortedKeys returns the keys of m in order, so that the first error reported
// is the same on every run.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
