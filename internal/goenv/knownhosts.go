package goenv

import (
	_ "embed"
	"strings"
)

// KnownHosts are the SSH host keys of the big public code hosts (github.com,
// gitlab.com, bitbucket.org) in known_hosts format, as the hosts publish
// them: the data file known_hosts, one place to update when a host rotates
// a key. Git over SSH in the download step trusts these and
// modules.knownHosts, and no other key unless the Gopherfile says
// modules.sshUnknownHosts: accept-new.
//
//go:embed known_hosts
var KnownHosts string

// KnownHostLines are the key lines of KnownHosts, without comments.
func KnownHostLines() []string {
	var out []string
	for _, l := range strings.Split(KnownHosts, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}
