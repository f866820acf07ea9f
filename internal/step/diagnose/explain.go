package diagnose

import (
	"fmt"
	"strings"

	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// Explain writes one short paragraph about a finding: which module failed,
// the catalogue row, the setting involved and where it came from, and
// exactly what to change.
func Explain(f Finding, c Context) string {
	e := explainer{f: f, c: c}
	var text string
	switch f.Class {
	case ProxyUnreachable:
		text = e.proxyUnreachable()
	case DNSFailure:
		text = e.dnsFailure()
	case ServerError:
		text = e.serverError()
	case TLSUntrusted:
		text = e.tlsUntrusted()
	case PrivateModule:
		text = e.privateModule()
	case GitCredentials:
		text = e.gitCredentials()
	case SSHAuth:
		text = e.sshAuth()
	case ChecksumMismatch:
		text = e.checksumMismatch()
	case SumDBUnreachable:
		text = e.sumDBUnreachable()
	case VersionNotFound:
		text = e.versionNotFound()
	case PathMismatch:
		text = e.pathMismatch()
	case GoTooOld:
		text = e.goTooOld()
	case GoSumIncomplete:
		text = e.goSumIncomplete()
	case Untidy:
		text = e.untidy()
	case VendorOutOfSync:
		text = e.vendorOutOfSync()
	case ReplaceMissing:
		text = e.replaceMissing()
	case EnvConflict:
		text = e.envConflict()
	case CacheLost:
		text = e.cacheLost()
	case VCSStamping:
		text = e.vcsStamping()
	default:
		return generic(c)
	}
	return strings.Join(strings.Fields(text), " ")
}

// Report is the full diagnosis of a failed step: a header line
// "gopherfile: <stage> failed: N problem(s)" and one paragraph per distinct
// problem (the same class and module are explained once), or a generic
// paragraph if nothing in the output was recognised. In the "test" stage,
// network errors that name no module are taken for the tests' own output and
// left out. It ends with a newline.
func Report(output string, c Context) string {
	type key struct {
		c   Class
		mod string
	}
	seen := make(map[key]bool)
	var paras []string
	for _, f := range Classify(output) {
		f = c.reclassify(f)
		if c.Stage == stepconfig.StageTest && f.Module == "" && networkClass(f.Class) {
			// Most likely the tests' own output (a test that dials a
			// database, say), not the go command failing to fetch a module.
			continue
		}
		k := key{f.Class, f.Module}
		if seen[k] {
			continue
		}
		seen[k] = true
		paras = append(paras, Explain(f, c))
	}
	n := len(paras)
	if n == 0 {
		paras = append(paras, generic(c))
		n = 1
	}
	stage := c.Stage
	if stage == "" {
		stage = "step"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "gopherfile: %s failed: %d problem(s)\n", stage, n)
	for _, p := range paras {
		b.WriteString("\n")
		b.WriteString(p)
		b.WriteString("\n")
	}
	return b.String()
}

// reclassify turns "module lookup disabled by GOPROXY=off" into row 18
// where GOPROXY=off is not the user's doing: in an offline step, and in a
// download step run again to refill a lost module cache.
func (c Context) reclassify(f Finding) Finding {
	if f.Class != EnvConflict || f.Detail != "GOPROXY=off" {
		return f
	}
	switch {
	case c.Offline:
		f.Class, f.Detail = CacheLost, "lost"
	case c.Recovery:
		f.Class, f.Detail = CacheLost, "unrecoverable"
	}
	return f
}

// networkClass reports whether c is about reaching a server.
func networkClass(c Class) bool {
	switch c {
	case ProxyUnreachable, DNSFailure, ServerError, TLSUntrusted, SumDBUnreachable:
		return true
	}
	return false
}

func generic(c Context) string {
	s := "The go command failed in a way Gopherfile does not recognise; its own output above says why. " +
		"Settings in effect: " + c.describe("GOPROXY") + ", " + c.describe("GOPRIVATE") + ", " +
		c.describe("GOFLAGS") + ", " + c.describe("GOTOOLCHAIN")
	if c.GoVersion != "" {
		s += ", builder go " + c.GoVersion
	}
	return s + ". If it is a network failure, retrying the build may help."
}

// explainer holds what every paragraph needs. Every method copes with a
// Finding that has only its Class set (as when a caller explains a class
// found by grep): it then falls back to general wording.
type explainer struct {
	f Finding
	c Context
}

// mod names the failing module: "example.com/m@v1.2.0", "example.com/m" or
// "".
func (e explainer) mod() string {
	if e.f.Module != "" && e.f.Version != "" {
		return e.f.Module + "@" + e.f.Version
	}
	return e.f.Module
}

// lead starts a paragraph: "M@V: text", or text capitalised when the module
// is unknown.
func (e explainer) lead(text string) string {
	if m := e.mod(); m != "" {
		return m + ": " + text
	}
	return strings.ToUpper(text[:1]) + text[1:]
}

// row renders "(row N, name)" or "(row N, name; transient: retried ...)".
func (e explainer) row() string {
	if e.f.Class.Transient() {
		return fmt.Sprintf("(row %d, %s; transient: retried with backoff)", e.f.Class.Row(), e.f.Class)
	}
	return fmt.Sprintf("(row %d, %s)", e.f.Class.Row(), e.f.Class)
}

// evidence renders ": LINE" for the matched line, or "" without one.
func (e explainer) evidence() string {
	if l := strings.TrimRight(e.f.Line, ". "); l != "" {
		return ": " + l
	}
	return ""
}

// or returns s, or fallback when s is empty.
func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// Unrecognised is the paragraph for a failure the catalogue does not
// recognise (the one Report writes when nothing in go's output matched),
// for the doctor's predictions.
func Unrecognised(c Context) string { return generic(c) }
