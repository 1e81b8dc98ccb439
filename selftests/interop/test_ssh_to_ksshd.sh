#!/bin/bash
# OpenSSH's ssh (and ssh-keyscan) against ksshd: every kex x host key, every cipher x MAC.
# ssh reaches authentication, which fails for now; we assert on what ssh -v reports.
. "$(dirname "$0")/lib.sh"


PORT=$(pick_port)
start_ksshd "$PORT" "$TEST_TMP/k" --kex "$(csv "$ALL_KEX")" \
	--host-key-algorithms "$(csv "$ALL_HOSTKEY")" --enable-cipher aes-cbc --enable-cipher 3des-cbc

# connect KEX HOSTKEY CIPHER MAC: ssh must negotiate exactly these and reach authentication
connect() {
	local out
	out=$(ossh -v -p "$PORT" -o KexAlgorithms="$1" -o HostKeyAlgorithms="$2" \
		-o Ciphers="$3" -o MACs="$4" -o PreferredAuthentications=none,password \
		nobody@127.0.0.1 true 2>&1 | tr -d "\r")
	grep -q "kex: algorithm: $1\$" <<<"$out" &&
		grep -q "kex: host key algorithm: $2\$" <<<"$out" &&
		grep -q "kex: client->server cipher: $3 MAC: " <<<"$out" &&
		{ [[ $3 == *gcm* || $3 == chacha* ]] || grep -q "client->server cipher: $3 MAC: $4 " <<<"$out"; } &&
		grep -q "Permission denied" <<<"$out" || { echo "$out" | grep -E 'kex|error|Unable|denied' | sed 's/^/# /' | head -5; return 1; }
}

for kex in $ALL_KEX; do
	for hk in $ALL_HOSTKEY; do
		check "ssh kex $kex host key $hk" connect "$kex" "$hk" aes128-ctr hmac-sha2-256
	done
done
for cipher in $ALL_CIPHER; do
	for mac in $ALL_MAC; do
		check "ssh cipher $cipher mac $mac" connect curve25519-sha256 ssh-ed25519 "$cipher" "$mac"
	done
done

# ssh-keyscan collects each host key type, identical to the .pub files ksshd wrote
keyscan_type() {
	local type=$1 file=$2 got want
	got=$(ssh-keyscan -T 5 -t "$type" -p "$PORT" 127.0.0.1 2>/dev/null | awk '{print $2, $3}')
	want=$(awk '{print $1, $2}' "$TEST_TMP/k/keys/$file.pub")
	[ -n "$got" ] && [ "$got" = "$want" ]
}
check "ssh-keyscan gets the ed25519 host key" keyscan_type ed25519 ssh_host_ed25519_key
check "ssh-keyscan gets the ecdsa-nistp256 host key" keyscan_type ecdsa-sha2-nistp256 ssh_host_ecdsa_nistp256_key
# ssh-keyscan -t ecdsa cannot pick a curve: compare the fingerprint ssh -v reports
fingerprint_seen() {
	local alg=$1 file=$2 want
	want=$(ssh-keygen -lf "$TEST_TMP/k/keys/$file.pub" | awk '{print $2}')
	ossh -v -p "$PORT" -o HostKeyAlgorithms="$alg" nobody@127.0.0.1 true 2>&1 |
		grep -q "Server host key: $alg $want"
}
check "ssh sees the ecdsa-nistp384 host key" fingerprint_seen ecdsa-sha2-nistp384 ssh_host_ecdsa_nistp384_key
check "ssh sees the ecdsa-nistp521 host key" fingerprint_seen ecdsa-sha2-nistp521 ssh_host_ecdsa_nistp521_key
check "ssh-keyscan gets the rsa host key" keyscan_type rsa ssh_host_rsa_key
check "ssh-keyscan gets the dsa host key" keyscan_type dsa ssh_host_dsa_key

# OpenSSH reads the private key files ksshd generated, and they are mode 0600
keygen_reads() {
	local f=$TEST_TMP/k/keys/$1
	[ "$(stat -c %a "$f")" = 600 ] &&
		[ "$(ssh-keygen -y -f "$f" | awk '{print $1, $2}')" = "$(awk '{print $1, $2}' "$f.pub")" ]
}
for f in ssh_host_ed25519_key ssh_host_ecdsa_nistp256_key ssh_host_ecdsa_nistp384_key \
	ssh_host_ecdsa_nistp521_key ssh_host_rsa_key ssh_host_dsa_key; do
	check "ssh-keygen reads the generated $f" keygen_reads "$f"
done

# IPv6 listener
check "ssh reaches ksshd over ::1" bash -c "ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -p $PORT nobody@::1 true 2>&1 | grep -q 'Permission denied'"

# Defaults stay secure: with no options ksshd refuses CBC, SHA-1 kex and ssh-rsa
PORT2=$(pick_port)
start_ksshd "$PORT2" "$TEST_TMP/k2"
refused() { ! ossh -p "$PORT2" "$@" nobody@127.0.0.1 true 2>&1 | grep -q 'Permission denied'; }
check "default ksshd refuses aes128-cbc" refused -o Ciphers=aes128-cbc
check "default ksshd refuses 3des-cbc" refused -o Ciphers=3des-cbc
check "default ksshd refuses diffie-hellman-group14-sha1" refused -o KexAlgorithms=diffie-hellman-group14-sha1
check "default ksshd refuses ssh-rsa (SHA-1) host keys" refused -o HostKeyAlgorithms=ssh-rsa
check "default ksshd offers no DSA host key" bash -c "[ ! -e '$TEST_TMP/k2/keys/ssh_host_dsa_key' ]"
check "ksshd logs why it refused" grep -q 'no matching cipher found' "$TEST_TMP/k2/log"

# The spec's disable hmac removes a MAC
PORT3=$(pick_port)
start_ksshd "$PORT3" "$TEST_TMP/k3" --disable-hmac hmac-sha1
check "disabled hmac-sha1 is refused" bash -c "! ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o Ciphers=aes128-ctr -o MACs=hmac-sha1 -p $PORT3 nobody@127.0.0.1 true 2>&1 \
	| grep -q 'Permission denied'"

done_testing
