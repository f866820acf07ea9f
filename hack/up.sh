#!/usr/bin/env bash
# Brings the local test environment up, from nothing or from any partial state:
#   1. tools (hack/tools.sh: buildkitd, buildctl, docker-buildx, registry, crane, runc, ...)
#   2. a registry on $GF_REGISTRY (storage in $GF_STATE/registry, deletes enabled)
#   3. a rootful buildkitd (OCI/runc worker, host network) on $GF_BUILDKIT_ADDR that
#      mirrors docker.io and gcr.io to that registry
#   4. the test base images in the registry (hack/images.sh)
#   5. a docker buildx builder $GF_BUILDX_BUILDER (remote driver -> $GF_BUILDKIT_ADDR)
#
# Usage: bash hack/up.sh        (hack/down.sh stops it; hack/smoke.sh checks it)
# Idempotent and cached: what already runs or exists is kept, so a second run takes
# seconds. Daemons are detached (setsid) and outlive this script; their logs are
# $GF_STATE/registry.log and $GF_STATE/buildkitd.log, their pids $GF_RUN/*.pid.
set -euo pipefail
HACK=$(cd "$(dirname "$0")" && pwd)
. "$HACK/env.sh"
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" # runc, iptables for buildkitd

start=$(date +%s)
# One run at a time (make targets may call it concurrently).
mkdir -p "$GF_STATE" "$GF_RUN"
exec 9>"$GF_RUN/up.lock"
flock -w 1800 9 || die "another hack/up.sh holds $GF_RUN/up.lock"

bash "$HACK/tools.sh"

# running NAME: the pid in $GF_RUN/NAME.pid is alive and is NAME.
running() {
	local pid
	pid=$(cat "$GF_RUN/$1.pid" 2>/dev/null) || return 1
	[ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$1"
}

# start_daemon NAME LOG CMD...: starts CMD detached from this script and its session.
start_daemon() {
	local name=$1 logf=$2
	shift 2
	echo "=== $(date -Is) starting: $*" >>"$logf"
	setsid "$@" >>"$logf" 2>&1 </dev/null 9>&- & # 9>&-: must not inherit the up.lock fd
	echo $! >"$GF_RUN/$name.pid"
}

# wait_for NAME LOG SECONDS CHECK...: polls CHECK until it succeeds; on timeout or if the
# daemon died, fails showing the end of its log.
wait_for() {
	local name=$1 logf=$2 secs=$3 i
	shift 3
	for ((i = 0; i < secs * 4; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		# (a just-forked child still shows this script's command line until it
		# execs: look again a second later before calling it dead)
		if ! running "$name" && { sleep 1; ! running "$name"; }; then
			tail -n 40 "$logf" >&2
			die "$name exited during startup (log: $logf)"
		fi
		sleep 0.25
	done
	tail -n 40 "$logf" >&2
	die "$name not ready after ${secs}s (log: $logf)"
}

# stop_daemon NAME: TERM, then KILL after 15s.
stop_daemon() {
	local pid i
	running "$1" || { rm -f "$GF_RUN/$1.pid"; return 0; }
	pid=$(cat "$GF_RUN/$1.pid")
	kill "$pid" 2>/dev/null || true
	for ((i = 0; i < 60; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.25
	done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$GF_RUN/$1.pid"
}

# stale NAME: the running NAME's binary was replaced since it started (tools.sh rebuilt it).
stale() {
	running "$1" && readlink "/proc/$(cat "$GF_RUN/$1.pid")/exe" | grep -q ' (deleted)$'
}

# write_if_changed FILE: stdin to FILE; returns 0 if FILE changed.
write_if_changed() {
	local tmp
	tmp=$(mktemp)
	cat >"$tmp"
	if cmp -s "$tmp" "$1"; then
		rm -f "$tmp"
		return 1
	fi
	mv "$tmp" "$1"
	chmod 0644 "$1"
}

# --- registry --------------------------------------------------------------------------
REG_CONFIG=$GF_STATE/registry.yml
registry_ok() { curl -fsS --max-time 3 "http://$GF_REGISTRY/v2/" >/dev/null 2>&1; }

reg_changed=0
write_if_changed "$REG_CONFIG" <<EOF && reg_changed=1
# Written by hack/up.sh. Local test registry: plain HTTP on loopback, no auth.
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $GF_STATE/registry
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: $GF_REGISTRY
EOF
if { [ $reg_changed = 1 ] && running registry; } || stale registry; then
	log "registry config or binary changed: restarting registry"
	stop_daemon registry
fi
if registry_ok; then
	log "registry answers on $GF_REGISTRY"
else
	running registry && die "registry (pid $(cat "$GF_RUN/registry.pid")) runs but does not answer on $GF_REGISTRY"
	log "starting registry on $GF_REGISTRY"
	mkdir -p "$GF_STATE/registry"
	start_daemon registry "$GF_STATE/registry.log" \
		env OTEL_TRACES_EXPORTER=none OTEL_SDK_DISABLED=true registry serve "$REG_CONFIG"
	wait_for registry "$GF_STATE/registry.log" 30 registry_ok
fi

# --- buildkitd -------------------------------------------------------------------------
BK_CONFIG=$GF_STATE/buildkitd.toml
buildkit_ok() { timeout 10 buildctl --addr "$GF_BUILDKIT_ADDR" debug workers; }

bk_changed=0
write_if_changed "$BK_CONFIG" <<EOF && bk_changed=1
# Written by hack/up.sh. Rootful buildkitd with the OCI (runc) worker only; image pulls
# from docker.io and gcr.io go to the local test registry (no internet here).
root = "$GF_STATE/buildkitd"
insecure-entitlements = ["network.host", "security.insecure"]

[log]
  level = "info"

[grpc]
  address = ["$GF_BUILDKIT_ADDR"]

[worker.oci]
  enabled = true
  gc = true
  reservedSpace = "2GB"
  maxUsedSpace = "20GB"

[worker.containerd]
  enabled = false

[registry."docker.io"]
  mirrors = ["localhost:$GF_REGISTRY_PORT"]

[registry."gcr.io"]
  mirrors = ["localhost:$GF_REGISTRY_PORT"]

[registry."localhost:$GF_REGISTRY_PORT"]
  http = true

[registry."127.0.0.1:$GF_REGISTRY_PORT"]
  http = true
EOF
if { [ $bk_changed = 1 ] && running buildkitd; } || stale buildkitd; then
	log "buildkitd config or binary changed: restarting buildkitd"
	stop_daemon buildkitd
fi
if buildkit_ok >/dev/null 2>&1; then
	log "buildkitd answers on $GF_BUILDKIT_ADDR"
else
	running buildkitd && die "buildkitd (pid $(cat "$GF_RUN/buildkitd.pid")) runs but does not answer on $GF_BUILDKIT_ADDR (log: $GF_STATE/buildkitd.log)"
	command -v runc >/dev/null || die "runc not found (hack/tools.sh installs it)"
	log "starting buildkitd on $GF_BUILDKIT_ADDR"
	rm -f "$GF_BUILDKIT_SOCK"
	mkdir -p "$GF_STATE/buildkitd"
	start_daemon buildkitd "$GF_STATE/buildkitd.log" buildkitd --config "$BK_CONFIG" \
		--root "$GF_STATE/buildkitd" --addr "$GF_BUILDKIT_ADDR" --oci-worker-net=host
	wait_for buildkitd "$GF_STATE/buildkitd.log" 60 buildkit_ok
fi

# --- test images -----------------------------------------------------------------------
bash "$HACK/images.sh"
bash "$HACK/images-go.sh" # golang:<the frontend's default Go>

# --- docker buildx builder -------------------------------------------------------------
command -v docker >/dev/null || die "docker CLI not found (needed for the buildx builder; no engine needed)"
info=$(docker buildx inspect "$GF_BUILDX_BUILDER" 2>/dev/null || true)
if ! grep -q "Endpoint:.*$GF_BUILDKIT_ADDR\$" <<<"$info"; then
	log "creating buildx builder $GF_BUILDX_BUILDER (remote driver, $GF_BUILDKIT_ADDR)"
	docker buildx rm "$GF_BUILDX_BUILDER" >/dev/null 2>&1 || true
	docker buildx create --name "$GF_BUILDX_BUILDER" --driver remote "$GF_BUILDKIT_ADDR" >/dev/null
fi
out=$(timeout 60 docker buildx inspect --bootstrap "$GF_BUILDX_BUILDER" 2>&1) ||
	{ echo "$out" >&2; die "buildx builder $GF_BUILDX_BUILDER does not work"; }
grep -q 'Status: *running' <<<"$out" || { echo "$out" >&2; die "buildx builder $GF_BUILDX_BUILDER is not running"; }

log "environment up in $(($(date +%s) - start))s: registry $GF_REGISTRY, buildkitd $GF_BUILDKIT_ADDR, buildx builder $GF_BUILDX_BUILDER"
