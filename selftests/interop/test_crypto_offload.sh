#!/bin/bash
# crypto-offload af-alg on a kernel without AF_ALG (this machine; the VM tests
# the offload itself): sessions fall back to OpenSSL with one log line, the
# "required" form refuses with a reason the peer sees, both roles, and the
# configuration lines round-trip.
. "$(dirname "$0")/lib.sh"

ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id"
USER_NAME=ksshoff$$
make_user "$USER_NAME"
authorize_key "$USER_NAME" "$TEST_TMP/id.pub"
ossh_() { ossh_keys -i "$TEST_TMP/id" "$@"; }
kssh_() { kssh_cmd -i "$TEST_TMP/id" "$@"; }

P=$(pick_port)
start_ksshd "$P" "$TEST_TMP/k" --crypto-offload af-alg
out=$(ossh_ -c aes128-ctr -p "$P" "$USER_NAME@127.0.0.1" echo alive 2>&1)
check "ksshd crypto-offload af-alg without AF_ALG: ssh's session runs" [ "$out" = alive ]
check "one log line says why (no AF_ALG), naming the cipher and MAC" \
	bash -c "[ \$(grep -c 'crypto-offload af-alg: aes128-ctr with hmac-sha2-256-etm@openssh.com (in) stays on openssl: the kernel has no AF_ALG' '$TEST_TMP/k/log') -eq 1 ] &&
		[ \$(grep -c 'stays on openssl' '$TEST_TMP/k/log') -eq 1 ]"
check "show ssh history details: openssl both ways" \
	bash -c "$BUILD/ksshctl -s '$TEST_TMP/k/ctl.sock' show ssh history details --json |
		grep -q '\"incipher\":\"aes128-ctr\",.*\"inbackend\":\"openssl\",\"outbackend\":\"openssl\"' &&
		$BUILD/ksshctl -s '$TEST_TMP/k/ctl.sock' show ssh history details | grep -Eq '^id .* inbackend +outbackend' &&
		$BUILD/ksshctl -s '$TEST_TMP/k/ctl.sock' show ssh history details | grep -Eq '^[0-9]+ .* aes128-ctr .* openssl +openssl '"
out=$(ossh_ -c aes256-gcm@openssh.com -p "$P" "$USER_NAME@127.0.0.1" 'head -c 3000000 /dev/zero' | wc -c)
check "a 3 MB stream over the fallen-back session arrives whole" [ "$out" -eq 3000000 ]

P2=$(pick_port)
start_ksshd "$P2" "$TEST_TMP/k2" --crypto-offload af-alg-required
out=$(ossh_ -c aes128-gcm@openssh.com -p "$P2" "$USER_NAME@127.0.0.1" echo alive 2>&1)
check "ksshd crypto-offload af-alg required: ssh is refused with the reason (disconnect 3)" \
	grep -q "disconnect from 127.0.0.1 port $P2:3: crypto-offload af-alg required, but aes128-gcm@openssh.com cannot be offloaded: the kernel has no AF_ALG" <<<"$out"
check "... and nothing ran" bash -c "! grep -q alive <<<'$out'"
check "the refusal is logged" grep -q "crypto-offload af-alg required, but aes128-gcm@openssh.com" "$TEST_TMP/k2/log"
out=$(ossh_ -c chacha20-poly1305@openssh.com -p "$P2" "$USER_NAME@127.0.0.1" echo alive 2>&1)
check "required + chacha20-poly1305: refused, the cipher has no AF_ALG path" \
	grep -q "chacha20-poly1305@openssh.com cannot be offloaded: AF_ALG has no path for this algorithm" <<<"$out"
check "ksshd keeps serving after refusals" bash -c "ossh_keys -i '$TEST_TMP/id' -p '$P' '$USER_NAME@127.0.0.1' true"

# the client side, against ksshd without offload
P3=$(pick_port)
start_ksshd "$P3" "$TEST_TMP/k3"
out=$(kssh_ -v -o CryptoOffload=af-alg -c aes256-ctr -p "$P3" "$USER_NAME@127.0.0.1" echo alive 2>&1)
check "kssh -o CryptoOffload=af-alg: runs on openssl, warns once, says so with -v" \
	bash -c "grep -q '^alive\$' <<<\"\$1\" && [ \$(grep -c 'stays on openssl: the kernel has no AF_ALG' <<<\"\$1\") -eq 1 ] &&
		grep -q 'crypto backend: server->client openssl, client->server openssl' <<<\"\$1\"" _ "$out"
out=$(kssh_ -o CryptoOffload=af-alg-required -c aes256-ctr -p "$P3" "$USER_NAME@127.0.0.1" echo alive 2>&1)
rc=$?
check "kssh CryptoOffload=af-alg-required: fails with the reason, exit 255" \
	bash -c "[ $rc -eq 255 ] && grep -q 'crypto-offload af-alg required, but aes256-ctr with hmac-sha2-[0-9]*-etm@openssh.com cannot be offloaded' <<<\"\$1\" && ! grep -q '^alive' <<<\"\$1\"" _ "$out"
check "ksshd saw kssh's disconnect with the reason" grep -q "crypto-offload af-alg required" "$TEST_TMP/k3/log"
out=$(kssh_ -o CryptoOffload=fast -p "$P3" "$USER_NAME@127.0.0.1" true 2>&1)
check "kssh -o CryptoOffload=fast: refused with the valid values" grep -q "CryptoOffload 'fast': must be none, af-alg, af-alg-required, kernel or auto" <<<"$out"
out=$("$KSSHD" --crypto-offload fast -t 2>&1)
check "ksshd --crypto-offload fast: refused with the valid values" grep -q "must be none, af-alg, af-alg-required, kernel or auto" <<<"$out"

# ssh client crypto-offload from the configuration file
printf 'ssh client crypto-offload af-alg required\n' >"$TEST_TMP/client.conf"
out=$(KSSH_CONFIG=$TEST_TMP/client.conf kssh_ -p "$P3" "$USER_NAME@127.0.0.1" echo alive 2>&1)
check "ssh client crypto-offload af-alg required (config file) refuses on this kernel" \
	bash -c "grep -q 'crypto-offload af-alg required' <<<\"\$1\" && ! grep -q '^alive' <<<\"\$1\"" _ "$out"
out=$(KSSH_CONFIG=$TEST_TMP/client.conf kssh_ -o CryptoOffload=none -p "$P3" "$USER_NAME@127.0.0.1" echo alive 2>&1)
check "-o CryptoOffload=none overrides the file" grep -q '^alive$' <<<"$out"

# the configuration language
printf '%s\n' 'ssh server crypto-offload af-alg' 'ssh client crypto-offload af-alg required' >"$TEST_TMP/c.conf"
"$KSSHD" -t -f "$TEST_TMP/c.conf" >"$TEST_TMP/rc" 2>&1
check "crypto-offload lines print back as running-config" \
	bash -c "grep -qx 'ssh server crypto-offload af-alg' '$TEST_TMP/rc' && grep -qx 'ssh client crypto-offload af-alg required' '$TEST_TMP/rc'"
printf '%s\n' 'ssh server crypto-offload af-alg required' 'no ssh server crypto-offload' >"$TEST_TMP/c.conf"
"$KSSHD" -t -f "$TEST_TMP/c.conf" >"$TEST_TMP/rc" 2>&1
check "no ssh server crypto-offload: back to the default (not printed)" bash -c "! grep -q crypto-offload '$TEST_TMP/rc'"
printf '%s\n' 'ssh server crypto-offload kernel-magic' >"$TEST_TMP/c.conf"
out=$("$KSSHD" -t -f "$TEST_TMP/c.conf" 2>&1)
check "a bad crypto-offload line names file, line and the form wanted" \
	bash -c "grep -q 'c.conf' <<<\"\$1\" && grep -q 'line 1' <<<\"\$1\" && grep -q 'want: crypto-offload af-alg \[required\] | kernel | auto' <<<\"\$1\"" _ "$out"
done_testing
