#!/usr/bin/env bash
# make demo: from nothing to a running image in a few minutes, with only what the demo
# needs: buildkitd built from the Go module proxy (hack/tools.sh demo), runc
# and umoci from Debian, a buildkitd of the demo's own, and the gopherfile CLI built on
# this machine, which runs the frontend in-process (no frontend image, no registry). The
# build pulls no image: the go steps run with the Go toolchain from the module proxy and
# the runtime base is the built-in static base. The image is then run with runc as the
# user it names (the nonroot user, uid 65532).
#
# No Docker Engine, no debootstrap, no golang image: `make env` (hack/up.sh) sets up the
# full test environment that `make test` needs.
set -euo pipefail
HACK=$(cd "$(dirname "$0")" && pwd)
. "$HACK/env.sh"
start=$(date +%s)
bash "$HACK/tools.sh" demo
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

DEMO_STATE=${GF_DEMO_STATE:-$GF_STATE-demo}
DEMO_RUN=${GF_DEMO_RUN:-$GF_RUN-demo}
sock=$DEMO_RUN/buildkitd.sock
addr=unix://$sock
mkdir -p "$DEMO_STATE" "$DEMO_RUN"
if [ ! -S "$sock" ] || ! kill -0 "$(cat "$DEMO_RUN/buildkitd.pid" 2>/dev/null)" 2>/dev/null; then
	log "starting the demo's buildkitd on $addr (state in $DEMO_STATE)"
	rm -f "$sock"
	setsid buildkitd --root "$DEMO_STATE/buildkitd" --addr "$addr" --oci-worker-net=host \
		>>"$DEMO_STATE/buildkitd.log" 2>&1 </dev/null &
	echo $! >"$DEMO_RUN/buildkitd.pid"
	for _ in $(seq 1 240); do
		[ -S "$sock" ] && break
		sleep 0.5
	done
	[ -S "$sock" ] || { tail -n 20 "$DEMO_STATE/buildkitd.log" >&2; die "the demo's buildkitd did not start"; }
fi

cd "$HACK/.."
log "building the gopherfile CLI (CGO_ENABLED=0 go build ./cmd/gopherfile)"
CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -o bin/gopherfile ./cmd/gopherfile

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
secret=()
# Behind a TLS-intercepting proxy the toolchain and the modules need its CA bundle.
[ -f /etc/ssl/certs/ca-certificates.crt ] && secret=(--secret id=cacert,src=/etc/ssl/certs/ca-certificates.crt)
log "gopherfile build examples/hello (the frontend in-process, on $addr)"
bin/gopherfile build --addr "$addr" --progress plain "${secret[@]}" \
	-o "type=oci,dest=$work/hello.tar,name=gopherfile-demo/hello:dev" examples/hello

log "unpacking the image (umoci) and running it with runc"
mkdir -p "$work/layout"
tar -xf "$work/hello.tar" -C "$work/layout"
umoci unpack --image "$work/layout:dev" "$work/bundle" >/dev/null
# No terminal here (make, CI): the process writes to runc's stdout.
sed -i 's/"terminal": *true/"terminal": false/' "$work/bundle/config.json"
runc run --bundle "$work/bundle" "gopherfile-demo-$$"
log "make demo took $(($(date +%s) - start))s"
