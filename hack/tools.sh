#!/usr/bin/env bash
# Builds the tools the test environment needs from the Go module proxy, once, into
# $GF_CACHE/bin (buildkitd, buildctl, docker-buildx, registry, crane, dockerd, and
# buildkitd-$OLD_BUILDKIT_VERSION, the older BuildKit the suite also runs against), and
# installs runc, containerd and debootstrap from Debian. Idempotent: a tool already
# built at the pinned version is not rebuilt (dockerd takes ~5 minutes the first time).
#
# `bash hack/tools.sh demo` builds and installs only what make demo needs: buildkitd,
# runc and umoci.
set -euo pipefail
. "$(dirname "$0")/env.sh"
only=${1:-}

mkdir -p "$GF_BIN" "$GF_CACHE/src"
# One run at a time: concurrent runs would wipe each other's $GF_CACHE/src/NAME.
exec 8>"$GF_CACHE/.tools.lock"
flock -w 1800 8 || die "another hack/tools.sh holds $GF_CACHE/.tools.lock"

# go_tool NAME MODULE@VERSION PACKAGE [LDFLAGS]: builds PACKAGE from a throwaway module.
# LDFLAGS (e.g. -X .../version.Version=...) are part of the version stamp.
go_tool() {
	local name=$1 modver=$2 pkg=$3 xflags=${4:-}
	local stamp="$GF_BIN/.$name.version" want="$modver${4:+ $4}"
	if [ -x "$GF_BIN/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
		return 0
	fi
	log "building $name from $modver"
	local dir="$GF_CACHE/src/$name"
	rm -rf "$dir" && mkdir -p "$dir"
	(
		cd "$dir"
		export GOFLAGS=-mod=mod GOTOOLCHAIN=local
		go mod init "tools.local/$name" >/dev/null 2>&1
		go get "$modver" >/dev/null
		CGO_ENABLED=0 go build -trimpath -ldflags="-s -w $xflags" -o "$GF_BIN/$name.tmp" "$pkg"
	)
	mv "$GF_BIN/$name.tmp" "$GF_BIN/$name"
	echo "$want" >"$stamp"
}

apt_need=()
command -v runc >/dev/null || apt_need+=(runc)
if [ "$only" = demo ]; then
	command -v umoci >/dev/null || apt_need+=(umoci)
	if [ ${#apt_need[@]} -gt 0 ]; then
		log "apt-get install ${apt_need[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >/dev/null
		apt-get install -y -qq --no-install-recommends "${apt_need[@]}" >/dev/null
	fi
	bk_version="-X github.com/moby/buildkit/version.Version=$BUILDKIT_VERSION"
	go_tool buildkitd github.com/moby/buildkit@$BUILDKIT_VERSION github.com/moby/buildkit/cmd/buildkitd "$bk_version"
	log "demo tools ready in $GF_BIN"
	exit 0
fi
# dockerd runs its own (managed) containerd from PATH, with containerd-shim-runc-v2.
{ command -v containerd >/dev/null && command -v containerd-shim-runc-v2 >/dev/null; } || apt_need+=(containerd)
command -v debootstrap >/dev/null || apt_need+=(debootstrap)
[ -x /usr/sbin/sshd ] || apt_need+=(openssh-server) # the SSH agent-forwarding tests run sshd on 127.0.0.1
command -v ssh-agent >/dev/null || apt_need+=(openssh-client)
command -v unshare >/dev/null || apt_need+=(util-linux)
command -v iptables >/dev/null || apt_need+=(iptables)
command -v pigz >/dev/null || apt_need+=(pigz)
command -v curl >/dev/null || apt_need+=(curl)
command -v flock >/dev/null || apt_need+=(util-linux)
[ -f /usr/share/keyrings/debian-archive-keyring.gpg ] || apt_need+=(debian-archive-keyring) # debootstrap
if [ ${#apt_need[@]} -gt 0 ]; then
	log "apt-get install ${apt_need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends "${apt_need[@]}" >/dev/null
fi

# buildkitd and buildctl share most packages: one after the other, the second mostly
# hits the Go build cache. The -X flags make `--version` (and `buildx ls`) tell the truth.
bk_version="-X github.com/moby/buildkit/version.Version=$BUILDKIT_VERSION"
go_tool buildkitd github.com/moby/buildkit@$BUILDKIT_VERSION github.com/moby/buildkit/cmd/buildkitd "$bk_version"
go_tool buildctl github.com/moby/buildkit@$BUILDKIT_VERSION github.com/moby/buildkit/cmd/buildctl "$bk_version"
go_tool registry github.com/distribution/distribution/v3@$REGISTRY_VERSION github.com/distribution/distribution/v3/cmd/registry &
p1=$!
go_tool crane github.com/google/go-containerregistry@$CRANE_VERSION github.com/google/go-containerregistry/cmd/crane &
p2=$!
wait $p1; wait $p2
go_tool docker-buildx github.com/docker/buildx@$BUILDX_VERSION github.com/docker/buildx/cmd/buildx \
	"-X github.com/docker/buildx/version.Version=$BUILDX_VERSION"

# The older BuildKit (Docker Engine 28.0's), a second buildkitd for the compatibility tests.
go_tool "buildkitd-$OLD_BUILDKIT_VERSION" github.com/moby/buildkit@$OLD_BUILDKIT_VERSION github.com/moby/buildkit/cmd/buildkitd \
	"-X github.com/moby/buildkit/version.Version=$OLD_BUILDKIT_VERSION"
# A real Docker Engine (its BuildKit is embedded): the docker tests build through the
# default docker driver. Stamped with its module version, which `docker version` shows.
go_tool dockerd github.com/moby/moby/v2@$DOCKERD_VERSION github.com/moby/moby/v2/cmd/dockerd \
	"-X github.com/moby/moby/v2/dockerversion.Version=$DOCKERD_VERSION -X github.com/moby/moby/v2/dockerversion.PlatformName=gopherfile-test"

mkdir -p "$HOME/.docker/cli-plugins"
if ! cmp -s "$GF_BIN/docker-buildx" "$HOME/.docker/cli-plugins/docker-buildx"; then
	cp "$GF_BIN/docker-buildx" "$HOME/.docker/cli-plugins/docker-buildx"
fi
log "tools ready in $GF_BIN"
