#!/usr/bin/env bash
# Stops what hack/up.sh started: the buildx builder entries, dockerd (and the containerd
# it runs), both buildkitds and the registry (by their pid files in $GF_RUN). Keeps all state and caches ($GF_STATE, $GF_CACHE), so
# the next hack/up.sh is quick. Usage: bash hack/down.sh [--purge]
#   --purge  also deletes $GF_STATE (registry data, buildkit cache); $GF_CACHE stays.
set -euo pipefail
. "$(dirname "$0")/env.sh"

# stop NAME CMDLINE: TERM the pid in $GF_RUN/NAME.pid if it is NAME, KILL it after 15s.
# Without a pid file (deleted $GF_RUN), the processes whose command line is exactly
# CMDLINE, the one up.sh uses, are stopped instead.
stop() {
	local name=$1 cmdline=$2 pids pid i
	pids=$(cat "$GF_RUN/$name.pid" 2>/dev/null) || pids=$(pgrep -x -f "$cmdline" || true)
	for pid in $pids; do
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$name" || continue
		log "stopping $name (pid $pid)"
		kill "$pid" 2>/dev/null || true
		for ((i = 0; i < 60; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.25
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "$name did not stop in 15s: killing it"
			kill -9 "$pid" 2>/dev/null || true
		fi
	done
	rm -f "$GF_RUN/$name.pid"
}

for b in "$GF_BUILDX_BUILDER" "$GF_OLD_BUILDX_BUILDER"; do
	if command -v docker >/dev/null && docker buildx inspect "$b" >/dev/null 2>&1; then
		log "removing buildx builder $b"
		docker buildx rm "$b" >/dev/null 2>&1 || true
	fi
done
stop dockerd "dockerd --config-file $GF_STATE/dockerd.json"
rm -f "${GF_DOCKER_HOST#unix://}"
stop "$GF_OLD_BUILDKITD" "$GF_OLD_BUILDKITD --config $GF_STATE/$GF_OLD_BUILDKITD.toml --root $GF_STATE/$GF_OLD_BUILDKITD --addr $GF_OLD_BUILDKIT_ADDR --oci-worker-net=host"
rm -f "$GF_OLD_BUILDKIT_SOCK"
stop buildkitd "buildkitd --config $GF_STATE/buildkitd.toml --root $GF_STATE/buildkitd --addr $GF_BUILDKIT_ADDR --oci-worker-net=host"
rm -f "$GF_BUILDKIT_SOCK"
stop registry "registry serve $GF_STATE/registry.yml"

if [ "${1:-}" = --purge ]; then
	# buildkitd may leave overlay mounts behind if it was killed.
	awk -v d="$GF_STATE/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r -n1 umount -l || true
	log "deleting $GF_STATE"
	rm -rf "$GF_STATE"
fi
log "down"
