package spec

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/gopherfile/gopherfile/internal/goenv"
)

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// IsEnvName reports whether s is a valid environment variable name (letters,
// digits and _, not starting with a digit): what env: accepts.
func IsEnvName(s string) bool { return envNameRE.MatchString(s) }

// ReservedEnvPrefix starts the names of Gopherfile's own variables in the build
// steps; env: may not set any of them.
const ReservedEnvPrefix = "GOPHERFILE_"

// reservedEnv are the names env: and builds[].env may not set, each with why
// and what to do instead. Besides these: ReservedEnvPrefix, the go settings
// of the modules: section (goenv.Vars) and the HTTP proxies (goenv.ProxyArgs,
// in either case).
var reservedEnv = map[string][2]string{
	"HOME":           {"the build steps set HOME (a private directory for each step)", "remove it"},
	goenv.GOMODCACHE: {"the build steps set GOMODCACHE (the module cache mount or layer)", "remove it; cache.modules says where the module cache lives"},
	goenv.GOCACHE:    {"the build steps set GOCACHE (the build cache mount or layer)", "remove it; cache.build says where the build cache lives"},
	goenv.GOROOT:     {"GOROOT belongs to the builder image's Go installation", "remove it; choose the Go with go: or builder:"},
	goenv.GOENV:      {"a go env file would change settings behind the Gopherfile's back", "remove it and write the settings in env: or modules:"},
	goenv.GOOS:       {"the target platform sets GOOS", "remove it; list the target platforms in platforms: or pass --platform"},
	goenv.GOARCH:     {"the target platform sets GOARCH", "remove it; list the target platforms in platforms: (e.g. linux/arm64) or pass --platform"},
	goenv.GOARM:      {"the target platform's variant sets GOARM", "remove it; write the variant in the platform, e.g. linux/arm/v6"},
	goenv.GOAMD64:    {"the target platform's variant sets GOAMD64", "remove it; write the variant in the platform, e.g. linux/amd64/v3"},
	goenv.GOARM64:    {"the target platform's variant sets GOARM64", "remove it; list the target platforms in platforms: or pass --platform"},
	goenv.GO386:      {"GO386 changes the code for the target platform behind the image's back", "remove it; list the target platforms in platforms: or pass --platform"},
	goenv.GOMIPS:     {"GOMIPS changes the code for the target platform behind the image's back", "remove it; list the target platforms in platforms: or pass --platform"},
	goenv.GOMIPS64:   {"GOMIPS64 changes the code for the target platform behind the image's back", "remove it; list the target platforms in platforms: or pass --platform"},
	goenv.GOPPC64:    {"GOPPC64 changes the code for the target platform behind the image's back", "remove it; list the target platforms in platforms: or pass --platform"},
	goenv.GORISCV64:  {"GORISCV64 changes the code for the target platform behind the image's back", "remove it; list the target platforms in platforms: or pass --platform"},
	goenv.GOWASM:     {"GOWASM changes the code for the target platform behind the image's back", "remove it; list the target platforms in platforms: or pass --platform"},

	goenv.GOCACHEPROG: {"the build steps set GOCACHEPROG (Gopherfile's own program: steps that run the tree's code read the shared compile cache through it and never write it)", "remove it; docs/caches.md says which step writes which cache"},

	"NETRC":               {"the download step points NETRC at the netrc secret", "pass --secret id=netrc,src=$HOME/.netrc; modules.netrc says whether it is required"},
	"SSL_CERT_FILE":       {"the download step points SSL_CERT_FILE at the cacert secret", "pass --secret id=cacert,src=ca.pem; modules.cacert says whether it is required"},
	"GIT_SSL_CAINFO":      {"the download step points GIT_SSL_CAINFO at the cacert secret", "pass --secret id=cacert,src=ca.pem; modules.cacert says whether it is required"},
	"GIT_SSH_COMMAND":     {"the download step sets GIT_SSH_COMMAND for the SSH agent and known hosts", "use modules.ssh, modules.sshHosts and modules.knownHosts"},
	"GIT_TERMINAL_PROMPT": {"the download step turns git's prompts off", "remove it"},
	"GIT_CONFIG_GLOBAL":   {"the download step writes git's credential and URL settings to the global git config", "use modules.gitHosts and modules.sshHosts"},
	"SSH_AUTH_SOCK":       {"BuildKit sets SSH_AUTH_SOCK when the build is given --ssh", "pass --ssh default; modules.ssh says whether it is required"},
}

// ReservedEnvReason says why name may not be set in env: (or in a build's
// env when build is true), and what to do; ok is false when it may.
// gopherfile init asks it before it writes a release config's env.
func ReservedEnvReason(name string, build bool) (why, hint string, ok bool) {
	return reservedEnvReason(name, build)
}

func reservedEnvReason(name string, build bool) (why, hint string, ok bool) {
	upper := strings.ToUpper(name)
	if strings.HasPrefix(upper, ReservedEnvPrefix) {
		return "names starting with " + ReservedEnvPrefix + " are Gopherfile's own (they run the build steps)", "rename the variable", true
	}
	for _, m := range goenv.Vars {
		if name == m.Name && strings.HasPrefix(m.Field, "modules.") {
			return name + " is a module download setting, which reaches the download and tidy steps only", fmt.Sprintf("write it as %s, or pass --build-arg %s=... for one build", m.Field, m.Name), true
		}
	}
	for _, p := range goenv.ProxyArgs {
		if upper == p {
			return name + " would put the proxy (and any password in its URL) into the step definitions and cache keys",
				fmt.Sprintf("pass it as --build-arg %s=...: BuildKit gives proxy build args to the download step without making them part of a cache key", p), true
		}
	}
	if r, found := reservedEnv[name]; found {
		return r[0], r[1], true
	}
	if r, found := goenv.SecretStepEnvRule(name); found && !build {
		hint := "remove it; a build's own env: (builds[].env), which reaches its compile step only, may set it"
		if name == "PATH" {
			hint = "remove it; name programs by absolute path (cc: /opt/cross/bin/aarch64-linux-gnu-gcc), or use a builder image whose PATH has them; a build's own env: (builds[].env) may set PATH for its compile step"
		}
		return name + " would reach the steps that hold the build's secrets (go mod download, the tidy check), where " + r.Why, hint, true
	}
	if build && name == goenv.GOFLAGS {
		return "the binary's own go build flags replace GOFLAGS in its build", "write the flags in this build's flags: (or in the top-level env.GOFLAGS for every go command)", true
	}
	return "", "", false
}

// validateEnv checks the names and values of a map of go command env.
// goEnv is true for env: and builds[].env (the env of the go commands), false
// for image.env (the container's).
func validateEnv(r *report, field string, env map[string]string, goEnv, build bool) {
	for _, k := range sortedKeys(env) {
		v := env[k]
		f := field + "." + k
		if !envNameRE.MatchString(k) {
			r.add(f, fmt.Sprintf("%s is not a valid environment variable name", quote(k)), "use letters, digits and _, not starting with a digit")
			continue
		}
		if goEnv {
			if why, hint, reserved := reservedEnvReason(k, build); reserved {
				r.add(f, fmt.Sprintf("%s cannot be set here: %s", k, why), hint)
				continue
			}
		}
		switch c, bad := controlChar(v); {
		case bad && goEnv:
			r.add(f, fmt.Sprintf("the value contains the control character %q", c), "write the value on one line, without control characters")
		case strings.ContainsRune(v, 0):
			r.add(f, "the value contains a NUL byte", "")
		}
	}
}
