package diagnose

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestClassNames(t *testing.T) {
	tests := []struct {
		c         Class
		name      string
		transient bool
	}{
		{ProxyUnreachable, "proxy unreachable", true},
		{DNSFailure, "DNS failure", true},
		{ServerError, "server error", true},
		{TLSUntrusted, "TLS not trusted", false},
		{PrivateModule, "private module behind a public proxy", false},
		{GitCredentials, "git asks for a password", false},
		{SSHAuth, "SSH host unknown / no agent", false},
		{ChecksumMismatch, "checksum mismatch", false},
		{SumDBUnreachable, "sum database unreachable", true},
		{VersionNotFound, "version does not exist", false},
		{PathMismatch, "module path mismatch", false},
		{GoTooOld, "Go too old in the builder", false},
		{GoSumIncomplete, "go.sum incomplete", false},
		{Untidy, "untidy go.mod", false},
		{VendorOutOfSync, "vendor out of sync", false},
		{ReplaceMissing, "local replace missing from the build context", false},
		{EnvConflict, "GOFLAGS / env conflict", false},
		{CacheLost, "cache mount lost", false},
		{VCSStamping, "VCS stamping", false},
		{PolicyRefused, "proxy refused the version by policy", false},
		{NeedsCgo, "package needs cgo", false},
		{CLibMissing, "C library missing in the builder", false},
		{ToolTooOld, "tool too old for the builder's Go", false},
		{TagsExclude, "files excluded by build constraints", false},
		{Class(0), "Class(0)", false},
		{Class(25), "Class(25)", false},
	}
	for i, tt := range tests {
		if tt.c >= 1 && int(tt.c) <= numClasses && tt.c.Row() != i+1 {
			t.Errorf("%v.Row() = %d, want %d", tt.c, tt.c.Row(), i+1)
		}
		if got := tt.c.String(); got != tt.name {
			t.Errorf("Class(%d).String() = %q, want %q", int(tt.c), got, tt.name)
		}
		if got := tt.c.Transient(); got != tt.transient {
			t.Errorf("%v.Transient() = %v, want %v", tt.c, got, tt.transient)
		}
	}
}

// want is the part of a Finding a test checks ("-" in Host or Detail
// means "do not check").
type want struct {
	class          Class
	module, verson string
	host, detail   string
}

func check(t *testing.T, got []Finding, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("got %d findings, want %d:\n%s", len(got), len(wants), dumpFindings(got))
	}
	for i, w := range wants {
		g := got[i]
		if g.Class != w.class || g.Module != w.module || g.Version != w.verson ||
			(w.host != "-" && g.Host != w.host) || (w.detail != "-" && g.Detail != w.detail) {
			t.Errorf("finding %d = %s\nwant class=%d module=%q version=%q host=%q detail=%q",
				i, dumpFindings([]Finding{g}), w.class, w.module, w.verson, w.host, w.detail)
		}
		if g.Line == "" || strings.HasPrefix(g.Line, "\t") {
			t.Errorf("finding %d: bad Line %q", i, g.Line)
		}
	}
}

func dumpFindings(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  class=%d module=%q version=%q host=%q detail=%q line=%q\n",
			f.Class, f.Module, f.Version, f.Host, f.Detail, f.Line)
	}
	return b.String()
}

func TestClassifyFixtures(t *testing.T) {
	tests := []struct {
		fixture string
		want    []want
	}{
		{"00-unrecognised.txt", nil},
		{"01-connection-refused.txt", []want{{ProxyUnreachable, "example.com/lib", "v1.0.0", "127.0.0.1:42065", ""}}},
		{"01-connection-reset.txt", []want{{ProxyUnreachable, "example.com/lib", "v1.0.0", "127.0.0.1:42065", ""}}},
		{"01-io-timeout.txt", []want{{ProxyUnreachable, "github.com/sirupsen/logrus", "v1.9.3", "goproxy.corp.example", ""}}},
		{"02-dns-proxy.txt", []want{{DNSFailure, "example.com/lib", "v1.0.0", "proxy.invalid.example", ""}}},
		{"02-dns-git.txt", []want{{DNSFailure, "github.com/acme/private", "v1.2.0", "github.com", ""}}},
		{"03-server-503.txt", []want{{ServerError, "example.com/lib", "v1.0.0", "127.0.0.1:42065", "503 Service Unavailable"}}},
		{"03-server-504-proxy-golang.txt", []want{{ServerError, "golang.org/x/text", "v0.21.0", "proxy.golang.org", "504 Gateway Timeout"}}},
		{"04-x509-proxy.txt", []want{{TLSUntrusted, "example.com/lib", "v1.0.0", "127.0.0.1:35425", ""}}},
		{"04-x509-git.txt", []want{{TLSUntrusted, "git.corp.example/platform/auth", "v1.4.0", "git.corp.example", ""}}},
		{"05-private-proxy-golang.txt", []want{{PrivateModule, "github.com/acme/private", "v1.2.0", "proxy.golang.org", "404 Not Found"}}},
		{"05-gone.txt", []want{{PrivateModule, "git.acme.example/team/lib", "v1.0.0", "127.0.0.1:33011", "410 Gone"}}},
		{"05-unauthorized.txt", []want{{PrivateModule, "git.acme.example/team/lib", "v1.0.0", "athens.acme.example", "401 Unauthorized"}}},
		{"05-sumdb-private.txt", []want{{PrivateModule, "github.com/acme/private", "v1.2.0", "sum.golang.org", "404 Not Found"}}},
		{"06-token-rejected.txt", []want{{GitCredentials, "git.acme.example/team/lib", "v1.0.0", "git.acme.example", ""}}},
		{"06-git-username.txt", []want{{GitCredentials, "github.com/acme/private", "v1.2.0", "github.com", ""}}},
		{"07-ssh-host-key.txt", []want{{SSHAuth, "github.com/acme/private", "v1.2.0", "github.com", ""}}},
		{"07-ssh-publickey.txt", []want{{SSHAuth, "github.com/acme/private", "v1.2.0", "github.com", ""}}},
		{"08-checksum-gosum.txt", []want{{ChecksumMismatch, "example.com/lib", "v1.0.0", "", "go.sum"}}},
		{"08-checksum-sumdb.txt", []want{{ChecksumMismatch, "github.com/pkg/errors", "v0.9.1", "", "sum.golang.org"}}},
		{"09-sumdb-dns.txt", []want{{SumDBUnreachable, "example.com/lib", "v1.0.0", "sum.golang.org", ""}}},
		{"09-sumdb-refused.txt", []want{{SumDBUnreachable, "github.com/google/uuid", "v1.6.0", "sum.golang.org", ""}}},
		{"10-unknown-revision-proxy.txt", []want{{VersionNotFound, "example.com/lib", "v1.9.9", "127.0.0.1:33011", ""}}},
		{"10-unknown-revision-direct.txt", []want{{VersionNotFound, "example.com/m", "v9.9.9", "", ""}}},
		{"10-invalid-version-gomod.txt", []want{{VersionNotFound, "example.com/lib", "v9.9.9", "", ""}}},
		{"11-path-mismatch.txt", []want{{PathMismatch, "example.com/fork", "v1.0.0", "", "example.com/upstream"}}},
		{"12-go-too-old.txt", []want{{GoTooOld, "", "", "", "1.27"}}},
		{"12-dependency-too-new.txt", []want{{GoTooOld, "example.com/lib", "v1.3.0", "", "1.27"}}},
		{"13-missing-sum-build.txt", []want{{GoSumIncomplete, "", "", "", "example.com/lib"}}},
		{"13-missing-sum-test.txt", []want{{GoSumIncomplete, "", "", "", "example.com/lib"}}},
		{"13-missing-sum-gomod.txt", []want{{GoSumIncomplete, "example.com/lib", "v1.0.0", "", ""}}},
		{"13-gosum-readonly.txt", []want{{GoSumIncomplete, "", "", "", ""}}},
		{"14-tidy-diff.txt", []want{{Untidy, "", "", "", ""}}},
		{"14-missing-requirement.txt", []want{{Untidy, "", "", "", "example.com/other"}}},
		{"15-inconsistent-vendoring.txt", []want{{VendorOutOfSync, "example.com/lib", "v1.0.0", "", ""}}},
		{"15-vendor-missing-package.txt", []want{{VendorOutOfSync, "", "", "", "example.com/lib"}}},
		{"16-replace-missing-build.txt", []want{{ReplaceMissing, "example.com/lib", "v1.0.0", "", "../lib"}}},
		{"16-replace-missing-download.txt", []want{{ReplaceMissing, "example.com/lib", "v1.0.0", "", "../lib"}}},
		{"16-replace-missing-tidy.txt", []want{{ReplaceMissing, "example.com/lib", "v1.0.0", "", "../lib"}}},
		{"17-goproxy-off.txt", []want{{EnvConflict, "github.com/acme/private", "v1.2.0", "", "GOPROXY=off"}}},
		{"17-goflags-unknown.txt", []want{{EnvConflict, "", "", "", "GOFLAGS"}}},
		{"17-mod-flag-invalid.txt", []want{{EnvConflict, "", "", "", "GOFLAGS"}}},
		{"17-mod-vendor-no-vendor.txt", []want{{EnvConflict, "", "", "", "-mod=vendor"}}},
		{"18-cache-lost.txt", nil},
		{"19-vcs-status.txt", []want{{VCSStamping, "", "", "", ""}}},
		{"12-toolchain-offline.txt", []want{{GoTooOld, "", "", "", "1.27.4"}}},
		// A toolchain switch the proxy refuses is the go line (row 12), not
		// golang.org/toolchain refused by policy (row 20).
		{"12-toolchain-refused.txt", []want{{GoTooOld, "", "", "", "1.99.0"}}},
		{"12-toolchain-sumdb.txt", []want{{GoTooOld, "", "", "", "1.27.4"}}},
		// Without the context, a 403 "not available" for a module on a public
		// host is a refusal by policy; the context makes the user's own row 5.
		{"20-forbidden-not-available.txt", []want{{PolicyRefused, "github.com/acme/private", "v1.2.0", "proxy.golang.org", "403 Forbidden"}}},
		{"20-curated-version.txt", []want{{PolicyRefused, "github.com/itchyny/go-yaml", "v0.0.0-20261030110000-18a91f8189a6", "proxy.golang.org", "403 Forbidden"}}},
		// "undefined:" alone is an ordinary compile error: rows 21 and 24 need
		// what the step helper finds in the tree (TestReportGolden).
		{"21-cgo-only-main.txt", nil},
		{"21-cgo-only-dependency.txt", nil},
		{"21-cgo-only-package.txt", nil},
		{"21-exclude-all.txt", []want{{TagsExclude, "", "", "", "/src/internal/hsm"}}},
		{"22-header.txt", []want{{CLibMissing, "github.com/google/gopacket", "v1.1.19", "", "header pcap.h"}}},
		{"22-pkg-config-package.txt", []want{{CLibMissing, "", "", "", "pkg-config libpcsclite"}}},
		{"22-static-library.txt", []want{{CLibMissing, "", "", "", "library pcsclite"}}},
		{"22-pkg-config-missing.txt", []want{{CLibMissing, "", "", "", "command pkg-config"}}},
		{"22-no-c-compiler.txt", []want{{CLibMissing, "", "", "", "compiler x86_64-linux-musl-gcc"}}},
		{"23-xtools-tokeninternal.txt", []want{{ToolTooOld, "golang.org/x/tools", "v0.24.0", "", ""}}},
		{"23-xtools-pkgbits-panic.txt", []want{{ToolTooOld, "golang.org/x/tools", "v0.1.12", "", ""}}},
		{"23-xtools-internal-error.txt", []want{{ToolTooOld, "", "", "", "stringer"}}},
		{"23-xtools-removed-godebug.txt", []want{{ToolTooOld, "golang.org/x/tools", "v0.26.0", "", ""}}},
		{"24-tags-undefined.txt", nil},
		{"24-tags-exclude-all.txt", []want{{TagsExclude, "", "", "", "/src/cmd/relayd"}}},
		{"mixed-transient.txt", []want{
			{ProxyUnreachable, "github.com/google/uuid", "v1.6.0", "goproxy.corp.example", ""},
			{SumDBUnreachable, "golang.org/x/text", "v0.21.0", "sum.golang.org", ""},
		}},
		{"mixed-permanent.txt", []want{
			{ServerError, "golang.org/x/text", "v0.21.0", "proxy.golang.org", "503 Service Unavailable"},
			{ChecksumMismatch, "github.com/pkg/errors", "v0.9.1", "", "go.sum"},
		}},
	}
	covered := make(map[string]bool)
	for _, tt := range tests {
		covered[tt.fixture] = true
		t.Run(tt.fixture, func(t *testing.T) {
			check(t, Classify(readFixture(t, tt.fixture)), tt.want)
		})
	}
	files, err := filepath.Glob(filepath.Join("testdata", "fixtures", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !covered[filepath.Base(f)] {
			t.Errorf("fixture %s has no expectation in TestClassifyFixtures", filepath.Base(f))
		}
	}
}

// TestEveryRowHasFixture checks that each catalogue row has a fixture file
// named after it whose output is classified as that row, in the context of
// the golden case that uses it (rows 5 and 20 turn on the main module, rows
// 21 and 24 on what the step helper finds in the tree).
func TestEveryRowHasFixture(t *testing.T) {
	ctxOf := map[string]Context{}
	for _, g := range goldenCases() {
		if _, ok := ctxOf[g.fixture]; !ok {
			ctxOf[g.fixture] = g.ctx
		}
	}
	for row := 1; row <= numClasses; row++ {
		files, err := filepath.Glob(filepath.Join("testdata", "fixtures", fmt.Sprintf("%02d-*.txt", row)))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Errorf("row %d has no fixture", row)
			continue
		}
		for _, f := range files {
			out := readFixture(t, filepath.Base(f))
			if Class(row) == CacheLost {
				if fd, ok := ColdCache(out, 5); !ok || fd.Class != CacheLost {
					t.Errorf("%s: ColdCache did not report row 18", f)
				}
				continue
			}
			c, ok := ctxOf[filepath.Base(f)]
			if !ok {
				c = baseContext()
			}
			var fs []Finding
			for _, fd := range c.compileFindings(Classify(out)) {
				fs = append(fs, c.reclassify(fd))
			}
			if len(fs) == 0 || fs[0].Class != Class(row) {
				t.Errorf("%s: classified as %s, want row %d", f, dumpFindings(fs), row)
			}
		}
	}
}

func TestClassifyLines(t *testing.T) {
	tests := []struct {
		name   string
		output string
		want   []want
	}{
		{
			name:   "private 404 from proxy.golang.org",
			output: "go: github.com/acme/private@v1.2.0: reading https://proxy.golang.org/github.com/acme/private/@v/v1.2.0.mod: 404 Not Found",
			want:   []want{{PrivateModule, "github.com/acme/private", "v1.2.0", "proxy.golang.org", "404 Not Found"}},
		},
		{
			name:   "checksum mismatch wins over everything",
			output: "verifying github.com/x/y@v1.0.0: checksum mismatch: dial tcp 1.2.3.4:443: connect: connection refused",
			want:   []want{{ChecksumMismatch, "github.com/x/y", "v1.0.0", "", "-"}},
		},
		{
			name:   "go.mod checksum mismatch",
			output: "verifying github.com/x/y@v1.0.0/go.mod: checksum mismatch\n\tdownloaded: h1:a=\n\tgo.sum:     h1:b=",
			want:   []want{{ChecksumMismatch, "github.com/x/y", "v1.0.0", "", "go.sum"}},
		},
		{
			name:   "downloading lines are not findings",
			output: "go: downloading github.com/x/y v1.0.0\ngo: downloading golang.org/x/text v0.21.0\n",
			want:   nil,
		},
		{
			name:   "unknown revision",
			output: "go: example.com/m@v9.9.9: invalid version: unknown revision v9.9.9",
			want:   []want{{VersionNotFound, "example.com/m", "v9.9.9", "", ""}},
		},
		{
			name:   "path mismatch",
			output: "go: example.com/b@v1.0.0: parsing go.mod:\n\tmodule declares its path as: example.com/a\n\t        but was required as: example.com/b",
			want:   []want{{PathMismatch, "example.com/b", "v1.0.0", "", "example.com/a"}},
		},
		{
			name:   "go too old",
			output: "go: go.mod requires go >= 1.27 (running go 1.26.8; GOTOOLCHAIN=local)",
			want:   []want{{GoTooOld, "", "", "", "1.27"}},
		},
		{
			name:   "toolchain not available",
			output: "go: downloading go1.27.0 (linux/amd64)\ngo: download go1.27.0 for linux/amd64: toolchain not available",
			want:   []want{{GoTooOld, "", "", "", "1.27.0"}},
		},
		{
			name:   "missing go.sum entry",
			output: "main.go:4:2: missing go.sum entry for module providing package github.com/x/y/z (imported by example.com/app)",
			want:   []want{{GoSumIncomplete, "", "", "", "github.com/x/y/z"}},
		},
		{
			name:   "connection refused",
			output: `go: example.com/m@v1.0.0: Get "http://127.0.0.1:1234/example.com/m/@v/v1.0.0.mod": dial tcp 127.0.0.1:1234: connect: connection refused`,
			want:   []want{{ProxyUnreachable, "example.com/m", "v1.0.0", "127.0.0.1:1234", ""}},
		},
		{
			name:   "DNS",
			output: `go: example.com/m@v1.0.0: Get "https://proxy.example/example.com/m/@v/v1.0.0.mod": dial tcp: lookup proxy.example on 10.0.0.1:53: no such host`,
			want:   []want{{DNSFailure, "example.com/m", "v1.0.0", "proxy.example", ""}},
		},
		{
			name:   "x509",
			output: `go: example.com/m@v1.0.0: Get "https://proxy.corp/example.com/m/@v/v1.0.0.mod": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
			want:   []want{{TLSUntrusted, "example.com/m", "v1.0.0", "proxy.corp", ""}},
		},
		{
			name:   "git username",
			output: "go: github.com/acme/x@v1.0.0: git ls-remote -q --end-of-options https://github.com/acme/x in /go/pkg/mod/cache/vcs/00: exit status 128:\n\tfatal: could not read Username for 'https://github.com': terminal prompts disabled",
			want:   []want{{GitCredentials, "github.com/acme/x", "v1.0.0", "github.com", ""}},
		},
		{
			name:   "host key",
			output: "go: github.com/acme/x@v1.0.0: git ls-remote -q --end-of-options ssh://git@github.com/acme/x in /go/pkg/mod/cache/vcs/00: exit status 128:\n\tHost key verification failed.",
			want:   []want{{SSHAuth, "github.com/acme/x", "v1.0.0", "github.com", ""}},
		},
		{
			name:   "publickey without URL",
			output: "\tgit@gitlab.com: Permission denied (publickey).",
			want:   []want{{SSHAuth, "", "", "gitlab.com", ""}},
		},
		{
			name:   "sumdb network error is row 9, not row 1",
			output: `go: github.com/x/y@v1.0.0: verifying module: github.com/x/y@v1.0.0: Get "https://sum.golang.org/lookup/github.com/x/y@v1.0.0": dial tcp 142.250.185.81:443: i/o timeout`,
			want:   []want{{SumDBUnreachable, "github.com/x/y", "v1.0.0", "sum.golang.org", ""}},
		},
		{
			name:   "sumdb 503 through a proxy",
			output: "go: github.com/x/y@v1.0.0: verifying module: github.com/x/y@v1.0.0: reading https://goproxy.corp/sumdb/sum.golang.org/lookup/github.com/x/y@v1.0.0: 503 Service Unavailable",
			want:   []want{{SumDBUnreachable, "github.com/x/y", "v1.0.0", "goproxy.corp", "503 Service Unavailable"}},
		},
		{
			name:   "inconsistent vendoring",
			output: "go: inconsistent vendoring in /src:\n\tgithub.com/x/y@v1.0.0: is explicitly required in go.mod, but not marked as explicit in vendor/modules.txt",
			want:   []want{{VendorOutOfSync, "github.com/x/y", "v1.0.0", "", ""}},
		},
		{
			name:   "replacement directory",
			output: "go: example.com/lib@v0.0.0-00010101000000-000000000000: replacement directory ../lib does not exist",
			want:   []want{{ReplaceMissing, "example.com/lib", "v0.0.0-00010101000000-000000000000", "", "../lib"}},
		},
		{
			name:   "VCS stamping",
			output: "error obtaining VCS status: exit status 128\n\tUse -buildvcs=false to disable VCS stamping.",
			want:   []want{{VCSStamping, "", "", "", ""}},
		},
		{
			name:   "tidy diff",
			output: "diff current/go.sum tidy/go.sum\n--- current/go.sum\n+++ tidy/go.sum\n@@ -1,2 +1,4 @@\n+github.com/x/y v1.0.0 h1:a=\n",
			want:   []want{{Untidy, "", "", "", ""}},
		},
		{
			name:   "GOPROXY=off",
			output: "go: example.com/m@v1.0.0: module lookup disabled by GOPROXY=off",
			want:   []want{{EnvConflict, "example.com/m", "v1.0.0", "", "GOPROXY=off"}},
		},
		{
			name:   "GONOPROXY without direct",
			output: "go: example.com/m@v1.0.0: disabled by GOPRIVATE/GONOPROXY",
			want:   []want{{EnvConflict, "example.com/m", "v1.0.0", "", "GONOPROXY"}},
		},
		{
			name:   "git 502 through curl",
			output: "go: git.corp/x@v1.0.0: git ls-remote -q --end-of-options https://git.corp/x in /go/pkg/mod/cache/vcs/00: exit status 128:\n\terror: RPC failed; HTTP 502 curl 22 The requested URL returned error: 502\n\tfatal: expected flush after ref listing",
			want:   []want{{ServerError, "git.corp/x", "v1.0.0", "git.corp", "502"}},
		},
		{
			name:   "proxy 404 quoting a DNS error stays row 5",
			output: "go: git.corp.example/x@v1.0.0: reading https://proxy.golang.org/git.corp.example/x/@v/v1.0.0.info: 404 Not Found\n\tserver response: not found: git.corp.example/x@v1.0.0: unrecognized import path \"git.corp.example/x\": https fetch: Get \"https://git.corp.example/x?go-get=1\": dial tcp: lookup git.corp.example on 8.8.8.8:53: no such host",
			want:   []want{{PrivateModule, "git.corp.example/x", "v1.0.0", "proxy.golang.org", "404 Not Found"}},
		},
		{
			name:   "same problem twice is one finding",
			output: "go: example.com/m@v1.0.0: module lookup disabled by GOPROXY=off\ngo: example.com/m@v1.0.0: module lookup disabled by GOPROXY=off\n",
			want:   []want{{EnvConflict, "example.com/m", "v1.0.0", "", "GOPROXY=off"}},
		},
		{
			name:   "CRLF output",
			output: "go: example.com/m@v1.0.0: reading https://proxy.golang.org/example.com/m/@v/v1.0.0.zip: 502 Bad Gateway\r\n",
			want:   []want{{ServerError, "example.com/m", "v1.0.0", "proxy.golang.org", "502 Bad Gateway"}},
		},
		{
			name:   "empty output",
			output: "",
			want:   nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, Classify(tt.output), tt.want)
		})
	}
}

func TestShouldRetry(t *testing.T) {
	tests := []struct {
		fixture string
		retry   bool
	}{
		{"00-unrecognised.txt", false},
		{"01-connection-refused.txt", true},
		{"02-dns-proxy.txt", true},
		{"03-server-503.txt", true},
		{"04-x509-proxy.txt", false},
		{"05-private-proxy-golang.txt", false},
		{"08-checksum-gosum.txt", false},
		{"09-sumdb-dns.txt", true},
		{"18-cache-lost.txt", false},
		{"mixed-transient.txt", true},
		{"mixed-permanent.txt", false},
	}
	for _, tt := range tests {
		if got := ShouldRetry(readFixture(t, tt.fixture)); got != tt.retry {
			t.Errorf("ShouldRetry(%s) = %v, want %v", tt.fixture, got, tt.retry)
		}
	}
}

func TestColdCache(t *testing.T) {
	tests := []struct {
		name    string
		output  string
		modules int
		ok      bool
		detail  string
	}{
		{"all downloaded", readFixture(t, "18-cache-lost.txt"), 5, true, "5"},
		{"fewer than expected", readFixture(t, "18-cache-lost.txt"), 6, false, ""},
		{"nothing downloaded", "ok\n", 0, false, ""},
		{"duplicates count once", "go: downloading a.example/m v1.0.0\ngo: downloading a.example/m v1.0.0\n", 2, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := ColdCache(tt.output, tt.modules)
			if ok != tt.ok || f.Detail != tt.detail {
				t.Fatalf("ColdCache = %+v, %v; want ok=%v detail=%q", f, ok, tt.ok, tt.detail)
			}
			if ok && (f.Class != CacheLost || !strings.HasPrefix(f.Line, "go: downloading ")) {
				t.Errorf("bad finding %+v", f)
			}
		})
	}
}
