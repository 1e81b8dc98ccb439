#!/bin/bash
# Runs every test: unit binaries, interop and hostile-input scripts, the fuzzers.
# Each prints TAP; this counts the lines and ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
FUZZ_SECONDS=${FUZZ_SECONDS:-5}
LOGDIR=$BUILD/test-logs
mkdir -p "$LOGDIR"
passed=0 failed=0

# Sanitizer reports from every process (daemons' children included, whose
# stderr ends in logs the tests delete) land here; any report is a failure.
SAN_DIR=$PWD/$LOGDIR/sanitizer
rm -rf "$SAN_DIR"
mkdir -p "$SAN_DIR"
chmod 1777 "$SAN_DIR" # processes that dropped to a test user write here too
export ASAN_OPTIONS="log_path=$SAN_DIR/asan:abort_on_error=0"
export UBSAN_OPTIONS="log_path=$SAN_DIR/ubsan:print_stacktrace=1"

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
for t in "$BUILD"/selftests/bpf/test_*; do
	[ -x "$t" ] && run_one "$t" "$t"
done
for t in selftests/interop/test_*.sh selftests/bpf/test_*.sh selftests/vm/test_*.sh; do
	[ -f "$t" ] && run_one "$t" bash "$t"
done
for f in build/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	run_one "$f" bash selftests/fuzz_run.sh "$f" "$FUZZ_SECONDS"
done

reports=$(find "$SAN_DIR" -type f 2>/dev/null)
if [ -n "$reports" ]; then
	echo "not ok - sanitizer reports:"
	for f in $reports; do head -30 "$f"; done
	failed=$((failed + 1))
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
