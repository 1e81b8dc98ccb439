#!/bin/bash
# A CVE regression suite: ksshd against the shapes of known SSH server
# vulnerabilities, each test named after its CVE, driven by hostile_peer
# (libkssh until the moment it breaks the protocol) and real sockets. Each
# attack gets a clean refusal, nothing runs that should not, and the daemon
# goes on serving.
. "$(dirname "$0")/lib.sh"
PEER="$TOP/$BUILD/selftests/interop/hostile_peer"

PORT=$(pick_port)
start_ksshd "$PORT" "$TEST_TMP/k" --timeout 5 --max-startups 100 # the grace-time wave holds 40 at once
LOG=$TEST_TMP/k/log
peer() { timeout 60 "$PEER" "$PORT" "$@" 2>&1; }

# CVE-2018-10933 (libssh): a client that sends USERAUTH_SUCCESS itself is not logged in
out=$(peer client-sends-userauth-success)
check "CVE-2018-10933: a client-sent USERAUTH_SUCCESS is a protocol error (reason 2), never a login" \
	bash -c "[ '$out' = 'disconnect reason 2' ] && ! grep -q 'authenticated from' '$LOG'"

# CVE-2025-32433 (Erlang/OTP ssh): connection-protocol messages before authentication run nothing
marker=$TEST_TMP/cve-2025-32433
out=$(HOSTILE_CMD="touch $marker" peer exec-before-auth)
# the refusal is logged when the connection ends; whatever it might have run would have run before
for _ in $(seq 50); do grep -q 'message 90 not allowed during authentication' "$LOG" && break; sleep 0.1; done
check "CVE-2025-32433: CHANNEL_OPEN and exec before authentication: disconnected (reason 2), nothing ran" \
	bash -c "[ '$out' = 'disconnect reason 2' ] && [ ! -e '$marker' ] && grep -q 'message 90 not allowed during authentication' '$LOG'"

# CVE-2023-48795 (Terrapin): an IGNORE slipped ahead of a strict KEXINIT
out=$(peer ignore-before-strict-kexinit)
check "CVE-2023-48795 (Terrapin): a message before the strict KEXINIT ends the connection (reason 2)" \
	bash -c "[ '$out' = 'disconnect reason 2' ] && for _ in \$(seq 50); do grep -q 'strict KEX violation' '$LOG' && exit 0; sleep 0.1; done; exit 1"
# CVE-2023-46446 (AsyncSSH rogue session): NEWKEYS out of order is refused
out=$(peer newkeys-before-kexinit)
check "CVE-2023-46446: NEWKEYS out of order is a protocol error (reason 2)" [ "$out" = "disconnect reason 2" ]

# CVE-2018-15473 (OpenSSH user enumeration): a malformed publickey request answers alike for any user
USER_NAME=ksshcve$$
make_user "$USER_NAME"
real=$(HOSTILE_USER=$USER_NAME peer malformed-pubkey)
fake=$(HOSTILE_USER=nosuchuser$$ peer malformed-pubkey)
check "CVE-2018-15473: a cut-short key blob gets the same answer for a real and a missing user ($real)" \
	bash -c "[ -n '$real' ] && [ '$real' = '$fake' ]"

# CVE-2024-45337 class (golang.org/x/crypto): the login and its authorized_keys options belong to the
# key that signed, not to the last key asked about
for k in a b c; do ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/key_$k"; done
authorize_key "$USER_NAME" "$TEST_TMP/key_a.pub" 'command="echo forced-for-A"'
authorize_key "$USER_NAME" "$TEST_TMP/key_b.pub"
swap() { HOSTILE_USER=$USER_NAME HOSTILE_KEY_A=$TEST_TMP/key_$1 HOSTILE_KEY_B=$TEST_TMP/key_$2 \
	HOSTILE_CMD="echo chosen-by-the-client" peer key-swap | tr '\n' '|'; }
out=$(swap a b)
check "CVE-2024-45337: B asked about, A signs: logged in as A, A's forced command runs ($out)" \
	[ "$out" = "query B: PK_OK|signed A: success|output: forced-for-A||" ]
out=$(swap c b)
check "CVE-2024-45337: B asked about, an unauthorized key signs: refused ($out)" \
	bash -c "grep -q '^query B: PK_OK|signed A: failure|' <<<'$out'"

# CVE-2025-26466 (OpenSSH ping flood): no PONG before authentication, nothing queued for the peer
out=$(peer ping-flood)
n=$(grep -o '[0-9]* packets' <<<"$out" | cut -d' ' -f1)
check "CVE-2025-26466: 5000 pings before authentication get no PONG, the session goes on ($out)" \
	bash -c "grep -q '^service accepted' <<<'$out' && [ '${n:-9999}' -le 2 ]"

# Packet lengths at the edges, before any key: each a protocol error, never a crash
for len in 0 1 2 3 4 0xfffffff0 13; do
	out=$(peer "length-$len")
	check "packet length $len: refused with reason 2" [ "$out" = "disconnect reason 2" ]
done
# A KEXINIT with 100000 names in one list: a clean refusal
out=$(peer huge-name-list)
check "a name list of 100000 entries: refused with a disconnect, not a crash ($out)" \
	bash -c "grep -q '^disconnect reason [23]$' <<<'$out'"
# 1 MiB of garbage where the version line belongs: the line is bounded
out=$(peer endless-version)
check "1 MiB without a line end instead of a version: closed, the line bounded ($out)" \
	bash -c "[ '$out' = closed ] && for _ in \$(seq 50); do grep -q 'invalid protocol version line' '$LOG' && exit 0; sleep 0.1; done; exit 1"

# CVE-2024-6387 class (regreSSHion): many connections timing out at the grace limit at once
grace_wave() {
	python3 - "$PORT" <<'PY'
import socket, sys, time
socks = []
for _ in range(40):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"SSH-2.0-idle\r\n")
    socks.append(s)
t0 = time.time()
closed = 0
for s in socks:
    s.settimeout(20)
    try:
        while s.recv(65536):
            pass
    except OSError:
        pass
    closed += 1
sys.exit(0 if closed == 40 and time.time() - t0 < 20 else 1)
PY
}
check "CVE-2024-6387 class: 40 connections reach the 5 s grace limit together; all are cut, none hangs" grace_wave
check "... each logged as a grace-time expiry" \
	bash -c "[ \$(grep -c 'login grace time (5 s) exceeded' '$LOG') -ge 40 ]"

# After all of it, the daemon serves a real client
check "ksshd still answers OpenSSH's ssh after every attack" bash -c "ssh -F none -o BatchMode=yes \
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -p $PORT nobody@127.0.0.1 true 2>&1 |
	grep -q 'Permission denied'"
check "the listener process survived" kill -0 "${PIDS[0]}"

# kssh, the client, against a hostile server (hostile_server.c): every host-key verification error fails
# closed before anything is sent to the server (CVE-2025-26465's class: a verification error that let the
# connection go on), and EXT_INFO is taken only where RFC 8308 allows it (CVE-2023-46445)
HS="$TOP/$BUILD/selftests/interop/hostile_server"
against() { # CASE: the hostile server's report, then kssh's exit status and last line
	local port out
	port=$(pick_port)
	"$HS" "$port" "$1" >"$TEST_TMP/hs.$1" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 50); do grep -q listening "$TEST_TMP/hs.$1" && break; sleep 0.1; done
	out=$(timeout 20 "$KSSH" -B -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentityAgent=none \
		-p "$port" root@127.0.0.1 true 2>&1)
	echo "rc=$? $(tail -1 <<<"$out")"
	wait "${PIDS[-1]}" 2>/dev/null
}
for c in "bad-signature:a byte flipped" "other-key-signature:made by another key than the one sent" \
	"alg-mismatch:named for another algorithm"; do
	out=$(against "${c%%:*}")
	check "CVE-2025-26465 class: kssh refuses an exchange-hash signature ${c#*:} ($out), and asks nothing of the server" \
		bash -c "grep -q '^rc=255 .*key exchange failed: incorrect signature' <<<'$out' &&
			! grep -q 'reached' '$TEST_TMP/hs.${c%%:*}'"
done
out=$(against ext-info-plaintext)
check "CVE-2023-46445: kssh refuses an EXT_INFO in the clear before NEWKEYS ($out)" \
	bash -c "grep -q '^rc=255 .*unexpected message 7 during initial key exchange' <<<'$out' &&
		! grep -q 'reached' '$TEST_TMP/hs.ext-info-plaintext'"
out=$(against ext-info-after-auth)
check "... and an EXT_INFO after USERAUTH_SUCCESS ($out)" bash -c "grep -q '^rc=255 .*EXT_INFO after authentication' <<<'$out'"
done_testing
