#!/usr/bin/env bash
# Builds the frontend image from the repo's Dockerfile on the test buildkitd and
# pushes it to the local registry as $GF_FRONTEND_IMAGE and as
# localhost:5055/gopherfile/frontend:1, which buildkitd's docker.io mirror serves as
# docker.io/gopherfile/frontend:1 (the name in the examples' `# syntax=` lines).
# Fast when nothing changed: BuildKit caches every step.
set -euo pipefail
HACK=$(cd "$(dirname "$0")" && pwd)
. "$HACK/env.sh"
cd "$HACK/.."

secret=()
# Behind a TLS-intercepting proxy the module downloads need the host's CA bundle.
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
	secret=(--secret id=cacert,src=/etc/ssl/certs/ca-certificates.crt)
fi
log "building the frontend image $GF_FRONTEND_IMAGE"
# The frontend image is published for amd64 and arm64 (cross-compiled, no emulation).
platforms=${GF_FRONTEND_PLATFORMS:-linux/amd64,linux/arm64}
buildctl --addr "$GF_BUILDKIT_ADDR" build --progress plain \
	--frontend dockerfile.v0 --local context=. --local dockerfile=. \
	--opt platform="$platforms" --opt build-arg:VERSION="${GF_VERSION:-dev}" \
	"${secret[@]}" \
	--opt build-arg:GOPROXY="$(go env GOPROXY)" \
	--output "type=image,\"name=$GF_FRONTEND_IMAGE,localhost:$GF_REGISTRY_PORT/gopherfile/frontend:1\",push=true,registry.insecure=true" \
	>"$GF_STATE/frontend-image.log" 2>&1 || {
	tail -n 40 "$GF_STATE/frontend-image.log" >&2
	die "building the frontend image failed (log: $GF_STATE/frontend-image.log)"
}
log "pushed $GF_FRONTEND_IMAGE and docker.io/gopherfile/frontend:1 (via the mirror)"
