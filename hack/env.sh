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

# Go toolchain that goes into the test golang:* images.
TEST_GO_VERSION=${TEST_GO_VERSION:-1.26.8}

GF_REGISTRY_PORT=${GF_REGISTRY_PORT:-5055}
GF_REGISTRY=127.0.0.1:$GF_REGISTRY_PORT
GF_BUILDKIT_SOCK=$GF_RUN/buildkitd.sock
GF_BUILDKIT_ADDR=unix://$GF_BUILDKIT_SOCK
GF_FRONTEND_IMAGE=${GF_FRONTEND_IMAGE:-localhost:$GF_REGISTRY_PORT/gopherfile/frontend:dev}
GF_BUILDX_BUILDER=${GF_BUILDX_BUILDER:-gopherfile-dev}

export PATH="$GF_BIN:$PATH"
export GF_CACHE GF_STATE GF_RUN GF_BIN GF_REGISTRY GF_REGISTRY_PORT GF_BUILDKIT_SOCK GF_BUILDKIT_ADDR GF_FRONTEND_IMAGE GF_BUILDX_BUILDER

log() { printf '\033[1;34m[hack]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[hack] error:\033[0m %s\n' "$*" >&2; exit 1; }
