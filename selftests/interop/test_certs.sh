#!/bin/bash
# OpenSSH user certificates against ksshd: certificates made by OpenSSH's ssh-keygen -s,
# presented by OpenSSH's ssh (and by kssh where ssh itself refuses to send a bad one); kssh's
# certificates against OpenSSH's sshd (TrustedUserCAKeys). CAs trusted by "ssh server trusted-user-ca-keys" and by
# cert-authority lines (with principals=); validity, principals, key types (Ed25519, ECDSA,
# RSA with SHA-2), the CA's signature (tampered, SHA-1), critical options (force-command,
# source-address, unknown ones), extensions (pty, port forwarding), revocation by KRLs
# (ssh-keygen -k: serial, key id, key) and by plain key lists.
. "$(dirname "$0")/lib.sh"

C=kc$$
# a password nobody uses: OpenSSH's sshd refuses locked accounts even for keys
make_user "$C" "$(openssl rand -hex 12)" || { echo "not ok 1 - cannot create the user"; exit 1; }
HOME_C=$(getent passwd "$C" | cut -d: -f6)
K=$TEST_TMP/k
mkdir -p "$K"

for ca in ca ca_other; do ssh-keygen -q -t ed25519 -N '' -C "$ca" -f "$K/$ca"; done
ssh-keygen -q -t ecdsa -b 384 -N '' -f "$K/ca_ecdsa"
ssh-keygen -q -t rsa -b 3072 -N '' -f "$K/ca_rsa"
cat "$K/ca.pub" "$K/ca_ecdsa.pub" "$K/ca_rsa.pub" >"$K/trusted"

cat >"$TEST_TMP/kssh.conf" <<CONF
ssh server trusted-user-ca-keys $K/trusted
ssh server port-forwarding local
ssh server rate-limit 600
CONF
PORT=$(pick_port)
start_ksshd "$PORT" "$TEST_TMP/d" -f "$TEST_TMP/kssh.conf"
LOG=$TEST_TMP/d/log
CTL="$TOP/$BUILD/ksshctl -s $TEST_TMP/d/ctl.sock"

# sign NAME KEYTYPE[-BITS] CA [ssh-keygen -s options]: a key NAME and its certificate NAME-cert.pub
serial=0
sign() {
	local name=$1 type=${2%-*} ca=$3 bits=()
	[[ $2 == *-* ]] && bits=(-b "${2#*-}")
	shift 3
	rm -f "$K/$name" "$K/$name.pub" "$K/$name-cert.pub"
	ssh-keygen -q -t "$type" "${bits[@]}" -N '' -f "$K/$name" && serial=$((serial + 1)) &&
		ssh-keygen -q -s "$K/$ca" -I "id-$name" -z "$serial" "$@" "$K/$name.pub"
}
# login NAME [ssh options] -- COMMAND: ssh offers NAME's certificate (and NAME itself, never authorized)
login() {
	local name=$1; shift
	ossh_keys -i "$K/$name" -o CertificateFile="$K/$name-cert.pub" -p "$PORT" "$@"
}
# refused NAME TEXT: the login fails and the log says why
refused() {
	local out
	out=$(login "$1" "$C@127.0.0.1" 'echo in' 2>&1) && { echo "# logged in: $out"; return 1; }
	logged "$2"
}
accepted() {
	[ "$(login "$1" "$C@127.0.0.1" "echo in-\$(id -un)" 2>&1)" = "in-$C" ] && logged "certificate ID \"id-$1\""
}

sign ed ed25519 ca -n "$C,other" -V -5m:+1h
check "an Ed25519 certificate from a trusted-user-ca-keys CA, naming the user: accepted, logged with id, serial and CA" \
	eval 'accepted ed && logged "(serial $serial) for key" && logged "signed by ed25519 CA"'

sign p256 ecdsa ca_ecdsa -n "$C" -t ecdsa-sha2-nistp384 -V -5m:+1h
sign rsa rsa ca_rsa -n "$C" -t rsa-sha2-512 -V -5m:+1h
sign p384 ecdsa-384 ca -n "$C" -V -5m:+1h
sign p521 ecdsa-521 ca_rsa -n "$C" -t rsa-sha2-256 -V -5m:+1h
check "ECDSA certificates (P-256 and P-384 keys, a P-384 CA; a P-521 key, an RSA CA with rsa-sha2-256) and an RSA one (rsa-sha2-512): accepted" \
	eval 'accepted p256 && accepted p384 && accepted p521 && accepted rsa'
check "an RSA certificate offered as rsa-sha2-256-cert-v01@openssh.com: accepted" \
	eval '[ "$(login rsa -o PubkeyAcceptedAlgorithms=rsa-sha2-256-cert-v01@openssh.com,rsa-sha2-256 "$C@127.0.0.1" echo in 2>&1)" = in ] &&
	logged "accepted rsa-sha2-256-cert-v01@openssh.com certificate"'

sign sha1 ed25519 ca_rsa -n "$C" -t ssh-rsa -V -5m:+1h
check "a certificate the CA signed with SHA-1 (ssh-rsa): refused" refused sha1 "its CA signed with SHA-1"

sign noname ed25519 ca -n "someone,else" -V -5m:+1h
check "a certificate that does not name the user: refused" refused noname "the name is not among its principals"
sign noprinc ed25519 ca -V -5m:+1h
check "a certificate with no principals at all: refused" refused noprinc "it names no principals"
sign expired ed25519 ca -n "$C" -V -2h:-1h
check "an expired certificate: refused" refused expired "expired"
sign future ed25519 ca -n "$C" -V +1h:+2h
check "a certificate not valid yet: refused" refused future "not yet valid"
sign skew ed25519 ca -n "$C" -V +20s:+1h
check "clock skew: a certificate whose validity starts 20 s from now (a CA clock ahead, under 60 s) is accepted" accepted skew
sign untrusted ed25519 ca_other -n "$C" -V -5m:+1h
check "a certificate from a CA nobody trusts: refused" refused untrusted "its CA is not trusted"
# OpenSSH's ssh will not offer these; kssh sends what it is given and lets the server judge
kssh_refused() {
	! kssh_cmd -i "$K/$1" -p "$PORT" "$C@127.0.0.1" 'echo in' >/dev/null 2>&1 && logged "$2"
}
sign hostcert ed25519 ca -h -n "$C" -V -5m:+1h
check "a host certificate offered as a user's (by kssh): refused" kssh_refused hostcert "a host certificate offered as a user's"

# the certificate's bytes changed after signing (its key id): the CA signature no longer verifies
tampered() {
	sign tamper ed25519 ca -n "$C" -V -5m:+1h || return 1
	python3 - "$K/tamper-cert.pub" <<'PY' || return 1
import base64, sys
p = sys.argv[1]; t, b, *rest = open(p).read().split()
raw = bytearray(base64.b64decode(b))
i = raw.find(b"id-tamper"); raw[i + 3] ^= 0x01
open(p, "w").write(" ".join([t, base64.b64encode(bytes(raw)).decode()] + rest) + "\n")
PY
	kssh_refused tamper "its CA signature does not verify"
}
check "a certificate changed after signing (offered by kssh): refused, the CA signature does not verify" tampered

sign forced ed25519 ca -n "$C" -V -5m:+1h -O force-command="echo forced-by-cert"
check "critical option force-command: the certificate's command runs instead of the client's" \
	eval '[ "$(login forced "$C@127.0.0.1" "echo asked" 2>&1)" = forced-by-cert ]'
sign srcbad ed25519 ca -n "$C" -V -5m:+1h -O source-address=10.0.0.0/8,192.168.0.0/16
check "critical option source-address without the client's address: refused" \
	refused srcbad "the client's address is not in its source-address"
sign srcok ed25519 ca -n "$C" -V -5m:+1h -O source-address=10.0.0.0/8,127.0.0.1/32
check "critical option source-address with the client's address: accepted" accepted srcok
sign crit ed25519 ca -n "$C" -V -5m:+1h -O critical:frobnicate@example.com=yes
check "an unknown critical option: refused" refused crit "it has a critical option this server does not know"

sign pty ed25519 ca -n "$C" -V -5m:+1h
sign nopty ed25519 ca -n "$C" -V -5m:+1h -O clear
check "extensions: permit-pty (ssh-keygen's default) gives a terminal; a certificate without it (-O clear) gets none" \
	eval '[[ "$(login pty -tt "$C@127.0.0.1" tty 2>&1)" == /dev/pts/* ]] &&
	[[ "$(login nopty -tt "$C@127.0.0.1" tty 2>&1)" != */dev/pts/* ]]'
fwd_port=$(pick_port)
forward_refused() {
	sign nofwd ed25519 ca -n "$C" -V -5m:+1h -O no-port-forwarding || return 1
	# -L through the session: with the extension the channel opens, without it ksshd refuses it
	login pty -o ExitOnForwardFailure=yes -L "$fwd_port:127.0.0.1:$PORT" "$C@127.0.0.1" \
		"exec 3<>/dev/tcp/127.0.0.1/$fwd_port && head -c 7 <&3" 2>/dev/null | grep -q '^SSH-2.0' || return 1
	! login nofwd -L "$fwd_port:127.0.0.1:$PORT" "$C@127.0.0.1" \
		"exec 3<>/dev/tcp/127.0.0.1/$fwd_port && head -c 7 <&3" 2>/dev/null | grep -q '^SSH-2.0'
}
check "extensions: permit-port-forwarding allows -L; without it (-O no-port-forwarding) the channel is refused" forward_refused

# authorized_keys: cert-authority lines
ak_setup() {
	sed 's/^/cert-authority,principals="ops,deploy" /' "$K/ca_other.pub" >"$HOME_C/.ssh/authorized_keys" &&
		chown "$C:" "$HOME_C/.ssh/authorized_keys" && chmod 600 "$HOME_C/.ssh/authorized_keys"
}
mkdir -p "$HOME_C/.ssh" && chown "$C:" "$HOME_C/.ssh" && chmod 700 "$HOME_C/.ssh" && ak_setup
sign ops ed25519 ca_other -n ops -V -5m:+1h
sign dev ed25519 ca_other -n dev -V -5m:+1h
check "authorized_keys cert-authority,principals=\"ops,deploy\": a certificate for ops is accepted, one for dev refused" \
	eval 'accepted ops && refused dev "none of its principals is in the cert-authority line"'
plain_ca_refused() {
	! ossh_keys -i "$K/ca_other" -p "$PORT" "$C@127.0.0.1" true 2>/dev/null
}
check "a cert-authority line does not let the CA's own key log in as a plain key" plain_ca_refused
ak_named() {
	sed 's/^/cert-authority /' "$K/ca_other.pub" >"$HOME_C/.ssh/authorized_keys"
	sign byname ed25519 ca_other -n "$C" -V -5m:+1h && accepted byname && refused ops "the name is not among its principals"
}
check "cert-authority without principals=: the certificate must name the user" ak_named
ak_setup

# revocation: KRLs from ssh-keygen -k, and a plain list of keys
revoke() { # revoke SPEC...: a KRL from ssh-keygen -k with the given lines, made the server's revoked-keys
	printf '%s\n' "$@" >"$K/krl.spec"
	ssh-keygen -q -k -f "$K/krl" -s "$K/ca.pub" "$K/krl.spec" 2>/dev/null || ssh-keygen -k -f "$K/krl" -s "$K/ca.pub" "$K/krl.spec"
	printf 'ssh server revoked-keys %s\n' "$K/krl" | $CTL configure - >/dev/null
}
sign r1 ed25519 ca -n "$C" -V -5m:+1h
r1=$serial
sign r2 ed25519 ca -n "$C" -V -5m:+1h
r2=$serial
check "a KRL revoking serial N: the certificate with it is refused, the next one accepted" \
	eval 'revoke "serial: $r1" && refused r1 "serial revoked by the KRL" && accepted r2'
check "a KRL revoking a serial range (ssh-keygen writes it as a range or a bitmap)" \
	eval 'revoke "serial: $r1-$((r2 + 5))" && refused r2 "revoked by the KRL"'
check "a KRL revoking a key id" eval 'revoke "id: id-r2" && refused r2 "key id revoked by the KRL" && accepted r1'
check "a KRL revoking the certified key itself (sha256:, a plain key line)" \
	eval 'printf "hash: %s\n" "$(ssh-keygen -lf "$K/r1.pub" | cut -d" " -f2)" >"$K/krl.spec" &&
	ssh-keygen -q -k -f "$K/krl" "$K/krl.spec" && refused r1 "key'"'"'s hash listed in the KRL" &&
	ssh-keygen -q -k -f "$K/krl" "$K/r2.pub" && refused r2 "key listed in the KRL" && accepted ed'
check "revoked-keys as a plain list: the CA's key listed revokes every certificate it signed" \
	eval 'cat "$K/ca.pub" >"$K/list" && printf "ssh server revoked-keys %s\n" "$K/list" | $CTL configure - >/dev/null &&
	refused ed "CA key listed in the revoked keys file" && accepted rsa'
check "revoked-keys that cannot be read: every key refused" \
	eval 'printf "ssh server revoked-keys %s\n" "$K/missing" | $CTL configure - >/dev/null &&
	refused rsa "the revoked keys file cannot be read"'
printf 'no ssh server revoked-keys %s\n' "$K/missing" | $CTL configure - >/dev/null

# kssh's side: its certificates against OpenSSH's sshd
kssh_to_sshd() {
	local sp out
	sp=$(pick_port)
	start_sshd "$sp" "$TEST_TMP/sshd" -o TrustedUserCAKeys="$K/trusted" -o AuthorizedKeysFile=none || return 1
	sign kc ed25519 ca -n "$C" -V -5m:+1h && sign kr rsa ca_rsa -n "$C" -V -5m:+1h || return 1
	for k in kc kr; do
		out=$(kssh_cmd -i "$K/$k" -p "$sp" "$C@127.0.0.1" 'echo in-$(id -un)' 2>"$TEST_TMP/kssh.err")
		[ "$out" = "in-$C" ] || { echo "# $k: $out"; tail -5 "$TEST_TMP/sshd/log" | sed 's/^/# /'; return 1; }
	done
	grep -q 'Accepted publickey.*ED25519-CERT.*ID id-kc' "$TEST_TMP/sshd/log" &&
		grep -q 'Accepted publickey.*RSA-CERT.*ID id-kr' "$TEST_TMP/sshd/log" || { grep Accepted "$TEST_TMP/sshd/log" | sed 's/^/# /'; return 1; }
	# -o CertificateFile= names a certificate kept elsewhere
	mkdir -p "$K/elsewhere" && mv "$K/kc-cert.pub" "$K/elsewhere/c.pub" &&
		[ "$(kssh_cmd -i "$K/kc" -o CertificateFile="$K/elsewhere/c.pub" -p "$sp" "$C@127.0.0.1" 'echo in' 2>/dev/null)" = in ] &&
		! kssh_cmd -i "$K/kc" -p "$sp" "$C@127.0.0.1" 'echo in' >/dev/null 2>&1
}
check "kssh offers KEY-cert.pub (Ed25519, RSA as rsa-sha2-512) and -o CertificateFile= to OpenSSH's sshd with TrustedUserCAKeys" \
	kssh_to_sshd

# a certificate held by ssh-agent (ssh-add loads KEY-cert.pub with KEY): kssh offers it from there
agent_cert() {
	local out
	sign agented ed25519 ca -n "$C" -V -5m:+1h || return 1
	eval "$(ssh-agent -s -a "$TEST_TMP/agent.sock")" >/dev/null || return 1
	CLEANUP_CMDS+=("kill $SSH_AGENT_PID")
	ssh-add -q "$K/agented" 2>/dev/null && ssh-add -l | grep -q ED25519-CERT || { ssh-add -l | sed 's/^/# /'; return 1; }
	rm -f "$K/agented" "$K/agented-cert.pub" # only the agent has them now
	out=$(HOME=$TEST_TMP "$KSSH" -v -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -p "$PORT" \
		"$C@127.0.0.1" 'echo in' 2>"$TEST_TMP/agent.err")
	[ "$out" = in ] && grep -q 'Offering certificate: (agent) ssh-ed25519-cert-v01@openssh.com' "$TEST_TMP/agent.err" &&
		logged 'certificate ID "id-agented"' || { tail -3 "$TEST_TMP/agent.err" | sed 's/^/# /'; return 1; }
}
check "kssh offers a certificate that ssh-agent holds, and the agent signs for it" agent_cert

config_lines() {
	local rc
	$CTL show running-config | grep -qx "ssh server trusted-user-ca-keys $K/trusted" || return 1
	! $CTL show running-config | grep -q 'revoked-keys' || return 1
	printf 'ssh server trusted-user-ca-keys relative/file\n' | $CTL configure - 2>&1 | grep -q 'ABSOLUTE' &&
		printf 'no ssh server trusted-user-ca-keys\n' | $CTL configure - >/dev/null &&
		refused ed "its CA is not trusted"
}
check "show running-config prints trusted-user-ca-keys; a relative path is refused; without the line the CA is not trusted" \
	config_lines

done_testing
