#!/usr/bin/env bash
# Prints the newest patch release of every Go minor line since 1.21 that the Go
# module proxy serves (the golang.org/toolchain versions for linux/amd64), as
# the rows of goReleases in internal/plan/releases.go. Run it when Go releases
# a new version and paste its output into that table (and its date into the
# comment above it).
#
# Usage: bash hack/go-releases.sh
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
go mod init gopherfile.local/releases >/dev/null 2>&1
GOFLAGS=-mod=mod GOTOOLCHAIN=local go list -m -versions golang.org/toolchain | tr ' ' '\n' |
	sed -n 's/^v0\.0\.1-go\(1\.[0-9][0-9]*\.[0-9][0-9]*\)\.linux-amd64$/\1/p' |
	sort -t. -k1,1n -k2,2n -k3,3n |
	awk -F. '$2 >= 21 { newest[$1 "." $2] = $3; order[$1 "." $2] = $2 }
		END { for (m in newest) printf "%d\t{\"%s\", %d},\n", order[m], m, newest[m] }' |
	sort -n | cut -f2 | sed 's/^/\t/'
