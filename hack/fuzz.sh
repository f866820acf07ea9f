#!/usr/bin/env bash
# Runs every Go fuzz target of the repository (func FuzzXxx in a *_test.go file)
# for a bounded time each, prints how many inputs each one executed, and exits
# non-zero when a target fails. A failing input is saved by go test under the
# package's testdata/fuzz/FuzzXxx/ so that a plain `go test` replays it.
#
#   FUZZTIME   budget per target, as go test -fuzztime (default 100000x, a count of
#              inputs; a duration such as 20s works too). A count is the default
#              because a duration races go's fuzz coordinator at the deadline before
#              Go 1.27 (go.dev/issue/75804: a bare "context deadline exceeded" FAIL
#              with no failing input); such a failure is run again once, and only a
#              failure that writes an input or repeats counts.
#   FUZZ       only targets whose "package/FuzzName" matches this extended regexp
#   GO         the go command (default go)
#
# Usage: bash hack/fuzz.sh            (from anywhere; it runs at the repo root)
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-100000x}
FUZZ=${FUZZ:-.}

targets=()
while IFS= read -r file; do
	dir=$(dirname "$file")
	# Build constraint of the file (e.g. //go:build integration), passed as -tags.
	tags=$(sed -n 's#^//go:build \([A-Za-z0-9_]*\)$#\1#p' "$file" | head -n1)
	while IFS= read -r name; do
		targets+=("$dir|$name|$tags")
	done < <(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*\*testing\.F).*/\1/p' "$file")
done < <(grep -rl --include='*_test.go' --exclude-dir=.git --exclude-dir=vendor --exclude-dir=testdata '^func Fuzz' . | sed 's#^\./##' | sort)

if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz: no fuzz targets found" >&2
	exit 1
fi

failed=()
total=0
ran=0
printf 'fuzz: found %d targets; %s each\n' "${#targets[@]}" "$FUZZTIME"
for t in "${targets[@]}"; do
	IFS='|' read -r dir name tags <<<"$t"
	if ! [[ "$dir/$name" =~ $FUZZ ]]; then
		continue
	fi
	log=$(mktemp)
	args=(test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME")
	[ -n "$tags" ] && args+=(-tags "$tags")
	start=$(date +%s)
	"$GO" "${args[@]}" "./$dir" >"$log" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ] && grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log"; then
		printf 'fuzz: %s ended on the fuzz deadline race (go.dev/issue/75804), no failing input; running it again\n' "./$dir $name"
		"$GO" "${args[@]}" "./$dir" >"$log" 2>&1
		rc=$?
	fi
	secs=$(($(date +%s) - start))
	# go test prints "fuzz: elapsed: 20s, execs: 123456 (6172/sec), new interesting: ..."; the last one is the total.
	execs=$(grep -oE 'execs: [0-9]+' "$log" | tail -n1 | grep -oE '[0-9]+')
	execs=${execs:-0}
	ran=$((ran + 1))
	total=$((total + execs))
	if [ "$rc" -eq 0 ]; then
		printf 'fuzz: ok   %-40s %10d execs in %ds\n' "./$dir $name" "$execs" "$secs"
	else
		printf 'fuzz: FAIL %-40s %10d execs in %ds\n' "./$dir $name" "$execs" "$secs"
		sed 's/^/    /' "$log"
		failed+=("./$dir $name")
	fi
	rm -f "$log"
done

if [ "$ran" -eq 0 ]; then
	echo "fuzz: FUZZ=$FUZZ matches no target" >&2
	exit 1
fi
printf 'fuzz: %d targets, %d execs in total\n' "$ran" "$total"
if [ ${#failed[@]} -gt 0 ]; then
	printf 'fuzz: failing: %s\n' "${failed[@]}" >&2
	echo "fuzz: the failing inputs are in testdata/fuzz/ of those packages; go test replays them" >&2
	exit 1
fi
