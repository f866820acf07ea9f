# shellcheck shell=bash
# Common settings for the local test environment. Source it; do not run it.
# Everything lives under GF_CACHE (tools, images, rootfs) and GF_STATE (daemons).

GF_CACHE=${GF_CACHE:-$HOME/.cache/gopherfile}
GF_STATE=${GF_STATE:-/var/lib/gopherfile-dev}
GF_RUN=${GF_RUN:-/run/gopherfile-dev}
GF_BIN=$GF_CACHE/bin

BUILDKIT_VERSION=${BUILDKIT_VERSION:-v0.33.1}
BUILDX_VERSION=${BUILDX_VERSION:-v0.37.0}
REGISTRY_VERSION=${REGISTRY_VERSION:-v3.1.2}
CRANE_VERSION=${CRANE_VERSION:-v0.22.1}
# The oldest BuildKit the suite runs against (Docker Engine 28.0 embeds v0.20), and the
# Docker Engine (moby v2 module; BuildKit v0.33.0 inside) the docker tests use.
OLD_BUILDKIT_VERSION=${OLD_BUILDKIT_VERSION:-v0.20.2}
DOCKERD_VERSION=${DOCKERD_VERSION:-v2.0.0-beta.24}

# Go toolchain that goes into the test golang:* images.
TEST_GO_VERSION=${TEST_GO_VERSION:-1.26.8}

GF_REGISTRY_PORT=${GF_REGISTRY_PORT:-5055}
GF_REGISTRY=127.0.0.1:$GF_REGISTRY_PORT
GF_BUILDKIT_SOCK=$GF_RUN/buildkitd.sock
GF_BUILDKIT_ADDR=unix://$GF_BUILDKIT_SOCK
GF_FRONTEND_IMAGE=${GF_FRONTEND_IMAGE:-localhost:$GF_REGISTRY_PORT/gopherfile/frontend:dev}
GF_BUILDX_BUILDER=${GF_BUILDX_BUILDER:-gopherfile-dev}
# The older buildkitd (binary buildkitd-$OLD_BUILDKIT_VERSION) and its buildx builder.
GF_OLD_BUILDKITD=buildkitd-$OLD_BUILDKIT_VERSION
GF_OLD_BUILDKIT_SOCK=$GF_RUN/$GF_OLD_BUILDKITD.sock
GF_OLD_BUILDKIT_ADDR=unix://$GF_OLD_BUILDKIT_SOCK
GF_OLD_BUILDX_BUILDER=${GF_OLD_BUILDX_BUILDER:-gopherfile-old}
# The Docker Engine: its socket, and a docker CLI config dir of its own (use both as
# DOCKER_HOST and DOCKER_CONFIG; nothing here touches /var/run/docker.sock or ~/.docker).
GF_DOCKER_HOST=unix://$GF_RUN/docker.sock
GF_DOCKER_CONFIG=$GF_STATE/docker-cli

export PATH="$GF_BIN:$PATH"
export GF_CACHE GF_STATE GF_RUN GF_BIN GF_REGISTRY GF_REGISTRY_PORT GF_BUILDKIT_SOCK GF_BUILDKIT_ADDR GF_FRONTEND_IMAGE GF_BUILDX_BUILDER \
	OLD_BUILDKIT_VERSION DOCKERD_VERSION GF_OLD_BUILDKITD GF_OLD_BUILDKIT_SOCK GF_OLD_BUILDKIT_ADDR GF_OLD_BUILDX_BUILDER GF_DOCKER_HOST GF_DOCKER_CONFIG

log() { printf '\033[1;34m[hack]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[hack] error:\033[0m %s\n' "$*" >&2; exit 1; }
