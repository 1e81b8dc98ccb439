# Crypto backends side by side, inside the VM (TCG: figures compare with each
# other only): ksftp get and put against ksshd with both ends on openssl,
# then both on af-alg, then both on kernel/'s record layer.
# Each server runs in its own cgroup (cpu.stat), the client's CPU time comes
# from bash's times. Then one traced transfer per case and backend counts the
# bytes the server's processes copied between user and kernel (read/write-
# family system calls, from strace) apart from those sendfile moved without a
# copy. Prints "# bench ..." and "# copied ..." rows for kssh-bench.
. /kssh/tests/lib.sh
MIB=${BENCH_MIB:-128}
REPS=${BENCH_REPS:-5}
COPY_MIB=${BENCH_COPY_MIB:-32}
CIPHERS=${BENCH_CIPHERS:-"aes128-ctr aes128-gcm@openssh.com"}

insmod /kssh/kssh_ulp.ko || not_ok "insmod kssh_ulp.ko"

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
	printf -v "PID_$name" %s $!
	wait_port "$port"
}
usec() { awk '/^usage_usec/ { print $2 }' "/sys/fs/cgroup/$1/cpu.stat"; }
port_var P_OPENSSL
port_var P_AFALG
port_var P_KERNEL
start_server openssl "$P_OPENSSL" none
start_server afalg "$P_AFALG" af-alg
start_server kernel "$P_KERNEL" kernel
offload_of() { case $1 in afalg) echo af-alg ;; kernel) echo kernel ;; *) echo none ;; esac; }
port_of() { case $1 in afalg) echo "$P_AFALG" ;; kernel) echo "$P_KERNEL" ;; *) echo "$P_OPENSSL" ;; esac; }
backends_for() { echo openssl afalg kernel; }

ksftp_() {
	ksftp -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentityAgent=none \
		-i "$TEST_TMP/id" "$@"
}
# run CASE BACKEND PORT CIPHER: one transfer; prints "seconds server_cpu client_cpu"
run() {
	local case=$1 backend=$2 port=$3 cipher=$4 t0 t1 s0 s1 c0 c1 me=$BASHPID
	local offload src=${SRC:-$TEST_TMP/src}
	offload=$(offload_of "$backend")
	rm -f "$TEST_TMP/dst" "$TEST_TMP/up"
	s0=$(usec "$backend")
	c0=$(awk '{ print $16 + $17 }' /proc/$me/stat)
	t0=${EPOCHREALTIME/./}
	if [ "$case" = get ]; then
		ksftp_ -o CryptoOffload=$offload -c "$cipher" -P "$port" root@127.0.0.1:"$src" "$TEST_TMP/dst" \
			>/dev/null 2>&1 && cmp -s "$src" "$TEST_TMP/dst" || return 1
	else
		echo "put $src $TEST_TMP/up" | ksftp_ -o CryptoOffload=$offload -c "$cipher" -P "$port" \
			-b - root@127.0.0.1 >/dev/null 2>&1 && cmp -s "$src" "$TEST_TMP/up" || return 1
	fi
	t1=${EPOCHREALTIME/./}
	s1=$(usec "$backend")
	c1=$(awk '{ print $16 + $17 }' /proc/$me/stat) # the client's ticks, once waited for (100 Hz)
	echo "$((t1 - t0)) $((s1 - s0)) $(((c1 - c0) * 10000))"
}

echo "# bench columns: case cipher backend MiB/s(median min max) server-cpu-s/GiB client-cpu-s/GiB (medians of $REPS runs, $MIB MiB, TCG)"
for cipher in $CIPHERS; do
	for case in get put; do
		# the backends take turns within each repetition, so a slow spell of the host hits them all
		: >"$TEST_TMP/runs"
		for _ in $(seq 1 "$REPS"); do
			for backend in $(backends_for "$cipher"); do
				r=$(run "$case" "$backend" "$(port_of "$backend")" "$cipher") ||
					{ not_ok "bench $case $cipher $backend: transfer failed"; continue; }
				echo "$backend $r" >>"$TEST_TMP/runs"
			done
		done
		for backend in $(backends_for "$cipher"); do
			awk -v want="$backend" '$1 == want { print $2, $3, $4 }' "$TEST_TMP/runs" |
				awk -v c="$case" -v ci="$cipher" -v b="$backend" -v mib="$MIB" '
				function median(a, n,   i, j, t) {
					for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
					return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
				}
				{ n++; rate[n] = mib / ($1 / 1e6); sv[n] = $2 / 1e6 / (mib / 1024); cl[n] = $3 / 1e6 / (mib / 1024) }
				END {
					if (n == 0) exit
					m = median(rate, n)
					printf "# bench %s %s %s %.2f %.2f %.2f %.2f %.2f %d\n", c, ci, b == "afalg" ? "af-alg" : b, m, rate[1], rate[n],
						median(sv, n), median(cl, n), n
				}'
		done
	done
done
# Bytes copied between user and kernel by the server's processes, per GiB moved: one traced transfer each
traced() {
	local case=$1 backend=$2 cipher=$3 listener tracer
	listener=PID_$backend
	rm -rf "$TEST_TMP/trace"
	mkdir "$TEST_TMP/trace"
	strace -f -ff -qq -e signal=none -o "$TEST_TMP/trace/t" \
		-e trace=read,write,pread64,pwrite64,readv,writev,preadv,pwritev,recvfrom,sendto,recvmsg,sendmsg,sendfile,splice \
		-p "${!listener}" 2>/dev/null &
	tracer=$!
	for _ in $(seq 100); do grep -q "^TracerPid:[[:space:]]*$tracer" "/proc/${!listener}/status" && break; sleep 0.1; done
	run "$case" "$backend" "$(port_of "$backend")" "$cipher" >/dev/null || return 1
	sleep 1 # the session's last calls
	kill "$tracer"
	wait "$tracer" 2>/dev/null
	cat "$TEST_TMP"/trace/t.* | awk -v mib="$COPY_MIB" -v c="$case" -v ci="$cipher" -v b="$(offload_of "$backend")" '
		/ = [0-9]+$/ {
			n = $NF; name = $0; sub(/\(.*/, "", name)
			if (name == "sendfile" || name == "splice") zero += n; else copied += n
		}
		END { gib = mib / 1024; printf "# copied %s %s %s %.0f %.0f\n", c, ci, b, copied / gib / 1048576, zero / gib / 1048576 }'
}
head -c $((COPY_MIB * 1048576)) "$TEST_TMP/src" >"$TEST_TMP/copy_src"
echo "# copied columns: case cipher backend MiB-copied-per-GiB MiB-by-sendfile-per-GiB (server, $COPY_MIB MiB traced)"
for case in get put; do
	for backend in openssl afalg kernel; do
		SRC=$TEST_TMP/copy_src traced "$case" "$backend" aes128-gcm@openssh.com || not_ok "traced $case on $backend failed"
	done
done

# the af-alg server really carried its sessions on af-alg
check "every benchmarked af-alg session ran on af-alg both ways" \
	bash -c "! ksshctl -s $TEST_TMP/afalg.ctl show ssh history details --json | grep -q '\"inbackend\":\"openssl\"'"
check "every benchmarked kernel session ran in the kernel both ways" \
	bash -c "! ksshctl -s $TEST_TMP/kernel.ctl show ssh history details --json | grep -Eq '\"inbackend\":\"(openssl|af-alg)\"'"
done_testing
