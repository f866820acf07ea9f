#!/usr/bin/env bash
# Builds the test base images and pushes them into the local registry ($GF_REGISTRY),
# without a docker engine: a Debian bookworm rootfs from debootstrap, the Go toolchain
# from the Go module proxy, layers made with tar+pigz and images assembled with crane.
#
#   $GF_REGISTRY/library/golang:{1.26,1.26.8,1.26-bookworm}       index, linux/amd64
#   $GF_REGISTRY/distroless/static-debian12:nonroot               index, 6 platforms
#   $GF_REGISTRY/distroless/static-debian12:latest                same, running as root
#   $GF_REGISTRY/distroless/base-debian12:nonroot (and :latest)   index, linux/amd64
#
# (buildkitd mirrors docker.io and gcr.io to this registry, so Dockerfiles and the
# frontend can say golang:1.26 and gcr.io/distroless/static-debian12:nonroot.)
#
# Usage: bash hack/images.sh [--force]
# Idempotent: an image whose config already carries the current recipe hash (label
# dev.gopherfile.recipe) is not pushed again. The rootfs and the layer tarballs are kept
# in $GF_CACHE/images, so after a wipe of the registry data everything is re-pushed
# in seconds. The registry must be running (hack/up.sh starts it).
set -euo pipefail
. "$(dirname "$0")/env.sh"

FORCE=${1:-}
IMG_CACHE=$GF_CACHE/images
SUITE=bookworm
GO_MINOR=${TEST_GO_VERSION%.*}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1747699200} # 2025-05-20, fixed layer mtimes
# shellcheck disable=SC2034 # STATIC_PLATFORMS, AMD64: used through namerefs (push_index)
STATIC_PLATFORMS=(linux/amd64 linux/arm64 linux/arm/v7 linux/ppc64le linux/s390x linux/riscv64)
ROOTFS_PACKAGES=ca-certificates,git,gcc,libc6-dev,openssh-client,curl,make,tzdata,netbase
BASE_PACKAGES=(libc6 libssl3)
SYS_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

export GOTOOLCHAIN=local
# crane, with its progress lines in a log file (shown when it fails).
CRANE_LOG=$GF_CACHE/images/crane.log
crane() {
	command crane --insecure "$@" 2>>"$CRANE_LOG" && return 0
	tail -n 20 "$CRANE_LOG" >&2
	return 1
}

# apt_mirror prints the Debian mirror URI this machine's apt uses for $SUITE.
apt_mirror() {
	local f uri=
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# deb822: the URIs: line of the first stanza whose Suites: has $SUITE.
		uri=$(awk -v suite="$SUITE" '
			/^[[:space:]]*$/ { if (ok && u != "") { print u; exit } ok = 0; u = ""; next }
			tolower($1) == "uris:" { u = $2 }
			tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
			END { if (ok && u != "") print u }' "$f" | head -n1)
		[ -n "$uri" ] && break
	done
	if [ -z "$uri" ]; then
		uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			awk -v suite="$SUITE" '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:/ && $(i+1) == suite) { print $i; exit } }' | head -n1)
	fi
	echo "${uri:-http://deb.debian.org/debian}"
}
MIRROR=$(apt_mirror)

# The recipe: this script (less its comment lines) and every input it depends on. Any
# change rebuilds the layers and re-pushes the images.
RECIPE=$( { grep -v '^[[:space:]]*#' "${BASH_SOURCE[0]}"; echo "$MIRROR $TEST_GO_VERSION $SOURCE_DATE_EPOCH"; } | sha256sum | cut -c1-16)
ROOTFS_KEY=$(echo "$SUITE $MIRROR $ROOTFS_PACKAGES" | sha256sum | cut -c1-16)
ROOTFS=$IMG_CACHE/rootfs-$ROOTFS_KEY
LAYERS=$IMG_CACHE/layers-$RECIPE
LABEL=dev.gopherfile.recipe

# image_current REF: the image is in the registry and was built from this recipe.
image_current() {
	crane config --platform linux/amd64 "$1" 2>/dev/null | grep -q "\"$LABEL\":\"$RECIPE\""
}

GOLANG_REFS=("$GF_REGISTRY/library/golang:$GO_MINOR" "$GF_REGISTRY/library/golang:$TEST_GO_VERSION" "$GF_REGISTRY/library/golang:$GO_MINOR-$SUITE")
STATIC_REFS=("$GF_REGISTRY/distroless/static-debian12:nonroot")
STATIC_ROOT_REFS=("$GF_REGISTRY/distroless/static-debian12:latest")
BASE_REFS=("$GF_REGISTRY/distroless/base-debian12:nonroot")
BASE_ROOT_REFS=("$GF_REGISTRY/distroless/base-debian12:latest")
ALL_REFS=("${GOLANG_REFS[@]}" "${STATIC_REFS[@]}" "${STATIC_ROOT_REFS[@]}" "${BASE_REFS[@]}" "${BASE_ROOT_REFS[@]}")

mkdir -p "$IMG_CACHE"
curl -fsS "http://$GF_REGISTRY/v2/" >/dev/null 2>&1 || die "registry $GF_REGISTRY is not running (run hack/up.sh)"

# exit_if_current: nothing to do if every tag is there, built from this recipe.
exit_if_current() {
	local ref
	[ "$FORCE" = --force ] && return 0
	for ref in "${ALL_REFS[@]}"; do
		image_current "$ref" || return 0
	done
	log "test images up to date in $GF_REGISTRY (recipe $RECIPE)"
	exit 0
}

exit_if_current
exec 9>"$IMG_CACHE/.lock"
flock -w 1800 9 || die "another hack/images.sh holds $IMG_CACHE/.lock"
exit_if_current # a concurrent run may have pushed them meanwhile
: >"$CRANE_LOG"

# ---------------------------------------------------------------------------------------
# 1. Debian rootfs (slow: minutes; cached by suite, mirror and package list).
build_rootfs() {
	[ -f "$ROOTFS/.done" ] && return 0
	command -v debootstrap >/dev/null || die "debootstrap missing (run hack/tools.sh)"
	log "debootstrap $SUITE from $MIRROR into $ROOTFS (takes a few minutes)"
	umount_rootfs "$ROOTFS.tmp"
	rm -rf "$ROOTFS.tmp"
	mkdir -p "$IMG_CACHE/debs"
	if ! debootstrap --variant=minbase --include="$ROOTFS_PACKAGES" --cache-dir="$IMG_CACHE/debs" \
		"$SUITE" "$ROOTFS.tmp" "$MIRROR" >"$IMG_CACHE/debootstrap.log" 2>&1; then
		umount_rootfs "$ROOTFS.tmp"
		tail -n 30 "$IMG_CACHE/debootstrap.log" >&2
		[ -f "$ROOTFS.tmp/debootstrap/debootstrap.log" ] && tail -n 30 "$ROOTFS.tmp/debootstrap/debootstrap.log" >&2
		die "debootstrap failed (log: $IMG_CACHE/debootstrap.log)"
	fi
	umount_rootfs "$ROOTFS.tmp"
	# Like the official images: no apt lists or caches, no host files.
	chroot "$ROOTFS.tmp" apt-get clean
	rm -rf "$ROOTFS.tmp"/var/lib/apt/lists/* "$ROOTFS.tmp"/var/cache/apt/*.bin \
		"$ROOTFS.tmp"/var/cache/debconf/*-old "$ROOTFS.tmp"/var/lib/dpkg/*-old \
		"$ROOTFS.tmp"/var/log/*.log "$ROOTFS.tmp"/var/log/apt/* "$ROOTFS.tmp"/tmp/* \
		"$ROOTFS.tmp"/etc/hostname "$ROOTFS.tmp"/debootstrap
	: >"$ROOTFS.tmp/etc/resolv.conf"
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$ROOTFS.tmp/etc/hosts"
	printf 'deb %s %s main\n' "$MIRROR" "$SUITE" >"$ROOTFS.tmp/etc/apt/sources.list"
	grep -q '^root:x:0:0:root:/root:' "$ROOTFS.tmp/etc/passwd" || die "rootfs: unexpected root entry in /etc/passwd"
	touch "$ROOTFS.tmp/.done"
	rm -rf "$ROOTFS"
	mv "$ROOTFS.tmp" "$ROOTFS"
	# Older rootfs versions are dead weight.
	find "$IMG_CACHE" -maxdepth 1 -name 'rootfs-*' ! -name "rootfs-$ROOTFS_KEY" -exec rm -rf {} +
}

# umount_rootfs DIR: debootstrap mounts proc/sys inside the target; a failed run can leave them.
umount_rootfs() {
	local m
	for m in $(awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r); do
		umount -l "$m" || true
	done
}

# ---------------------------------------------------------------------------------------
# 2. Layers (fast: seconds; cached per recipe).

# mklayer OUT.tar.gz DIR [tar args...]: a gzipped layer of DIR with fixed mtimes, sorted
# entries and numeric owners as they are on disk.
mklayer() {
	local out=$1 dir=$2
	shift 2
	tar -C "$dir" --sort=name --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
		--exclude=./.done -cf - "$@" | pigz -n -T -6 >"$out.tmp"
	mv "$out.tmp" "$out"
}

# Go toolchain from the module proxy: golang.org/toolchain zips hold the Go distribution.
fetch_go() {
	local out=$1 mod dir tmp
	mod="golang.org/toolchain@v0.0.1-go$TEST_GO_VERSION.linux-amd64"
	tmp=$(mktemp -d)
	dir=$(
		cd "$tmp"
		go mod init gopherfile.local/toolchain >/dev/null 2>&1
		GOFLAGS=-mod=mod go mod download -json "$mod" >download.json || { cat download.json >&2; exit 1; }
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' download.json
	) || die "go mod download $mod failed"
	rm -rf "$tmp"
	[ -n "$dir" ] && [ -f "$dir/bin/go" ] || die "go mod download $mod: no Go distribution found"
	mkdir -p "$out/usr/local"
	cp -r "$dir" "$out/usr/local/go"
	# The module cache is read-only and a module zip carries no modes: restore them.
	chmod -R u+w,go-w,a+rX "$out/usr/local/go"
	find "$out/usr/local/go/bin" "$out/usr/local/go/pkg/tool" -type f -exec chmod 0755 {} +
	find "$out/usr/local/go" -type f \( -name '*.bash' -o -name '*.sh' -o -name '*.rc' -o -name 'go_*_exec' \) -exec chmod 0755 {} +
	"$out/usr/local/go/bin/go" version | grep -q "go$TEST_GO_VERSION linux/amd64" || die "unexpected Go toolchain in $mod"
	mkdir -p "$out/go/bin" "$out/go/src"
	chmod -R 1777 "$out/go"
}

# Files distroless/static has: users, groups, CA bundle, zoneinfo, /tmp, /home/nonroot.
stage_static() {
	local s=$1
	mkdir -p "$s/etc/ssl/certs" "$s/usr/share" "$s/tmp" "$s/home/nonroot" "$s/root" "$s/var/lib"
	cat >"$s/etc/passwd" <<-'EOF'
		root:x:0:0:root:/root:/sbin/nologin
		nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
		nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
	EOF
	cat >"$s/etc/group" <<-'EOF'
		root:x:0:
		nobody:x:65534:
		tty:x:5:
		staff:x:50:
		nonroot:x:65532:
	EOF
	cat >"$s/etc/nsswitch.conf" <<-'EOF'
		passwd:         files
		group:          files
		shadow:         files
		hosts:          files dns
		networks:       files
		protocols:      files
		services:       files
		ethers:         files
		rpc:            files
	EOF
	cat >"$s/etc/os-release" <<-'EOF'
		PRETTY_NAME="Distroless"
		NAME="Debian GNU/Linux"
		ID="debian"
		VERSION_ID="12"
		VERSION="Debian GNU/Linux 12 (bookworm)"
		HOME_URL="https://github.com/GoogleContainerTools/distroless"
	EOF
	cp "$ROOTFS/etc/ssl/certs/ca-certificates.crt" "$s/etc/ssl/certs/"
	cp "$ROOTFS/etc/services" "$ROOTFS/etc/protocols" "$s/etc/"
	cp -a "$ROOTFS/usr/share/zoneinfo" "$s/usr/share/"
	chmod 0644 "$s"/etc/passwd "$s"/etc/group "$s"/etc/nsswitch.conf "$s"/etc/os-release
	chmod 1777 "$s/tmp"
	chmod 0700 "$s/root" "$s/home/nonroot"
	chown -R 0:0 "$s"
	chown 65532:65532 "$s/home/nonroot"
}

# glibc (+ libssl) runtime files from the rootfs packages, without docs and locales.
# Paths are as dpkg lists them (/lib/..., /lib64/...), so the layer is not usr-merged,
# like distroless.
stage_base() {
	local s=$1 p list
	list=$(mktemp)
	for p in "${BASE_PACKAGES[@]}"; do
		cat "$ROOTFS/var/lib/dpkg/info/$p:amd64.list" 2>/dev/null || cat "$ROOTFS/var/lib/dpkg/info/$p.list"
	done | grep -Ev '^/usr/share/(doc|man|lintian|locale|info)(/|$)' | sed 's|^/||' | sort -u |
		while read -r p; do
			[ -n "$p" ] && [ ! -d "$ROOTFS/$p" ] || continue # directories: created by tar
			[ -e "$ROOTFS/$p" ] || [ -L "$ROOTFS/$p" ] || continue
			echo "$p"
		done >"$list"
	grep -qx 'lib64/ld-linux-x86-64.so.2' "$list" || die "base: ld-linux not found in libc6 file list"
	mkdir -p "$s"
	tar -C "$ROOTFS" --no-recursion -cf - -T "$list" | tar -C "$s" -xf -
	rm -f "$list"
}

# normalize_rootfs: removes what differs between two debootstrap runs of the same
# packages, so that the rootfs layer (and the golang image digest) is reproducible.
normalize_rootfs() {
	rm -f "$ROOTFS/var/cache/ldconfig/aux-cache"
	sed -i -E "s/^([^:]*:[^:]*:)[0-9]+:/\1$((SOURCE_DATE_EPOCH / 86400)):/" "$ROOTFS/etc/shadow"
}

build_layers() {
	[ -f "$LAYERS/.done" ] && return 0
	log "building layers (recipe $RECIPE)"
	normalize_rootfs
	rm -rf "$LAYERS.tmp"
	mkdir -p "$LAYERS.tmp/go" "$LAYERS.tmp/static" "$LAYERS.tmp/base"
	fetch_go "$LAYERS.tmp/go"
	stage_static "$LAYERS.tmp/static"
	stage_base "$LAYERS.tmp/base"
	mklayer "$LAYERS.tmp/rootfs.tar.gz" "$ROOTFS" --exclude='./dev/*' --exclude='./proc/*' \
		--exclude='./sys/*' --exclude='./run/*' . &
	mklayer "$LAYERS.tmp/go.tar.gz" "$LAYERS.tmp/go" . &
	mklayer "$LAYERS.tmp/static.tar.gz" "$LAYERS.tmp/static" . &
	mklayer "$LAYERS.tmp/base.tar.gz" "$LAYERS.tmp/base" . &
	local pid
	for pid in $(jobs -p); do wait "$pid"; done
	rm -rf "$LAYERS.tmp/go" "$LAYERS.tmp/static" "$LAYERS.tmp/base"
	touch "$LAYERS.tmp/.done"
	rm -rf "$LAYERS"
	mv "$LAYERS.tmp" "$LAYERS"
	find "$IMG_CACHE" -maxdepth 1 -name 'layers-*' ! -name "layers-$RECIPE" -exec rm -rf {} +
}

# ---------------------------------------------------------------------------------------
# 3. Images (fast: pushes of cached layers into the local registry).

# push_index TAGS_ARRAY PLATFORMS_ARRAY MUTATE_ARGS...: one image per platform from the
# same layers (appended to a scratch tag first), joined into an index, tagged with TAGS.
push_index() {
	local -n tags=$1 plats=$2
	local layers=$3
	shift 3
	local repo=${tags[0]%:*} scratch manifests=() plat args f
	scratch="$repo:gf-scratch-$RECIPE"
	args=()
	for f in $layers; do args+=(-f "$LAYERS/$f.tar.gz"); done
	crane append --oci-empty-base "${args[@]}" -t "$scratch" >/dev/null
	for plat in "${plats[@]}"; do
		manifests+=(-m "$(crane mutate "$scratch" --set-platform "$plat" -l "$LABEL=$RECIPE" "$@" --repo "$repo")")
	done
	crane index append "${manifests[@]}" -t "${tags[0]}" >/dev/null
	for f in "${tags[@]:1}"; do crane tag "${tags[0]}" "${f##*:}"; done
	crane delete "$scratch" 2>/dev/null || true
	log "pushed ${tags[*]} ($(crane digest "${tags[0]}"))"
}

build_rootfs
build_layers

# shellcheck disable=SC2034 # used through a nameref
AMD64=(linux/amd64)
push_index GOLANG_REFS AMD64 "rootfs go" \
	--env "PATH=/go/bin:/usr/local/go/bin:$SYS_PATH" --env "GOLANG_VERSION=$TEST_GO_VERSION" \
	--env GOTOOLCHAIN=local --env GOPATH=/go --workdir /go --cmd bash
DISTROLESS_ENV=(--env "PATH=$SYS_PATH" --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt)
NONROOT=(--user 65532 --workdir /home/nonroot "${DISTROLESS_ENV[@]}")
ROOT=(--user 0 --workdir / "${DISTROLESS_ENV[@]}")
push_index STATIC_REFS STATIC_PLATFORMS "static" "${NONROOT[@]}"
push_index STATIC_ROOT_REFS STATIC_PLATFORMS "static" "${ROOT[@]}"
push_index BASE_REFS AMD64 "static base" "${NONROOT[@]}"
push_index BASE_ROOT_REFS AMD64 "static base" "${ROOT[@]}"

log "test images ready in $GF_REGISTRY (recipe $RECIPE)"
