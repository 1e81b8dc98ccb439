# crypto-offload af-alg with real OpenSSH peers inside the VM: OpenSSH's ssh
# and sftp against ksshd, kssh and ksftp against OpenSSH's sshd, for aes-ctr
# and aes-gcm, MiB each way byte-exact with rekeys every 4 MiB started by
# each side in turn, and the session saying af-alg.
. /kssh/tests/lib.sh
MIB=${AFALG_MIB:-16}
REKEY=4194304

ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id"
mkdir -p /root/.ssh /run/sshd
cat "$TEST_TMP/id.pub" >/root/.ssh/authorized_keys
dd if=/dev/urandom of="$TEST_TMP/data" bs=1M count="$MIB" 2>/dev/null
want=$(sha256sum <"$TEST_TMP/data" | cut -d' ' -f1)
same() { [ "$(sha256sum <"$1" | cut -d' ' -f1)" = "$want" ]; }
export want
export -f same

# ksshd A rekeys at its default volume (the client starts every rekey),
# ksshd B every 4 MiB (it starts them); both offload to AF_ALG.
port_var KA; port_var KB
start_ksshd "$KA" "$TEST_TMP/ka" --crypto-offload af-alg
start_ksshd "$KB" "$TEST_TMP/kb" --crypto-offload af-alg --rekey-bytes $REKEY

# OpenSSH's sshd, likewise: A at its default, B with RekeyLimit 4M
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/host_ed25519"
start_sshd() {
	local port=$1 dir=$2; shift 2
	mkdir -p "$dir"
	printf '%s\n' "Port $port" "ListenAddress 127.0.0.1" "HostKey $TEST_TMP/host_ed25519" "PidFile none" \
		"UsePAM no" "StrictModes no" "PermitRootLogin yes" "LogLevel DEBUG1" \
		"Subsystem sftp /usr/lib/openssh/sftp-server" "$@" >"$dir/sshd_config"
	/usr/sbin/sshd -D -e -f "$dir/sshd_config" >"$dir/log" 2>&1 &
	PIDS+=($!)
	wait_port "$port"
}
port_var SA; port_var SB
start_sshd "$SA" "$TEST_TMP/sa"
start_sshd "$SB" "$TEST_TMP/sb" "RekeyLimit 4M"

ossh() {
	timeout 300 ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o IdentityAgent=none -i "$TEST_TMP/id" "$@"
}
kssh_() {
	timeout 300 kssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentityAgent=none \
		-i "$TEST_TMP/id" -o CryptoOffload=af-alg "$@"
}
newkeys() { grep -c 'SSH2_MSG_NEWKEYS received' "$1"; }

for spec in aes128-ctr:hmac-sha2-256-etm@openssh.com aes256-ctr:hmac-sha2-512 \
	aes128-gcm@openssh.com: aes256-gcm@openssh.com:; do
	c=${spec%%:*} m=${spec#*:}
	mac=()
	[ -n "$m" ] && mac=(-m "$m")
	log=$TEST_TMP/$c
	CHECK_LOGS="$log.up $log.down $log.kup $log.kdown $TEST_TMP/ka/log $TEST_TMP/kb/log $TEST_TMP/sb/log"
	t0=$(date +%s)

	# OpenSSH's ssh -> ksshd: upload (ssh rekeys every 4 MiB), download (ksshd B rekeys every 4 MiB)
	rm -f /tmp/up
	ossh -v -c "$c" "${mac[@]}" -o RekeyLimit=4M -p "$KA" root@127.0.0.1 'cat > /tmp/up' \
		<"$TEST_TMP/data" 2>"$log.up"
	check "ssh -> ksshd $c ${m:-}: $MIB MiB up byte-exact, ssh rekeyed every 4 MiB ($(newkeys "$log.up") exchanges)" \
		bash -c "cmp -s /tmp/up '$TEST_TMP/data' && [ $(newkeys "$log.up") -ge $((MIB / 4)) ]"
	before=$(grep -c 'rekeying: volume limit reached' "$TEST_TMP/kb/log")
	ossh -v -c "$c" "${mac[@]}" -p "$KB" root@127.0.0.1 "cat '$TEST_TMP/data'" >"$TEST_TMP/down" 2>"$log.down"
	started=$(($(grep -c 'rekeying: volume limit reached' "$TEST_TMP/kb/log") - before))
	check "ssh <- ksshd $c ${m:-}: $MIB MiB down byte-exact, ksshd started $started rekeys ($(newkeys "$log.down") exchanges)" \
		bash -c "same '$TEST_TMP/down' && [ $(newkeys "$log.down") -ge $((MIB / 4)) ] && [ $started -ge $((MIB / 4 - 1)) ]"
	check "ksshd's history: both sessions ran $c on af-alg both ways" \
		bash -c "$(declare -f history_says); history_says af-alg '$TEST_TMP/ka/ctl' '$c' 1 && history_says af-alg '$TEST_TMP/kb/ctl' '$c' 1"

	# kssh -> sshd: upload with kssh rekeying every 4 MiB; download with sshd B rekeying
	rm -f /tmp/up
	kssh_ -vv -c "$c" "${mac[@]}" -o RekeyLimit=4M -p "$SA" root@127.0.0.1 'cat > /tmp/up' \
		<"$TEST_TMP/data" 2>"$log.kup"
	check "kssh -> sshd $c ${m:-}: $MIB MiB up byte-exact on af-alg, kssh rekeyed every 4 MiB" \
		bash -c "cmp -s /tmp/up '$TEST_TMP/data' &&
			grep -q 'crypto backend: server->client af-alg, client->server af-alg' '$log.kup' &&
			[ \$(grep -c 'rekeying: volume limit reached' '$log.kup') -ge $((MIB / 4 - 1)) ]"
	kssh_ -vv -c "$c" "${mac[@]}" -p "$SB" root@127.0.0.1 "cat '$TEST_TMP/data'" >"$TEST_TMP/down" 2>"$log.kdown"
	check "kssh <- sshd $c ${m:-}: $MIB MiB down byte-exact on af-alg, sshd rekeyed every 4 MiB" \
		bash -c "same '$TEST_TMP/down' &&
			grep -q 'crypto backend: server->client af-alg, client->server af-alg' '$log.kdown' &&
			! grep -q 'rekeying: volume limit reached' '$log.kdown' &&
			[ \$(grep -c 'key exchange [0-9]* complete' '$log.kdown') -ge $((MIB / 4)) ]"
	echo "# $c: four transfers of $MIB MiB in $(($(date +%s) - t0)) s"
done

# ksftp against sshd's sftp-server, and OpenSSH's sftp against ksshd's SFTP server, on af-alg
rm -f "$TEST_TMP/got" /tmp/put
ksftp -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentityAgent=none -i "$TEST_TMP/id" \
	-o CryptoOffload=af-alg -o RekeyLimit=4M -c aes256-gcm@openssh.com -P "$SA" \
	root@127.0.0.1:"$TEST_TMP/data" "$TEST_TMP/got" >/dev/null 2>"$TEST_TMP/ksftp.log"
check "ksftp <- sshd aes256-gcm on af-alg: $MIB MiB get byte-exact" same "$TEST_TMP/got"
echo "put $TEST_TMP/data /tmp/put" >"$TEST_TMP/batch"
sftp -F none -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentityAgent=none \
	-i "$TEST_TMP/id" -c aes128-ctr -o RekeyLimit=4M -P "$KA" -b "$TEST_TMP/batch" root@127.0.0.1 >/dev/null 2>&1
check "sftp -> ksshd aes128-ctr on af-alg: $MIB MiB put byte-exact" \
	bash -c "cmp -s /tmp/put '$TEST_TMP/data' && $(declare -f history_says); history_says af-alg '$TEST_TMP/ka/ctl' aes128-ctr 2"

# Without crypto-offload nothing changes: the session says openssl
port_var ksshd_plain
ksshd -D -e -p "$ksshd_plain" -l 127.0.0.1 -s "$KSSHD_KEYS" --control "$TEST_TMP/plain.ctl" >"$TEST_TMP/plain.log" 2>&1 &
PIDS+=($!)
wait_port "$ksshd_plain"
ossh -c aes128-ctr -p "$ksshd_plain" root@127.0.0.1 true
check "without crypto-offload the session stays on openssl" \
	bash -c "ksshctl -s '$TEST_TMP/plain.ctl' show ssh history details --json | grep -q '\"inbackend\":\"openssl\",\"outbackend\":\"openssl\"'"
# chacha20-poly1305 has no AF_ALG path: the session goes on with OpenSSL and one log line says why
ossh -c chacha20-poly1305@openssh.com -p "$KA" root@127.0.0.1 true
check "chacha20-poly1305 under crypto-offload af-alg: served on openssl, logged once" \
	bash -c "[ \$(grep -c 'chacha20-poly1305@openssh.com (in) stays on openssl: AF_ALG has no path' '$TEST_TMP/ka/log') -eq 1 ]"
done_testing
