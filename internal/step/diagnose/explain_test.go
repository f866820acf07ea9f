package diagnose

import (
	"github.com/gopherfile/gopherfile/internal/stepconfig"

	"fmt"
	"path/filepath"
	"strings"
	"testing"

	goldenfile "github.com/gopherfile/gopherfile/internal/golden"
)

// baseContext is the context of a typical download step.
func baseContext() Context {
	return Context{
		Stage:       stepconfig.StageDownload,
		GOFLAGS:     Setting{Value: "-mod=readonly", Origin: "default"},
		GOTOOLCHAIN: Setting{Value: "local", Origin: "builder image env"},
		GoVersion:   "1.26.8",
		GoModGo:     "1.26",
	}
}

// goldenCases pairs fixtures with the context of the build that produced
// them.
func goldenCases() []struct {
	name, fixture string
	ctx           Context
} {
	with := func(f func(*Context)) Context {
		c := baseContext()
		f(&c)
		return c
	}
	return []struct {
		name, fixture string
		ctx           Context
	}{
		{"00-unrecognised", "00-unrecognised.txt", with(func(c *Context) { c.Stage = stepconfig.StageBuild })},
		{"01-connection-refused", "01-connection-refused.txt", with(func(c *Context) {
			c.GOPROXY = Setting{Value: "http://127.0.0.1:42065", Origin: "Gopherfile line 7 (modules.proxy)"}
		})},
		{"01-connection-reset", "01-connection-reset.txt", with(func(c *Context) {
			c.GOPROXY = Setting{Value: "http://127.0.0.1:42065,https://proxy.golang.org,direct", Origin: "build arg GOPROXY"}
		})},
		{"01-io-timeout", "01-io-timeout.txt", with(func(c *Context) {
			c.GOPROXY = Setting{Value: "https://goproxy.corp.example", Origin: "build arg GOPROXY"}
		})},
		{"02-dns-proxy", "02-dns-proxy.txt", with(func(c *Context) {
			c.GOPROXY = Setting{Value: "http://proxy.invalid.example", Origin: "build arg GOPROXY"}
		})},
		{"02-dns-git", "02-dns-git.txt", with(func(c *Context) {
			c.GOPROXY = Setting{Value: "direct", Origin: "Gopherfile line 7 (modules.proxy)"}
		})},
		{"03-server-503", "03-server-503.txt", with(func(c *Context) {
			c.GOPROXY = Setting{Value: "http://127.0.0.1:42065,direct", Origin: "Gopherfile line 7 (modules.proxy)"}
		})},
		{"03-server-504-proxy-golang", "03-server-504-proxy-golang.txt", baseContext()},
		{"04-x509-proxy", "04-x509-proxy.txt", with(func(c *Context) {
			c.GOPROXY = Setting{Value: "https://127.0.0.1:35425", Origin: "build arg GOPROXY"}
		})},
		{"04-x509-git", "04-x509-git.txt", with(func(c *Context) {
			c.GOPRIVATE = Setting{Value: "git.corp.example", Origin: "Gopherfile line 9 (modules.private)"}
			c.GOINSECURE = Setting{Value: "git.corp.example", Origin: "build arg GOINSECURE"}
		})},
		{"05-private-proxy-golang", "05-private-proxy-golang.txt", baseContext()},
		{"05-private-already-private", "05-private-proxy-golang.txt", with(func(c *Context) {
			c.GOPRIVATE = Setting{Value: "github.com/acme/*", Origin: "Gopherfile line 9 (modules.private)"}
		})},
		{"05-forbidden-not-available", "05-forbidden-not-available.txt", baseContext()},
		{"05-gone", "05-gone.txt", with(func(c *Context) {
			c.GOPROXY = Setting{Value: "http://127.0.0.1:33011", Origin: "build arg GOPROXY"}
		})},
		{"05-unauthorized", "05-unauthorized.txt", with(func(c *Context) {
			c.GOPROXY = Setting{Value: "https://athens.acme.example", Origin: "Gopherfile line 7 (modules.proxy)"}
		})},
		{"05-unauthorized-rejected", "05-unauthorized.txt", with(func(c *Context) {
			c.GOPROXY = Setting{Value: "https://ci:s3cret-pass@athens.acme.example", Origin: "build arg GOPROXY"}
			c.Credentials = map[string]string{"athens.acme.example": "the user name and password in GOPROXY (from build arg GOPROXY)"}
		})},
		{"05-sumdb-private", "05-sumdb-private.txt", with(func(c *Context) {
			c.GOPROXY = Setting{Value: "direct", Origin: "build arg GOPROXY"}
			c.GONOPROXY = Setting{Value: "github.com/acme/*", Origin: "build arg GONOPROXY"}
		})},
		{"06-git-username", "06-git-username.txt", with(func(c *Context) {
			c.GOPRIVATE = Setting{Value: "github.com/acme/*", Origin: "Gopherfile line 9 (modules.private)"}
		})},
		{"06-git-username-not-private", "06-git-username.txt", with(func(c *Context) {
			c.GOPROXY = Setting{Value: "direct", Origin: "builder image env"}
		})},
		{"06-git-token-rejected", "06-token-rejected.txt", with(func(c *Context) {
			c.GOPRIVATE = Setting{Value: "git.acme.example", Origin: "Gopherfile modules.private"}
			c.Credentials = map[string]string{"git.acme.example": "the secret GIT_AUTH_TOKEN.git.acme.example"}
		})},
		{"06-git-auth-failed-no-token", "06-token-rejected.txt", with(func(c *Context) {
			c.GOPRIVATE = Setting{Value: "git.acme.example", Origin: "Gopherfile modules.private"}
		})},
		{"07-ssh-host-key", "07-ssh-host-key.txt", with(func(c *Context) {
			c.GOPRIVATE = Setting{Value: "github.com/acme/*", Origin: "Gopherfile line 9 (modules.private)"}
		})},
		{"07-ssh-publickey", "07-ssh-publickey.txt", with(func(c *Context) {
			c.GOPRIVATE = Setting{Value: "github.com/acme/*", Origin: "Gopherfile line 9 (modules.private)"}
		})},
		{"08-checksum-gosum", "08-checksum-gosum.txt", baseContext()},
		{"08-checksum-private", "08-checksum-gosum.txt", with(func(c *Context) {
			c.GOPRIVATE = Setting{Value: "example.com", Origin: "build arg GOPRIVATE"}
		})},
		{"08-checksum-sumdb", "08-checksum-sumdb.txt", baseContext()},
		{"09-sumdb-dns", "09-sumdb-dns.txt", baseContext()},
		{"09-sumdb-refused", "09-sumdb-refused.txt", with(func(c *Context) {
			c.GONOPROXY = Setting{Value: "github.com/google", Origin: "build arg GONOPROXY"}
		})},
		{"10-unknown-revision-proxy", "10-unknown-revision-proxy.txt", baseContext()},
		{"10-unknown-revision-direct", "10-unknown-revision-direct.txt", baseContext()},
		{"10-invalid-version-gomod", "10-invalid-version-gomod.txt", baseContext()},
		{"11-path-mismatch", "11-path-mismatch.txt", baseContext()},
		{"12-go-too-old", "12-go-too-old.txt", with(func(c *Context) { c.GoModGo = "1.27" })},
		{"12-dependency-too-new", "12-dependency-too-new.txt", with(func(c *Context) {
			c.GoModToolchain = "go1.26.8"
		})},
		{"13-missing-sum-build", "13-missing-sum-build.txt", with(func(c *Context) { c.Stage = stepconfig.StageBuild })},
		{"13-missing-sum-test", "13-missing-sum-test.txt", with(func(c *Context) { c.Stage = stepconfig.StageTest })},
		{"13-missing-sum-gomod", "13-missing-sum-gomod.txt", baseContext()},
		{"14-tidy-diff", "14-tidy-diff.txt", with(func(c *Context) { c.Stage = stepconfig.StageTidy })},
		{"14-missing-requirement", "14-missing-requirement.txt", with(func(c *Context) { c.Stage = stepconfig.StageBuild })},
		{"15-inconsistent-vendoring", "15-inconsistent-vendoring.txt", with(func(c *Context) { c.Stage = stepconfig.StageBuild })},
		{"15-inconsistent-vendoring-goflags", "15-inconsistent-vendoring.txt", with(func(c *Context) {
			c.Stage = stepconfig.StageBuild
			c.GOFLAGS = Setting{Value: "-mod=vendor", Origin: "build arg GOFLAGS"}
		})},
		{"15-vendor-missing-package", "15-vendor-missing-package.txt", with(func(c *Context) { c.Stage = stepconfig.StageBuild })},
		{"16-replace-missing-build", "16-replace-missing-build.txt", with(func(c *Context) { c.Stage = stepconfig.StageBuild })},
		{"16-replace-missing-download", "16-replace-missing-download.txt", baseContext()},
		{"16-replace-missing-tidy", "16-replace-missing-tidy.txt", with(func(c *Context) { c.Stage = stepconfig.StageTidy })},
		{"17-goproxy-off", "17-goproxy-off.txt", with(func(c *Context) {
			c.GOPROXY = Setting{Value: "off", Origin: "build arg GOPROXY"}
		})},
		{"17-goflags-unknown", "17-goflags-unknown.txt", with(func(c *Context) {
			c.GOFLAGS = Setting{Value: "-modcacherw -bogus", Origin: "builder image env"}
		})},
		{"17-mod-flag-invalid", "17-mod-flag-invalid.txt", with(func(c *Context) {
			c.Stage = stepconfig.StageBuild
			c.GOFLAGS = Setting{Value: "-mod=vendr", Origin: "Gopherfile line 5 (env.GOFLAGS)"}
		})},
		{"17-mod-vendor-no-vendor", "17-mod-vendor-no-vendor.txt", with(func(c *Context) {
			c.Stage = stepconfig.StageBuild
			c.GOFLAGS = Setting{Value: "-mod=vendor", Origin: "Gopherfile line 5 (env.GOFLAGS)"}
		})},
		{"18-cache-lost", "18-cache-lost.txt", baseContext()},
		{"19-vcs-status", "19-vcs-status.txt", with(func(c *Context) {
			c.Stage = stepconfig.StageBuild
			c.GOFLAGS = Setting{Value: "-buildvcs=true", Origin: "build arg GOFLAGS"}
		})},
		{"18-cache-lost-offline", "17-goproxy-off.txt", with(func(c *Context) {
			c.Stage = stepconfig.StageBuild
			c.Offline = true
			c.GOPROXY = Setting{Value: "off", Origin: "Gopherfile: the go build step is offline"}
		})},
		{"18-cache-lost-unrecoverable", "17-goproxy-off.txt", with(func(c *Context) {
			c.Stage = stepconfig.StageDownload
			c.Recovery = true
			c.GOPROXY = Setting{Value: "off", Origin: "Gopherfile modules.proxy"}
		})},
		{"mixed-transient", "mixed-transient.txt", with(func(c *Context) {
			c.GOPROXY = Setting{Value: "https://goproxy.corp.example,direct", Origin: "build arg GOPROXY"}
		})},
		{"mixed-permanent", "mixed-permanent.txt", baseContext()},
	}
}

// goldenReport is Report, plus the ColdCache paragraph for row 18.
func goldenReport(output string, c Context) string {
	r := Report(output, c)
	if f, ok := ColdCache(output, 5); ok {
		r += "\n" + Explain(f, c) + "\n"
	}
	return r
}

func TestReportGolden(t *testing.T) {
	for _, tt := range goldenCases() {
		t.Run(tt.name, func(t *testing.T) {
			got := goldenReport(readFixture(t, tt.fixture), tt.ctx)
			goldenfile.Check(t, filepath.Join("testdata", "golden", tt.name+".golden"), got)
		})
	}
}

// TestReportRules checks the advice rules on every golden case.
func TestReportRules(t *testing.T) {
	for _, tt := range goldenCases() {
		out := readFixture(t, tt.fixture)
		report := goldenReport(out, tt.ctx)
		fs := Classify(out)
		if !strings.HasPrefix(report, "gopherfile: "+tt.ctx.Stage+" failed: ") {
			t.Errorf("%s: bad header: %q", tt.name, strings.SplitN(report, "\n", 2)[0])
		}
		// Never suggest switching verification off.
		for _, bad := range []string{"GOSUMDB=off", "-insecure", "GOINSECURE=", "GOFLAGS=-insecure", "InsecureSkipVerify"} {
			if strings.Contains(report, bad) {
				t.Errorf("%s: report suggests %q:\n%s", tt.name, bad, report)
			}
		}
		for _, f := range fs {
			p := Explain(f, tt.ctx)
			if strings.Contains(p, "\n") {
				t.Errorf("%s: paragraph has a newline: %q", tt.name, p)
			}
			if f.Module != "" && !strings.Contains(p, f.Module) {
				t.Errorf("%s: paragraph does not name module %s: %s", tt.name, f.Module, p)
			}
			if !strings.Contains(p, "row ") {
				t.Errorf("%s: paragraph does not name the row: %s", tt.name, p)
			}
			// GONOSUMDB only for private paths.
			if strings.Contains(p, "GONOSUMDB") && f.Class != PrivateModule && !tt.ctx.noProxy(f.Module) && !tt.ctx.noSumDB(f.Module) {
				t.Errorf("%s: GONOSUMDB mentioned for public module %s: %s", tt.name, f.Module, p)
			}
			if f.Class == ChecksumMismatch && strings.Contains(p, "GONOSUMDB") && !tt.ctx.noSumDB(f.Module) {
				t.Errorf("%s: checksum mismatch advice mentions GONOSUMDB: %s", tt.name, p)
			}
		}
	}
}

func TestExplainAdvice(t *testing.T) {
	private := Setting{Value: "github.com/acme/*", Origin: "Gopherfile line 9 (modules.private)"}
	pf := Finding{Class: PrivateModule, Module: "github.com/acme/private", Version: "v1.2.0", Host: "proxy.golang.org", Detail: "404 Not Found"}
	tests := []struct {
		name    string
		f       Finding
		ctx     Context
		want    []string
		notWant []string
	}{
		{
			name: "row 5 not yet private",
			f:    pf,
			ctx:  baseContext(),
			want: []string{
				"github.com/acme/private@v1.2.0", "row 5",
				"set modules.private: [github.com/acme/*] in the Gopherfile or --build-arg GOPRIVATE=github.com/acme/*",
				"--secret id=netrc,src=$HOME/.netrc",
				"GOPROXY=https://proxy.golang.org,direct (the default)",
			},
		},
		{
			name:    "row 5 already private: credentials, not GOPRIVATE",
			f:       pf,
			ctx:     func() Context { c := baseContext(); c.GOPRIVATE = private; return c }(),
			want:    []string{"already matches GOPRIVATE=github.com/acme/* (from Gopherfile line 9 (modules.private))", "--secret id=netrc,src=$HOME/.netrc"},
			notWant: []string{"set modules.private"},
		},
		{
			name: "row 5 on another host suggests the whole host",
			f:    Finding{Class: PrivateModule, Module: "git.corp.example/team/lib", Version: "v1.0.0", Host: "proxy.golang.org", Detail: "404 Not Found"},
			ctx:  baseContext(),
			want: []string{"--build-arg GOPRIVATE=git.corp.example,", "machine git.corp.example"},
		},
		{
			name: "row 5 401 from a plain-http proxy",
			f:    Finding{Class: PrivateModule, Module: "example.com/m", Version: "v1.0.0", Host: "127.0.0.1:8080", Detail: "401 Unauthorized"},
			ctx: func() Context {
				c := baseContext()
				c.GOPROXY = Setting{Value: "http://127.0.0.1:8080", Origin: "build arg GOPROXY"}
				return c
			}(),
			want: []string{"only over https", "machine 127.0.0.1:8080 login"},
		},
		{
			name:    "row 4 passes the CA as a secret",
			f:       Finding{Class: TLSUntrusted, Module: "example.com/m", Version: "v1.0.0", Host: "proxy.corp", Line: "x509: certificate signed by unknown authority"},
			ctx:     baseContext(),
			want:    []string{"--secret id=cacert,src=/path/ca.pem", "row 4"},
			notWant: []string{"GOINSECURE", "insecure"},
		},
		{
			name:    "row 8 public: stop, never disable verification",
			f:       Finding{Class: ChecksumMismatch, Module: "github.com/x/y", Version: "v1.0.0", Detail: "go.sum"},
			ctx:     baseContext(),
			want:    []string{"Stop", "never retried", "https://sum.golang.org/lookup/github.com/x/y@v1.0.0"},
			notWant: []string{"GONOSUMDB", "GOSUMDB", "GOPRIVATE", "GOFLAGS", "insecure"},
		},
		{
			name:    "row 9 public module: no GONOSUMDB",
			f:       Finding{Class: SumDBUnreachable, Module: "github.com/x/y", Version: "v1.0.0", Host: "sum.golang.org"},
			ctx:     baseContext(),
			want:    []string{"GOSUMDB=sum.golang.org (the default)", "transient"},
			notWant: []string{"GONOSUMDB"},
		},
		{
			name: "row 1 suggests | fallback",
			f:    Finding{Class: ProxyUnreachable, Module: "example.com/m", Version: "v1.0.0", Host: "goproxy.corp"},
			ctx: func() Context {
				c := baseContext()
				c.GOPROXY = Setting{Value: "https://goproxy.corp,https://proxy.golang.org,direct", Origin: "build arg GOPROXY"}
				return c
			}(),
			want: []string{"GOPROXY=https://goproxy.corp|https://proxy.golang.org|direct", "from build arg GOPROXY"},
		},
		{
			// Issue 21 item 12: the | fallback the advice suggests was built
			// from the raw GOPROXY, password and all.
			name: "row 1 fallback from a build arg with a password and a query token",
			f:    Finding{Class: ProxyUnreachable, Module: "example.com/m", Version: "v1.0.0", Host: "goproxy.corp"},
			ctx: func() Context {
				c := baseContext()
				c.GOPROXY = Setting{Value: "https://ci:PASSW0RD@goproxy.corp/go?token=T0K3N", Origin: "build arg GOPROXY"}
				return c
			}(),
			want:    []string{"GOPROXY=https://ci:xxxxx@goproxy.corp/go|https://proxy.golang.org|direct"},
			notWant: []string{"PASSW0RD", "T0K3N"},
		},
		{
			name: "row 3 fallback from the GOPROXY secret shows the host only",
			f:    Finding{Class: ServerError, Module: "example.com/m", Version: "v1.0.0", Host: "art.corp", Detail: "503 Service Unavailable"},
			ctx: func() Context {
				c := baseContext()
				c.GOPROXY = Setting{Value: "https://ci:PASSW0RD@art.corp/api/go/T0K3N", Origin: "secret GOPROXY"}
				return c
			}(),
			want:    []string{"GOPROXY=https://art.corp (from secret GOPROXY)", "GOPROXY=https://art.corp|https://proxy.golang.org|direct"},
			notWant: []string{"PASSW0RD", "T0K3N", "ci:"},
		},
		{
			name: "row 12 names the builder and go.mod",
			f:    Finding{Class: GoTooOld, Detail: "1.27", Line: "go: go.mod requires go >= 1.27 (running go 1.26.8; GOTOOLCHAIN=local)"},
			ctx:  func() Context { c := baseContext(); c.GoModGo = "1.27"; return c }(),
			want: []string{"go.mod requires go >= 1.27", "go 1.26.8", "GOTOOLCHAIN=local (from builder image env)", "Go 1.27 or newer"},
		},
		{
			name: "row 17 GOPROXY=off names its origin",
			f:    Finding{Class: EnvConflict, Module: "example.com/m", Version: "v1.0.0", Detail: "GOPROXY=off"},
			ctx: func() Context {
				c := baseContext()
				c.GOPROXY = Setting{Value: "off", Origin: "build arg GOPROXY"}
				return c
			}(),
			want: []string{"GOPROXY=off (from build arg GOPROXY)", "row 17"},
		},
		{
			name: "row 19",
			f:    Finding{Class: VCSStamping},
			ctx:  baseContext(),
			want: []string{"-buildvcs=false", "row 19"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Explain(tt.f, tt.ctx)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in:\n%s", w, got)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("unexpected %q in:\n%s", w, got)
				}
			}
		})
	}
}

func TestReportDedupeAndFallback(t *testing.T) {
	c := baseContext()
	tests := []struct {
		name   string
		output string
		header string
		paras  int
	}{
		{"nothing recognised", "something odd\n", "gopherfile: go mod download failed: 1 problem(s)", 1},
		{"empty", "", "gopherfile: go mod download failed: 1 problem(s)", 1},
		{"same class and module once",
			"go: example.com/m@v1.0.0: reading https://proxy.golang.org/example.com/m/@v/v1.0.0.mod: 503 Service Unavailable\n" +
				"go: example.com/m@v1.0.1: reading https://proxy.golang.org/example.com/m/@v/v1.0.1.mod: 503 Service Unavailable\n",
			"gopherfile: go mod download failed: 1 problem(s)", 1},
		{"two problems", readFixture(t, "mixed-permanent.txt"), "gopherfile: go mod download failed: 2 problem(s)", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Report(tt.output, c)
			lines := strings.Split(strings.TrimSuffix(r, "\n"), "\n")
			if lines[0] != tt.header {
				t.Errorf("header = %q, want %q", lines[0], tt.header)
			}
			if got := strings.Count(r, "\n\n"); got != tt.paras {
				t.Errorf("%d paragraphs, want %d:\n%s", got, tt.paras, r)
			}
		})
	}
	testOut := "--- FAIL: TestDB (0.00s)\n    db_test.go:12: dial tcp 127.0.0.1:5432: connect: connection refused\nFAIL\n"
	if r := Report(testOut, Context{Stage: stepconfig.StageTest}); strings.Contains(r, "row 1") {
		t.Errorf("a test's own connection error was reported as row 1:\n%s", r)
	}
	if r := Report(testOut, Context{Stage: stepconfig.StageDownload}); !strings.Contains(r, "row 1") {
		t.Errorf("connection refused in the download step not reported:\n%s", r)
	}
	if r := Report("", Context{}); !strings.HasPrefix(r, "gopherfile: step failed: 1 problem(s)\n") {
		t.Errorf("Report without stage = %q", r)
	}
}

func TestPrivatePattern(t *testing.T) {
	tests := []struct{ mod, want string }{
		{"github.com/acme/private", "github.com/acme/*"},
		{"github.com/acme/private/v2", "github.com/acme/*"},
		{"gitlab.com/group/sub/proj", "gitlab.com/group/*"},
		{"git.corp.example/team/lib", "git.corp.example"},
		{"", "<your module path prefix>"},
	}
	for _, tt := range tests {
		if got := privatePattern(tt.mod); got != tt.want {
			t.Errorf("privatePattern(%q) = %q, want %q", tt.mod, got, tt.want)
		}
	}
}

func TestContextDefaults(t *testing.T) {
	c := Context{GOPRIVATE: Setting{Value: "github.com/acme/*", Origin: "build arg GOPRIVATE"}}
	tests := []struct {
		name     string
		got      string
		expected string
	}{
		{"GOPROXY default", c.describe("GOPROXY"), "GOPROXY=https://proxy.golang.org,direct (the default)"},
		{"GOSUMDB default", c.describe("GOSUMDB"), "GOSUMDB=sum.golang.org (the default)"},
		{"GONOPROXY falls back to GOPRIVATE", c.describe("GONOPROXY"), "GOPRIVATE=github.com/acme/* (from build arg GOPRIVATE)"},
		{"unset", Context{}.describe("GOPRIVATE"), "GOPRIVATE is not set"},
		{"explicitly empty", Context{GOFLAGS: Setting{Value: "", Origin: "builder image env"}}.describe("GOFLAGS"), "GOFLAGS is empty (from builder image env)"},
	}
	for _, tt := range tests {
		if tt.got != tt.expected {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.expected)
		}
	}
	if !c.noProxy("github.com/acme/x") || !c.noSumDB("github.com/acme/x/v2") || c.noProxy("github.com/other/x") {
		t.Error("GOPRIVATE pattern matching is wrong")
	}
	if _, ok := (Context{GOFLAGS: Setting{Value: "-modcacherw --mod=vendor"}}).hasGoFlag("mod"); !ok {
		t.Error("hasGoFlag missed --mod=vendor")
	}
}

// TestExplainClassOnly covers callers that explain a class found by grep,
// with nothing but the Class set.
func TestExplainClassOnly(t *testing.T) {
	c := baseContext()
	for cl := ProxyUnreachable; cl <= VCSStamping; cl++ {
		p := Explain(Finding{Class: cl}, c)
		if !strings.Contains(p, fmt.Sprintf("(row %d, %s", cl.Row(), cl)) {
			t.Errorf("%v: no row in %q", cl, p)
		}
		for _, bad := range []string{": .", "..", " : ", "@ ", "the the", "database the", "a newer version or newer"} {
			if strings.Contains(p, bad) {
				t.Errorf("%v: %q in %q", cl, bad, p)
			}
		}
		if first := p[:1]; strings.ToUpper(first) != first && !strings.HasPrefix(p, "go") && !strings.HasPrefix(p, "vendor") {
			t.Errorf("%v: paragraph starts in lower case: %q", cl, p)
		}
	}
	if p := Explain(Finding{}, c); !strings.Contains(p, "does not recognise") {
		t.Errorf("Explain of class 0 = %q", p)
	}
}
