#!/usr/bin/env bash
# Builds the frontend image from the repo's Dockerfile on the test buildkitd and
# pushes it to the local registry as $GF_FRONTEND_IMAGE and as
# localhost:5055/gopherfile/frontend:1, which buildkitd's docker.io mirror serves as
# docker.io/gopherfile/frontend:1 (the name in the examples' `# syntax=` lines).
# Fast when nothing changed: BuildKit caches every step.
#
# GF_FRONTEND_IMAGE=localhost:5055/gopherfile/frontend:mybranch pushes that name
# only (not the :1 alias other checkouts' tests use), so that a branch can test its
# own frontend: run the integration tests with the same GF_FRONTEND_IMAGE.
# GF_FRONTEND_ALIAS overrides the alias (empty: none).
set -euo pipefail
default_image=localhost:${GF_REGISTRY_PORT:-5055}/gopherfile/frontend:dev
custom=${GF_FRONTEND_IMAGE:+x}
given_image=${GF_FRONTEND_IMAGE:-}
HACK=$(cd "$(dirname "$0")" && pwd)
. "$HACK/env.sh"
cd "$HACK/.."

secret=()
# Behind a TLS-intercepting proxy the module downloads need the host's CA bundle.
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
	secret=(--secret id=cacert,src=/etc/ssl/certs/ca-certificates.crt)
fi
names=$GF_FRONTEND_IMAGE
if [ -n "${GF_FRONTEND_ALIAS+x}" ]; then
	alias=$GF_FRONTEND_ALIAS
elif [ -z "$custom" ] || [ "$given_image" = "$default_image" ]; then
	alias=localhost:$GF_REGISTRY_PORT/gopherfile/frontend:1
else
	alias=
fi
if [ -n "$alias" ]; then
	names="$names,$alias"
fi
# GF_FRONTEND_BUILD=host packages binaries built on this machine instead
# (hack/frontend-image-host.sh: no BuildKit, no golang image).
if [ "${GF_FRONTEND_BUILD:-}" = host ]; then
	exec bash "$HACK/frontend-image-host.sh" "$names" "${GF_FRONTEND_PLATFORMS:-linux/amd64,linux/arm64}"
fi
logfile=$GF_STATE/frontend-image$(printf '%s' "$GF_FRONTEND_IMAGE" | tr -c 'A-Za-z0-9' '-' | sed 's/.*frontend-/-/').log
log "building the frontend image $names"
# The frontend image is published for amd64 and arm64 (cross-compiled, no emulation).
platforms=${GF_FRONTEND_PLATFORMS:-linux/amd64,linux/arm64}
buildctl --addr "$GF_BUILDKIT_ADDR" build --progress plain \
	--frontend dockerfile.v0 --local context=. --local dockerfile=. \
	--opt platform="$platforms" --opt build-arg:VERSION="${GF_VERSION:-dev}" \
	"${secret[@]}" \
	--opt build-arg:GOPROXY="$(go env GOPROXY)" \
	--output "type=image,\"name=$names\",push=true,registry.insecure=true" \
	>"$logfile" 2>&1 || {
	tail -n 40 "$logfile" >&2
	die "building the frontend image failed (log: $logfile)"
}
log "pushed $names"
