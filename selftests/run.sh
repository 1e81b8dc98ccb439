#!/bin/bash
# Runs every test: unit binaries, interop and hostile-input scripts, the fuzzers.
# Each prints TAP; this counts the lines and ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
LOGDIR=$BUILD/test-logs
mkdir -p "$LOGDIR"
passed=0 failed=0

run_one() {
	local name=$1 log="$LOGDIR/$(basename "$1").log"; shift
	echo "=== $name"
	"$@" >"$log" 2>&1
	local rc=$?
	local p f
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	grep -E '^(not ok|#)' "$log" | head -40
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited $rc without a failing test line; log: $log"
		tail -20 "$log"
		f=1
	fi
	echo "    $p passed, $f failed"
	passed=$((passed + p))
	failed=$((failed + f))
}

for t in "$BUILD"/selftests/unit/test_*; do
	[ -x "$t" ] && run_one "$t" "$t"
done
for t in selftests/interop/test_*.sh; do
	run_one "$t" bash "$t"
done
for f in build/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	run_one "$f" bash selftests/fuzz_run.sh "$f" "$FUZZ_SECONDS"
done

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
