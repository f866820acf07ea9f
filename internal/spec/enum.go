package spec

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The value types of the spec fields that take one of a fixed set of values,
// a bounded number or a string of a fixed shape. Each set, bound and shape is
// defined here once: validation uses it, and the schema generator
// (internal/specdoc) reads it from this file by these conventions:
//
//   - the constants of a named string type are its values (a JSON schema enum);
//   - a constant of a named integer type whose name starts with Min or Max is
//     its minimum or maximum;
//   - a string constant named after a named string type plus "Pattern" is the
//     regular expression (RE2, also valid in JSON schema) its values match.

// TidyMode is the go.mod tidy check.
type TidyMode string

// Values of tidy.
const (
	// TidyCheck runs go mod tidy -diff and fails the build when go.mod or
	// go.sum is not tidy (the default).
	TidyCheck TidyMode = "check"
	// TidyOff skips the check.
	TidyOff TidyMode = "off"
)

// Values lists the values of TidyMode.
func (TidyMode) Values() []TidyMode { return []TidyMode{TidyCheck, TidyOff} }

// VulncheckMode is whether the image build runs govulncheck.
type VulncheckMode string

// Values of vulncheck.mode.
const (
	// VulncheckOff does not run govulncheck in the image build (the default).
	VulncheckOff VulncheckMode = "off"
	// VulncheckReport runs it and reports reachable vulnerabilities as warnings.
	VulncheckReport VulncheckMode = "report"
	// VulncheckFail fails the build on a reachable vulnerability.
	VulncheckFail VulncheckMode = "fail"
)

// Values lists the values of VulncheckMode.
func (VulncheckMode) Values() []VulncheckMode {
	return []VulncheckMode{VulncheckOff, VulncheckReport, VulncheckFail}
}

// VulnID is a vulnerability ID: a Go vulnerability ID, a CVE or a GHSA ID.
type VulnID string

// VulnIDPattern is the shape of a VulnID.
const VulnIDPattern = `^(GO-[0-9]{4}-[0-9]{4,7}|CVE-[0-9]{4}-[0-9]{4,7}|GHSA(-[23456789cfghjmpqrvwx]{4}){3})$`

// CacheMode is where a cache lives between builds.
type CacheMode string

// Values of cache.modules and cache.build.
const (
	// CacheAuto is CacheLayer when the build imports a cache, else CacheMount
	// (the default).
	CacheAuto CacheMode = "auto"
	// CacheMount keeps the cache in a BuildKit cache mount.
	CacheMount CacheMode = "mount"
	// CacheLayer keeps the cache in a layer that a registry cache carries.
	CacheLayer CacheMode = "layer"
)

// Values lists the values of CacheMode.
func (CacheMode) Values() []CacheMode { return []CacheMode{CacheAuto, CacheMount, CacheLayer} }

// SecretMode says whether a secret (or the SSH agent) is used.
type SecretMode string

// Values of modules.netrc, modules.cacert and modules.ssh.
const (
	// SecretOptional uses the secret when the build is given it.
	SecretOptional SecretMode = "optional"
	// SecretRequired fails the build without it.
	SecretRequired SecretMode = "required"
	// SecretOff never uses it.
	SecretOff SecretMode = "off"
)

// Values lists the values of SecretMode.
func (SecretMode) Values() []SecretMode {
	return []SecretMode{SecretOptional, SecretRequired, SecretOff}
}

// Used reports whether the secret is used when the build is given it (any
// value but off; "" is the default, which is set by Defaults).
func (m SecretMode) Used() bool { return m != SecretOff }

// UnknownHosts says what git over SSH does with a host key that neither the
// built-in keys of the big code hosts nor modules.knownHosts list.
type UnknownHosts string

// Values of modules.sshUnknownHosts.
const (
	// UnknownHostsRefuse refuses the host (the default): ssh checks host
	// keys strictly.
	UnknownHostsRefuse UnknownHosts = "refuse"
	// UnknownHostsAcceptNew takes the key on first use (ssh's accept-new):
	// the download step's HOME is new in every build, so every build trusts
	// whatever key the host (or a machine in between) shows.
	UnknownHostsAcceptNew UnknownHosts = "accept-new"
)

// Values lists the values of UnknownHosts.
func (UnknownHosts) Values() []UnknownHosts {
	return []UnknownHosts{UnknownHostsRefuse, UnknownHostsAcceptNew}
}

// RetryCount is modules.retries.
type RetryCount int

// Bounds and default of modules.retries.
const (
	MinRetries     RetryCount = 0
	MaxRetries     RetryCount = 20
	DefaultRetries RetryCount = 6
)

// Count is a number of times, zero or more.
type Count int

// MinCount is the smallest Count.
const MinCount Count = 0

// Duration is a Go duration, e.g. 30s, 1m30s or 1.5h, zero or more.
type Duration string

// DurationPattern is the shape of a Duration: one or more numbers with a
// unit, or 0, without a sign.
const DurationPattern = `^(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$`

// GoVersion is a Go release as the golang image tags name them: "1.26",
// "1.26.8", "1.27rc1".
type GoVersion string

// GoVersionPattern is the shape of a GoVersion.
const GoVersionPattern = `^1\.[0-9]+(\.[0-9]+)?((rc|beta)[0-9]+)?$`

// IsGoVersion reports whether v is written as a GoVersion.
func IsGoVersion(v string) bool { return goVersionRE.MatchString(v) }

// Platform is a target platform, OS/ARCH[/VARIANT].
type Platform string

// PlatformPattern is the shape of a Platform: linux and an architecture that
// Go cross-compiles to (goArch), or one of the names BuildKit normalizes to
// them (x86_64, aarch64, armhf, armel, i386), and an optional variant.
const PlatformPattern = `^linux/(amd64|x86_64|x86-64|arm64|aarch64|arm|armhf|armel|386|i386|ppc64le|s390x|riscv64|mips64le|loong64)(/[a-z0-9.]+)?$`

var (
	durationRE  = regexp.MustCompile(DurationPattern)
	vulnIDRE    = regexp.MustCompile(VulnIDPattern)
	goVersionRE = regexp.MustCompile(GoVersionPattern)
	platformRE  = regexp.MustCompile(PlatformPattern)
)

// Value is the duration, 0 when empty. Validate has checked it.
func (d Duration) Value() time.Duration {
	v, _ := time.ParseDuration(string(d))
	return v
}

// check reports what is wrong with a written duration, or "".
func (d Duration) check(min time.Duration) string {
	if !durationRE.MatchString(string(d)) {
		return fmt.Sprintf("%s is not a duration", quote(string(d)))
	}
	v, err := time.ParseDuration(string(d))
	if err != nil {
		return fmt.Sprintf("%s is not a duration: %v", quote(string(d)), err)
	}
	if v < min {
		return fmt.Sprintf("%s is shorter than %s", quote(string(d)), min)
	}
	return ""
}

// checkEnum reports a value that is not one of values, with the values and a
// did-you-mean.
func checkEnum[T ~string](r *report, field string, v T, values []T) {
	if v == "" || slices.Contains(values, v) {
		return
	}
	names := make([]string, len(values))
	quoted := make([]string, len(values))
	for i, x := range values {
		names[i] = string(x)
		quoted[i] = fmt.Sprintf("%q", x)
	}
	hint := "use " + orList(quoted)
	if best := closest(string(v), names); best != "" {
		hint = fmt.Sprintf("did you mean %q? %s", best, hint)
	}
	r.add(field, fmt.Sprintf("unknown value %s", quote(string(v))), hint)
}

// orList joins items as `a, b or c`.
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
