# kernel/'s record layer under ksshd and ksftp with real OpenSSH peers:
# OpenSSH's sftp, scp and ssh against ksshd --crypto-offload kernel, and
# ksftp -o CryptoOffload=kernel against OpenSSH's sshd, for every cipher
# the module has (aes128/256-gcm, aes128/192/256-ctr with an -etm MAC), 256 MiB each way
# byte-exact with rekeys started by each side in the middle of the transfer
# (every 4 MiB for one cipher of each family, every 32 MiB for the others:
# a rekey costs about 0.4 s of TCG); a client that
# stops reading and resumes; a corrupted packet; rmmod refused while
# sessions use the module.
. /kssh/tests/lib.sh
MIB=${KMOD_MIB:-256}            # each cipher's sftp get and put
SMALL=$((MIB >= 64 ? MIB / 32 : 2))    # the side transfers, MiB

check "insmod kssh_ulp.ko" insmod /kssh/kssh_ulp.ko
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id"
mkdir -p /root/.ssh /run/sshd
cat "$TEST_TMP/id.pub" >/root/.ssh/authorized_keys
dd if=/dev/urandom of=/tmp/data bs=1M count="$MIB" 2>/dev/null
head -c $((SMALL * 1048576)) /tmp/data >/tmp/small

# ksshd A rekeys at its default volume (clients start the rekeys), B every 4 MiB, C every 32 MiB
port_var KA; port_var KB; port_var KC
start_ksshd "$KA" "$TEST_TMP/ka" --crypto-offload kernel
start_ksshd "$KB" "$TEST_TMP/kb" --crypto-offload kernel --rekey-bytes $((4 << 20))
start_ksshd "$KC" "$TEST_TMP/kc" --crypto-offload kernel --rekey-bytes $((32 << 20))

ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/host_ed25519"
port_var SA
printf '%s\n' "Port $SA" "ListenAddress 127.0.0.1" "HostKey $TEST_TMP/host_ed25519" "PidFile none" \
	"UsePAM no" "StrictModes no" "PermitRootLogin yes" "LogLevel DEBUG1" "RekeyLimit 4M" \
	"Subsystem sftp /usr/lib/openssh/sftp-server" >"$TEST_TMP/sshd_config"
/usr/sbin/sshd -D -e -f "$TEST_TMP/sshd_config" >"$TEST_TMP/sshd.log" 2>&1 &
PIDS+=($!)
wait_port "$SA"

OPTS=(-F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o IdentityAgent=none -i "$TEST_TMP/id")
ossh() { timeout 600 ssh "${OPTS[@]}" "$@"; }
osftp() { timeout 600 sftp "${OPTS[@]}" "$@"; }
newkeys() { grep -c 'SSH2_MSG_NEWKEYS received' "$1"; }

# CIPHER:MAC:REKEY-MIB (the ksshd that rekeys at that volume serves the get; sftp rekeys the put)
for spec in aes128-gcm@openssh.com::4 aes256-gcm@openssh.com::32 aes128-ctr:hmac-sha2-256-etm@openssh.com:4 \
	aes192-ctr:hmac-sha2-256-etm@openssh.com:32 aes256-ctr:hmac-sha2-512-etm@openssh.com:32; do
	IFS=: read -r c m r <<<"$spec"
	mac=()
	[ -n "$m" ] && mac=(-o "MACs=$m")
	server=$KB sdir=$TEST_TMP/kb
	[ "$r" = 32 ] && server=$KC sdir=$TEST_TMP/kc
	log=$TEST_TMP/$c
	CHECK_LOGS="$log.get $log.put $log.kget $log.kput $TEST_TMP/ka/log $sdir/log"
	t0=$(date +%s)
	rm -f /tmp/got /tmp/put
	echo "get /tmp/data /tmp/got" >"$TEST_TMP/get"
	before=$(grep -c 'rekeying: volume limit reached' "$sdir/log")
	osftp -v -c "$c" "${mac[@]}" -P "$server" -b "$TEST_TMP/get" root@127.0.0.1 >/dev/null 2>"$log.get"
	started=$(($(grep -c 'rekeying: volume limit reached' "$sdir/log") - before))
	# the volume is counted as data is queued: a window's worth (2 MiB) may follow the limit before the KEXINIT
	check "sftp get <- ksshd $c${m:+ $m}: $MIB MiB byte-exact, sendfile through the module, ksshd started $started rekeys (one per $r-$((r + 1)) MiB)" \
		bash -c "cmp -s /tmp/got /tmp/data && [ $started -ge $((MIB / (r + 1))) ]"
	echo "put /tmp/data /tmp/put" >"$TEST_TMP/put"
	osftp -v -c "$c" "${mac[@]}" -o RekeyLimit=${r}M -P "$KA" -b "$TEST_TMP/put" root@127.0.0.1 >/dev/null 2>"$log.put"
	check "sftp put -> ksshd $c${m:+ $m}: $MIB MiB byte-exact, sftp rekeyed every $r MiB ($(newkeys "$log.put") exchanges)" \
		bash -c "cmp -s /tmp/put /tmp/data && [ $(newkeys "$log.put") -ge $((MIB / r)) ]"
	check "ksshd's history: both sessions ran $c in the kernel both ways" \
		bash -c "$(declare -f history_says); history_says kernel '$TEST_TMP/ka/ctl' '$c' 1 && history_says kernel '$sdir/ctl' '$c' 1"
	echo "# $c: sftp get and put of $MIB MiB in $(($(date +%s) - t0)) s"

	# ksftp with the module against OpenSSH's sshd (which rekeys every 4 MiB): one cipher of each family
	rm -f /tmp/got /tmp/put
	case $c in aes256-gcm@openssh.com | aes128-ctr) ;; *) continue ;; esac
	ksftp -v -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentityAgent=none \
		-i "$TEST_TMP/id" -o CryptoOffload=kernel -c "$c" "${mac[@]}" -P "$SA" \
		root@127.0.0.1:/tmp/small /tmp/got >/dev/null 2>"$log.kget"
	check "ksftp <- sshd $c${m:+ $m} in the kernel: $SMALL MiB get byte-exact" \
		bash -c "cmp -s /tmp/got /tmp/small && grep -q 'crypto backend: kernel' '$log.kget'"
	echo "put /tmp/small /tmp/put" >"$TEST_TMP/kput"
	ksftp -vv -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentityAgent=none \
		-i "$TEST_TMP/id" -o CryptoOffload=kernel -o RekeyLimit=4M -c "$c" "${mac[@]}" -P "$SA" -b "$TEST_TMP/kput" \
		root@127.0.0.1 >/dev/null 2>"$log.kput"
	check "ksftp -> sshd $c${m:+ $m} in the kernel: $SMALL MiB put byte-exact, ksftp rekeyed every 4 MiB" \
		bash -c "cmp -s /tmp/put /tmp/small && grep -q 'crypto backend: kernel' '$log.kput' &&
			[ \$(grep -c 'rekeying: volume limit reached' '$log.kput') -ge $((SMALL / 4 - 1)) ]"
	rm -f /tmp/got /tmp/put
done

# OpenSSH's ssh: exec both ways, and scp (SFTP protocol, its default)
c=aes128-gcm@openssh.com
rm -f /tmp/up
ossh -c $c -o RekeyLimit=4M -p "$KA" root@127.0.0.1 'cat > /tmp/up' </tmp/small
check "ssh exec -> ksshd in the kernel: $SMALL MiB up byte-exact" cmp -s /tmp/up /tmp/small
ossh -c $c -p "$KB" root@127.0.0.1 'cat /tmp/small' >/tmp/down
check "ssh exec <- ksshd in the kernel: $SMALL MiB down byte-exact" cmp -s /tmp/down /tmp/small
rm -f /tmp/down
timeout 600 scp "${OPTS[@]}" -c $c -P "$KB" root@127.0.0.1:/tmp/small /tmp/down
check "scp <- ksshd in the kernel: $SMALL MiB byte-exact" cmp -s /tmp/down /tmp/small

# A client that stops reading: ksshd's window runs out, then the client resumes
ossh -c $c -p "$KB" root@127.0.0.1 'cat /tmp/small' | { sleep 5; cat; } >/tmp/down
check "a client that stops reading for 5 s and resumes: $SMALL MiB down byte-exact" cmp -s /tmp/down /tmp/small

# rmmod is refused while a session is in the kernel
coproc HOLD { ossh -c $c -p "$KA" root@127.0.0.1 'echo started; cat >/dev/null'; }
read -r -t 60 line <&"${HOLD[0]}"
check "rmmod is refused while a ksshd session uses the module" \
	bash -c "[ '$line' = started ] && ! rmmod kssh_ulp 2>/dev/null && grep -q '^kssh_ulp ' /proc/modules"
# ksshctl show ssh offload: the session with the module's counters (reported each second)
head -c 1048576 /tmp/small >&"${HOLD[1]}"
offload_counts() {
	ksshctl -s "$TEST_TMP/ka/ctl" show ssh offload --json |
		grep -Eq '"outcipher":"aes128-gcm@openssh.com","chan":0,"tx_packets":[1-9][0-9]*,"tx_bytes":[1-9][0-9]*,"rx_packets":[1-9][0-9]*,"rx_bytes":[0-9]{7,}'
}
waited() { for _ in $(seq 50); do "$@" && return 0; sleep 0.2; done; return 1; }
check "show ssh offload --json: the session, its cipher and the module's counters (1 MiB in)" waited offload_counts
check "show ssh offload: a row for it" \
	bash -c "ksshctl -s '$TEST_TMP/ka/ctl' show ssh offload | grep -Eq '^[0-9]+ +root +127.0.0.1 +aes128-gcm@openssh.com +[1-9]'"
exec {HOLD[1]}>&-
wait "$HOLD_PID"
check "show ssh offload: nothing once the session has ended" \
	waited bash -c "ksshctl -s '$TEST_TMP/ka/ctl' show ssh offload --json | grep -qx '{\"sessions\":\[\]}'"

# A flipped bit in a packet from the client: the module finds it, the connection ends with a MAC error
port_var FP
rm -f /tmp/flip
flip_proxy "$FP" "$KA" $((SMALL * 1048576 / 2)) >"$TEST_TMP/flip.out" 2>"$TEST_TMP/flip.log" &
PIDS+=($!)
for _ in $(seq 100); do grep -q listening "$TEST_TMP/flip.out" && break; sleep 0.1; done
ossh -c $c -p "$FP" root@127.0.0.1 'cat > /tmp/flip' </tmp/small 2>"$TEST_TMP/flip.ssh"
CHECK_LOGS="$TEST_TMP/flip.ssh $TEST_TMP/ka/log"
check "a corrupted packet: the module refuses it, ksshd disconnects with reason 5 (MAC error)" \
	grep -q 'Received disconnect from 127.0.0.1 port [0-9]*:5: the kernel found a bad packet' "$TEST_TMP/flip.ssh"
check "a corrupted packet: nothing from it or after it reached the file, what did is intact" \
	bash -c "n=\$(stat -c %s /tmp/flip) && [ \$n -lt $((SMALL * 1048576 / 2)) ] && cmp -s /tmp/flip <(head -c \$n /tmp/small)"

kill "${PIDS[@]}" 2>/dev/null
wait "${PIDS[@]}" 2>/dev/null
PIDS=()
unloaded() { for _ in $(seq 50); do rmmod kssh_ulp 2>/dev/null && return 0; sleep 0.1; done; return 1; }
check "rmmod succeeds once every session has ended" unloaded
done_testing
