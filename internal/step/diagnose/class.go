// Package diagnose explains why a go command failed inside an image build.
//
// It classifies the output of go mod download, go mod tidy -diff, go build,
// go test, go generate and go list into the rows of the failure catalogue
// (docs/failures.md: module downloads in rows 1-20, compiles in rows 21-24),
// tells whether the failure is transient (worth a retry) or permanent, and
// writes one short paragraph per problem saying which module or package
// failed, which setting was involved and where that setting came from, and
// exactly what to change.
//
// The package is pure: it does no I/O. The step helper (package step) runs it
// inside the build steps, on the go command's output, so the paragraph a user
// sees is the one the unit tests and docs/troubleshooting.md check.
package diagnose

import "fmt"

// Class is a row of the failure catalogue.
type Class int

// The catalogue rows, numbered as in docs/failures.md.
const (
	ProxyUnreachable Class = iota + 1 // 1: connection refused, timeouts, resets
	DNSFailure                        // 2: no such host
	ServerError                       // 3: 5xx (and 429) from a proxy or git server
	TLSUntrusted                      // 4: x509: certificate signed by unknown authority
	PrivateModule                     // 5: 404/410/403/401 for a private path
	GitCredentials                    // 6: git asks for a user name or password
	SSHAuth                           // 7: host key unknown, no agent, publickey denied
	ChecksumMismatch                  // 8: SECURITY ERROR
	SumDBUnreachable                  // 9: the checksum database cannot be reached
	VersionNotFound                   // 10: unknown revision, invalid version
	PathMismatch                      // 11: module declares its path as A but was required as B
	GoTooOld                          // 12: go.mod requires a newer go than the builder's
	GoSumIncomplete                   // 13: missing go.sum entry
	Untidy                            // 14: go mod tidy -diff prints a diff
	VendorOutOfSync                   // 15: inconsistent vendoring
	ReplaceMissing                    // 16: local replace directory not in the build context
	EnvConflict                       // 17: GOFLAGS / GOPROXY=off / -mod=vendor conflicts
	CacheLost                         // 18: the module cache mount was empty
	VCSStamping                       // 19: error obtaining VCS status
	PolicyRefused                     // 20: a proxy refuses a public module version by policy
	NeedsCgo                          // 21: a package with Go files only with cgo, built without cgo
	CLibMissing                       // 22: a C compiler, header, library or pkg-config package missing
	ToolTooOld                        // 23: a tool built from a golang.org/x/tools too old for the builder's Go
	TagsExclude                       // 24: build constraints leave out the files the build needs

	numClasses = int(TagsExclude)
)

var classNames = [...]string{
	ProxyUnreachable: "proxy unreachable",
	DNSFailure:       "DNS failure",
	ServerError:      "server error",
	TLSUntrusted:     "TLS not trusted",
	PrivateModule:    "private module behind a public proxy",
	GitCredentials:   "git asks for a password",
	SSHAuth:          "SSH host unknown / no agent",
	ChecksumMismatch: "checksum mismatch",
	SumDBUnreachable: "sum database unreachable",
	VersionNotFound:  "version does not exist",
	PathMismatch:     "module path mismatch",
	GoTooOld:         "Go too old in the builder",
	GoSumIncomplete:  "go.sum incomplete",
	Untidy:           "untidy go.mod",
	VendorOutOfSync:  "vendor out of sync",
	ReplaceMissing:   "local replace missing from the build context",
	EnvConflict:      "GOFLAGS / env conflict",
	CacheLost:        "cache mount lost",
	VCSStamping:      "VCS stamping",
	PolicyRefused:    "proxy refused the version by policy",
	NeedsCgo:         "package needs cgo",
	CLibMissing:      "C library missing in the builder",
	ToolTooOld:       "tool too old for the builder's Go",
	TagsExclude:      "files excluded by build constraints",
}

// String returns the catalogue name of the class, such as "proxy unreachable".
func (c Class) String() string {
	if c >= 1 && int(c) <= numClasses {
		return classNames[c]
	}
	return fmt.Sprintf("Class(%d)", int(c))
}

// Row returns the catalogue row number of the class (the same as its value).
func (c Class) Row() int { return int(c) }

// Transient reports whether a failure of this class may go away by itself,
// so that retrying the step with backoff is worthwhile. Only rows 1, 2, 3 and
// 9 are transient; a checksum mismatch (row 8) never is.
func (c Class) Transient() bool {
	switch c {
	case ProxyUnreachable, DNSFailure, ServerError, SumDBUnreachable:
		return true
	}
	return false
}
