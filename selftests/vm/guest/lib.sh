# Helpers for the guest tests (bash inside the VM): TAP, ports, servers that stop by themselves.
# stderr as TAP comments, so the host shows it beside the results
exec 2> >(sed 's/^/#   /')
TEST_NO=0
TEST_FAILED=0
PIDS=()
TEST_TMP=$(mktemp -d /tmp/vmtest.XXXXXX)
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	# only the servers: a bare wait would wait for the stderr filter too
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$TEST_TMP"
}
trap cleanup EXIT

ok() { TEST_NO=$((TEST_NO + 1)); echo "ok $TEST_NO - $*"; }
not_ok() { TEST_NO=$((TEST_NO + 1)); TEST_FAILED=$((TEST_FAILED + 1)); echo "not ok $TEST_NO - $*"; }
# check NAME COMMAND...: one TAP line; on failure, the logs named in $CHECK_LOGS go to stderr
check() {
	local name=$1 f; shift
	if "$@"; then ok "$name"; else
		not_ok "$name"
		for f in ${CHECK_LOGS:-}; do echo "== $f" >&2; tail -15 "$f" >&2; done
	fi
}
done_testing() { echo "1..$TEST_NO"; [ "$TEST_FAILED" -eq 0 ]; }

# The guest is the tests' own machine: ports are handed out in order
NEXT_PORT=20000
port_var() { NEXT_PORT=$((NEXT_PORT + 1)); printf -v "$1" %s "$NEXT_PORT"; }

wait_port() {
	local port=$1 i
	for i in $(seq 1 300); do
		(exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && return 0
		sleep 0.2
	done
	echo "# port $port never opened" >&2
	return 1
}

# ksshd's host keys, made on the host (RSA key generation under TCG takes long)
KSSHD_KEYS=/kssh/keys

# start_ksshd PORT DIR [ksshd options...]: a ksshd on 127.0.0.1 with the VM's host keys, log and
# control socket in DIR, stopped with the test
start_ksshd() {
	local port=$1 dir=$2; shift 2
	mkdir -p "$dir"
	ksshd -D -e -d -p "$port" -l 127.0.0.1 -s "$KSSHD_KEYS" --control "$dir/ctl" --rate-limit 600 \
		"$@" >"$dir/log" 2>&1 &
	PIDS+=($!)
	wait_port "$port"
}

# history_says BACKEND CTL CIPHER N: the last N sessions of the ksshd behind CTL ran CIPHER on BACKEND both ways
history_says() {
	local backend=$1 ctl=$2 cipher=$3 n=$4 got
	got=$(ksshctl -s "$ctl" show ssh history details --json |
		grep -o "\"incipher\":\"$cipher\",\"outcipher\":\"$cipher\",[^}]*\"inbackend\":\"$backend\",\"outbackend\":\"$backend\"" |
		wc -l)
	[ "$got" -ge "$n" ] || { echo "# $cipher: $got of $n sessions on $backend" >&2; return 1; }
}
