#!/bin/bash
# X.509v3 (RFC 6187) against ksshd, user and host authentication, with Debian's python3-asyncssh as the
# client and a test PKI made by x509_pki.py (python3-cryptography): a root CA as the trust point,
# an intermediate the clients send, CRLs for both. Every algorithm the spec lists for users;
# the user named by the common name or the UPN; and each failure the spec names: an issuer in
# no trust point (with its log lines), a chain of more than 9, a revoked, expired, not yet valid
# or non-signing certificate, no user trust point. (Malformed chains: fuzz_certs.) Then the host:
# asyncssh verifies ksshd's X.509 host certificate (x509v3-rsa2048-sha256, x509v3-ssh-rsa,
# x509v3-ecdsa-sha2-nistp256) against the root, refuses it against another CA, and a host trust
# point without a certificate logs the spec's WARNING_X509 and offers no x509v3 algorithm.
# kssh, both roles: it presents X.509 user certificates (CertificateFile, KEY-cert.pem) and
# verifies X.509 host certificates (X509CAFile), against ksshd and against an asyncssh server.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3 # Debian's, where python3-asyncssh is
"$PY" -c 'import asyncssh' 2>/dev/null || { echo "not ok 1 - python3-asyncssh is not installed (make deps)"; exit 1; }
X=$TEST_TMP/pki
U=kx$$
mkdir -p "$X"
# ksshd's RSA and ECDSA P-256 host keys made first, so that the PKI certifies them too
KEYS=$TEST_TMP/d/keys
mkdir -p "$KEYS" && chmod 700 "$KEYS"
ssh-keygen -q -t rsa -b 3072 -N '' -f "$KEYS/ssh_host_rsa_key" && ssh-keygen -q -t ecdsa -b 256 -N '' -f "$KEYS/ssh_host_ecdsa_nistp256_key"
make_user "$U" && "$PY" -W ignore "$(dirname "$0")/x509_pki.py" "$X" "$U" "$KEYS/ssh_host_rsa_key.pub" \
	"$KEYS/ssh_host_ecdsa_nistp256_key.pub" || { echo "not ok 1 - the user or the test PKI"; exit 1; }
chmod 755 "$TEST_TMP" "$X" && chmod 644 "$X"/*

HOSTKEYS="x509v3-rsa2048-sha256 x509v3-ecdsa-sha2-nistp256 ssh-ed25519 rsa-sha2-512 ecdsa-sha2-nistp256"
cat >"$TEST_TMP/kssh.conf" <<CONF
crypto ca trustpoint tp1 ca-certificate $X/root.pem
crypto ca trustpoint tp1 crl $X/crl.pem
crypto ca trustpoint host1 certificate $KEYS/ssh_host_rsa_key.pem
ssh server trustpoint user tp1
ssh server certificate trustpoint host host1
ssh server algorithms host-key $HOSTKEYS
ssh server rate-limit 600
CONF
PORT=$(pick_port)
start_ksshd "$PORT" "$TEST_TMP/d" -f "$TEST_TMP/kssh.conf"
LOG=$TEST_TMP/d/log
CTL="$TOP/$BUILD/ksshctl -s $TEST_TMP/d/ctl.sock"

# x509 NAME ALGORITHM [COMMAND]: asyncssh logs in with NAME.key and the chain NAME.pem
x509() {
	"$PY" -W ignore "$(dirname "$0")/x509_client.py" "$PORT" "$U" "$X/$1.key" "$X/$1.pem" "$2" "${3:-echo in-\$(id -un)}"
}
accepted() { # NAME ALGORITHM
	local out
	out=$(x509 "$1" "$2")
	[ "$out" = "in-$U" ] || { echo "# $1 $2: $out"; tail -3 "$LOG" | sed 's/^/# /'; return 1; }
	logged "accepted $2 certificate"
}
refused() { # NAME ALGORITHM LOG-TEXT
	local out
	out=$(x509 "$1" "$2")
	[ "$out" = "permission denied" ] || { echo "# $1 $2: $out"; return 1; }
	logged "$3"
}

for c in ec256:x509v3-ecdsa-sha2-nistp256 ec384:x509v3-ecdsa-sha2-nistp384 ec521:x509v3-ecdsa-sha2-nistp521 \
	rsa:x509v3-rsa2048-sha256; do
	check "${c#*:}: a certificate chained to the user trust point, naming the user (CN), logs in" accepted "${c%%:*}" "${c#*:}"
done
check "the spec's success line: %SECURITY-PKI-6-LOG_INFO : Peer certificate verified successfully" \
	logged "%SECURITY-PKI-6-LOG_INFO : Peer certificate verified successfully"

shows_method() { # show ssh while a session runs, then show ssh history
	local want=$1 out="" i pid
	x509 "$2" "$3" 'sleep 3' >/dev/null &
	pid=$!
	for i in $(seq 1 50); do
		out=$($CTL show ssh 2>&1)
		grep -q -- "$want" <<<"$out" && break
		sleep 0.1
	done
	wait "$pid"
	grep -q -- "$want" <<<"$out" || { echo "$out" | tail -4 | sed 's/^/# /'; return 1; }
	$CTL show ssh history 2>&1 | grep -q -- "$want"
}
check "show ssh and its history name the method x509-ecdsa-pubkey and x509-rsa-pubkey" \
	eval 'shows_method x509-ecdsa-pubkey ec256 x509v3-ecdsa-sha2-nistp256 && shows_method x509-rsa-pubkey rsa x509v3-rsa2048-sha256'

sha1_alg() { # NAME PLAIN-ALGORITHM: refused until the plain algorithm is named in a list, then accepted
	refused "$1" "x509v3-$2" "x509v3-$2 refused: its signature algorithm $2 is not enabled" || return 1
	printf 'ssh server algorithms host-key %s %s\n' "$HOSTKEYS" "$2" | $CTL configure - >/dev/null &&
		accepted "$1" "x509v3-$2"
	local r=$?
	printf 'ssh server algorithms host-key %s\n' "$HOSTKEYS" | $CTL configure - >/dev/null
	return $r
}
check "x509v3-ssh-rsa (SHA-1): refused until ssh-rsa is enabled, as for plain keys; then accepted" sha1_alg rsa ssh-rsa
check "x509v3-ssh-dss (1024-bit DSA, SHA-1): refused until ssh-dss is enabled; then accepted" sha1_alg dsa ssh-dss

check "a certificate naming someone else (CN mallory): refused" \
	refused othercn x509v3-ecdsa-sha2-nistp256 "refused: its common name is not the user name"
upn() {
	refused upn x509v3-ecdsa-sha2-nistp256 "/CN=someone-else refused: its common name is not the user name" || return 1
	printf 'ssh server certificate username user-principle-name\n' | $CTL configure - >/dev/null &&
		accepted upn x509v3-ecdsa-sha2-nistp256 &&
		refused ec256 x509v3-ecdsa-sha2-nistp256 "refused: its user principal name is not the user name"
	local r=$?
	printf 'ssh server certificate username common-name user-principle-name\n' | $CTL configure - >/dev/null &&
		accepted upn x509v3-ecdsa-sha2-nistp256 && accepted ec256 x509v3-ecdsa-sha2-nistp256 || r=1
	printf 'no ssh server certificate username\n' | $CTL configure - >/dev/null
	return $r
}
check "ssh server certificate username user-principle-name: the UPN (USER@corp.example) names the user; both fields together" upn

check "issuer in no trust point: refused with the spec's lines (issuer not found in trustpoints configured)" \
	eval 'refused stranger x509v3-ecdsa-sha2-nistp256 "%SECURITY-PKI-3-ERR_GENERAL : issuer not found in trustpoints configured" &&
	logged "%SECURITY-PKI-3-ERR_ERRNO : Error:='"'"'Crypto Engine'"'"' detected the '"'"'warning'"'"' condition"'
check "a chain of ten certificates: refused (more than 9)" \
	refused deep x509v3-ecdsa-sha2-nistp256 "chain longer than 9 certificates"
check "a revoked certificate (in the intermediate's CRL): refused" \
	refused revoked x509v3-ecdsa-sha2-nistp256 "refused: revoked: certificate revoked"
check "an expired certificate: refused" refused expired x509v3-ecdsa-sha2-nistp256 "certificate has expired"
check "a certificate not valid yet: refused" refused notyet x509v3-ecdsa-sha2-nistp256 "certificate is not yet valid"
garbled() {
	local out
	out=$("$PY" -W ignore "$(dirname "$0")/x509_client.py" "$PORT" "$U" "$X/ec256.key" "$X/ec256.pem" \
		x509v3-ecdsa-sha2-nistp256 true garbled)
	[ "$out" = "permission denied" ] && logged "user certificate in an incorrect format"
}
check "a key blob that is not RFC 6187's encoding (a byte after the chain): refused, logged as an incorrect format" garbled
check "a certificate whose key usage has no digitalSignature: refused" \
	refused noku x509v3-ecdsa-sha2-nistp256 "key usage does not allow digital signatures"

no_trustpoint() {
	printf 'no ssh server trustpoint user tp1\n' | $CTL configure - >/dev/null &&
		refused ec256 x509v3-ecdsa-sha2-nistp256 "refused: no ssh server trustpoint user is configured"
	local r=$?
	printf 'ssh server trustpoint user tp1\n' | $CTL configure - >/dev/null
	return $r
}
check "no ssh server trustpoint user: X.509 keys are refused" no_trustpoint
no_crl() {
	printf 'no crypto ca trustpoint tp1 crl\n' | $CTL configure - >/dev/null && accepted revoked x509v3-ecdsa-sha2-nistp256
	local r=$?
	printf 'crypto ca trustpoint tp1 crl %s\n' "$X/crl.pem" | $CTL configure - >/dev/null
	return $r
}
check "the same revoked certificate passes when the trust point has no CRL (the CRL is what refused it)" no_crl

config_lines() {
	local rc
	rc=$($CTL show running-config)
	grep -qx "crypto ca trustpoint tp1 ca-certificate $X/root.pem" <<<"$rc" &&
		grep -qx "crypto ca trustpoint tp1 crl $X/crl.pem" <<<"$rc" && grep -qx 'ssh server trustpoint user tp1' <<<"$rc" &&
		printf 'crypto ca trustpoint tp1 ca-certificate relative.pem\n' | $CTL configure - 2>&1 | grep -q ABSOLUTE &&
		printf 'ssh server certificate username nickname\n' | $CTL configure - 2>&1 | grep -q 'common-name' &&
		printf 'no crypto ca trustpoint nosuch\n' | $CTL configure - 2>&1 | grep -q 'is not defined' &&
		$CTL show ssh server | grep -qx 'Certificate Based := Yes' && $CTL show ssh server | grep -qx 'User Trustpoints := tp1'
}
check "show running-config prints the trust point and its use; bad lines are refused; show ssh server's certificate fields" \
	config_lines

# the host's side: asyncssh verifies the X.509 host certificate chain against a CA
host_x509() { # ALGORITHM CA-FILE: asyncssh trusts only CA-FILE and takes only ALGORITHM
	"$PY" -W ignore - "$PORT" "$U" "$X/ec256.key" "$X/ec256.pem" "$1" "$2" <<'PY'
import asyncio, logging, sys, warnings
warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)
import asyncssh
port, user, key, chain, alg, ca = sys.argv[1:7]
async def main():
    async with asyncssh.connect("127.0.0.1", int(port), username=user, known_hosts=([], [], []),
                                x509_trusted_certs=[ca], x509_purposes="any", server_host_key_algs=[alg],
                                client_keys=[(key, chain)], agent_path=None) as conn:
        print((await conn.run("echo host-verified", check=False)).stdout, end="")
try:
    asyncio.run(main())
except Exception as exc:
    print(f"error: {exc!r}")
PY
}
rsa_host() {
	[ "$(host_x509 x509v3-rsa2048-sha256 "$X/root.pem")" = host-verified ] && logged "host trustpoint host1: the rsa host key" &&
		host_x509 x509v3-ssh-rsa "$X/root.pem" | grep -q error || return 1
	# x509v3-ssh-rsa (SHA-1) is offered once named
	printf 'ssh server algorithms host-key x509v3-ssh-rsa %s\n' "$HOSTKEYS" | $CTL configure - >/dev/null &&
		[ "$(host_x509 x509v3-ssh-rsa "$X/root.pem")" = host-verified ]
	local r=$?
	printf 'ssh server algorithms host-key %s\n' "$HOSTKEYS" | $CTL configure - >/dev/null
	return $r
}
check "ksshd's X.509 host certificate (host trust point): asyncssh verifies it under x509v3-rsa2048-sha256, and x509v3-ssh-rsa once named" \
	rsa_host
check "asyncssh trusting another CA refuses ksshd's host certificate" \
	eval 'host_x509 x509v3-rsa2048-sha256 "$X/stranger.pem" | grep -q "HostKeyNotVerifiable"'
ecdsa_host() {
	printf 'crypto ca trustpoint host1 certificate %s\n' "$KEYS/ssh_host_ecdsa_nistp256_key.pem" | $CTL configure - >/dev/null &&
		[ "$(host_x509 x509v3-ecdsa-sha2-nistp256 "$X/root.pem")" = host-verified ] &&
		host_x509 x509v3-rsa2048-sha256 "$X/root.pem" | grep -q error
}
check "the host trust point holding the ECDSA key's certificate: x509v3-ecdsa-sha2-nistp256 verified, the RSA ones no longer offered" \
	ecdsa_host
session_details() {
	local out i pid flag=/tmp/kssh-x509-$$.done
	"$PY" -W ignore - "$PORT" "$U" "$X/ec256.key" "$X/ec256.pem" "$X/root.pem" "$flag" <<'PY' >/dev/null 2>&1 &
import asyncio, logging, sys, warnings
warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)
import asyncssh
port, user, key, chain, ca, flag = sys.argv[1:7]
async def main():
    async with asyncssh.connect("127.0.0.1", int(port), username=user, known_hosts=([], [], []), x509_trusted_certs=[ca],
                                x509_purposes="any", client_keys=[(key, chain)],
                                server_host_key_algs=["x509v3-ecdsa-sha2-nistp256"], agent_path=None) as conn:
        # open until the test has looked (the flag), at most 60 s
        await conn.run("i=0; while [ ! -e %s ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done" % flag, check=False)
asyncio.run(main())
PY
	pid=$!
	for i in $(seq 1 100); do
		out=$($CTL show ssh session details 2>&1)
		grep -q x509v3-ecdsa-sha2-nistp256 <<<"$out" && break
		sleep 0.1
	done
	touch "$flag"
	wait "$pid"
	rm -f "$flag"
	grep -q x509v3-ecdsa-sha2-nistp256 <<<"$out" || { echo "$out" | tail -3 | sed 's/^/# /'; return 1; }
}
check "show ssh session details names the host key algorithm as agreed: x509v3-ecdsa-sha2-nistp256" session_details
import() {
	local out rc
	out=$($CTL crypto ca import tp2 ca-certificate "$X/inter.pem" 2>&1)
	rc=$($CTL show running-config)
	grep -qx "crypto ca trustpoint tp2 ca-certificate $KEYS/pki/tp2/ca-certificate.pem" <<<"$rc" &&
		cmp -s "$X/inter.pem" "$KEYS/pki/tp2/ca-certificate.pem" &&
		$CTL show crypto ca certificates | grep -qx 'Trustpoint       : tp2' || { echo "# $out"; return 1; }
	$CTL crypto ca import tp2 crl "$X/root.pem" 2>&1 | grep -q 'no PEM CRL in it' &&
		$CTL crypto ca import tp2 certificate "$X/ec256.pem" 2>&1 | grep -q 'none of the host keys' &&
		$CTL crypto ca import ../x ca-certificate "$X/root.pem" 2>&1 | grep -q "trustpoint name" &&
		[ ! -e "$KEYS/x" ] && [ ! -e "$KEYS/pki/crl.pem" ] &&
		$CTL crypto ca import tp2 crl "$X/crl.pem" >/dev/null && grep -q 'BEGIN X509 CRL' "$KEYS/pki/tp2/crl.pem" &&
		$CTL show running-config | grep -qx "crypto ca trustpoint tp2 crl $KEYS/pki/tp2/crl.pem"
}
check "ksshctl crypto ca import: a CA bundle and a CRL copied under the state folder and committed; wrong contents and names refused" import
check "show ssh server: Host Trustpoint := host1" eval '$CTL show ssh server | grep -qx "Host Trustpoint := host1"'
show_ca() {
	local out
	out=$($CTL show crypto ca certificates)
	grep -qx 'Trustpoint       : tp1' <<<"$out" && grep -qx 'Trustpoint       : host1' <<<"$out" &&
		grep -q '^  Subject        : /CN=kssh test root$' <<<"$out" &&
		grep -q '^  Subject        : /CN=127.0.0.1$' <<<"$out" && grep -q '^  Revoked        : 1$' <<<"$out" &&
		grep -q "^  SHA1 Fingerprint: $(openssl x509 -in "$X/root.pem" -noout -fingerprint -sha1 | cut -d= -f2 | tr -d :)$" <<<"$out" ||
		{ echo "$out" | head -20 | sed 's/^/# /'; return 1; }
}
check "show crypto ca certificates: each trust point's CA certificate (fingerprint as openssl computes it), CRLs, the host's chain" show_ca
warning_x509() {
	local p2
	p2=$(pick_port)
	sed "s|^crypto ca trustpoint host1 certificate .*|crypto ca trustpoint host1 crl $X/crl.pem|" "$TEST_TMP/kssh.conf" \
		>"$TEST_TMP/kssh2.conf"
	start_ksshd "$p2" "$TEST_TMP/d2" -f "$TEST_TMP/kssh2.conf" -s "$KEYS" &&
		grep -q '%SECURITY-SSHD-4-WARNING_X509 : could not get the host cert chain, trustpoint host1: no certificate in it, x509 host auth will not be used' "$TEST_TMP/d2/log" &&
		ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -p "$p2" -vv \
			nobody@127.0.0.1 true 2>&1 | grep 'peer server KEXINIT proposal' -A3 | grep 'host key algorithms' | grep -vq x509
}
warning_x509_dbg() { warning_x509 || { grep -i "x509" "$TEST_TMP/d2/log" | head -3 | sed "s/^/# /"; return 1; }; }
check "a host trust point without a certificate: the spec's WARNING_X509 line, and no x509v3 algorithm offered" warning_x509_dbg

# kssh's side: keys in OpenSSH's format (ssh-keygen rewrites the PKCS#8 ones), chains beside them
for k in ec256 rsa; do
	cp "$X/$k.key" "$X/k_$k" && chmod 600 "$X/k_$k" && ssh-keygen -q -p -N '' -f "$X/k_$k" >/dev/null
done
cp "$X/rsa.pem" "$X/k_rsa-cert.pem"
kssh_x509() { # PORT CA ARGS...: kssh trusting only the X.509 CA, no known_hosts
	"$KSSH" -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/dev/null -o IdentityAgent=none -o X509CAFile="$2" \
		-p "$1" "${@:3}"
}
check "kssh presents X.509 user certificates to ksshd (ECDSA by CertificateFile, RSA as KEY-cert.pem) and verifies its X.509 host certificate" \
	eval '[ "$(kssh_x509 "$PORT" "$X/root.pem" -i "$X/k_ec256" -o CertificateFile="$X/ec256.pem" "$U@127.0.0.1" "echo in" 2>/dev/null)" = in ] &&
	[ "$(kssh_x509 "$PORT" "$X/root.pem" -i "$X/k_rsa" "$U@127.0.0.1" "echo in" 2>/dev/null)" = in ] &&
	logged "accepted x509v3-rsa2048-sha256 certificate"'
ksftp_x509() {
	local home
	home=$(getent passwd "$U" | cut -d: -f6)
	head -c 200000 /dev/urandom >"$home/x509-file" && chown "$U:" "$home/x509-file"
	rm -f "$TEST_TMP/x509-got"
	"$TOP/$BUILD/ksftp" -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/dev/null -o IdentityAgent=none \
		-o X509CAFile="$X/root.pem" -i "$X/k_ec256" -o CertificateFile="$X/ec256.pem" -P "$PORT" \
		"$U@127.0.0.1:x509-file" "$TEST_TMP/x509-got" >/dev/null 2>&1 && cmp -s "$home/x509-file" "$TEST_TMP/x509-got"
}
check "ksftp (kssh's client code) copies a file with an X.509 user certificate, the host verified by X509CAFile" ksftp_x509
check "kssh trusting another CA refuses ksshd's X.509 host certificate" \
	eval '! kssh_x509 "$PORT" "$X/stranger.pem" -i "$X/k_ec256" "$U@127.0.0.1" true 2>"$TEST_TMP/k.err" &&
	grep -q "does not verify" "$TEST_TMP/k.err"'

AP=$(pick_port)
"$PY" -W ignore "$(dirname "$0")/x509_server.py" "$AP" "$KEYS/ssh_host_rsa_key" "$KEYS/ssh_host_rsa_key.pem" "$X/root.pem" \
	"$U" 120 >"$TEST_TMP/asyncssh.log" 2>&1 &
PIDS+=($!)
wait_port "$AP"
check "kssh logs into an asyncssh server with an X.509 user certificate (ECDSA and RSA) and verifies its X.509 host certificate" \
	eval '[ "$(kssh_x509 "$AP" "$X/root.pem" -v -i "$X/k_ec256" -o CertificateFile="$X/ec256.pem" "$U@127.0.0.1" hello 2>"$TEST_TMP/a.err")" = "in-asyncssh hello" ] &&
	grep -q "Server X.509 host certificate: x509v3-rsa2048-sha256 /CN=127.0.0.1" "$TEST_TMP/a.err" &&
	[ "$(kssh_x509 "$AP" "$X/root.pem" -i "$X/k_rsa" "$U@127.0.0.1" again 2>/dev/null)" = "in-asyncssh again" ]'
check "kssh refuses the asyncssh server's host certificate under another CA, and for a name it does not carry (::1)" \
	eval '! kssh_x509 "$AP" "$X/stranger.pem" -i "$X/k_ec256" "$U@127.0.0.1" x 2>/dev/null &&
	! kssh_x509 "$AP" "$X/root.pem" -i "$X/k_ec256" "$U@::1" x 2>"$TEST_TMP/n.err" && grep -q "does not name ::1" "$TEST_TMP/n.err"'

done_testing
