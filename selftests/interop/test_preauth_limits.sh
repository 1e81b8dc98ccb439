#!/bin/bash
# Unauthenticated connection limits (ssh server max-startups START:RATE:FULL
# and per-source N): idle connections that never authenticate fill the
# limit and the next one is refused with a line saying why; authenticated
# sessions never count; one source cannot take another's share; between
# START and FULL connections are dropped at random. Per-source penalties
# (ssh server penalties): a connection that leaves without authenticating,
# fails authentication, runs into the grace time or crashes its process
# blocks its source for a while, an exempt access list excepted, and show
# ssh penalties lists them. The lines round-trip.
. "$(dirname "$0")/lib.sh"

# probe PORT [ADDR]: one connection: "ssh" if the server speaks SSH, "refused: ..." with its line, else "closed"
probe() {
	python3 - "$1" "${2:-127.0.0.1}" <<'PY'
import socket, sys
s = socket.create_connection((sys.argv[2], int(sys.argv[1])), timeout=10)
line = s.makefile("rb").readline().decode(errors="replace").strip()
print("ssh" if line.startswith("SSH-2.0-") else ("refused: " + line if line else "closed"))
PY
}
export -f probe
wait_held() { for _ in $(seq 100); do grep -q held "$1" && return 0; sleep 0.1; done; return 1; }

P=$(pick_port)
start_ksshd "$P" "$TEST_TMP/k" --max-startups 2 --timeout 60
idle "$P" 2 >"$TEST_TMP/idle1"
check "two unauthenticated connections are held" wait_held "$TEST_TMP/idle1"
out=$(probe "$P")
check "max-startups 2: the third is refused with the reason on a line ($out)" \
	bash -c "[ '$out' = 'refused: kssh: max-startups (2 unauthenticated connections) reached; closing the connection' ]"
check "... and logged" grep -q "refused: max-startups (2 unauthenticated connections) reached" "$TEST_TMP/k/log"
kill "$IDLE_PID"
waited() { for _ in $(seq 100); do "$@" && return 0; sleep 0.1; done; return 1; }
served() { [ "$(probe "$P" 2>/dev/null)" = ssh ]; }
check "once they are gone a new connection is served" waited served

# authenticated sessions do not count
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id"
USER_NAME=ksshms$$
make_user "$USER_NAME"
authorize_key "$USER_NAME" "$TEST_TMP/id.pub"
ossh_keys -i "$TEST_TMP/id" -p "$P" "$USER_NAME@127.0.0.1" 'sleep 20' &
PIDS+=($!)
open_session() { "$BUILD/ksshctl" -s "$TEST_TMP/k/ctl.sock" show ssh --json | grep -q '"state":"SESSION_OPEN"'; }
check "an authenticated session is open" waited open_session
idle "$P" 2 >"$TEST_TMP/idle2"
check "with it open, two unauthenticated connections still fit" wait_held "$TEST_TMP/idle2"
out=$(probe "$P")
check "... and the third is refused: only unauthenticated ones count" \
	bash -c "grep -q '^refused: kssh: max-startups' <<<'$out'"
kill "$IDLE_PID"

# per source: 127.0.0.1 cannot take ::1's share
printf '%s\n' 'ssh server rate-limit 600' 'ssh server max-startups per-source 1' 'ssh timeout 60' >"$TEST_TMP/ps.conf"
P2=$(pick_port)
start_ksshd "$P2" "$TEST_TMP/k2" -f "$TEST_TMP/ps.conf"
idle "$P2" 1 >"$TEST_TMP/idle3"
check "per-source 1: one unauthenticated connection from 127.0.0.1 is held" wait_held "$TEST_TMP/idle3"
out=$(probe "$P2")
check "... a second from 127.0.0.1 is refused ($out)" \
	bash -c "[ '$out' = 'refused: kssh: max-startups per-source (1) reached; closing the connection' ]"
out=$(probe "$P2" ::1)
check "... while ::1, another source, is served" [ "$out" = ssh ]
kill "$IDLE_PID"

# random early drop between START and FULL
P3=$(pick_port)
start_ksshd "$P3" "$TEST_TMP/k3" --max-startups 1:50:1000 --timeout 60
idle "$P3" 1 >"$TEST_TMP/idle4"
check "max-startups 1:50:1000: one unauthenticated connection held" wait_held "$TEST_TMP/idle4"
served=0 dropped=0
for _ in $(seq 40); do
	case $(probe "$P3") in
	ssh) served=$((served + 1)) ;;
	"refused: kssh: max-startups 1:50:1000: "*) dropped=$((dropped + 1)) ;;
	esac
done
check "past START about half are dropped at random: $dropped dropped, $served served of 40" \
	bash -c "[ $dropped -ge 8 ] && [ $served -ge 8 ] && [ $((dropped + served)) -eq 40 ]"
kill "$IDLE_PID"

# per-source penalties
penalized() { # PORT REASON: the next connection is refused for that reason
	local out
	out=$(probe "$1")
	grep -q "^refused: kssh: penalty for $2: blocked for [0-9]* more seconds; closing the connection\$" <<<"$out"
}
printf '%s\n' 'ssh server rate-limit 600' 'ssh server penalties noauth 30 authfail 30 crash 30 grace-exceeded 30' \
	'ssh timeout 5' >"$TEST_TMP/pen.conf"
P4=$(pick_port)
start_ksshd "$P4" "$TEST_TMP/k4" -f "$TEST_TMP/pen.conf"
# (the first probe must have ended at the listener before the second: a penalty would be in place by then)
ended_at() { $BUILD/ksshctl -s "$TEST_TMP/k/ctl.sock" show ssh history --json |
	python3 -c "import json,sys; print(len(json.load(sys.stdin)['incoming']))"; }
before=$(ended_at)
first=$(probe "$P")
waited bash -c "[ \$($(declare -f ended_at); BUILD=$BUILD TEST_TMP=$TEST_TMP ended_at) -gt $before ]"
check "penalties off by default: connections that leave without authenticating change nothing" \
	bash -c "[ '$first' = ssh ] && [ \"\$(probe $P)\" = ssh ]"
# start_ksshd's own port probe is such a connection: a TCP connect and close, nothing more
check "penalties on: a connection that left without authenticating blocks 127.0.0.1, with the reason" \
	waited penalized "$P4" noauth
check "... and logged" grep -q "refused: penalty for noauth" "$TEST_TMP/k4/log"
check "... ::1, another source, is served" [ "$(probe "$P4" ::1)" = ssh ]
check "show ssh penalties --json: 127.0.0.1 for noauth, with the time left" \
	bash -c "$BUILD/ksshctl -s '$TEST_TMP/k4/ctl.sock' show ssh penalties --json |
		grep -Eq '^\{\"enabled\":true,\"penalties\":\[\{\"source\":\"127.0.0.1\",\"reason\":\"noauth\",\"remaining_seconds\":([12][0-9]|30),\"events\":[0-9]+\}'"
check "show ssh penalties: a row for it" \
	bash -c "$BUILD/ksshctl -s '$TEST_TMP/k4/ctl.sock' show ssh penalties | grep -Eq '^127.0.0.1 +noauth +[0-9]+s +[0-9]+'"
# an exempt access list
printf '%s\n' 'ssh server rate-limit 600' 'ssh server penalties noauth 30' 'ipv4 access-list LOCAL 10 permit host 127.0.0.1' \
	'ssh server penalties exempt LOCAL' >"$TEST_TMP/ex.conf"
P5=$(pick_port)
start_ksshd "$P5" "$TEST_TMP/k5" -f "$TEST_TMP/ex.conf"
probe "$P5" >/dev/null
# both connections so far (start_ksshd's probe and this one) have ended at the listener: any penalty is in place
history_n() { $BUILD/ksshctl -s "$TEST_TMP/k5/ctl.sock" show ssh history --json |
	python3 -c "import json,sys; sys.exit(len(json.load(sys.stdin)['incoming']) < $1)"; }
waited history_n 2
check "penalties exempt LOCAL: 127.0.0.1 is never blocked" bash -c "[ \"\$(probe $P5)\" = ssh ] && [ \"\$(probe $P5)\" = ssh ]"
# a failed authentication, the grace time, a crash: each its own reason (noauth 0: the port probes go free)
printf '%s\n' 'ssh server rate-limit 600' 'ssh server penalties noauth 0 authfail 30 crash 30 grace-exceeded 30' \
	'ssh timeout 5' >"$TEST_TMP/pen2.conf"
P6=$(pick_port)
start_ksshd "$P6" "$TEST_TMP/k6" -f "$TEST_TMP/pen2.conf"
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/stranger"
ossh_keys -i "$TEST_TMP/stranger" -p "$P6" "$USER_NAME@127.0.0.1" true 2>/dev/null
check "a failed publickey login: blocked for authfail" waited penalized "$P6" authfail
P7=$(pick_port)
start_ksshd "$P7" "$TEST_TMP/k7" -f "$TEST_TMP/pen2.conf"
python3 -c "
import socket, sys
s = socket.create_connection(('127.0.0.1', $P7)); s.sendall(b'SSH-2.0-slow\r\n')
while s.recv(4096): pass" 2>/dev/null
check "a connection cut at the 5 s grace time: blocked for grace-exceeded" waited penalized "$P7" grace-exceeded
P8=$(pick_port)
start_ksshd "$P8" "$TEST_TMP/k8" -f "$TEST_TMP/pen2.conf"
idle "$P8" 1 >"$TEST_TMP/idle5"
wait_held "$TEST_TMP/idle5"
listener=$(pgrep -P "${PIDS[-2]}" ksshd)
victim=$(pgrep -P "$listener" | head -1)
kill -ABRT "$victim" # a crash; SIGABRT, which AddressSanitizer leaves alone in SANITIZE builds
kill "$IDLE_PID"
check "a connection's process killed by SIGABRT: blocked for crash" \
	waited bash -c "$BUILD/ksshctl -s '$TEST_TMP/k8/ctl.sock' show ssh penalties --json | grep -q '\"reason\":\"crash\"'"

# the configuration language
printf '%s\n' 'ssh server max-startups 3:50:6' 'ssh server max-startups per-source 2' >"$TEST_TMP/c.conf"
"$KSSHD" -t -f "$TEST_TMP/c.conf" >"$TEST_TMP/rc" 2>&1
check "max-startups lines print back as running-config" \
	bash -c "grep -qx 'ssh server max-startups 3:50:6' '$TEST_TMP/rc' && grep -qx 'ssh server max-startups per-source 2' '$TEST_TMP/rc'"
printf '%s\n' 'ssh server max-startups 3:50:6' 'no ssh server max-startups' >"$TEST_TMP/c.conf"
"$KSSHD" -t -f "$TEST_TMP/c.conf" >"$TEST_TMP/rc" 2>&1
check "no ssh server max-startups: back to the default 10:30:100 (not printed)" bash -c "! grep -q max-startups '$TEST_TMP/rc'"
printf '%s\n' 'ssh server penalties crash 60 authfail 10' 'ssh server penalties exempt LOCAL' >"$TEST_TMP/c.conf"
"$KSSHD" -t -f "$TEST_TMP/c.conf" >"$TEST_TMP/rc" 2>&1
check "penalties lines print back whole (defaults filled in)" \
	bash -c "grep -qx 'ssh server penalties crash 60 authfail 10 noauth 1 grace-exceeded 20 max 600' '$TEST_TMP/rc' &&
		grep -qx 'ssh server penalties exempt LOCAL' '$TEST_TMP/rc'"
for bad in 'max 0' 'crash' 'foo 3' 'noauth -1' 'grace-exceeded 90000'; do
	printf 'ssh server penalties %s\n' "$bad" >"$TEST_TMP/c.conf"
	out=$("$KSSHD" -t -f "$TEST_TMP/c.conf" 2>&1)
	check "penalties $bad: refused, naming the line" bash -c "grep -q 'line 1' <<<\"\$1\" && grep -q 'penalties' <<<\"\$1\"" _ "$out"
done
for bad in 6:50:3 0 3:0:6 3:101:6 2000 abc 'per-source 0'; do
	printf 'ssh server max-startups %s\n' "$bad" >"$TEST_TMP/c.conf"
	out=$("$KSSHD" -t -f "$TEST_TMP/c.conf" 2>&1)
	check "max-startups $bad: refused, naming the line" bash -c "grep -q 'line 1' <<<\"\$1\" && grep -q 'max-startups' <<<\"\$1\"" _ "$out"
done
done_testing
