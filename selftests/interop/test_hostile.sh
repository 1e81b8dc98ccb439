#!/bin/bash
# Hostile input against ksshd: each violation gets the right disconnect reason (RFC 4253
# 11.1) and a log line, and the daemon keeps serving everyone else.
. "$(dirname "$0")/lib.sh"
PEER="$TOP/$BUILD/selftests/interop/hostile_peer"

PORT=$(pick_port)
start_ksshd "$PORT" "$TEST_TMP/k"
LOG=$TEST_TMP/k/log

# expect CASE WANTED-OUTPUT LOG-PATTERN
logged() { for _ in $(seq 50); do grep -q -- "$1" "$LOG" && return 0; sleep 0.1; done; return 1; }
expect() {
	local out
	out=$(timeout 30 "$PEER" "$PORT" "$1" 2>&1)
	[ "$out" = "$2" ] || { echo "# $1: got '$out', wanted '$2'"; return 1; }
	# the pre-authentication process's lines reach the log through its monitor, a moment after the peer hears
	[ -z "$3" ] || logged "$3" || { echo "# $1: no log line matching '$3'"; return 1; }
}

check "SSH-1 client refused in plain text" expect ssh1 "refused: SSHv1 is not supported" "SSHv1 is not supported"
check "non-SSH banner from a client refused" expect garbage-version closed "where the SSH identification belongs"
check "oversized packet length: protocol error" expect oversized "disconnect reason 2" "packet length invalid"
check "padding shorter than 4: protocol error" expect bad-padding "disconnect reason 2" "padding length invalid"
check "IGNORE before a strict KEXINIT (Terrapin): protocol error" expect ignore-before-strict-kexinit \
	"disconnect reason 2" "strict KEX violation: KEXINIT was not the first packet"
check "NEWKEYS before key exchange: protocol error" expect newkeys-before-kexinit "disconnect reason 2" \
	"message 21 before key exchange"
check "truncated packet then EOF: connection closed and logged" expect truncated closed \
	"closed: connection closed"
check "corrupted MAC: MAC error" expect bad-mac "disconnect reason 5" "message authentication code incorrect"
check "USERAUTH_REQUEST before the service request: protocol error" expect userauth-before-service \
	"disconnect reason 2" "message 50 not allowed before the service request"
check "client-sent USERAUTH_SUCCESS is a protocol error, never a login" \
	expect client-sends-userauth-success "disconnect reason 2" "message 52 not allowed during authentication"
check "CHANNEL_OPEN before authentication: protocol error" expect channel-open-before-auth \
	"disconnect reason 2" "message 90 not allowed during authentication"
check "unknown service: service not available" expect unknown-service "disconnect reason 7" \
	"service 'ssh-connection' not available"
check "unknown message type gets UNIMPLEMENTED and the session continues" expect unimplemented-type \
	"session continues" ""

# a slow client is cut off at the login grace time
PORT2=$(pick_port)
start_ksshd "$PORT2" "$TEST_TMP/k2" --timeout 5
silent_client() {
	exec 3<>/dev/tcp/127.0.0.1/"$PORT2"
	local start=$SECONDS
	cat <&3 >/dev/null
	[ $((SECONDS - start)) -ge 4 ] && [ $((SECONDS - start)) -le 15 ] &&
		grep -q 'login grace time (5 s) exceeded' "$TEST_TMP/k2/log"
}
check "silent client disconnected after the 5 s timeout" silent_client
# a client that trickles a byte a second never resets the clock: the grace time counts from the accept
trickle_client() {
	python3 - "$PORT2" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t0 = time.time()
s.sendall(b"SSH-2.0-trickle\r\n")
s.settimeout(0.05)
for _ in range(30):
    try:
        s.sendall(b"\x00")
        if s.recv(4096) == b"":
            break
    except socket.timeout:
        pass
    except OSError:
        break
    time.sleep(1)
took = time.time() - t0
sys.exit(0 if 4 <= took <= 12 else 1)
PY
	[ $(grep -c 'login grace time (5 s) exceeded' "$TEST_TMP/k2/log") -ge 2 ]
}
check "a client trickling a byte a second is cut off at the same 5 s" trickle_client

# the daemon is still there for everyone else
check "ksshd still serves OpenSSH's ssh after all of the above" bash -c "ssh -F none -o BatchMode=yes \
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -p $PORT nobody@127.0.0.1 true 2>&1 |
	grep -q 'Permission denied'"
check "the listener process survived" kill -0 "${PIDS[0]}"

done_testing
