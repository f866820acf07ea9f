package plan

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gopherfile/gopherfile/internal/spec"
)

// Build args the ldflags templates and the OCI labels read.
const (
	ArgVersion = "VERSION"
	ArgCommit  = "COMMIT"
	ArgEpoch   = "SOURCE_DATE_EPOCH"
)

// Stamp holds the values ldflags templates can use.
type Stamp struct {
	// Version is the build arg VERSION, else the release tag of the git
	// checkout without its "v" (or the checkout's pseudo-version), else "dev".
	Version string
	// VersionFrom is "git" when Version comes from the checkout.
	VersionFrom string
	// Commit is the git revision of the context, else the build arg COMMIT.
	Commit string
	// ShortCommit is the first 7 characters of Commit.
	ShortCommit string
	// Date is SOURCE_DATE_EPOCH in RFC 3339, else "".
	Date string
	// Os, Arch and Variant are the target platform of one compile (set by
	// ForPlatform; empty in a platform-independent render).
	Os, Arch, Variant string
	args              map[string]string
	// commitFromVCS says Commit is the revision BuildKit reported.
	commitFromVCS bool
}

// Arg returns a build arg ("" when not given).
func (s Stamp) Arg(name string) string { return s.args[name] }

func stampValues(args map[string]string, opt Options) Stamp {
	st := Stamp{Version: args[ArgVersion], Commit: opt.VCSRevision, args: args, commitFromVCS: opt.VCSRevision != ""}
	if st.Commit == "" {
		st.Commit = args[ArgCommit]
	}
	if g := opt.Git; g != nil {
		if st.Version == "" && g.Version() != "" {
			st.Version, st.VersionFrom = g.Version(), "git"
		}
		if st.Commit == "" && g.Commit != "" {
			st.Commit, st.commitFromVCS = g.Commit, true
		}
	}
	if st.Version == "" {
		st.Version = "dev"
	}
	st.ShortCommit = st.Commit
	if len(st.ShortCommit) > 7 {
		st.ShortCommit = st.ShortCommit[:7]
	}
	if opt.Epoch != nil {
		st.Date = opt.Epoch.UTC().Format(time.RFC3339)
	}
	return st
}

// errTooLong stops a template whose output passes spec.MaxTemplateOutput.
var errTooLong = errors.New("too long")

// boundedWriter is a strings.Builder that refuses to grow past a limit.
type boundedWriter struct {
	strings.Builder
	limit int
}

func (w *boundedWriter) Write(p []byte) (int, error) {
	if w.Len()+len(p) > w.limit {
		return 0, errTooLong
	}
	return w.Builder.Write(p)
}

// render expands an ldflags template. go build splits -ldflags at spaces and
// quotes, so a value with whitespace, quotes or control characters would add
// linker flags of its own (--build-arg 'VERSION=1 -X main.admin=true'): such
// values are refused, naming where they came from. The output is bounded.
func (s Stamp) render(text string) (string, error) {
	if !strings.Contains(text, "{{") {
		return text, nil
	}
	t, refs, err := spec.ParseTemplate(text)
	if err != nil {
		return "", err
	}
	for _, r := range refs {
		if err := s.checkValue(r); err != nil {
			return "", err
		}
	}
	w := &boundedWriter{limit: spec.MaxTemplateOutput}
	if err := t.Execute(w, s); err != nil {
		if errors.Is(err, errTooLong) {
			return "", fmt.Errorf("the template expands to more than %d KiB: shorten it", spec.MaxTemplateOutput>>10)
		}
		return "", fmt.Errorf("the template failed: %s", strings.TrimPrefix(err.Error(), "template: "))
	}
	return w.String(), nil
}

// checkValue refuses a template value that would split the -ldflags value.
func (s Stamp) checkValue(r spec.TemplateRef) error {
	var v, origin, fix string
	switch r.Field {
	case "Version":
		v, origin, fix = s.Version, "the build arg "+ArgVersion, "--build-arg "+ArgVersion+"=1.2.3"
		if s.VersionFrom == "git" {
			origin, fix = "the git tag of the checkout", "--build-arg "+ArgVersion+"=1.2.3"
		}
	case "Commit":
		v, origin, fix = s.Commit, "the build arg "+ArgCommit, "--build-arg "+ArgCommit+"=$(git rev-parse HEAD)"
		if s.commitFromVCS {
			origin, fix = "the git revision BuildKit reported for the context", "build from a clean git checkout"
		}
	case "ShortCommit":
		v, origin, fix = s.ShortCommit, "the build arg "+ArgCommit, "--build-arg "+ArgCommit+"=$(git rev-parse HEAD)"
		if s.commitFromVCS {
			origin, fix = "the git revision BuildKit reported for the context", "build from a clean git checkout"
		}
	case "Date", "Os", "Arch", "Variant":
		return nil // RFC 3339 made here, or a checked platform
	case "Arg":
		v, origin, fix = s.args[r.Arg], "the build arg "+r.Arg, "--build-arg "+r.Arg+"=VALUE with a value of one word"
	}
	for _, c := range v {
		if unicode.IsSpace(c) || unicode.IsControl(c) || strings.ContainsRune("'\"`\\", c) {
			return fmt.Errorf("%s is %q, which contains %s: in ldflags it would split the flag and pass linker flags of its own, so it is refused: pass a value without whitespace, quotes or backslashes, e.g. %s",
				origin, shorten(v), describe(c), fix)
		}
	}
	return nil
}

func describe(c rune) string {
	switch {
	case c == ' ':
		return "a space"
	case c == '\n':
		return "a newline"
	case unicode.IsSpace(c) || unicode.IsControl(c):
		return fmt.Sprintf("the character %q", c)
	}
	return fmt.Sprintf("the quote character %q", c)
}

// shorten cuts a value for a message.
func shorten(v string) string {
	if len(v) > 80 {
		return v[:80] + "..."
	}
	return v
}

// SourceDateEpoch reads the build arg SOURCE_DATE_EPOCH: a Unix time in
// seconds sets the image creation time, the file times and {{.Date}}; nil
// when it is not given or is "context" (BuildKit's own value: the commit
// time of a git context), which the caller resolves.
func SourceDateEpoch(args map[string]string) (*time.Time, error) {
	v, ok := args[ArgEpoch]
	if !ok || v == "" || v == "context" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > 253402300799 { // 9999-12-31T23:59:59Z
		return nil, fmt.Errorf("--build-arg %s=%s is not a Unix time in seconds: pass a number, e.g. --build-arg %s=$(git log -1 --format=%%ct), or leave it out", ArgEpoch, shorten(v), ArgEpoch)
	}
	t := time.Unix(n, 0).UTC()
	return &t, nil
}

// ForPlatform returns the stamp for one target platform ("os/arch[/variant]",
// normalized as BuildKit does: linux/arm is linux/arm/v7).
func (s Stamp) ForPlatform(platform string) Stamp {
	parts := strings.SplitN(platform, "/", 3)
	s.Os, s.Arch, s.Variant = parts[0], "", ""
	if len(parts) > 1 {
		s.Arch = parts[1]
	}
	if len(parts) > 2 {
		s.Variant = parts[2]
	}
	if s.Arch == "arm" && s.Variant == "" {
		s.Variant = "v7"
	}
	return s
}

// usesPlatform reports whether an ldflags template uses .Os, .Arch or .Variant.
func usesPlatform(text string) (bool, error) {
	if !strings.Contains(text, "{{") {
		return false, nil
	}
	_, refs, err := spec.ParseTemplate(text)
	if err != nil {
		return false, err
	}
	for _, r := range refs {
		if slices.Contains(spec.PlatformFields, r.Field) {
			return true, nil
		}
	}
	return false, nil
}

// BuildFlags are the go build flags of binary b for one target platform
// (os, arch and variant as in an OCI platform): b.Flags, with -ldflags
// rendered for the platform when its template uses it.
func (p *Plan) BuildFlags(b Binary, os, arch, variant string) ([]string, error) {
	if b.PlatformLdflags == "" {
		return b.Flags, nil
	}
	pl := os + "/" + arch
	if variant != "" {
		pl += "/" + variant
	}
	ld, err := p.stamp.ForPlatform(pl).render(b.PlatformLdflags)
	if err != nil {
		return nil, &Error{Field: b.Field + ".ldflags", Msg: fmt.Sprintf("%s.ldflags for %s: %s", b.Field, pl, err)}
	}
	return append([]string{"-ldflags=" + ld}, b.Flags...), nil
}
