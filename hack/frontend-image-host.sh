#!/usr/bin/env bash
# Packages the frontend image from binaries built on this machine, without
# BuildKit and without a golang image: CGO_ENABLED=0 go build for each
# platform, a one-file layer (/bin/gopherfile-frontend, fixed time), the
# labels and entrypoint of the Dockerfile's final stage, pushed with crane
# as an index. The Dockerfile (docker buildx bake frontend) stays the
# release build; this is the quick path of hack/frontend-image.sh
# (GF_FRONTEND_BUILD=host).
#
# Usage: bash hack/frontend-image-host.sh NAME[,NAME...] [PLATFORMS]
set -euo pipefail
HACK=$(cd "$(dirname "$0")" && pwd)
. "$HACK/env.sh"
cd "$HACK/.."
names=$1
platforms=${2:-linux/amd64,linux/arm64}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly
epoch=0
manifests=()
first=${names%%,*}
repo=${first%:*}
IFS=, read -ra plats <<<"$platforms"
for plat in "${plats[@]}"; do
	os=${plat%%/*} rest=${plat#*/} arch=${rest%%/*} variant=
	[ "$rest" != "$arch" ] && variant=${rest#*/}
	dir=$work/$os-$arch$variant
	mkdir -p "$dir/root/bin"
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch GOARM=${variant#v} go build -trimpath -buildvcs=false \
		-ldflags="-s -w -X github.com/gopherfile/gopherfile/internal/version.Version=${GF_VERSION:-dev}" \
		-o "$dir/root/bin/gopherfile-frontend" ./cmd/gopherfile-frontend
	tar -C "$dir/root" --sort=name --numeric-owner --owner=0 --group=0 --mtime="@$epoch" -cf - bin | gzip -n >"$dir/layer.tar.gz"
	tag=$repo:gf-host-$os-$arch$variant
	crane --insecure append --oci-empty-base --platform "$plat" -f "$dir/layer.tar.gz" -t "$tag" >/dev/null
	manifests+=(-m "$(crane --insecure mutate "$tag" --set-platform "$plat" --entrypoint /bin/gopherfile-frontend \
		-l moby.buildkit.frontend.network.none=true \
		-l moby.buildkit.frontend.caps=moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts \
		-l org.opencontainers.image.title=gopherfile-frontend \
		-l "org.opencontainers.image.description=BuildKit frontend that builds Go images from a Gopherfile")")
done
crane --insecure index append "${manifests[@]}" -t "$first" >/dev/null
IFS=, read -ra all <<<"$names"
for n in "${all[@]:1}"; do crane --insecure tag "$first" "${n##*:}" >/dev/null 2>&1 || crane --insecure copy "$first" "$n" >/dev/null; done
for plat in "${plats[@]}"; do
	os=${plat%%/*} rest=${plat#*/} arch=${rest%%/*} variant=
	[ "$rest" != "$arch" ] && variant=${rest#*/}
	crane --insecure delete "$repo:gf-host-$os-$arch$variant" 2>/dev/null || true
done
log "pushed $names ($(crane --insecure digest "$first"), built on this machine)"
