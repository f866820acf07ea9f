package doctor

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/golden"
)

func builderReport() *Report {
	return &Report{
		Where: Builder, Module: "example.com/app", GoLine: "1.26", Millis: 840, DeadlineSeconds: 600,
		Settings: []Setting{
			{Name: "GOPROXY", Value: "https://ci:pw@proxy.corp.example/go,direct", Origin: "secret GOPROXY"},
			{Name: "GOPRIVATE", Value: "", Origin: "default"},
			{Name: "GONOPROXY", Value: "", Origin: "default"},
			{Name: SettingNetrc, Value: "", Origin: "not given"},
			{Name: SettingSSH, Value: "", Origin: "not given"},
		},
		Toolchain: Toolchain{Go: "1.26.8", Source: "the builder image", OK: true},
		Proxies: []Proxy{{URL: "https://ci:xxxxx@proxy.corp.example/go", Host: "proxy.corp.example", Sep: ",", TLS: "trusted", Issuer: "Corp CA",
			Credential: "user:password in the GOPROXY URL", Asked: 2, Statuses: map[string]int{"200 OK": 1, "404 Not Found": 1}},
			{URL: "direct"}},
		SumDB:  SumDB{Name: "sum.golang.org", Status: "not asked: go.sum covers every requirement", OK: true},
		Direct: []Direct{{Host: "git.corp.example", Repo: "https://git.corp.example/platform/auth", Modules: []string{"git.corp.example/platform/auth@v1.2.0"}, Status: "failed: fatal: could not read Username"}},
		Modules: []Module{
			{Path: "git.corp.example/platform/auth", Version: "v1.2.0", Via: "direct", Status: "from version control (see DIRECT)", OK: true},
			{Path: "golang.org/x/text", Version: "v0.20.0", Indirect: true, Via: "https://ci:xxxxx@proxy.corp.example/go", Status: "200 OK", OK: true},
		},
		Problems: []Problem{{Row: 6, Class: "git asks for a password", Module: "git.corp.example/platform/auth", Host: "git.corp.example",
			Text: "git.corp.example/platform/auth@v1.2.0: git asked for a user name or password for git.corp.example (row 6, git asks for a password).", Evidence: "fatal: could not read Username for 'https://git.corp.example': terminal prompts disabled"}},
	}
}

func hostReport() *Report {
	r := builderReport()
	r.Where = Host
	r.Problems = nil
	r.Settings = []Setting{
		{Name: "GOPROXY", Value: "https://ci:pw@proxy.corp.example/go,direct", Origin: "go env -w (/home/u/.config/go/env)"},
		{Name: "GOPRIVATE", Value: "git.corp.example", Origin: "go env -w (/home/u/.config/go/env)"},
		{Name: "GONOPROXY", Value: "git.corp.example", Origin: "go env -w (/home/u/.config/go/env)"},
		{Name: SettingNetrc, Value: "machines git.corp.example", Origin: "/home/u/.netrc"},
		{Name: SettingSSH, Value: "forwarded", Origin: "host environment ($SSH_AUTH_SOCK)"},
	}
	return r
}

func TestRender(t *testing.T) {
	var b bytes.Buffer
	Render(&b, builderReport())
	if strings.Contains(b.String(), ":pw@") {
		t.Errorf("the table shows a password")
	}
	golden.Check(t, "testdata/builder.txt", b.String())
}

// TestCompare: the first difference that explains the build's row 6 is
// the netrc the host has (the suspects of row 6, in order), and a
// private pattern counts only when it covers the failed module.
func TestCompare(t *testing.T) {
	c := Compare(hostReport(), builderReport())
	want := "netrc is set on the host (/home/u/.netrc) but not in the build: add --secret id=netrc,src=$HOME/.netrc"
	if !strings.HasPrefix(c.Explanation, want) {
		t.Errorf("explanation %q, want %q", c.Explanation, want)
	}
	b := builderReport()
	b.Problems[0].Row = 5
	c = Compare(hostReport(), b)
	if want := "GOPRIVATE is set on the host (go env -w (/home/u/.config/go/env)) but not in the build: add modules.private or --build-arg GOPRIVATE"; c.Explanation != want {
		t.Errorf("row 5: explanation %q, want %q", c.Explanation, want)
	}
	b.Problems[0].Module = "github.com/public/thing"
	c = Compare(hostReport(), b)
	if strings.HasPrefix(c.Explanation, "GOPRIVATE") {
		t.Errorf("a GOPRIVATE that does not cover the module explains nothing: %q", c.Explanation)
	}
	var out bytes.Buffer
	RenderComparison(&out, Compare(hostReport(), builderReport()))
	if strings.Contains(out.String(), ":pw@") {
		t.Errorf("the table shows a password")
	}
	golden.Check(t, "testdata/compare.txt", out.String())
}

// TestGOPROXYOnlyOnHost: a GOPROXY the host sets and the build does not is
// the explanation of a proxy failure.
func TestGOPROXYOnlyOnHost(t *testing.T) {
	h := &Report{Where: Host, Settings: []Setting{{Name: "GOPROXY", Value: "http://127.0.0.1:3000", Origin: "host environment ($GOPROXY)"}}}
	b := &Report{Where: Builder, Settings: []Setting{{Name: "GOPROXY", Value: "https://proxy.golang.org,direct", Origin: "default"}},
		Problems: []Problem{{Row: 5, Module: "example.com/x"}}}
	c := Compare(h, b)
	want := "GOPROXY is http://127.0.0.1:3000 on the host (host environment ($GOPROXY)) but https://proxy.golang.org,direct in the build (default): set modules.proxy or --build-arg GOPROXY"
	if !strings.HasPrefix(c.Explanation, want) {
		t.Errorf("explanation %q, want %q", c.Explanation, want)
	}
}
