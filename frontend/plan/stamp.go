package plan

import (
	"fmt"
	"github.com/gopherfile/gopherfile/frontend/spec"
	"strings"
	"text/template"
	"time"
)

// Stamp holds the values ldflags templates can use.
type Stamp struct {
	// Version is the build arg VERSION, else "dev".
	Version string
	// Commit is the git revision of the context, else the build arg COMMIT.
	Commit string
	// Date is SOURCE_DATE_EPOCH in RFC 3339, else "".
	Date string
	args map[string]string
}

// Arg returns a build arg ("" when not given).
func (s Stamp) Arg(name string) string { return s.args[name] }

func stampValues(args map[string]string, opt Options) Stamp {
	st := Stamp{Version: orDefault(args["VERSION"], "dev"), Commit: opt.VCSRevision, args: args}
	if st.Commit == "" {
		st.Commit = args["COMMIT"]
	}
	if opt.Epoch != nil {
		st.Date = opt.Epoch.UTC().Format(time.RFC3339)
	}
	return st
}

// render expands an ldflags template. Values with spaces would split the flag,
// so they are refused.
func (s Stamp) render(text string) (string, error) {
	if !strings.Contains(text, "{{") {
		return text, nil
	}
	t, err := template.New("ldflags").Option("missingkey=error").Parse(text)
	if err != nil {
		return "", fmt.Errorf("ldflags is not a valid template: %w (see the README: {{.Version}}, {{.Commit}}, {{.Date}}, {{.Arg \"NAME\"}})", err)
	}
	var b strings.Builder
	if err := t.Execute(&b, s); err != nil {
		return "", fmt.Errorf("ldflags template: %w", err)
	}
	return b.String(), nil
}

// ociLabels are the org.opencontainers.image.* labels Gopherfile knows, under
// the user's labels (which win).
func ociLabels(p *Plan, bins []Binary, args map[string]string, opt Options) map[string]string {
	l := map[string]string{"org.opencontainers.image.title": bins[0].Name}
	if opt.VCSSource != "" {
		l["org.opencontainers.image.source"] = opt.VCSSource
	}
	if opt.VCSRevision != "" {
		l["org.opencontainers.image.revision"] = opt.VCSRevision
	}
	if v := args["VERSION"]; v != "" {
		l["org.opencontainers.image.version"] = v
	}
	if opt.Epoch != nil {
		l["org.opencontainers.image.created"] = opt.Epoch.UTC().Format(time.RFC3339)
	}
	for k, v := range p.Image.Labels {
		l[k] = v
	}
	return l
}

func testPlan(s *spec.Spec) Test {
	t := Test{Packages: s.Test.Packages, Network: s.Test.Network}
	if len(t.Packages) == 0 {
		t.Packages = []string{"./..."}
	}
	var tags []string
	if len(s.Test.Tags) > 0 {
		tags = []string{"-tags=" + strings.Join(s.Test.Tags, ",")}
	}
	t.VetFlags = append(t.VetFlags, tags...)
	t.Flags = append(t.Flags, tags...)
	if s.Test.Race {
		t.Flags = append(t.Flags, "-race")
	}
	if s.Test.Short {
		t.Flags = append(t.Flags, "-short")
	}
	t.Flags = append(t.Flags, s.Test.Args...)
	return t
}
