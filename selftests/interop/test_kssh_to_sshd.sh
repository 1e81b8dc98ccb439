#!/bin/bash
# kssh against OpenSSH's sshd: every kex x host key and cipher x MAC, rekeys in a live
# session, and known_hosts handling (unknown, saved hashed, changed, revoked).
. "$(dirname "$0")/lib.sh"


USER_NAME=ksshtest$$
useradd -M -d /nonexistent -s /bin/sh "$USER_NAME" && passwd -d "$USER_NAME" >/dev/null
CLEANUP_CMDS+=("userdel $USER_NAME")

PORT=$(pick_port)
mkdir -p "$TEST_TMP/sshd"
ssh-keygen -q -t dsa -N '' -f "$TEST_TMP/sshd/host_dsa"
start_sshd "$PORT" "$TEST_TMP/sshd" -h "$TEST_TMP/sshd/host_dsa" \
	-o KexAlgorithms="$(csv "$ALL_KEX")" -o HostKeyAlgorithms="$(csv "$ALL_HOSTKEY")" \
	-o Ciphers="$(csv "$ALL_CIPHER")" -o MACs="$(csv "$ALL_MAC")" \
	-o PermitEmptyPasswords=yes -o AuthenticationMethods=none

kssh_to() {
	"$KSSH" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -p "$PORT" "$@"
}

connect() {
	local out
	out=$(kssh_to -v -o KexAlgorithms="$1" -o HostKeyAlgorithms="$2" -c "$3" -m "$4" \
		nobody@127.0.0.1 2>&1)
	grep -q "kex: algorithm: $1\$" <<<"$out" &&
		grep -q "kex: host key algorithm: $2\$" <<<"$out" &&
		grep -q "client->server cipher: $3 MAC: " <<<"$out" &&
		{ [[ $3 == *gcm* || $3 == chacha* ]] || grep -q "client->server cipher: $3 MAC: $4\$" <<<"$out"; } &&
		grep -q "Permission denied" <<<"$out" || { echo "$out" | sed 's/^/# /' | tail -3; return 1; }
}

for kex in $ALL_KEX; do
	for hk in $ALL_HOSTKEY; do
		check "kssh kex $kex host key $hk" connect "$kex" "$hk" aes128-ctr hmac-sha2-256
	done
done
for cipher in $ALL_CIPHER; do
	for mac in $ALL_MAC; do
		check "kssh cipher $cipher mac $mac" connect curve25519-sha256 ssh-ed25519 "$cipher" "$mac"
	done
done

# Rekeys in an authenticated session, started by kssh; sshd must see each one.
rekeys() {
	local cipher=$1 before after out
	before=$(grep -c 'SSH2_MSG_KEXINIT received' "$TEST_TMP/sshd/log")
	out=$(kssh_to -c "$cipher" -o KsshTestRekeys=3 "$USER_NAME@127.0.0.1" 2>&1)
	after=$(grep -c 'SSH2_MSG_KEXINIT received' "$TEST_TMP/sshd/log")
	grep -q 'rekey 3 done: 4 key exchanges' <<<"$out" && [ $((after - before)) -eq 4 ] ||
		{ echo "$out" | sed 's/^/# /' | tail -3; return 1; }
}
for cipher in aes128-ctr aes256-gcm@openssh.com chacha20-poly1305@openssh.com; do
	check "kssh rekeys three times mid-session with sshd ($cipher)" rekeys "$cipher"
done

# Automatic rekeys (RekeyLimit, as OpenSSH spells it) while 25 requests go back and forth:
# each must be answered, and sshd must see the initial exchange plus at least two rekeys.
auto_rekeys() {
	local limit=$1 why=$2 before after out
	before=$(grep -c 'SSH2_MSG_KEXINIT received' "$TEST_TMP/sshd/log")
	out=$(kssh_to -vv -o "RekeyLimit=$limit" -o KsshTestPings=25 "$USER_NAME@127.0.0.1" 2>&1)
	after=$(grep -c 'SSH2_MSG_KEXINIT received' "$TEST_TMP/sshd/log")
	grep -q '25 requests answered' <<<"$out" && grep -q "rekeying: $why limit reached" <<<"$out" &&
		[ $((after - before)) -ge 3 ] || { echo "$out" | sed 's/^/# /' | tail -3; return 1; }
}
check "automatic rekey by volume (RekeyLimit=1K) loses no message" auto_rekeys 1K volume
check "automatic rekey by time (RekeyLimit=default 1s) loses no message" auto_rekeys "default 1s" time
check "a bad RekeyLimit is refused with the expected form" bash -c "'$KSSH' -o RekeyLimit=1X x 2>&1 |
	grep -q 'want SIZE'"

# known_hosts
KH=$TEST_TMP/known_hosts
check "unknown host key refused in batch mode" bash -c "! '$KSSH' -B -o UserKnownHostsFile='$KH' \
	-p $PORT nobody@127.0.0.1 2>&1 | grep -q 'Permission denied'"
check "accept-new saves the key hashed" bash -c "'$KSSH' -o StrictHostKeyChecking=accept-new \
	-o UserKnownHostsFile='$KH' -p $PORT nobody@127.0.0.1 2>&1 | grep -q 'Permanently added' &&
	grep -q '^|1|' '$KH' && ! grep -q '127.0.0.1' '$KH'"
check "saved key is accepted with strict checking" bash -c "'$KSSH' -o StrictHostKeyChecking=yes \
	-o UserKnownHostsFile='$KH' -p $PORT nobody@127.0.0.1 2>&1 | grep -q 'Permission denied'"
check "OpenSSH's ssh accepts the hashed entry kssh wrote" bash -c "ssh -F none -o BatchMode=yes \
	-o StrictHostKeyChecking=yes -o UserKnownHostsFile='$KH' -p $PORT nobody@127.0.0.1 true 2>&1 |
	grep -q 'Permission denied'"
# a changed key: record another key of the same type for this host
ssh-keygen -q -t ecdsa -b 521 -N '' -f "$TEST_TMP/other"
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$TEST_TMP/other.pub")" >"$TEST_TMP/kh_changed"
check "changed host key is refused with a warning" bash -c "out=\$('$KSSH' -o StrictHostKeyChecking=no \
	-o HostKeyAlgorithms=ecdsa-sha2-nistp521 -o UserKnownHostsFile='$TEST_TMP/kh_changed' -p $PORT \
	nobody@127.0.0.1 2>&1); grep -q 'REMOTE HOST IDENTIFICATION HAS CHANGED' <<<\"\$out\" &&
	! grep -q 'Permission denied' <<<\"\$out\""
echo "@revoked * $(cut -d' ' -f1,2 "$TEST_TMP/sshd/host_ed25519.pub")" >"$TEST_TMP/kh_revoked"
check "revoked host key is refused" bash -c "'$KSSH' -o StrictHostKeyChecking=no \
	-o HostKeyAlgorithms=ssh-ed25519 -o UserKnownHostsFile='$TEST_TMP/kh_revoked' -p $PORT \
	nobody@127.0.0.1 2>&1 | grep -q 'marked as revoked'"
check "known key types are preferred (ed25519 known, ed25519 negotiated)" bash -c "
	echo \"[127.0.0.1]:$PORT \$(cut -d' ' -f1,2 '$TEST_TMP/sshd/host_ed25519.pub')\" >'$TEST_TMP/kh_ed';
	'$KSSH' -v -o StrictHostKeyChecking=yes -o UserKnownHostsFile='$TEST_TMP/kh_ed' -p $PORT \
	nobody@127.0.0.1 2>&1 | grep -q 'host key algorithm: ssh-ed25519'"

# Real logins: a second sshd with PAM, publickey, password and keyboard-interactive
U=kt$$c
PW='Sshd-pw-3!'
make_user "$U" "$PW"
for t in ed25519 ecdsa rsa; do ssh-keygen -q -t $t -N '' -f "$TEST_TMP/id_$t"; authorize_key "$U" "$TEST_TMP/id_$t.pub"; done
ssh-keygen -q -t ed25519 -N 'key-pass-1' -f "$TEST_TMP/id_enc_ctr"
ssh-keygen -q -t ecdsa -N 'key-pass-1' -Z aes256-gcm@openssh.com -f "$TEST_TMP/id_enc_gcm"
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id_agent"
for k in id_enc_ctr id_enc_gcm id_agent; do authorize_key "$U" "$TEST_TMP/$k.pub"; done
rm -f "$TEST_TMP/id_enc_ctr.pub" "$TEST_TMP/id_enc_gcm.pub" # the public half must come from the file itself
PORT2=$(pick_port)
start_sshd "$PORT2" "$TEST_TMP/sshd2" -o UsePAM=yes -o KbdInteractiveAuthentication=yes \
	-o PasswordAuthentication=yes -o AllowTcpForwarding=yes
make_askpass "$TEST_TMP/ap_pw" "$PW"
make_askpass "$TEST_TMP/ap_key" "key-pass-1"
make_askpass "$TEST_TMP/ap_badkey" "wrong-pass"
k2() { kssh_cmd -p $PORT2 "$@"; }
export PORT2
export -f k2

for t in ed25519 ecdsa rsa; do
	check "kssh publickey $t to sshd runs a command" bash -c "[ \"\$(k2 -i '$TEST_TMP/id_$t' \
		$U@127.0.0.1 'id -un')\" = $U ]"
done
check "kssh signs RSA with rsa-sha2-512 (server-sig-algs)" grep -q \
	"Accepted publickey for $U .* RSA" "$TEST_TMP/sshd2/log"
check "encrypted key (bcrypt-pbkdf, aes256-ctr), passphrase by SSH_ASKPASS" bash -c "[ \"\$(with_askpass \
	'$TEST_TMP/ap_key' k2 -i '$TEST_TMP/id_enc_ctr' -o PreferredAuthentications=publickey \
	$U@127.0.0.1 'id -un')\" = $U ]"
check "encrypted key (aes256-gcm@openssh.com)" bash -c "[ \"\$(with_askpass '$TEST_TMP/ap_key' k2 \
	-i '$TEST_TMP/id_enc_gcm' -o PreferredAuthentications=publickey $U@127.0.0.1 'id -un')\" = $U ]"
check "encrypted key with a wrong passphrase is not used" bash -c "with_askpass '$TEST_TMP/ap_badkey' \
	k2 -i '$TEST_TMP/id_enc_ctr' -o PreferredAuthentications=publickey $U@127.0.0.1 true 2>&1 |
	grep -q 'Bad passphrase'"
eval "$(ssh-agent -s)" >/dev/null
CLEANUP_CMDS+=("kill $SSH_AGENT_PID")
ssh-add -q "$TEST_TMP/id_agent" 2>/dev/null
check "ssh-agent: kssh signs through the agent" bash -c "out=\$('$KSSH' -v -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o PreferredAuthentications=publickey -i /nonexistent -p $PORT2 \
	$U@127.0.0.1 'id -un' 2>&1); grep -q 'Server accepts key: (agent)' <<<\"\$out\" && grep -qx $U <<<\"\$out\""
check "password (sshd with PAM) by SSH_ASKPASS" bash -c "[ \"\$(with_askpass '$TEST_TMP/ap_pw' k2 \
	-o PreferredAuthentications=password $U@127.0.0.1 'id -un')\" = $U ]"
check "keyboard-interactive (sshd's PAM conversation)" bash -c "[ \"\$(with_askpass '$TEST_TMP/ap_pw' \
	k2 -o PreferredAuthentications=keyboard-interactive $U@127.0.0.1 'id -un')\" = $U ]"
check "the spec's auth-method order: password before keyboard-interactive when asked" bash -c "
	with_askpass '$TEST_TMP/ap_pw' k2 -v -o PreferredAuthentications=password,keyboard-interactive \
	$U@127.0.0.1 true 2>&1 | grep -q 'Authenticated to 127.0.0.1 using \"password\"'"
check "a wrong password is refused" bash -c "! with_askpass '$TEST_TMP/ap_badkey' k2 \
	-o PreferredAuthentications=password $U@127.0.0.1 true 2>/dev/null"
head -c 24M /dev/urandom >"$TEST_TMP/big"
chmod 755 "$TEST_TMP"; chmod 644 "$TEST_TMP/big"
k2 -i "$TEST_TMP/id_ed25519" $U@127.0.0.1 "cat $TEST_TMP/big; echo to-stderr >&2; exit 7" \
	>"$TEST_TMP/got" 2>"$TEST_TMP/got_err" </dev/null
rc=$?
check "exec: 24 MiB of stdout byte-exact from sshd" cmp -s "$TEST_TMP/big" "$TEST_TMP/got"
check "exec: stderr separately" grep -qx to-stderr "$TEST_TMP/got_err"
check "exec: kssh exits with the remote status (7)" [ $rc -eq 7 ]
check "exec: stdin up to sshd byte-exact" bash -c "[ \"\$(k2 -i '$TEST_TMP/id_ed25519' $U@127.0.0.1 \
	sha256sum <'$TEST_TMP/big' | cut -d' ' -f1)\" = \"\$(sha256sum <'$TEST_TMP/big' | cut -d' ' -f1)\" ]"
http_service "$TEST_TMP"
LP=$(pick_port)
"$KSSH" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -p $PORT2 -i "$TEST_TMP/id_ed25519" \
	-N -L "$LP:127.0.0.1:$SVC" $U@127.0.0.1 2>/dev/null &
PIDS+=($!)
wait_port "$LP"
check "kssh -L through sshd: 24 MiB byte-exact" bash -c "fetch http://127.0.0.1:$LP/big | cmp -s - '$TEST_TMP/big'"

done_testing
