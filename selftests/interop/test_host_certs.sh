#!/bin/bash
# OpenSSH host certificates, both roles: ksshd serves "ssh server host-certificate" certificates
# (made by ssh-keygen -s -h) and OpenSSH's ssh trusts them through @cert-authority lines with
# nothing else in known_hosts; kssh does the same against OpenSSH's sshd (HostCertificate) and
# ksshd, and refuses a certificate for another name, an expired one, a revoked CA or one from an
# unknown CA without a plain key on record.
. "$(dirname "$0")/lib.sh"

U=kh$$
make_user "$U" "$(openssl rand -hex 12)" || { echo "not ok 1 - cannot create the user"; exit 1; }
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id"
authorize_key "$U" "$TEST_TMP/id.pub"
K=$TEST_TMP/k
mkdir -p "$K"
ssh-keygen -q -t ed25519 -N '' -f "$K/hca"
ssh-keygen -q -t ed25519 -N '' -f "$K/other_ca"

# host keys in ksshd's folder, under its names (it makes the missing ECDSA ones), then certified
KEYS=$TEST_TMP/d/keys
mkdir -p "$KEYS" && chmod 700 "$KEYS"
ssh-keygen -q -t ed25519 -N '' -f "$KEYS/ssh_host_ed25519_key"
ssh-keygen -q -t rsa -b 3072 -N '' -f "$KEYS/ssh_host_rsa_key"
ssh-keygen -q -s "$K/hca" -h -I ksshd-host -n 127.0.0.1,localhost -z 17 -V -5m:+1h "$KEYS/ssh_host_ed25519_key.pub"
ssh-keygen -q -s "$K/hca" -h -I ksshd-rsa -n 127.0.0.1 -V -5m:+1h "$KEYS/ssh_host_rsa_key.pub"
cat >"$TEST_TMP/kssh.conf" <<CONF
ssh server host-certificate $KEYS/ssh_host_ed25519_key-cert.pub
ssh server host-certificate $KEYS/ssh_host_rsa_key-cert.pub
ssh server rate-limit 600
CONF
PORT=$(pick_port)
start_ksshd "$PORT" "$TEST_TMP/d" -f "$TEST_TMP/kssh.conf" -s "$KEYS"
LOG=$TEST_TMP/d/log
CTL="$TOP/$BUILD/ksshctl -s $TEST_TMP/d/ctl.sock"
echo "@cert-authority [127.0.0.1]:$PORT $(cat "$K/hca.pub")" >"$TEST_TMP/kh_ca"

# OpenSSH's ssh with only the CA in known_hosts, strict checking
ossh_ca() {
	ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$1" -o IdentityAgent=none \
		-o LogLevel=error -i "$TEST_TMP/id" -p "$PORT" "${@:2}"
}
served() {
	grep -q 'host certificate .*ssh_host_ed25519_key-cert.pub: ID "ksshd-host" (serial 17) for the ed25519 key' "$LOG" &&
		[ "$(ossh_ca "$TEST_TMP/kh_ca" "$U@127.0.0.1" 'echo in')" = in ]
}
check "ksshd serves its host certificate: OpenSSH's ssh with only @cert-authority in known_hosts connects (strict)" served
check "OpenSSH's ssh negotiates ssh-ed25519-cert-v01@openssh.com and rsa-sha2-512-cert-v01@openssh.com" \
	eval 'for a in ssh-ed25519-cert-v01@openssh.com rsa-sha2-512-cert-v01@openssh.com rsa-sha2-256-cert-v01@openssh.com; do
		ossh_ca "$TEST_TMP/kh_ca" -o HostKeyAlgorithms=$a -v "$U@127.0.0.1" true 2>&1 | grep -q "kex: host key algorithm: $a" || return 1
	done'
check "OpenSSH's ssh: publickey-hostbound naming the certificate is accepted, and a rekey keeps the certificate" \
	eval '[ "$(ossh_ca "$TEST_TMP/kh_ca" -o RekeyLimit=256K "$U@127.0.0.1" "head -c 3000000 /dev/zero | wc -c")" = 3000000 ]'
wrong_ca() {
	echo "@cert-authority [127.0.0.1]:$PORT $(cat "$K/other_ca.pub")" >"$TEST_TMP/kh_other"
	! ossh_ca "$TEST_TMP/kh_other" "$U@127.0.0.1" true 2>/dev/null
}
check "OpenSSH's ssh with another CA (and no plain key) refuses the host" wrong_ca
check "OpenSSH's ssh reaching the host as a name the certificate does not carry refuses it" \
	eval 'echo "@cert-authority * $(cat "$K/hca.pub")" >"$TEST_TMP/kh_star" && ! ossh_ca "$TEST_TMP/kh_star" \
		-o HostKeyAlias=router9 "$U@127.0.0.1" true 2>/dev/null'

# kssh against ksshd
kssh_ca() {
	"$KSSH" -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$1" -o IdentityAgent=none -i "$TEST_TMP/id" \
		-p "${PORT_FOR:-$PORT}" "${@:2}"
}
check "kssh with only @cert-authority in known_hosts: offers and verifies ksshd's host certificate" \
	eval '[ "$(kssh_ca "$TEST_TMP/kh_ca" -v "$U@127.0.0.1" "echo in" 2>"$TEST_TMP/kssh.err")" = in ] &&
	grep -q "matches the ed25519 host certificate" "$TEST_TMP/kssh.err"'
check "kssh: another CA and no plain key: refused" \
	eval '! kssh_ca "$TEST_TMP/kh_other" "$U@127.0.0.1" true 2>/dev/null'
revoked_ca() {
	{ cat "$TEST_TMP/kh_ca"; echo "@revoked * $(cat "$K/hca.pub")"; } >"$TEST_TMP/kh_rev"
	! kssh_ca "$TEST_TMP/kh_rev" "$U@127.0.0.1" true 2>"$TEST_TMP/rev.err" &&
		grep -q "CA key .* is marked as revoked" "$TEST_TMP/rev.err"
}
check "kssh: the CA marked @revoked: refused" revoked_ca

# a certificate that has expired, and one for another name: kssh refuses each
# each connection's process reads the host keys and certificates again
reissue() { # reissue SSH-KEYGEN-OPTIONS...: a new ed25519 host certificate in place of the old
	ssh-keygen -q -s "$K/hca" -h -I reissued "$@" "$KEYS/ssh_host_ed25519_key.pub"
}
check "kssh: an expired host certificate is refused (and says why)" \
	eval 'reissue -n 127.0.0.1 -V -2h:-1h && ! kssh_ca "$TEST_TMP/kh_ca" "$U@127.0.0.1" true 2>"$TEST_TMP/exp.err" &&
	grep -q "is not valid: expired" "$TEST_TMP/exp.err"'
check "kssh: a host certificate for another name is refused" \
	eval 'reissue -n router9 -V -5m:+1h && ! kssh_ca "$TEST_TMP/kh_ca" "$U@127.0.0.1" true 2>"$TEST_TMP/name.err" &&
	grep -q "the name is not among its principals" "$TEST_TMP/name.err"'

# kssh against OpenSSH's sshd with HostCertificate
sshd_cert() {
	local sp
	sp=$(pick_port)
	mkdir -p "$TEST_TMP/sshd"
	ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/sshd/host_ed25519" &&
		ssh-keygen -q -s "$K/hca" -h -I openssh-host -n 127.0.0.1 -V -5m:+1h "$TEST_TMP/sshd/host_ed25519.pub" || return 1
	start_sshd "$sp" "$TEST_TMP/sshd" -o HostCertificate="$TEST_TMP/sshd/host_ed25519-cert.pub" || return 1
	echo "@cert-authority [127.0.0.1]:$sp $(cat "$K/hca.pub")" >"$TEST_TMP/kh_sshd"
	[ "$(PORT_FOR=$sp kssh_ca "$TEST_TMP/kh_sshd" -v "$U@127.0.0.1" 'echo in' 2>"$TEST_TMP/sshd.err")" = in ] &&
		grep -q 'Server host certificate: ssh-ed25519-cert-v01@openssh.com .* ID "openssh-host"' "$TEST_TMP/sshd.err" ||
		return 1
	SSHD_PORT=$sp
}
check "kssh against OpenSSH's sshd with HostCertificate: verified through @cert-authority" sshd_cert
sshd_refusals() {
	local sp=$SSHD_PORT
	[ -n "$sp" ] || return 1
	# the certified key marked @revoked
	{ cat "$TEST_TMP/kh_sshd"; echo "@revoked * $(cat "$TEST_TMP/sshd/host_ed25519.pub")"; } >"$TEST_TMP/kh_sshd_rev"
	! PORT_FOR=$sp kssh_ca "$TEST_TMP/kh_sshd_rev" "$U@127.0.0.1" true 2>"$TEST_TMP/sr.err" &&
		grep -q "certificate's key .* is marked as revoked" "$TEST_TMP/sr.err" || return 1
	# reached as localhost: the certificate names only 127.0.0.1
	echo "@cert-authority [localhost]:$sp $(cat "$K/hca.pub")" >"$TEST_TMP/kh_sshd_name"
	! PORT_FOR=$sp kssh_ca "$TEST_TMP/kh_sshd_name" "$U@localhost" true 2>"$TEST_TMP/sn.err" &&
		grep -q "the name is not among its principals" "$TEST_TMP/sn.err"
}
check "kssh refuses sshd's host certificate when its key is @revoked, and when reached by a name it does not carry" sshd_refusals

config_lines() {
	$CTL show running-config | grep -qx "ssh server host-certificate $KEYS/ssh_host_ed25519_key-cert.pub" &&
		printf 'ssh server host-certificate relative\n' | $CTL configure - 2>&1 | grep -q ABSOLUTE &&
		printf 'no ssh server host-certificate /nowhere\n' | $CTL configure - 2>&1 | grep -q 'is not configured'
}
check "show running-config prints host-certificate lines; bad ones are refused" config_lines

done_testing
