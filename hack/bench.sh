#!/usr/bin/env bash
# Runs the build benchmark (hack/bench): Gopherfile against a naive and a
# best-practice Dockerfile, ko and plain go build, on real projects.
#
#   bash hack/bench.sh [-quick] [-runs N] [-subjects fzf,statsd_exporter,nats-server] [-out bench/results] [-full]
#
# The default set (fzf, statsd_exporter, nats-server; 3 runs) takes about 24
# minutes on 2 quiet cores (27-28 with a load of 3); -full runs every cell
# (the CLI, every competitor on every subject) and takes far longer.
#
# Brings the test environment up and builds the frontend image first (both
# cached); the bench then starts and stops its own buildkitd. Results:
# bench/results/results.md, results.json and chart.png.
set -euo pipefail
HACK=$(cd "$(dirname "$0")" && pwd)
. "$HACK/env.sh"
cd "$HACK/.."
bash hack/up.sh && bash hack/frontend-image.sh
exec go run ./hack/bench "$@"
