package doctor

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"golang.org/x/mod/module"

	"github.com/gopherfile/gopherfile/internal/goenv"
)

// Names of the settings a report carries besides the go settings.
const (
	SettingNetrc = "netrc"
	SettingTrust = "trust store"
	SettingSSH   = "SSH agent"
	SettingGo    = "go"
)

// Comparison is a host report next to a builder report.
type Comparison struct {
	Host    *Report `json:"host"`
	Builder *Report `json:"builder"`
	// Differences are the settings whose values differ.
	Differences []Difference `json:"differences,omitempty"`
	// Explanation is the first difference that explains a failure of the
	// build, or "" when none does.
	Explanation string `json:"explanation,omitempty"`
}

// Difference is one setting with different values.
type Difference struct {
	Name          string `json:"name"`
	Host          string `json:"host"`
	HostOrigin    string `json:"hostOrigin"`
	Builder       string `json:"builder"`
	BuilderOrigin string `json:"builderOrigin"`
}

// Compare sets the two reports side by side.
func Compare(host, builder *Report) *Comparison {
	c := &Comparison{Host: host, Builder: builder}
	for _, name := range settingNames(host, builder) {
		h, _ := host.Setting(name)
		b, _ := builder.Setting(name)
		if h.Value != b.Value {
			c.Differences = append(c.Differences, Difference{Name: name, Host: h.Value, HostOrigin: h.Origin, Builder: b.Value, BuilderOrigin: b.Origin})
		}
	}
	c.Explanation = c.explain()
	return c
}

// settingNames are the names of both reports' settings, host's order first.
func settingNames(a, b *Report) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range []*Report{a, b} {
		for _, s := range r.Settings {
			if !seen[s.Name] {
				seen[s.Name] = true
				out = append(out, s.Name)
			}
		}
	}
	return out
}

func (c *Comparison) diff(name string) (Difference, bool) {
	for _, d := range c.Differences {
		if d.Name == name {
			return d, true
		}
	}
	return Difference{}, false
}

// explain finds the first difference that explains a problem of the build.
func (c *Comparison) explain() string {
	for _, p := range c.Builder.Problems {
		for _, name := range suspects(p) {
			d, ok := c.diff(name)
			if !ok || !c.relevant(d, p) {
				continue
			}
			return sentence(d)
		}
	}
	return ""
}

// suspects are the settings that can cause a problem of a row, most likely
// first.
func suspects(p Problem) []string {
	switch p.Row {
	case 1, 2, 3:
		return []string{"GOPROXY", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "GONOPROXY", "GOPRIVATE"}
	case 4:
		return []string{SettingTrust, "GOPROXY", "HTTPS_PROXY"}
	case 5:
		return []string{"GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOPROXY", SettingNetrc}
	case 6:
		return []string{SettingNetrc, "GOPRIVATE", "GONOPROXY", "GOPROXY", SettingSSH}
	case 7:
		return []string{SettingSSH}
	case 9:
		return []string{"GOSUMDB", "GONOSUMDB", "GOPRIVATE", "GOPROXY", "HTTPS_PROXY"}
	case 10, 11:
		return []string{"GOPROXY", "GOPRIVATE"}
	case 12:
		return []string{"GOTOOLCHAIN", SettingGo}
	case 17:
		return []string{"GOFLAGS", "GOPROXY", "GONOPROXY", "GOPRIVATE", "GOSUMDB", "GOAUTH", "GOTOOLCHAIN"}
	}
	// Not in the catalogue (or a row no setting causes): where the
	// requests go first.
	return []string{"GOPROXY", "GOPRIVATE", "GONOPROXY", "HTTPS_PROXY", SettingTrust, SettingNetrc}
}

// relevant reports whether a difference can explain p: a private pattern
// only when the host's covers the failed module and the build's does not;
// the other settings whenever they differ.
func (c *Comparison) relevant(d Difference, p Problem) bool {
	switch d.Name {
	case "GOPRIVATE", "GONOPROXY", "GONOSUMDB":
		if p.Module == "" {
			return d.Host != ""
		}
		return module.MatchPrefixPatterns(d.Host, p.Module) && !module.MatchPrefixPatterns(d.Builder, p.Module)
	case SettingNetrc:
		return p.Host == "" || strings.Contains(d.Host, hostOnly(p.Host))
	}
	return true
}

func hostOnly(h string) string {
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		return h[:i]
	}
	return h
}

// sentence says what differs and how to give the build the host's value.
func sentence(d Difference) string {
	hostSide := "set on the host (" + d.HostOrigin + ")"
	if d.Host != "" && d.Builder != "" {
		hostSide = fmt.Sprintf("%s on the host (%s) but %s in the build (%s)", show(d.Name, d.Host), d.HostOrigin, show(d.Name, d.Builder), d.BuilderOrigin)
		return fmt.Sprintf("%s is %s: %s", d.Name, hostSide, fix(d.Name))
	}
	if d.Host == "" {
		return fmt.Sprintf("%s is set in the build (%s: %s) but not on the host: %s", d.Name, d.BuilderOrigin, show(d.Name, d.Builder), "check that the build needs it")
	}
	return fmt.Sprintf("%s is %s but not in the build: %s", d.Name, hostSide, fix(d.Name))
}

func show(name, v string) string { return goenv.Redact(name, v) }

// fix says how to give the build a setting.
func fix(name string) string {
	switch name {
	case SettingNetrc:
		return "add --secret id=netrc,src=$HOME/.netrc (the download step reads it; it never reaches a layer)"
	case SettingTrust:
		return "pass the CA bundle the host trusts with --secret id=cacert,src=/path/to/ca-bundle.pem"
	case SettingSSH:
		return "forward the agent with --ssh default"
	case SettingGo:
		return "set go: in the Gopherfile or --build-arg GO_VERSION to the version go.mod needs"
	case "GOPROXY":
		return "set modules.proxy or --build-arg GOPROXY (or the secret GOPROXY when the URL holds a password)"
	}
	for _, v := range goenv.Vars {
		if v.Name == name {
			field := v.Field
			if strings.HasPrefix(field, "modules.") {
				return "add " + field + " or --build-arg " + name
			}
			return "set " + field + " in the Gopherfile or --build-arg " + name
		}
	}
	return "pass --build-arg " + name
}

// RenderComparison writes the side-by-side table and both verdicts.
func RenderComparison(w io.Writer, c *Comparison) {
	fmt.Fprintf(w, "gopherfile doctor --host: %s, host and builder side by side\n\n", c.Builder.Module)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tHOST\tBUILDER\tHOST FROM\tBUILDER FROM\t")
	for _, name := range settingNames(c.Host, c.Builder) {
		h, _ := c.Host.Setting(name)
		b, _ := c.Builder.Setting(name)
		mark := ""
		if h.Value != b.Value {
			mark = "<- differs"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", name, or(show(name, h.Value), "(unset)"), or(show(name, b.Value), "(unset)"), h.Origin, b.Origin, mark)
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintf(w, "host:    %s\n", verdict(c.Host))
	fmt.Fprintf(w, "builder: %s\n", verdict(c.Builder))
	switch {
	case c.Explanation != "":
		fmt.Fprintf(w, "\nThe first difference that explains the build's failure: %s.\n", c.Explanation)
	case c.Builder.Failed() && len(c.Differences) == 0:
		fmt.Fprintln(w, "\nThe host and the build have the same settings: the failure is in what the builder can reach (network, DNS, trust), not in a setting.")
	}
	if c.Builder.Failed() {
		renderVerdict(w, c.Builder)
	}
}

// verdict is one line: "ok (12 requirements)" or "FAIL: rows 5, 6".
func verdict(r *Report) string {
	if !r.Failed() {
		return fmt.Sprintf("ok: every requirement (%d) can be fetched", len(r.Modules))
	}
	rows := r.Rows()
	s := make([]string, len(rows))
	for i, n := range rows {
		s[i] = fmt.Sprint(n)
	}
	return fmt.Sprintf("FAIL: %d problem(s), catalogue row(s) %s", len(r.Problems), strings.Join(s, ", "))
}
