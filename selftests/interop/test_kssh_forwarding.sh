#!/bin/bash
# kssh's -R, -D and -A against OpenSSH's sshd and against ksshd: remote forwards with a fixed
# and a server-chosen port (48 MiB byte-exact), a SOCKS proxy that curl uses with
# --socks5-hostname and --socks4a (byte-exact), ssh-add -l through the forwarded agent,
# ExitOnForwardFailure, several forwards at once, and what the proxy refuses.
. "$(dirname "$0")/lib.sh"

U=kfwd$$
make_user "$U" "$(openssl rand -hex 12)" # a password, never used: sshd refuses locked accounts
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id"
authorize_key "$U" "$TEST_TMP/id.pub"

mkdir -p "$TEST_TMP/www"
head -c 48M /dev/urandom >"$TEST_TMP/www/big"
WANT=$(sha256sum <"$TEST_TMP/www/big" | cut -d' ' -f1)
http_service "$TEST_TMP/www"

SSHD_PORT=$(pick_port)
start_sshd "$SSHD_PORT" "$TEST_TMP/sshd"
printf '%s\n' 'ssh server port-forwarding remote' 'ssh server port-forwarding local' \
	'ssh server agent-forwarding' 'ssh server rate-limit 600' >"$TEST_TMP/k.conf"
KSSHD_PORT=$(pick_port)
start_ksshd "$KSSHD_PORT" "$TEST_TMP/k" -f "$TEST_TMP/k.conf"

kssh_to() { local port=$1; shift; kssh_cmd -i "$TEST_TMP/id" -p "$port" "$@"; }
listening() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
sum_of() { sha256sum | cut -d' ' -f1; }

remote_fixed() {
	local port=$1 fp sum
	fp=$(pick_port)
	kssh_to "$port" -N -R "$fp:127.0.0.1:$SVC" "$U@127.0.0.1" 2>"$TEST_TMP/err" &
	local pid=$!
	listening "$fp" && sum=$(fetch "http://127.0.0.1:$fp/big" | sum_of)
	pkill -P "$pid" 2>/dev/null; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	[ "$sum" = "$WANT" ] || { echo "# got ${sum:-nothing}"; sed 's/^/# /' "$TEST_TMP/err"; return 1; }
}
remote_dynamic() {
	local port=$1 p="" sum
	kssh_to "$port" -N -R "0:127.0.0.1:$SVC" "$U@127.0.0.1" 2>"$TEST_TMP/err" &
	local pid=$!
	for _ in $(seq 100); do
		p=$(sed -n "s/^Allocated port \([0-9]*\) for remote forward to 127.0.0.1:$SVC\$/\1/p" "$TEST_TMP/err")
		[ -n "$p" ] && break
		sleep 0.1
	done
	[ -n "$p" ] && listening "$p" && sum=$(fetch "http://127.0.0.1:$p/big" | sum_of)
	pkill -P "$pid" 2>/dev/null; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	[ "$sum" = "$WANT" ] || { echo "# port '$p', got ${sum:-nothing}"; sed 's/^/# /' "$TEST_TMP/err"; return 1; }
}
socks() {
	local port=$1 mode=$2 dp sum
	dp=$(pick_port)
	kssh_to "$port" -N -D "$dp" "$U@127.0.0.1" 2>"$TEST_TMP/err" &
	local pid=$!
	listening "$dp" && sum=$(curl -s --max-time 60 "--$mode" "127.0.0.1:$dp" "http://localhost:$SVC/big" | sum_of)
	pkill -P "$pid" 2>/dev/null; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	[ "$sum" = "$WANT" ] || { echo "# got ${sum:-nothing}"; sed 's/^/# /' "$TEST_TMP/err"; return 1; }
}
agent() {
	local port=$1 out
	out=$(kssh_to "$port" -A "$U@127.0.0.1" 'ssh-add -l' 2>&1)
	grep -q "$AGENT_FP" <<<"$out" || { echo "# $out"; return 1; }
}
several() {
	local port=$1 r1 r2 dp s1 s2 s3
	r1=$(pick_port) r2=$(pick_port) dp=$(pick_port)
	kssh_to "$port" -N -R "$r1:127.0.0.1:$SVC" -R "$r2:127.0.0.1:$SVC" -D "$dp" "$U@127.0.0.1" 2>"$TEST_TMP/err" &
	local pid=$!
	listening "$r1" && listening "$r2" && listening "$dp" &&
		s1=$(fetch "http://127.0.0.1:$r1/big" | sum_of) && s2=$(fetch "http://127.0.0.1:$r2/big" | sum_of) &&
		s3=$(curl -s --max-time 60 --socks5-hostname "127.0.0.1:$dp" "http://localhost:$SVC/big" | sum_of)
	pkill -P "$pid" 2>/dev/null; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	[ "$s1" = "$WANT" ] && [ "$s2" = "$WANT" ] && [ "$s3" = "$WANT" ] || { sed 's/^/# /' "$TEST_TMP/err"; return 1; }
}
# a port the user may not bind (below net.ipv4.ip_unprivileged_port_start): either server refuses
exit_on_failure() {
	local port=$1 out rc low=1022
	out=$(kssh_to "$port" -o ExitOnForwardFailure=yes -R "$low:127.0.0.1:$SVC" "$U@127.0.0.1" 'echo ran' 2>&1)
	rc=$?
	[ $rc -eq 255 ] && grep -q "Error: remote port forwarding failed for listen port $low" <<<"$out" &&
		! grep -q '^ran$' <<<"$out" || { echo "# rc $rc: $out"; return 1; }
}
without_exit_on_failure() {
	local out rc
	out=$(kssh_to "$KSSHD_PORT" -R "1022:127.0.0.1:$SVC" "$U@127.0.0.1" 'echo ran' 2>&1)
	rc=$?
	[ $rc -eq 0 ] && grep -q "Warning: remote port forwarding failed for listen port 1022" <<<"$out" &&
		grep -q '^ran$' <<<"$out" || { echo "# rc $rc: $out"; return 1; }
}

eval "$(ssh-agent -s)" >/dev/null
CLEANUP_CMDS+=("kill $SSH_AGENT_PID")
ssh-keygen -q -t ecdsa -N '' -C agent-key -f "$TEST_TMP/agentkey"
ssh-add -q "$TEST_TMP/agentkey" 2>/dev/null
AGENT_FP=$(ssh-keygen -lf "$TEST_TMP/agentkey.pub" | awk '{print $2}')

for peer in sshd ksshd; do
	[ $peer = sshd ] && port=$SSHD_PORT || port=$KSSHD_PORT
	[ $peer = sshd ] && name="OpenSSH's sshd" || name=ksshd
	check "kssh -R port:host:port through $name: 48 MiB byte-exact" remote_fixed "$port"
	check "kssh -R 0:host:port through $name: the allocated port printed, 48 MiB byte-exact" remote_dynamic "$port"
	check "kssh -D through $name: curl --socks5-hostname, 48 MiB byte-exact" socks "$port" socks5-hostname
	check "kssh -D through $name: curl --socks4a, 48 MiB byte-exact" socks "$port" socks4a
	check "kssh -D through $name: curl --socks5 (address resolved here), byte-exact" socks "$port" socks5
	check "kssh -A to $name: ssh-add -l on the far side lists the local agent's key" agent "$port"
	check "kssh with two -R and a -D at once through $name: each byte-exact" several "$port"
	check "kssh -o ExitOnForwardFailure=yes through $name: a -R that cannot listen ends kssh (255) before the command" \
		exit_on_failure "$port"
done

check "without ExitOnForwardFailure a failed -R is a warning and the command runs" without_exit_on_failure

# the proxy's refusals: a SOCKS 5 client offering only username/password, a BIND request
socks_refusals() {
	local dp out
	dp=$(pick_port)
	kssh_to "$SSHD_PORT" -N -D "$dp" "$U@127.0.0.1" 2>/dev/null &
	local pid=$!
	listening "$dp"
	out=$(python3 - "$dp" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"\x05\x01\x02")                      # username/password only
print("userpass", s.recv(2).hex())
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"\x05\x01\x00")
s.recv(2)
s.sendall(b"\x05\x02\x00\x01\x7f\x00\x00\x01\x00\x50")  # BIND
print("bind", s.recv(10)[:2].hex())
PY
)
	pkill -P "$pid" 2>/dev/null; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	grep -qx 'userpass 05ff' <<<"$out" && grep -qx 'bind 0507' <<<"$out" || { echo "# $out"; return 1; }
}
check "kssh -D refuses username/password-only SOCKS 5 (05 ff) and BIND (reply 07)" socks_refusals

check "kssh -R with a bad specification is refused" bash -c "! '$KSSH' -R 99999:h:1 x 2>'$TEST_TMP/e' &&
	grep -q \"bad remote forwarding specification '99999:h:1'\" '$TEST_TMP/e'"

done_testing
