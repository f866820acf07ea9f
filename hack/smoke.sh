#!/usr/bin/env bash
# Smoke test of the environment hack/up.sh brought up (run that first):
#   1. buildctl + built-in dockerfile.v0 frontend: `FROM golang:1.26` and
#      `FROM gcr.io/distroless/{static,base}-debian12:nonroot` are pulled through the
#      docker.io / gcr.io mirrors from the local registry; go version is checked, a static
#      and a cgo hello world are built and run in the distroless images.
#   2. docker buildx (builder $GF_BUILDX_BUILDER, remote driver): a FROM golang:1.26 + RUN
#      Dockerfile exported as an OCI tarball.
# Usage: bash hack/smoke.sh [--no-cache]   (SMOKE_KEEP=1 keeps the build logs and outputs)
set -euo pipefail
. "$(dirname "$0")/env.sh"

NO_CACHE=()
[ "${1:-}" = --no-cache ] && NO_CACHE=(--no-cache)

work=$(mktemp -d)
trap '[ -n "${SMOKE_KEEP:-}" ] && log "kept $work" || rm -rf "$work"' EXIT
start=$(date +%s)

# --- 1. buildctl -----------------------------------------------------------------------
mkdir -p "$work/ctx" "$work/out"
cat >"$work/ctx/Dockerfile" <<'EOF'
FROM golang:1.26 AS build
RUN go version | tee /go-version \
 && test "$(go env GOROOT)" = /usr/local/go \
 && test "$(go env GOTOOLCHAIN)" = local \
 && test "$(go env GOPATH)" = /go \
 && test "$(pwd)" = /go \
 && grep -q '^root:x:0:0:root:/root:' /etc/passwd
WORKDIR /src
COPY hello.go cgo.go ./
RUN go mod init smoke \
 && CGO_ENABLED=0 go build -o /hello-static hello.go \
 && CGO_ENABLED=1 go build -o /hello-cgo cgo.go

FROM gcr.io/distroless/static-debian12:nonroot AS static
COPY --from=build /hello-static /hello
RUN ["/hello"]

FROM gcr.io/distroless/base-debian12:nonroot AS base
COPY --from=build /hello-cgo /hello
RUN ["/hello"]

FROM scratch
COPY --from=build /go-version /go-version
COPY --from=static /etc/passwd /static-passwd
COPY --from=base /hello /hello-cgo
EOF
cat >"$work/ctx/hello.go" <<'EOF'
package main

import (
	"fmt"
	"os"
)

func main() { fmt.Printf("hello from static, uid %d\n", os.Getuid()) }
EOF
cat >"$work/ctx/cgo.go" <<'EOF'
package main

// #include <stdio.h>
// static void hello(void) { printf("hello from cgo\n"); fflush(stdout); }
import "C"

func main() { C.hello() }
EOF

log "smoke 1/2: buildctl build (golang:1.26, gcr.io/distroless/{static,base}-debian12:nonroot via mirrors)"
buildctl --addr "$GF_BUILDKIT_ADDR" build --progress=plain "${NO_CACHE[@]}" \
	--frontend dockerfile.v0 --local context="$work/ctx" --local dockerfile="$work/ctx" \
	--output type=local,dest="$work/out" >"$work/build.log" 2>&1 ||
	{ tail -n 40 "$work/build.log" >&2; die "smoke: buildctl build failed"; }
grep -q "go version go$TEST_GO_VERSION linux/amd64" "$work/out/go-version" ||
	die "smoke: unexpected go version: $(cat "$work/out/go-version")"
grep -q '^nonroot:x:65532:65532:' "$work/out/static-passwd" || die "smoke: distroless static has no nonroot user"
[ -x "$work/out/hello-cgo" ] || die "smoke: cgo binary missing"
grep -q 'hello from static, uid 65532' "$work/build.log" || [ ${#NO_CACHE[@]} = 0 ] ||
	die "smoke: static hello did not run as 65532"
log "  $(cat "$work/out/go-version")"

# --- 2. docker buildx ------------------------------------------------------------------
mkdir -p "$work/bx"
printf 'FROM golang:1.26\nRUN go version && go env GOROOT\n' >"$work/bx/Dockerfile"
log "smoke 2/2: docker buildx build --builder $GF_BUILDX_BUILDER (FROM golang:1.26, OCI tarball output)"
docker buildx build --builder "$GF_BUILDX_BUILDER" --progress=plain "${NO_CACHE[@]}" \
	--output type=oci,dest="$work/x.tar" "$work/bx" >"$work/buildx.log" 2>&1 ||
	{ tail -n 40 "$work/buildx.log" >&2; die "smoke: docker buildx build failed"; }
tar -tf "$work/x.tar" >"$work/x.list" # (not piped into grep -q: SIGPIPE + pipefail)
grep -qx index.json "$work/x.list" || die "smoke: buildx OCI tarball has no index.json"

log "smoke OK in $(($(date +%s) - start))s"
