#!/usr/bin/env bash
# make demo: builds examples/hello with the frontend image (through docker buildx
# and the `# syntax=` line of examples/hello/Gopherfile), unpacks the image and
# runs the binary it contains. Expects hack/up.sh and hack/frontend-image.sh to
# have run (the Makefile does that).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$(dirname "$0")/.."

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

log "docker buildx build -f Gopherfile examples/hello"
docker buildx build --builder "$GF_BUILDX_BUILDER" --progress plain \
	-f examples/hello/Gopherfile -o "type=oci,dest=$out/hello.tar" examples/hello

log "unpacking the image"
mkdir -p "$out/oci" "$out/rootfs"
tar -xf "$out/hello.tar" -C "$out/oci"
manifest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"].split(":")[1])' "$out/oci/index.json")
python3 - "$out/oci" "$manifest" <<'PY' >"$out/layers"
import json, sys
d, m = sys.argv[1], sys.argv[2]
man = json.load(open(f"{d}/blobs/sha256/{m}"))
cfg = json.load(open(f"{d}/blobs/sha256/{man['config']['digest'].split(':')[1]}"))
print("# entrypoint:", cfg["config"].get("Entrypoint"), "user:", cfg["config"].get("User"), file=sys.stderr)
for l in man["layers"]:
    print(f"{d}/blobs/sha256/{l['digest'].split(':')[1]}")
PY
while read -r layer; do tar -xzf "$layer" -C "$out/rootfs" 2>/dev/null || tar -xf "$layer" -C "$out/rootfs"; done <"$out/layers"

log "running /usr/local/bin/hello from the image"
"$out/rootfs/usr/local/bin/hello" -name "demo"
