package diagnose

import (
	"regexp"
	"strings"

	"github.com/gopherfile/gopherfile/internal/goenv"
)

// Finding is one problem found in the output of a go command.
type Finding struct {
	// Class is the catalogue row.
	Class Class
	// Module is the module path that failed, "" if unknown or the main module.
	Module string
	// Version is the module version, "" if unknown.
	Version string
	// Host is the network host involved (proxy, git server, checksum
	// database or the name that did not resolve), "" if none.
	Host string
	// Detail is class-specific evidence, "" if none:
	// the HTTP status for ServerError and PrivateModule ("404 Not Found"),
	// the checksum source for ChecksumMismatch ("go.sum", "sum.golang.org"),
	// the declared module path for PathMismatch,
	// the required Go version for GoTooOld ("1.27"),
	// the package path for GoSumIncomplete and Untidy (when named),
	// the replacement directory for ReplaceMissing ("../lib"),
	// the conflicting setting for EnvConflict ("GOPROXY=off", "-mod=vendor",
	// "GOFLAGS", "GONOPROXY", "GOSUMDB", "GOTOOLCHAIN", "GOAUTH", "GOPROXY").
	Detail string
	// Line is the line of go's output that matched, without leading
	// whitespace.
	Line string
	// Package is the Go package whose compile failed (the "# path" line go
	// build prints above its errors), for the compile rows; "" if unknown.
	Package string
	// Response is the server's own text (go's "server response:" lines),
	// "" if none.
	Response string
	// Excluded is what the step helper found in the tree for rows 21 and
	// 24: the files build constraints left out. Nil when it found nothing.
	Excluded *Excluded
}

// Classify returns the distinct problems found in the output of a go
// command, in order of appearance. The output is split into records (an
// unindented line followed by its tab-indented continuation lines, as the go
// command prints wrapped errors); each record yields at most one finding, of
// the most specific class whose evidence it contains. Lines such as
// "go: downloading M V" yield nothing.
func Classify(output string) []Finding {
	var found []Finding
	pkg := ""
	for _, rec := range records(output) {
		if p, ok := packageHeader(rec[0]); ok {
			pkg = p
			continue
		}
		if f, ok := classifyRecord(rec); ok {
			if compileClass(f.Class) && f.Package == "" {
				f.Package = pkg
			}
			found = append(found, f)
		}
	}
	return dedupe(found)
}

// packageHeader recognises the "# import/path" line go build prints above
// the compiler's errors for a package (not "# [pkg-config ...]" or
// "# runtime/cgo" headers' command lines, which start with "# [").
func packageHeader(line string) (string, bool) {
	p, ok := strings.CutPrefix(line, "# ")
	if !ok || p == "" || strings.ContainsAny(p, " \t[") {
		return "", false
	}
	return p, true
}

// ShouldRetry reports the retry decision for a failed step: true when the
// output shows at least one problem and every problem is transient.
func ShouldRetry(output string) bool {
	fs := Classify(output)
	if len(fs) == 0 {
		return false
	}
	for _, f := range fs {
		if !f.Class.Transient() {
			return false
		}
	}
	return true
}

// records splits output into records. A record is an unindented line and
// the indented lines that follow it; blank lines end records.
func records(output string) [][]string {
	output = strings.ReplaceAll(output, "\r\n", "\n")
	var recs [][]string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			recs = append(recs, cur)
			cur = nil
		}
	}
	for _, line := range strings.Split(output, "\n") {
		switch {
		case strings.TrimSpace(line) == "":
			flush()
		case line[0] == '\t' || line[0] == ' ':
			cur = append(cur, line)
		default:
			flush()
			cur = append(cur, line)
		}
	}
	flush()
	return recs
}

// classifyRecord picks the most specific class with evidence in rec.
func classifyRecord(rec []string) (Finding, bool) {
	best, bestLine := Class(0), -1
	for i, line := range rec {
		for _, m := range markers {
			if priority[m.class] > priority[best] && m.re.MatchString(line) {
				best, bestLine = m.class, i
			}
		}
	}
	if best == 0 {
		return Finding{}, false
	}
	text := strings.Join(rec, "\n")
	f := Finding{
		Class: best,
		Line:  strings.TrimSpace(rec[bestLine]),
	}
	f.Module, f.Version = moduleOf(rec)
	f.Host = hostOf(best, text)
	refine(&f, rec, text)
	return f, true
}

var (
	// reModAt matches "path@version" as the go command prints it.
	reModAt = regexp.MustCompile(`([A-Za-z0-9][-A-Za-z0-9_.~+!/]*)@(v[0-9][-A-Za-z0-9_.+]*[A-Za-z0-9+])`)
	reURL   = regexp.MustCompile(`(https?|ssh|git)://(?:[^@/"' ]+@)?([^/"' :]+(?::[0-9]+)?)`)
	// reLookup matches Go's and curl's DNS errors.
	reLookup     = regexp.MustCompile(`lookup ([^ :]+)(?: on [^ ]+)?: `)
	reResolve    = regexp.MustCompile(`Could not resolve host(?:name)?:? ([^ :'"]+)`)
	reSSHHost    = regexp.MustCompile(`[A-Za-z0-9._-]+@([A-Za-z0-9.-]+\.[A-Za-z]+)[:/ ]`)
	reDial       = regexp.MustCompile(`dial tcp ([^ :]+:[0-9]+)`)
	reForHost    = regexp.MustCompile(`for '(?:https?://)?([^'/]+)`)
	reStatus     = regexp.MustCompile(`: ((?:[0-9]{3}) [A-Z][A-Za-z ]*)$`)
	reGitStatus  = regexp.MustCompile(`returned error: ([0-9]{3})`)
	reDeclared   = regexp.MustCompile(`module declares its path as: (\S+)`)
	reRequiredAs = regexp.MustCompile(`but was required as: (\S+)`)
	reRequiresGo = regexp.MustCompile(`requires go >= (\S+) \(running go ([^;)]+)`)
	reToolchain  = regexp.MustCompile(`download (go[0-9][^\s:]*)(?: for \S+: toolchain not available|: golang\.org/toolchain@)`)
	reReplaceDir = regexp.MustCompile(`replacement directory (\S+) does not exist`)
	reReplacedBy = regexp.MustCompile(`\(replaced by ([^)]+)\)`)
	rePackage    = regexp.MustCompile(`(?:providing package|provides package|verify package) ([^\s:;]+)`)
	reBadVersion = regexp.MustCompile(`require (\S+): version "([^"]*)" invalid`)
	reSumSource  = regexp.MustCompile(`^\t(go\.sum|go\.work\.sum|[^ :]+\.[a-z]+):\s+h1:`)
	// reModuleQuery matches go's error for a query (a list request) that
	// names no version.
	reModuleQuery = regexp.MustCompile(`^(?:go: )?module ([^\s:@]+): (?:reading|Get) `)
)

// moduleOf extracts the failing module and version from a record.
func moduleOf(rec []string) (mod, version string) {
	for _, line := range rec {
		if m := reBadVersion.FindStringSubmatch(line); m != nil {
			return m[1], m[2]
		}
	}
	for _, line := range rec {
		if m := reModAt.FindStringSubmatch(line); m != nil {
			path := m[1]
			if i := strings.Index(path, "/lookup/"); i >= 0 {
				path = path[i+len("/lookup/"):] // a checksum database URL
			}
			return path, m[2]
		}
	}
	if m := reModuleQuery.FindStringSubmatch(rec[0]); m != nil {
		return m[1], "" // "module M: reading .../@v/list" (a query such as @latest)
	}
	return "", ""
}

// hostOf extracts the network host involved in a record.
func hostOf(c Class, text string) string {
	if c == DNSFailure {
		if m := reLookup.FindStringSubmatch(text); m != nil {
			return m[1]
		}
		if m := reResolve.FindStringSubmatch(text); m != nil {
			return m[1]
		}
	}
	switch c {
	case ChecksumMismatch, GoTooOld, ReplaceMissing, PathMismatch, VendorOutOfSync,
		VCSStamping, EnvConflict, GoSumIncomplete, Untidy,
		ToolTooOld, CLibMissing, TagsExclude, NeedsCgo:
		// Not about the network; a host would only confuse.
		return ""
	}
	if m := reURL.FindStringSubmatch(text); m != nil {
		return m[2]
	}
	if m := reForHost.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	if m := reSSHHost.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	if m := reDial.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	if m := reLookup.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	return ""
}

// isSumDB reports whether a record is about the checksum database.
func isSumDB(text, host string) bool {
	return strings.Contains(text, "verifying module:") ||
		strings.Contains(text, "verifying go.mod:") ||
		strings.Contains(text, "sumdb") ||
		strings.HasPrefix(host, "sum.golang.org") ||
		strings.HasPrefix(host, "sum.golang.google.cn")
}

// refine fills Detail and adjusts the class where the record as a whole
// says more than any single line.
func refine(f *Finding, rec []string, text string) {
	switch f.Class {
	case ProxyUnreachable, DNSFailure, ServerError:
		if isSumDB(text, f.Host) {
			// The network failed while talking to the checksum database.
			if u := sumdbHost(text); u != "" {
				f.Host = u
			}
			if f.Class == ServerError {
				f.Detail = statusOf(rec)
			}
			f.Class = SumDBUnreachable
			return
		}
		if f.Class == ServerError {
			f.Detail = statusOf(rec)
		}
	case PrivateModule, PolicyRefused:
		f.Detail = statusOf(rec)
		f.Response = serverResponse(rec)
		if policyRefusal(*f) {
			f.Class = PolicyRefused
		}
	case ToolTooOld, CLibMissing, TagsExclude:
		refineCompile(f, text)
	case ChecksumMismatch:
		for _, line := range rec {
			if m := reSumSource.FindStringSubmatch(line); m != nil && m[1] != "downloaded" {
				f.Detail = m[1]
				break
			}
		}
		if f.Detail == "" && strings.Contains(text, "verifying module:") {
			f.Detail = "checksum database"
		}
	case PathMismatch:
		if m := reRequiredAs.FindStringSubmatch(text); m != nil {
			f.Module = m[1]
		}
		if m := reDeclared.FindStringSubmatch(text); m != nil {
			f.Detail = m[1]
		}
	case GoTooOld:
		if m := reRequiresGo.FindStringSubmatch(text); m != nil {
			f.Detail = m[1]
			if strings.Contains(text, "go.mod requires go") || strings.Contains(text, "go.work requires go") {
				f.Module, f.Version = "", ""
			}
		} else if m := reToolchain.FindStringSubmatch(text); m != nil {
			f.Detail = strings.TrimPrefix(m[1], "go")
			if strings.Contains(m[0], "golang.org/toolchain@") {
				f.Module, f.Version = "", ""
				f.Response = toolchainFailure(rec)
			}
		}
	case ReplaceMissing:
		if m := reReplaceDir.FindStringSubmatch(text); m != nil {
			f.Detail = m[1]
		} else if m := reReplacedBy.FindStringSubmatch(text); m != nil {
			f.Detail = m[1]
		}
	case GoSumIncomplete, Untidy, VendorOutOfSync:
		if m := rePackage.FindStringSubmatch(text); m != nil {
			f.Detail = m[1]
		}
	case EnvConflict:
		f.Detail = envSetting(text)
	case GitCredentials, SSHAuth, TLSUntrusted:
		// Host already set from the URL of the fetch.
	case VersionNotFound:
		if f.Module == "" {
			if m := reBadVersion.FindStringSubmatch(text); m != nil {
				f.Module, f.Version = m[1], m[2]
			}
		}
	}
}

func sumdbHost(text string) string {
	for _, m := range reURL.FindAllStringSubmatch(text, -1) {
		if strings.HasPrefix(m[2], "sum.") || strings.Contains(text, m[0]+"/lookup/") || strings.Contains(text, m[0]+"/tile/") {
			return m[2]
		}
	}
	if m := reLookup.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	return ""
}

func statusOf(rec []string) string {
	for _, line := range rec {
		if m := reStatus.FindStringSubmatch(line); m != nil {
			return m[1]
		}
		if m := reGitStatus.FindStringSubmatch(line); m != nil {
			return m[1]
		}
	}
	return ""
}

// envSetting names the setting an EnvConflict record is about.
func envSetting(text string) string {
	switch {
	case strings.Contains(text, goenv.GOPROXY+"=off"):
		return goenv.GOPROXY + "=off"
	case strings.Contains(text, "-mod=vendor"):
		return "-mod=vendor"
	case strings.Contains(text, "GOPRIVATE/GONOPROXY"):
		return goenv.GONOPROXY
	case strings.Contains(text, goenv.GOFLAGS), strings.Contains(text, "-mod="), strings.Contains(text, "-mod may"):
		return goenv.GOFLAGS
	case strings.Contains(text, goenv.GOSUMDB):
		return goenv.GOSUMDB
	case strings.Contains(text, goenv.GOTOOLCHAIN):
		return goenv.GOTOOLCHAIN
	case strings.Contains(text, goenv.GOAUTH):
		return goenv.GOAUTH
	case strings.Contains(text, goenv.GOPROXY), strings.Contains(text, "proxy URL"):
		return goenv.GOPROXY
	}
	return ""
}

// dedupe drops repeated findings: the same class, module and version (and
// detail, when the module is unknown), and findings without a module when a
// finding of the same class names one (for example the "SECURITY ERROR"
// paragraph that follows a checksum mismatch). Compile findings are the
// same when their class, package and detail are.
func dedupe(fs []Finding) []Finding {
	type key struct {
		c           Class
		mod, v, dtl string
	}
	named := make(map[Class]bool)
	for _, f := range fs {
		if f.Module != "" {
			named[f.Class] = true
		}
	}
	seen := make(map[key]bool)
	var out []Finding
	for _, f := range fs {
		k := key{f.Class, f.Module, f.Version, ""}
		if compileClass(f.Class) {
			k = key{f.Class, f.Package, "", f.Detail}
		} else if f.Module == "" {
			if named[f.Class] {
				continue
			}
			k.dtl = f.Detail
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	return out
}

// toolchainFailure says why the download of a toolchain failed: the proxy's
// status and answer, else go's error after the module version (a checksum
// database it cannot reach, a network error).
func toolchainFailure(rec []string) string {
	if st := statusOf(rec); st != "" {
		if r := serverResponse(rec); r != "" {
			return st + ": " + r
		}
		return st
	}
	for _, line := range rec {
		_, rest, ok := strings.Cut(line, "golang.org/toolchain@")
		if !ok {
			continue
		}
		if _, rest, ok := strings.Cut(rest, ": "); ok {
			rest = strings.TrimSpace(rest)
			if len(rest) > 300 {
				rest = rest[:300] + "…"
			}
			return rest
		}
	}
	return ""
}
