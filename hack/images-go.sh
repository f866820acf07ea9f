#!/usr/bin/env bash
# Pushes more golang:X.Y.Z builder images into the local registry ($GF_REGISTRY), for
# builds that do not use the test Go of hack/images.sh: the frontend's default builder
# (the newest Go in internal/plan/releases.go) and the toolchain lines of the corpus
# (hack/corpus). Each is the rootfs layer of $GF_REGISTRY/library/golang:<test minor>
# (built by hack/images.sh) plus that Go release from the module proxy
# (golang.org/toolchain@v0.0.1-goX.Y.Z.linux-amd64), with GOLANG_VERSION=X.Y.Z.
#
# Usage: bash hack/images-go.sh [--force] [X.Y.Z | X.Y ...]
#   (no versions: the newest patch of the three newest lines in the table; X.Y pushes golang:X.Y too, with the
#   newest X.Y release in internal/plan/releases.go, as Docker Hub's golang:X.Y has)
# Idempotent and cached: an image whose config carries the current recipe (label
# dev.gopherfile.recipe) is not pushed again; Go layers are kept in $GF_CACHE/images/go.
set -euo pipefail
HACK=$(cd "$(dirname "$0")" && pwd)
. "$HACK/env.sh"

FORCE=
if [ "${1:-}" = --force ]; then
	FORCE=1
	shift
fi
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1747699200} # as hack/images.sh
SYS_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
GO_CACHE=$GF_CACHE/images/go
LABEL=dev.gopherfile.recipe
BASE=$GF_REGISTRY/library/golang:${TEST_GO_VERSION%.*}
export GOTOOLCHAIN=local

# releases prints the rows of goReleases in internal/plan/releases.go as X.Y.Z.
releases() {
	awk '/^var goReleases/,/^}$/' "$HACK/../internal/plan/releases.go" |
		sed -n 's/^[[:space:]]*{"\(1\.[0-9][0-9]*\)", \([0-9][0-9]*\),.*$/\1.\2/p'
}
newest_go() { releases | tail -n1; }

VERSIONS=("$@")
if [ ${#VERSIONS[@]} = 0 ]; then
	# The builders a default build can choose when it needs the golang image:
	# the newest patch of the go line's minor (item 4 of issue 22), for the
	# lines the examples and tests use.
	mapfile -t VERSIONS < <(releases | tail -n3)
	[ ${#VERSIONS[@]} -gt 0 ] || die "no Go release found in internal/plan/releases.go"
fi

CRANE_LOG=$GF_CACHE/images/crane-go.log
mkdir -p "$GO_CACHE"
crane() {
	command crane --insecure "$@" 2>>"$CRANE_LOG" && return 0
	tail -n 20 "$CRANE_LOG" >&2
	return 1
}

# The rootfs layer: the first layer of the test golang image.
crane manifest --platform linux/amd64 "$BASE" >"$GO_CACHE/base.json" 2>/dev/null ||
	die "$BASE is not in the registry (run hack/up.sh, which runs hack/images.sh first)"
ROOTFS_DIGEST=$(sed -n 's/.*"layers":\[{[^}]*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p' "$GO_CACHE/base.json")
[ -n "$ROOTFS_DIGEST" ] || die "no layers in the manifest of $BASE"

# recipe VERSION: what an image is made from.
recipe() {
	{ grep -v '^[[:space:]]*#' "${BASH_SOURCE[0]}"; echo "$1 $ROOTFS_DIGEST $SOURCE_DATE_EPOCH"; } | sha256sum | cut -c1-16
}

current() { # REF RECIPE
	crane config --platform linux/amd64 "$1" 2>/dev/null | grep -q "\"$LABEL\":\"$2\""
}

# go_layer VERSION: $GO_CACHE/go-VERSION.tar.gz, the Go distribution at /usr/local/go.
go_layer() {
	local v=$1 out=$GO_CACHE/go-$1.tar.gz mod dir tmp stage
	[ -f "$out" ] && return 0
	mod="golang.org/toolchain@v0.0.1-go$v.linux-amd64"
	tmp=$(mktemp -d)
	dir=$(
		cd "$tmp"
		go mod init gopherfile.local/toolchain >/dev/null 2>&1
		GOFLAGS=-mod=mod go mod download -json "$mod" >download.json || { cat download.json >&2; exit 1; }
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' download.json
	) || die "go mod download $mod failed (is go$v a Go release? bash hack/go-releases.sh lists them)"
	rm -rf "$tmp"
	[ -n "$dir" ] && [ -f "$dir/bin/go" ] || die "go mod download $mod: no Go distribution found"
	stage=$GO_CACHE/stage-$v
	rm -rf "$stage"
	mkdir -p "$stage/usr/local" "$stage/go/bin" "$stage/go/src"
	cp -r "$dir" "$stage/usr/local/go"
	# The module cache is read-only and a module zip carries no modes: restore them.
	chmod -R u+w,go-w,a+rX "$stage/usr/local/go"
	find "$stage/usr/local/go/bin" "$stage/usr/local/go/pkg/tool" -type f -exec chmod 0755 {} +
	find "$stage/usr/local/go" -type f \( -name '*.bash' -o -name '*.sh' -o -name '*.rc' -o -name 'go_*_exec' \) -exec chmod 0755 {} +
	"$stage/usr/local/go/bin/go" version | grep -q "go$v linux/amd64" || die "unexpected Go toolchain in $mod"
	chmod -R 1777 "$stage/go"
	tar -C "$stage" --sort=name --numeric-owner --owner=0 --group=0 --mtime="@$SOURCE_DATE_EPOCH" -cf - . |
		pigz -n -T -6 >"$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$stage"
}

exec 9>"$GO_CACHE/.lock"
flock -w 1800 9 || die "another hack/images-go.sh holds $GO_CACHE/.lock"
: >"$CRANE_LOG"
rootfs=
for v in "${VERSIONS[@]}"; do
	alias=
	if [[ $v =~ ^1\.[0-9]+$ ]]; then
		alias=$v
		v=$(releases | grep "^$alias\." || true)
		[ -n "$v" ] || die "golang:$alias: Go $alias is not in internal/plan/releases.go"
	fi
	[[ $v =~ ^1\.[0-9]+\.[0-9]+$ ]] || die "$v: give Go releases as X.Y.Z or X.Y"
	ref=$GF_REGISTRY/library/golang:$v
	if [ -n "$alias" ] && crane manifest "$GF_REGISTRY/library/golang:$alias" >/dev/null 2>&1 && ! current "$ref" "$(recipe "$v")"; then
		log "$GF_REGISTRY/library/golang:$alias exists (not from this script): kept"
		continue
	fi
	r=$(recipe "$v")
	if [ -z "$FORCE" ] && current "$ref" "$r"; then
		[ -z "$alias" ] || crane tag "$ref" "$alias"
		log "$ref up to date (recipe $r)${alias:+, tagged $alias}"
		continue
	fi
	go_layer "$v"
	if [ -z "$rootfs" ]; then
		rootfs=$GO_CACHE/rootfs-${ROOTFS_DIGEST#sha256:}.tar.gz
		[ -f "$rootfs" ] || { crane blob "$BASE@$ROOTFS_DIGEST" >"$rootfs.tmp" && mv "$rootfs.tmp" "$rootfs"; }
		find "$GO_CACHE" -maxdepth 1 -name 'rootfs-*.tar.gz' ! -name "${rootfs##*/}" -delete
	fi
	scratch=$GF_REGISTRY/library/golang:gf-scratch-$r
	crane append --oci-empty-base -f "$rootfs" -f "$GO_CACHE/go-$v.tar.gz" -t "$scratch" >/dev/null
	m=$(crane mutate "$scratch" --set-platform linux/amd64 -l "$LABEL=$r" \
		--env "PATH=/go/bin:/usr/local/go/bin:$SYS_PATH" --env "GOLANG_VERSION=$v" \
		--env GOTOOLCHAIN=local --env GOPATH=/go --workdir /go --cmd bash --repo "$GF_REGISTRY/library/golang")
	crane index append -m "$m" -t "$ref" >/dev/null
	crane delete "$scratch" 2>/dev/null || true
	[ -z "$alias" ] || crane tag "$ref" "$alias"
	log "pushed $ref ($(crane digest "$ref"))${alias:+, tagged $alias}"
done
