#!/bin/bash
# OpenSSH's ssh against ksshd: every authentication method with real accounts,
# authorized_keys options, the spec's limits and timeout, root's policy, and
# unknown users failing like known ones.
. "$(dirname "$0")/lib.sh"

U=kt$$a      # a PAM (system) account with a password
L=kt$$b      # a locked account whose password the configuration defines
PW='Pam-pw-1!'
LOCALPW='Local-pw-2!'
make_user "$U" "$PW" && make_user "$L" || { echo "not ok 1 - cannot create users"; exit 1; }

for t in ed25519 ecdsa rsa; do ssh-keygen -q -t $t -N '' -f "$TEST_TMP/id_$t"; done
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id_other"
authorize_key "$U" "$TEST_TMP/id_ed25519.pub"
authorize_key "$U" "$TEST_TMP/id_ecdsa.pub"
authorize_key "$U" "$TEST_TMP/id_rsa.pub"

# the PAM stack for these tests: the system's password, then a second factor for the 2FA server
# the PAM stacks for these tests: the system's password; then with a second factor
pam_stack "kssh-test-$$"
pam_stack "kssh-test2fa-$$" "auth required $TOP/$BUILD/selftests/pam/pam_kssh_test_otp.so code=424242"

HASH=$(openssl passwd -6 "$LOCALPW")
cat >"$TEST_TMP/kssh.conf" <<CONF
! configured users: crypt(3) hashes only
username $L secret 10 $HASH
username root secret 10 $HASH
ssh server max-auth-limit 20
CONF

PORT=$(pick_port)
start_ksshd "$PORT" "$TEST_TMP/d" -f "$TEST_TMP/kssh.conf" --pam-service "kssh-test-$$"
LOG=$TEST_TMP/d/log

make_askpass "$TEST_TMP/ap_pam" "$PW"
make_askpass "$TEST_TMP/ap_local" "$LOCALPW"
make_askpass "$TEST_TMP/ap_wrong" "not-the-password"

# publickey, every key type, and both RSA signature algorithms
for t in ed25519 ecdsa; do
	check "publickey $t logs in and runs a command" bash -c \
		"[ \"\$(ossh_keys -i '$TEST_TMP/id_$t' -p $PORT $U@127.0.0.1 'id -un')\" = $U ]"
done
for alg in rsa-sha2-512 rsa-sha2-256; do
	check "publickey rsa with $alg" bash -c "ossh_keys -v -o PubkeyAcceptedAlgorithms=$alg \
		-i '$TEST_TMP/id_rsa' -p $PORT $U@127.0.0.1 true 2>&1 | grep -q 'Authenticated to .* using \"publickey\"'"
done
check "OpenSSH binds its signature to ksshd's host key (publickey-hostbound-v00)" bash -c "ssh -F none \
	-vvv -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentityAgent=none \
	-i '$TEST_TMP/id_ed25519' -p $PORT $U@127.0.0.1 true 2>&1 | grep -q 'using publickey-hostbound-v00@openssh.com'"
check "an unauthorized key is refused" bash -c "! ossh_keys -i '$TEST_TMP/id_other' \
	-o PreferredAuthentications=publickey -p $PORT $U@127.0.0.1 true 2>/dev/null"
check "ssh-rsa (SHA-1) user signatures are refused by default" bash -c "! ossh_keys \
	-o PubkeyAcceptedAlgorithms=ssh-rsa -i '$TEST_TMP/id_rsa' -p $PORT $U@127.0.0.1 true 2>/dev/null"
check "group-writable authorized_keys is ignored" bash -c "
	h=\$(getent passwd $U | cut -d: -f6); chmod 664 \$h/.ssh/authorized_keys;
	ossh_keys -i '$TEST_TMP/id_ed25519' -p $PORT $U@127.0.0.1 true 2>/dev/null; rc=\$?;
	chmod 600 \$h/.ssh/authorized_keys; [ \$rc -ne 0 ]"

# authorized_keys options
H=$(getent passwd "$U" | cut -d: -f6)
cp "$H/.ssh/authorized_keys" "$TEST_TMP/ak_saved"
with_opts() { # OPTIONS: the ed25519 key alone, with these options
	echo "$1 $(cat "$TEST_TMP/id_ed25519.pub")" >"$H/.ssh/authorized_keys"
}
with_opts 'from="10.9.9.9,192.0.2.0/24"'
check "from= refuses a key used from elsewhere" bash -c "! ossh_keys -i '$TEST_TMP/id_ed25519' \
	-p $PORT $U@127.0.0.1 true 2>/dev/null && grep -q 'is not in from=' '$LOG'"
with_opts 'from="!10.0.0.1,127.0.0.0/8"'
check "from= with a CIDR admits loopback" ossh_keys -i "$TEST_TMP/id_ed25519" -p $PORT $U@127.0.0.1 true
with_opts 'command="echo forced:$SSH_ORIGINAL_COMMAND"'
check "command= runs the forced command, SSH_ORIGINAL_COMMAND set" bash -c "
	[ \"\$(ossh_keys -i '$TEST_TMP/id_ed25519' -p $PORT $U@127.0.0.1 'echo asked')\" = 'forced:echo asked' ]"
with_opts 'restrict'
# OpenSSH's ssh gives up when a pty it was told to get (-tt) is refused; without one the command runs
check "restrict refuses a pty" bash -c "ossh_keys -tt -i '$TEST_TMP/id_ed25519' -p $PORT \
	$U@127.0.0.1 'echo ran' 2>&1 </dev/null | grep -q 'PTY allocation request failed'"
check "restrict still runs commands, without a terminal" bash -c "[ \"\$(ossh_keys -T \
	-i '$TEST_TMP/id_ed25519' -p $PORT $U@127.0.0.1 'tty' </dev/null)\" = 'not a tty' ]"
with_opts 'no-pty,no-port-forwarding'
check "no-pty refuses a pty, commands still run" bash -c "ossh_keys -v -tt -i '$TEST_TMP/id_ed25519' \
	-p $PORT $U@127.0.0.1 'echo ran' 2>&1 </dev/null | grep -q 'PTY allocation request failed'"
cp "$TEST_TMP/ak_saved" "$H/.ssh/authorized_keys"

# password and keyboard-interactive through PAM, answered by SSH_ASKPASS (no terminal)
check "password (PAM account) logs in" bash -c "[ \"\$(with_askpass '$TEST_TMP/ap_pam' ossh_pw \
	-o PreferredAuthentications=password -p $PORT $U@127.0.0.1 'id -un')\" = $U ]"
check "keyboard-interactive (PAM conversation) logs in" bash -c "[ \"\$(with_askpass \
	'$TEST_TMP/ap_pam' ossh_pw -o PreferredAuthentications=keyboard-interactive -p $PORT \
	$U@127.0.0.1 'id -un')\" = $U ]"
check "the session runs as the user, in the home, with the login environment" bash -c "
	out=\$(with_askpass '$TEST_TMP/ap_pam' ossh_pw -o PreferredAuthentications=password -p $PORT \
		$U@127.0.0.1 'echo \$(id -u) \$(id -g) \$(pwd) \$HOME \$USER \$LOGNAME \$SHELL; echo \$PATH')
	[ \"\$(head -1 <<<\"\$out\")\" = \"\$(id -u $U) \$(id -g $U) $H $H $U $U /bin/bash\" ] &&
	grep -q /usr/bin <<<\"\$out\""
check "configured local user logs in with its configured password" bash -c "[ \"\$(with_askpass \
	'$TEST_TMP/ap_local' ossh_pw -o PreferredAuthentications=password -p $PORT $L@127.0.0.1 \
	'id -un')\" = $L ]"
check "configured local user by keyboard-interactive" bash -c "[ \"\$(with_askpass \
	'$TEST_TMP/ap_local' ossh_pw -o PreferredAuthentications=keyboard-interactive -p $PORT \
	$L@127.0.0.1 'id -un')\" = $L ]"
check "configured local user: the system (PAM) password does not work" bash -c "! with_askpass \
	'$TEST_TMP/ap_pam' ossh_pw -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 \
	-p $PORT $L@127.0.0.1 true 2>/dev/null"

# three wrong passwords end the connection whatever max-auth-limit says (20 here)
before=$(grep -c 'Max authentication tries reached-exiting' "$LOG")
out=$(with_askpass "$TEST_TMP/ap_wrong" ossh_pw -o PreferredAuthentications=password \
	-o NumberOfPasswordPrompts=10 -p $PORT $U@127.0.0.1 true 2>&1)
check "wrong password: refused, and again" grep -q 'Permission denied, please try again' <<<"$out"
check "third wrong password disconnects (reason 14)" grep -q 'Received disconnect.*:14: Too many' <<<"$out"
# the pre-authentication process logs through its monitor, a moment after ssh has its answer
three_attempts() {
	local n=0
	for _ in $(seq 50); do
		n=$(grep -c "password authentication failed for user .$U." "$LOG")
		[ "$n" -ge 3 ] && break
		sleep 0.1
	done
	[ "$n" -eq 3 ] || { echo "# $n attempts logged"; return 1; }
}
check "exactly three password attempts were made" three_attempts
check "the spec's syslog line for the limit" bash -c "[ \$(grep -c \
	'%SECURITY-SSHD-3-ERR_GENERAL : Max authentication tries reached-exiting' '$LOG') -gt $before ]"

# root: public key yes, password never (unless permitted), even the right one
authorize_key root "$TEST_TMP/id_ed25519.pub"
CLEANUP_CMDS+=("sed -i '\\|$(cut -d' ' -f2 "$TEST_TMP/id_ed25519.pub")|d' /root/.ssh/authorized_keys")
check "root logs in with a public key" bash -c "[ \"\$(ossh_keys -i '$TEST_TMP/id_ed25519' \
	-p $PORT root@127.0.0.1 'id -u')\" = 0 ]"
check "root is refused the right password by default" bash -c "! with_askpass '$TEST_TMP/ap_local' \
	ossh_pw -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 -p $PORT root@127.0.0.1 \
	true 2>/dev/null"
check "root is refused keyboard-interactive by default" bash -c "! with_askpass \
	'$TEST_TMP/ap_local' ossh_pw -o PreferredAuthentications=keyboard-interactive \
	-o NumberOfPasswordPrompts=1 -p $PORT root@127.0.0.1 true 2>/dev/null"

# an unknown user fails exactly like a known user with a wrong password
methods_seen() {
	with_askpass "$TEST_TMP/ap_wrong" ssh -F none -v -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o IdentityAgent=none -o PubkeyAuthentication=no \
		-o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 -p $PORT "$1@127.0.0.1" true 2>&1 |
		grep -E 'Authentications that can continue|Permission denied' | sort -u
}
methods_seen "$U" | sed "s/$U/USER/" >"$TEST_TMP/known.out"
start=$(date +%s%N)
methods_seen "nosuchuser$$" | sed "s/nosuchuser$$/USER/" >"$TEST_TMP/unknown.out"
took=$((($(date +%s%N) - start) / 1000000))
check "unknown user: same replies as a wrong password" bash -c "[ -s '$TEST_TMP/known.out' ] &&
	cmp '$TEST_TMP/known.out' '$TEST_TMP/unknown.out'"
# pam_unix delays every failure (2 s, randomised by up to half): an unknown user must not be answered early
check "unknown user: the failure is not answered early (${took} ms)" [ "$took" -ge 900 ]

# max-auth-limit counts failures over all methods; the timeout ends an idle login
PORT2=$(pick_port)
start_ksshd "$PORT2" "$TEST_TMP/d2" --max-auth-limit 3 --timeout 5 --pam-service "kssh-test-$$" \
	--permit-root-password -f "$TEST_TMP/kssh.conf"
for i in 1 2 3 4; do ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/bad$i"; done
ossh_keys -v -o IdentitiesOnly=yes -i "$TEST_TMP/bad1" -i "$TEST_TMP/bad2" -i "$TEST_TMP/bad3" \
	-i "$TEST_TMP/bad4" -p $PORT2 $U@127.0.0.1 true >"$TEST_TMP/maxauth.out" 2>&1
check "max-auth-limit 3: the third failed key ends the connection" bash -c "
	grep -q 'Too many authentication failures' '$TEST_TMP/maxauth.out' &&
	grep -q 'Offering public key: $TEST_TMP/bad3' '$TEST_TMP/maxauth.out' &&
	! grep -q 'Offering public key: $TEST_TMP/bad4' '$TEST_TMP/maxauth.out'"
check "max-auth-limit: the spec's syslog line" grep -q 'Max authentication tries reached-exiting' "$TEST_TMP/d2/log"
check "permitted root password (--permit-root-password) logs in" bash -c "[ \"\$(with_askpass \
	'$TEST_TMP/ap_local' ossh_pw -o PreferredAuthentications=password -p $PORT2 root@127.0.0.1 \
	'id -u')\" = 0 ]"
make_askpass "$TEST_TMP/ap_slow" "$PW"
sed -i '2i sleep 8' "$TEST_TMP/ap_slow"
# the client stalls at its password prompt for 8 s; the server gives up after 5
with_askpass "$TEST_TMP/ap_slow" ossh_pw -o PreferredAuthentications=password -p $PORT2 \
	$U@127.0.0.1 'echo logged-in' >"$TEST_TMP/slow.out" 2>&1 &
slow=$!
sleep 7
check "ssh timeout 5: the unauthenticated connection is closed within 7 s" \
	grep -q 'login grace time (5 s) exceeded' "$TEST_TMP/d2/log"
wait $slow
check "ssh timeout: the late password is not accepted" bash -c "! grep -q logged-in '$TEST_TMP/slow.out'"

# keyboard-interactive relays every PAM prompt: password, then a second factor
PORT3=$(pick_port)
start_ksshd "$PORT3" "$TEST_TMP/d3" --pam-service "kssh-test2fa-$$"
make_askpass "$TEST_TMP/ap_2fa" "assword=$PW" "code=424242"
make_askpass "$TEST_TMP/ap_2fa_bad" "assword=$PW" "code=000000"
check "two-factor PAM stack through keyboard-interactive" bash -c "[ \"\$(with_askpass \
	'$TEST_TMP/ap_2fa' ossh_pw -o PreferredAuthentications=keyboard-interactive -p $PORT3 \
	$U@127.0.0.1 'id -un')\" = $U ]"
check "two-factor: a wrong code is refused" bash -c "! with_askpass '$TEST_TMP/ap_2fa_bad' ossh_pw \
	-o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 -p $PORT3 \
	$U@127.0.0.1 true 2>/dev/null"
check "two-factor: password alone is not enough" bash -c "! with_askpass '$TEST_TMP/ap_pam' ossh_pw \
	-o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 -p $PORT3 $U@127.0.0.1 true 2>/dev/null"

# configuration lines that would weaken or confuse authentication are refused, naming the line
bad_config() { # LINE EXPECTED-REASON
	printf 'ssh server max-auth-limit 5\n%s\n' "$1" >"$TEST_TMP/bad.conf"
	out=$("$KSSHD" -D -f "$TEST_TMP/bad.conf" -p 1 2>&1)
	[ $? -eq 2 ] && grep -qF "line 2: $1: $2" <<<"$out"
}
check "config: a clear-text secret is refused" bad_config "username x secret 0 plain" \
	"secret type must be 5, 8, 9 or 10 (a hash); type 0 (clear text) is refused"
check "config: a secret that is not a crypt hash" bad_config "username x secret plain" "secret must be a crypt(3) hash"
check "config: max-auth-limit out of range" bad_config "ssh server max-auth-limit 2" "server max-auth-limit '2': must be 3 to 20 attempts"
check "config: ssh timeout out of range" bad_config "ssh timeout 121" "timeout '121': must be 5 to 120 seconds"

check "ksshd still serves after all this" ossh_keys -i "$TEST_TMP/id_ed25519" -p $PORT $U@127.0.0.1 true
done_testing
