# Helpers for the guest tests (bash inside the VM): TAP, ports, servers that stop by themselves.
TEST_NO=0
TEST_FAILED=0
PIDS=()
TEST_TMP=$(mktemp -d /tmp/vmtest.XXXXXX)
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TEST_TMP"
}
trap cleanup EXIT

ok() { TEST_NO=$((TEST_NO + 1)); echo "ok $TEST_NO - $*"; }
not_ok() { TEST_NO=$((TEST_NO + 1)); TEST_FAILED=$((TEST_FAILED + 1)); echo "not ok $TEST_NO - $*"; }
check() {
	local name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
done_testing() { echo "1..$TEST_NO"; [ "$TEST_FAILED" -eq 0 ]; }

NEXT_PORT=${NEXT_PORT:-20000}
pick_port() { NEXT_PORT=$((NEXT_PORT + 1)); echo $NEXT_PORT; }

wait_port() {
	local port=$1 i
	for i in $(seq 1 300); do
		nc -z 127.0.0.1 "$port" 2>/dev/null && return 0
		sleep 0.2
	done
	echo "# port $port never opened" >&2
	return 1
}
