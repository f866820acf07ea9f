#!/usr/bin/env bash
# make corpus: gopherfile init → docker buildx build → the entrypoint's version flag on
# real Go programs from the module proxy (hack/corpus/repos.go), plus a best-practice
# Dockerfile of each for the time comparison; writes docs/corpus.md.
#
# Usage: bash hack/corpus.sh [hack/corpus flags, e.g. -repos age,esbuild -dockerfile=false]
# Takes about an hour on 2 cores for the whole corpus. Uses the test environment
# (hack/up.sh) and the frontend image $GF_FRONTEND_IMAGE (hack/frontend-image.sh).
set -euo pipefail
HACK=$(cd "$(dirname "$0")" && pwd)
bash "$HACK/up.sh"
bash "$HACK/frontend-image.sh"
. "$HACK/env.sh"
cd "$HACK/.."
if [ $# = 0 ]; then
	set -- -md docs/corpus.md -json "$GF_CACHE/corpus.json"
fi
exec go run ./hack/corpus "$@"
