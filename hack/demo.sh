#!/usr/bin/env bash
# make demo: builds examples/hello on the test Docker Engine through the default docker
# driver and the `# syntax=` line of examples/hello/Gopherfile, exactly as the README's
# quickstart does, then runs the image with docker run: the binary runs as the nonroot
# user of the image (uid 65532). Expects hack/up.sh and hack/frontend-image.sh to have
# run (the Makefile does that).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$(dirname "$0")/../examples/hello"
export DOCKER_HOST=$GF_DOCKER_HOST DOCKER_CONFIG=$GF_DOCKER_CONFIG

image=gopherfile-demo/hello:dev
log "docker build -f Gopherfile -t $image --load .   (in examples/hello, Docker Engine $(docker version --format '{{.Server.Version}}'))"
docker build --progress plain -f Gopherfile -t "$image" --load .

log "docker image inspect: user $(docker image inspect --format '{{.Config.User}}' "$image"), entrypoint $(docker image inspect --format '{{json .Config.Entrypoint}}' "$image")"
log "docker run --rm $image -name demo"
# The engine runs without IP forwarding (hack/up.sh leaves the host's sysctls alone),
# which docker run reports on stderr; hello needs no network.
docker run --rm --network none "$image" -name demo
