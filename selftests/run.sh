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

# count NAME LOG RC: print a finished test's failures and add up its TAP lines
count() {
	local name=$1 log=$2 rc=$3 p f
	echo "=== $name"
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

run_one() {
	local name=$1 log="$LOGDIR/$(basename "$1").log"; shift
	"$@" >"$log" 2>&1
	count "$name" "$log" $?
}

# The VM tests (selftests/vm/) keep both cores busy with qemu's TCG for about
# fifteen minutes while the host tests mostly wait on sockets and timers, so
# the VM starts first and runs beside everything else.
vm_log=$LOGDIR/test_vm.sh.log
bash selftests/vm/test_vm.sh >"$vm_log" 2>&1 &
vm_pid=$!
# the fuzzers are built meanwhile (make check leaves them to this script)
if ! ${MAKE:-make} -s fuzz-build >"$LOGDIR/fuzz-build.log" 2>&1; then
	echo "not ok - make fuzz-build failed; log: $LOGDIR/fuzz-build.log"
	tail -20 "$LOGDIR/fuzz-build.log"
	failed=$((failed + 1))
fi

for t in "$BUILD"/selftests/unit/test_*; do
	[ -x "$t" ] && run_one "$t" "$t"
done
for t in "$BUILD"/selftests/bpf/test_*; do
	[ -x "$t" ] && run_one "$t" "$t"
done
for t in selftests/interop/test_*.sh selftests/bpf/test_*.sh selftests/ct/test_*.sh; do
	[ -f "$t" ] && run_one "$t" bash "$t"
done
for f in build/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	run_one "$f" bash selftests/fuzz_run.sh "$f" "$FUZZ_SECONDS"
done

wait "$vm_pid"
count selftests/vm/test_vm.sh "$vm_log" $?

reports=$(find "$SAN_DIR" -type f 2>/dev/null)
if [ -n "$reports" ]; then
	echo "not ok - sanitizer reports:"
	for f in $reports; do head -30 "$f"; done
	failed=$((failed + 1))
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
