package doctor

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/gopherfile/gopherfile/internal/goenv"
)

// maxModuleLines bounds the module table of a healthy report: every failed
// module is listed, and at most this many that answered.
const maxModuleLines = 20

// Render writes the report as a readable table.
func Render(w io.Writer, r *Report) {
	fmt.Fprintf(w, "gopherfile doctor: %s, in the %s (%.1fs)\n\n", r.Module, where(r.Where), float64(r.Millis)/1000)
	if r.Vendored {
		fmt.Fprintln(w, "vendor/modules.txt is present: the build downloads nothing.")
		fmt.Fprintln(w)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tVALUE\tFROM")
	for _, s := range r.Settings {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, or(goenv.Redact(s.Name, s.Value), "(unset)"), s.Origin)
	}
	tw.Flush()

	fmt.Fprintln(w)
	tc := r.Toolchain
	line := fmt.Sprintf("toolchain: go %s from %s", or(tc.Go, "?"), or(tc.Source, "?"))
	if tc.Switch != "" {
		line += ", switching to " + tc.Switch
	}
	fmt.Fprintf(w, "%s  %s\n", line, okWord(tc.OK))

	if len(r.Proxies) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "GOPROXY ENTRY\tTLS\tCREDENTIAL\tANSWERS")
		for _, p := range r.Proxies {
			tls := or(p.TLS, "-")
			if p.Issuer != "" {
				tls += " (issuer " + p.Issuer + ")"
			}
			if p.Intercepted {
				tls += ", looks like a TLS-intercepting proxy"
			}
			fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\n", goenv.RedactURL(p.URL), p.Sep, tls, or(p.Credential, "none"), answers(p))
		}
		tw.Flush()
	}

	fmt.Fprintln(w)
	sdb := "checksum database: " + r.SumDB.Name
	if r.SumDB.Via != "" {
		sdb += " via " + goenv.RedactURL(r.SumDB.Via)
	}
	if r.SumDB.NoSumDB != "" {
		sdb += " (not for " + r.SumDB.NoSumDB + ")"
	}
	fmt.Fprintf(w, "%s: %s  %s\n", sdb, r.SumDB.Status, okWord(r.SumDB.OK))

	if len(r.Direct) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DIRECT (VCS)\tREPOSITORY\tCREDENTIAL\tGIT LS-REMOTE")
		for _, d := range r.Direct {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s  %s\n", d.Host, or(goenv.RedactURL(d.Repo), "-"), or(d.Credential, "none"), d.Status, okWord(d.OK))
		}
		tw.Flush()
	}

	renderModules(w, r)
	renderVerdict(w, r)
}

func renderModules(w io.Writer, r *Report) {
	if len(r.Modules) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REQUIREMENT\tVIA\tANSWER")
	shown, okHidden := 0, 0
	for _, m := range r.Modules {
		if m.OK && shown >= maxModuleLines {
			okHidden++
			continue
		}
		shown++
		ans := m.Status
		if m.Row != 0 {
			ans += fmt.Sprintf(" (row %d)", m.Row)
		}
		ind := ""
		if m.Indirect {
			ind = " // indirect"
		}
		fmt.Fprintf(tw, "%s %s%s\t%s\t%s  %s\n", m.Path, m.Version, ind, or(goenv.RedactURL(m.Via), "-"), ans, okWord(m.OK))
	}
	tw.Flush()
	if okHidden > 0 {
		fmt.Fprintf(w, "... and %d more requirements that answered (--format json lists them all)\n", okHidden)
	}
}

func renderVerdict(w io.Writer, r *Report) {
	fmt.Fprintln(w)
	if len(r.Problems) == 0 {
		fmt.Fprintf(w, "OK: every requirement (%d) can be fetched in the %s.\n", len(r.Modules), where(r.Where))
		return
	}
	fmt.Fprintf(w, "PREDICTED FAILURE: %d problem(s) would fail go mod download in the %s:\n", len(r.Problems), where(r.Where))
	for _, p := range r.Problems {
		fmt.Fprintf(w, "\n%s\n", p.Text)
		if p.Evidence != "" {
			fmt.Fprintf(w, "  seen: %s\n", evidence(p.Evidence))
		}
	}
}

// answers summarises a proxy's answers: "3 asked: 200 OK x2, 404 Not Found x1".
func answers(p Proxy) string {
	if p.Asked == 0 {
		return "not asked (an earlier entry answered)"
	}
	keys := make([]string, 0, len(p.Statuses))
	for k := range p.Statuses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s x%d", k, p.Statuses[k])
	}
	return fmt.Sprintf("%d asked: %s", p.Asked, strings.Join(parts, ", "))
}

func where(w string) string {
	if w == Host {
		return "host"
	}
	return "builder (the download step's network, secrets and settings)"
}

func okWord(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAIL"
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// maxEvidenceLines bounds the lines of evidence shown per problem.
const maxEvidenceLines = 8

// evidence is what the probe saw, its lines indented, at most
// maxEvidenceLines of them.
func evidence(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > maxEvidenceLines {
		lines = append(lines[:maxEvidenceLines], "...")
	}
	for i := range lines {
		lines[i] = firstLine(strings.TrimSpace(lines[i]))
	}
	return strings.Join(lines, "\n        ")
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
