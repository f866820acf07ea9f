#!/usr/bin/env bash
# Brings the local test environment up, from nothing or from any partial state:
#   1. tools (hack/tools.sh: buildkitd, buildctl, docker-buildx, registry, crane, runc, ...)
#   2. a registry on $GF_REGISTRY (storage in $GF_STATE/registry, deletes enabled)
#   3. a rootful buildkitd (OCI/runc worker, host network) on $GF_BUILDKIT_ADDR that
#      mirrors docker.io and gcr.io to that registry, and the same for the older BuildKit
#      ($OLD_BUILDKIT_VERSION) on $GF_OLD_BUILDKIT_ADDR
#   3b. a Docker Engine (dockerd $DOCKERD_VERSION with its own containerd) on
#      $GF_DOCKER_HOST, mirroring docker.io and gcr.io to that registry
#   4. the test base images in the registry (hack/images.sh)
#   5. docker buildx builders $GF_BUILDX_BUILDER and $GF_OLD_BUILDX_BUILDER (remote driver)
#
# Usage: bash hack/up.sh        (hack/down.sh stops it; hack/smoke.sh checks it)
# Idempotent and cached: what already runs or exists is kept, so a second run takes
# seconds. Daemons are detached (setsid) and outlive this script; their logs are
# $GF_STATE/NAME.log, their pids $GF_RUN/NAME.pid.
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
buildkit_ok() { timeout 10 buildctl --addr "$1" debug workers; }

# buildkitd_config ROOT ADDR ENTITLEMENTS: a rootful buildkitd with the OCI (runc) worker
# whose docker.io and gcr.io pulls go to the local test registry (no internet here).
buildkitd_config() {
	cat <<EOF
# Written by hack/up.sh. Rootful buildkitd with the OCI (runc) worker only; image pulls
# from docker.io and gcr.io go to the local test registry (no internet here).
root = "$1"
insecure-entitlements = [$3]

[log]
  level = "info"

[grpc]
  address = ["$2"]

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
}

# up_buildkitd NAME BINARY ADDR SOCK ENTITLEMENTS: starts (or keeps, or restarts after a
# config or binary change) the buildkitd NAME with its own root, config, log and socket.
up_buildkitd() {
	local name=$1 bin=$2 addr=$3 sock=$4 ent=$5
	local conf=$GF_STATE/$name.toml root=$GF_STATE/$name logf=$GF_STATE/$name.log changed=0
	buildkitd_config "$root" "$addr" "$ent" | write_if_changed "$conf" && changed=1
	if { [ $changed = 1 ] && running "$name"; } || stale "$name"; then
		log "$name config or binary changed: restarting $name"
		stop_daemon "$name"
	fi
	if buildkit_ok "$addr" >/dev/null 2>&1; then
		log "$name answers on $addr"
		return 0
	fi
	running "$name" && die "$name (pid $(cat "$GF_RUN/$name.pid")) runs but does not answer on $addr (log: $logf)"
	command -v runc >/dev/null || die "runc not found (hack/tools.sh installs it)"
	log "starting $name on $addr"
	rm -f "$sock"
	mkdir -p "$root"
	start_daemon "$name" "$logf" "$bin" --config "$conf" --root "$root" --addr "$addr" --oci-worker-net=host
	wait_for "$name" "$logf" 60 buildkit_ok "$addr"
}

up_buildkitd buildkitd buildkitd "$GF_BUILDKIT_ADDR" "$GF_BUILDKIT_SOCK" '"network.host", "security.insecure"'
# The older BuildKit. network.host is not granted here, so that a test sees what a
# daemon that refuses --network host says.
up_buildkitd "$GF_OLD_BUILDKITD" "$GF_OLD_BUILDKITD" "$GF_OLD_BUILDKIT_ADDR" "$GF_OLD_BUILDKIT_SOCK" '"security.insecure"'

# --- dockerd ---------------------------------------------------------------------------
# A real Docker Engine with its own data root, exec root, pidfile and socket (never
# /var/run/docker.sock): it runs its own containerd (Debian's package) and runc.
# With Debian's runc 1.1.5 it needs time namespaces off; without iptables, no userland
# proxy. docker.io pulls go to the local registry (registry-mirrors); gcr.io pulls too,
# through a hosts.toml in /etc/docker/certs.d (dockerd's BuildKit reads that directory;
# registry-mirrors covers docker.io only).
DOCKERD_CONFIG=$GF_STATE/dockerd.json
docker_ok() { DOCKER_HOST=$GF_DOCKER_HOST DOCKER_CONFIG=$GF_DOCKER_CONFIG timeout 10 docker version --format '{{.Server.Version}}'; }
dk_changed=0
write_if_changed "$DOCKERD_CONFIG" <<EOF && dk_changed=1
{
  "data-root": "$GF_STATE/docker",
  "exec-root": "$GF_RUN/docker",
  "pidfile": "$GF_RUN/docker/dockerd.pid",
  "hosts": ["$GF_DOCKER_HOST"],
  "iptables": false,
  "ip6tables": false,
  "ip-forward": false,
  "userland-proxy": false,
  "features": {"time-namespaces": false},
  "registry-mirrors": ["http://127.0.0.1:$GF_REGISTRY_PORT"],
  "insecure-registries": ["127.0.0.1:$GF_REGISTRY_PORT", "localhost:$GF_REGISTRY_PORT"],
  "builder": {"gc": {"enabled": true, "defaultKeepStorage": "20GB"}}
}
EOF
mkdir -p /etc/docker/certs.d/gcr.io
write_if_changed /etc/docker/certs.d/gcr.io/hosts.toml <<EOF && dk_changed=1
# Written by Gopherfile's hack/up.sh: gcr.io images come from the local test registry.
server = "https://gcr.io"

[host."http://127.0.0.1:$GF_REGISTRY_PORT"]
  capabilities = ["pull", "resolve"]
EOF
if { [ $dk_changed = 1 ] && running dockerd; } || stale dockerd; then
	log "dockerd config or binary changed: restarting dockerd"
	stop_daemon dockerd
fi
# The docker CLI gets a config directory of its own: just the buildx plugin and no
# builder selection, so `docker build` uses the engine's own BuildKit (docker driver).
mkdir -p "$GF_DOCKER_CONFIG/cli-plugins"
ln -sfn "$GF_BIN/docker-buildx" "$GF_DOCKER_CONFIG/cli-plugins/docker-buildx"
if docker_ok >/dev/null 2>&1; then
	log "dockerd answers on $GF_DOCKER_HOST"
else
	running dockerd && die "dockerd (pid $(cat "$GF_RUN/dockerd.pid")) runs but does not answer on $GF_DOCKER_HOST (log: $GF_STATE/dockerd.log)"
	command -v containerd >/dev/null || die "containerd not found (hack/tools.sh installs it)"
	log "starting dockerd ($DOCKERD_VERSION) on $GF_DOCKER_HOST"
	mkdir -p "$GF_STATE/docker" "$GF_RUN/docker"
	rm -f "${GF_DOCKER_HOST#unix://}"
	start_daemon dockerd "$GF_STATE/dockerd.log" dockerd --config-file "$DOCKERD_CONFIG"
	wait_for dockerd "$GF_STATE/dockerd.log" 90 docker_ok
fi

# The engine's bridge network reaches the internet as on any Docker host (the engine
# runs with iptables off, so the forwarding and the NAT it would set up are set here;
# idempotent): build steps on the default network reach the Go module proxy, as the
# README's quickstart needs for the Go toolchain. The host's loopback stays out of
# reach without --network host (TestDockerNetworkHost).
bridge_net=$(ip -4 route show dev docker0 proto kernel 2>/dev/null | awk '{print $1}' | head -n1)
[ -n "$bridge_net" ] || die "dockerd runs but its docker0 bridge has no IPv4 network (log: $GF_STATE/dockerd.log)"
[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || sysctl -qw net.ipv4.ip_forward=1 ||
	die "cannot turn on IPv4 forwarding for the engine's bridge network"
iptables -t nat -C POSTROUTING -s "$bridge_net" ! -o docker0 -j MASQUERADE 2>/dev/null ||
	iptables -t nat -A POSTROUTING -s "$bridge_net" ! -o docker0 -j MASQUERADE ||
	die "cannot add the NAT rule for the engine's bridge network $bridge_net"

# --- test images -----------------------------------------------------------------------
bash "$HACK/images.sh"
bash "$HACK/images-go.sh" # golang:<the frontend's default Go>

# --- docker buildx builders ------------------------------------------------------------
command -v docker >/dev/null || die "docker CLI not found (needed for the buildx builders)"
# up_builder NAME ADDR: a buildx builder NAME (remote driver) for the buildkitd at ADDR.
up_builder() {
	local info out
	info=$(docker buildx inspect "$1" 2>/dev/null || true)
	if ! grep -q "Endpoint:.*$2\$" <<<"$info"; then
		log "creating buildx builder $1 (remote driver, $2)"
		docker buildx rm "$1" >/dev/null 2>&1 || true
		docker buildx create --name "$1" --driver remote "$2" >/dev/null
	fi
	out=$(timeout 60 docker buildx inspect --bootstrap "$1" 2>&1) ||
		{ echo "$out" >&2; die "buildx builder $1 does not work"; }
	grep -q 'Status: *running' <<<"$out" || { echo "$out" >&2; die "buildx builder $1 is not running"; }
}
up_builder "$GF_BUILDX_BUILDER" "$GF_BUILDKIT_ADDR"
up_builder "$GF_OLD_BUILDX_BUILDER" "$GF_OLD_BUILDKIT_ADDR"

log "environment up in $(($(date +%s) - start))s: registry $GF_REGISTRY, buildkitd $GF_BUILDKIT_ADDR (builder $GF_BUILDX_BUILDER), $GF_OLD_BUILDKITD $GF_OLD_BUILDKIT_ADDR (builder $GF_OLD_BUILDX_BUILDER), dockerd $GF_DOCKER_HOST"
