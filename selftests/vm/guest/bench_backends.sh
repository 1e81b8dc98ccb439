# Crypto backends side by side, inside the VM (TCG: figures compare with each
# other only): ksftp get and put against ksshd with both ends on openssl, then
# both on af-alg. Each server runs in its own cgroup (cpu.stat), the client's
# CPU time comes from bash's times. Prints "# bench ..." rows for kssh-bench.
. /kssh/tests/lib.sh
MIB=${BENCH_MIB:-128}
REPS=${BENCH_REPS:-2}
CIPHERS=${BENCH_CIPHERS:-"aes128-ctr aes128-gcm@openssh.com"}

ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id"
mkdir -p /root/.ssh
cat "$TEST_TMP/id.pub" >/root/.ssh/authorized_keys
dd if=/dev/urandom of="$TEST_TMP/src" bs=1M count="$MIB" 2>/dev/null

# start_server NAME PORT BACKEND: ksshd in cgroup NAME
start_server() {
	local name=$1 port=$2 backend=$3
	mkdir -p "/sys/fs/cgroup/$name"
	bash -c "echo \$\$ > /sys/fs/cgroup/$name/cgroup.procs; exec ksshd -D -p $port -l 127.0.0.1 \
		-s $KSSHD_KEYS --control $TEST_TMP/$name.ctl --crypto-offload $backend" 2>"$TEST_TMP/$name.log" &
	PIDS+=($!)
	wait_port "$port"
}
usec() { awk '/^usage_usec/ { print $2 }' "/sys/fs/cgroup/$1/cpu.stat"; }
port_var P_OPENSSL
port_var P_AFALG
start_server openssl "$P_OPENSSL" none
start_server afalg "$P_AFALG" af-alg

ksftp_() {
	ksftp -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentityAgent=none \
		-i "$TEST_TMP/id" "$@"
}
# run CASE BACKEND PORT CIPHER: one transfer; prints "seconds server_cpu client_cpu"
run() {
	local case=$1 backend=$2 port=$3 cipher=$4 t0 t1 s0 s1 c0 c1 me=$BASHPID
	local offload=none
	[ "$backend" = afalg ] && offload=af-alg
	rm -f "$TEST_TMP/dst" "$TEST_TMP/up"
	s0=$(usec "$backend")
	c0=$(awk '{ print $16 + $17 }' /proc/$me/stat)
	t0=${EPOCHREALTIME/./}
	if [ "$case" = get ]; then
		ksftp_ -o CryptoOffload=$offload -c "$cipher" -P "$port" root@127.0.0.1:"$TEST_TMP/src" "$TEST_TMP/dst" \
			>/dev/null 2>&1 && cmp -s "$TEST_TMP/src" "$TEST_TMP/dst" || return 1
	else
		echo "put $TEST_TMP/src $TEST_TMP/up" | ksftp_ -o CryptoOffload=$offload -c "$cipher" -P "$port" \
			-b - root@127.0.0.1 >/dev/null 2>&1 && cmp -s "$TEST_TMP/src" "$TEST_TMP/up" || return 1
	fi
	t1=${EPOCHREALTIME/./}
	s1=$(usec "$backend")
	c1=$(awk '{ print $16 + $17 }' /proc/$me/stat) # the client's ticks, once waited for (100 Hz)
	echo "$((t1 - t0)) $((s1 - s0)) $(((c1 - c0) * 10000))"
}

echo "# bench columns: case cipher backend MiB/s server-cpu-s/GiB client-cpu-s/GiB (best of $REPS, $MIB MiB, TCG)"
for cipher in $CIPHERS; do
	for case in get put; do
		for backend in openssl afalg; do
			port=$P_OPENSSL
			[ "$backend" = afalg ] && port=$P_AFALG
			best=""
			for _ in $(seq 1 "$REPS"); do
				r=$(run "$case" "$backend" "$port" "$cipher") || { not_ok "bench $case $cipher $backend: transfer failed"; continue; }
				# keep the fastest run
				if [ -z "$best" ] || [ "${r%% *}" -lt "${best%% *}" ]; then best=$r; fi
			done
			[ -n "$best" ] || continue
			set -- $best
			awk -v c="$case" -v ci="$cipher" -v b="$backend" -v mib="$MIB" -v us="$1" -v sv="$2" -v cl="$3" 'BEGIN {
				gib = mib / 1024
				printf "# bench %s %s %s %.1f %.2f %.2f\n", c, ci, b == "afalg" ? "af-alg" : b, mib / (us / 1e6), sv / 1e6 / gib, cl / 1e6 / gib
			}'
		done
	done
done
# the af-alg server really carried its sessions on af-alg
check "every benchmarked af-alg session ran on af-alg both ways" \
	bash -c "! ksshctl -s $TEST_TMP/afalg.ctl show ssh history details --json | grep -q '\"inbackend\":\"openssl\"'"
done_testing
