package diagnose

import (
	"regexp"
)

// A marker is a single-line pattern (POSIX leftmost-longest semantics) whose
// presence in the go command's output is evidence of one catalogue class.
type marker struct {
	class   Class
	pattern string
	re      *regexp.Regexp
}

// markers lists the evidence for each class. Some classes are derived
// differently: SumDBUnreachable and most of PolicyRefused in refine,
// CacheLost in ColdCache and Context.reclassify, NeedsCgo (and TagsExclude
// from "undefined:" lines) in Context.compileFindings.
var markers = compileMarkers([]marker{
	// Row 8. Never retried, whatever else the record says.
	{class: ChecksumMismatch, pattern: `checksum mismatch`},
	{class: ChecksumMismatch, pattern: `SECURITY ERROR`},
	{class: ChecksumMismatch, pattern: `checksum missing from sumdb response`},

	// Row 12.
	{class: GoTooOld, pattern: `requires go >= [0-9][^ ]* \(running go `},
	{class: GoTooOld, pattern: `toolchain not available`},
	// A toolchain switch whose download the proxy refused or could not serve
	// ("go: download go1.99.0: golang.org/toolchain@v0.0.1-go1.99.0.linux-amd64:
	// reading URL: 403 Forbidden"): the Go line is the cause, not the module.
	{class: GoTooOld, pattern: `^go: download go[0-9][^ :]*: golang\.org/toolchain@`},

	// Row 16.
	{class: ReplaceMissing, pattern: `replacement directory [^ ]+ does not exist`},
	{class: ReplaceMissing, pattern: `\(replaced by [./][^)]*\): reading .*: no such file or directory`},

	// Row 11.
	{class: PathMismatch, pattern: `module declares its path as: `},
	{class: PathMismatch, pattern: `but was required as: `},

	// Row 15 (before row 17: "lookup disabled by -mod=vendor" caused by an
	// existing vendor directory is a stale vendor directory, not a setting).
	{class: VendorOutOfSync, pattern: `inconsistent vendoring`},
	{class: VendorOutOfSync, pattern: `and vendor directory exists\.\)`},

	// Row 19.
	{class: VCSStamping, pattern: `error obtaining VCS status`},

	// Row 23 (before row 22: an x/tools that does not compile is not a C
	// problem).
	{class: ToolTooOld, pattern: `internal error: package "[^"]+" without types was imported from`},
	{class: ToolTooOld, pattern: `invalid array length -delta \* delta`},
	{class: ToolTooOld, pattern: `golang\.org/x/tools@v[^/]*/go/internal/(pkgbits|gcimporter)/`},
	{class: ToolTooOld, pattern: `invalid //go:debug: removed GODEBUG`},

	// Row 22.
	{class: CLibMissing, pattern: `fatal error: [^ :]+: No such file or directory`},
	{class: CLibMissing, pattern: `cannot find -l[^ :]+`},
	{class: CLibMissing, pattern: `was not found in the pkg-config search path`},
	{class: CLibMissing, pattern: `exec: "[^"]*pkg-config[^"]*": executable file not found`},
	{class: CLibMissing, pattern: `C compiler "[^"]+" not found`},

	// Row 24 (row 21 when the step helper finds cgo files there: see
	// Context.reclassify).
	{class: TagsExclude, pattern: `build constraints exclude all Go files in `},

	// Row 17.
	{class: EnvConflict, pattern: `module lookup disabled by GOPROXY=off`},
	{class: EnvConflict, pattern: `lookup disabled by -mod=vendor`},
	{class: EnvConflict, pattern: `disabled by GOPRIVATE/GONOPROXY`},
	{class: EnvConflict, pattern: `parsing \$GOFLAGS: `},
	{class: EnvConflict, pattern: `-mod=[^ ]* not supported`},
	{class: EnvConflict, pattern: `-mod may only be set to`},
	{class: EnvConflict, pattern: `GOPROXY list is not the empty string`},
	{class: EnvConflict, pattern: `invalid proxy URL`},
	{class: EnvConflict, pattern: `invalid (GOSUMDB|GOTOOLCHAIN)`},
	{class: EnvConflict, pattern: `GOAUTH encountered`},

	// Row 13.
	{class: GoSumIncomplete, pattern: `missing go\.sum entry`},
	{class: GoSumIncomplete, pattern: `updates to go\.sum needed`},
	// go mod download adds missing go.sum lines, which the read-only go.sum of the download step refuses.
	{class: GoSumIncomplete, pattern: `updating go\.sum: .*read-only file system`},

	// Row 14.
	{class: Untidy, pattern: `^diff current/go\.(mod|sum) tidy/go\.(mod|sum)`},
	{class: Untidy, pattern: `^--- current/go\.(mod|sum)`},
	{class: Untidy, pattern: `updates to go\.mod needed`},
	{class: Untidy, pattern: `no required module provides package`},
	{class: Untidy, pattern: `import lookup disabled by -mod=readonly`},

	// Row 4.
	{class: TLSUntrusted, pattern: `x509: `},
	{class: TLSUntrusted, pattern: `tls: failed to verify certificate`},
	{class: TLSUntrusted, pattern: `SSL certificate problem`},
	{class: TLSUntrusted, pattern: `server certificate verification failed`},
	{class: TLSUntrusted, pattern: `certificate verify failed`},

	// Row 10 (before row 5: a 404 whose server response says "unknown
	// revision" is a wrong version, not a private module).
	{class: VersionNotFound, pattern: `unknown revision `},
	{class: VersionNotFound, pattern: `version "[^"]*" invalid`},
	{class: VersionNotFound, pattern: `no matching versions for query`},
	{class: VersionNotFound, pattern: `invalid pseudo-version`},

	// Row 20 (a 403 for a public module becomes row 20 in refine).
	{class: PolicyRefused, pattern: `reading [^ ]+: 451 Unavailable For Legal Reasons`},

	// Row 5 (before rows 6 and 1-3: the server response of a proxy that
	// could not fetch a private repository quotes git's own errors).
	{class: PrivateModule, pattern: `reading [^ ]+: (401 Unauthorized|403 Forbidden|404 Not Found|410 Gone)`},

	// Row 7.
	{class: SSHAuth, pattern: `Host key verification failed`},
	{class: SSHAuth, pattern: `Permission denied \(publickey`},
	{class: SSHAuth, pattern: `REMOTE HOST IDENTIFICATION HAS CHANGED`},
	{class: SSHAuth, pattern: `host key is known for`},
	{class: SSHAuth, pattern: `Could not open a connection to your authentication agent`},
	{class: SSHAuth, pattern: `sign_and_send_pubkey: signing failed`},

	// Row 6.
	{class: GitCredentials, pattern: `could not read Username`},
	{class: GitCredentials, pattern: `could not read Password`},
	{class: GitCredentials, pattern: `terminal prompts disabled`},
	{class: GitCredentials, pattern: `Authentication failed for`},
	{class: GitCredentials, pattern: `Repository not found`},
	{class: GitCredentials, pattern: `fatal: repository .* not found`},
	{class: GitCredentials, pattern: `The requested URL returned error: 40[134]`},

	// Row 3. Transient.
	{class: ServerError, pattern: `: (429|5[0-9][0-9]) [A-Z][A-Za-z ]*$`},
	{class: ServerError, pattern: `The requested URL returned error: (429|5[0-9][0-9])`},

	// Row 2. Transient.
	{class: DNSFailure, pattern: `no such host`},
	{class: DNSFailure, pattern: `Could not resolve host`},
	{class: DNSFailure, pattern: `server misbehaving`},
	{class: DNSFailure, pattern: `Temporary failure in name resolution`},
	{class: DNSFailure, pattern: `Name or service not known`},

	// Row 1. Transient.
	{class: ProxyUnreachable, pattern: `[Cc]onnection refused`},
	{class: ProxyUnreachable, pattern: `[Cc]onnection reset by peer`},
	{class: ProxyUnreachable, pattern: `[Cc]onnection timed out`},
	{class: ProxyUnreachable, pattern: `i/o timeout`},
	{class: ProxyUnreachable, pattern: `TLS handshake timeout`},
	{class: ProxyUnreachable, pattern: `[Nn]o route to host`},
	{class: ProxyUnreachable, pattern: `[Nn]etwork is unreachable`},
	{class: ProxyUnreachable, pattern: `unexpected EOF`},
	{class: ProxyUnreachable, pattern: `: EOF$`},
	{class: ProxyUnreachable, pattern: `context deadline exceeded`},
	{class: ProxyUnreachable, pattern: `Client\.Timeout exceeded`},
	{class: ProxyUnreachable, pattern: `Failed to connect to`},
	{class: ProxyUnreachable, pattern: `proxyconnect tcp`},
	{class: ProxyUnreachable, pattern: `server sent GOAWAY`},
	{class: ProxyUnreachable, pattern: `RPC failed`},
	{class: ProxyUnreachable, pattern: `early EOF`},
	{class: ProxyUnreachable, pattern: `remote end hung up unexpectedly`},
})

// priority orders the classes from most to least specific. Every permanent
// class ranks above every transient one, so a record with any permanent
// evidence is permanent.
var priority = func() [numClasses + 1]int {
	order := []Class{
		ChecksumMismatch, GoTooOld, ReplaceMissing, PathMismatch, VendorOutOfSync,
		VCSStamping, ToolTooOld, CLibMissing, NeedsCgo, TagsExclude,
		EnvConflict, GoSumIncomplete, Untidy, TLSUntrusted,
		VersionNotFound, PolicyRefused, PrivateModule, SSHAuth, GitCredentials, CacheLost,
		SumDBUnreachable, ServerError, DNSFailure, ProxyUnreachable,
	}
	var p [numClasses + 1]int
	for i, c := range order {
		p[c] = len(order) - i
	}
	return p
}()

func compileMarkers(ms []marker) []marker {
	for i := range ms {
		ms[i].re = regexp.MustCompilePOSIX(ms[i].pattern)
	}
	return ms
}
