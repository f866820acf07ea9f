#!/usr/bin/env bash
# Runs the build benchmark (hack/bench, a Go module of its own): Gopherfile against a naive and a
# best-practice Dockerfile, ko and plain go build, on real projects.
#
#   bash hack/bench.sh [-quick] [-runs N] [-subjects fzf,statsd_exporter,nats-server] [-out bench/results] [-full]
#   bash hack/bench.sh -render bench/results/results.json   # rewrite results.md and chart.svg only
#
# The default set (fzf, statsd_exporter, nats-server; 3 runs) takes about 24
# minutes on 2 quiet cores (27-28 with a load of 3); -full runs every cell
# (the CLI, every competitor on every subject) and takes far longer.
#
# Brings the test environment up and builds the frontend image first (both
# cached); the bench then starts and stops its own buildkitd. Results:
# bench/results/results.md, results.json and chart.svg. See docs/bench.md.
#
# The command is built from hack/bench (its own go.mod) and run from the
# repository root, so relative -out and -render paths are relative to the root.
set -euo pipefail
HACK=$(cd "$(dirname "$0")" && pwd)
. "$HACK/env.sh"
cd "$HACK/.."
# -render only rewrites the report from a results.json: no environment needed.
case " $* " in
*" -render "* | *" -render="* | *" --render "* | *" --render="*) ;;
*) bash hack/up.sh && bash hack/frontend-image.sh ;;
esac
mkdir -p "$GF_BIN"
go build -C hack/bench -o "$GF_BIN/gfbench" .
exec "$GF_BIN/gfbench" "$@"
