#!/bin/bash
# Unauthenticated connection limits (ssh server max-startups START:RATE:FULL
# and per-source N): idle connections that never authenticate fill the
# limit and the next one is refused with a line saying why; authenticated
# sessions never count; one source cannot take another's share; between
# START and FULL connections are dropped at random; the lines round-trip.
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
# idle PORT N [ADDR]: N connections that send a version and never authenticate, held until killed;
# prints "held" once the server has answered every one of them
idle() {
	python3 - "$1" "$2" "${3:-127.0.0.1}" <<'PY' &
import socket, sys, time
socks = []
for _ in range(int(sys.argv[2])):
    s = socket.create_connection((sys.argv[3], int(sys.argv[1])), timeout=10)
    s.sendall(b"SSH-2.0-idle\r\n")
    if not s.makefile("rb").readline().startswith(b"SSH-2.0-"):
        sys.exit(1)
    socks.append(s)
print("held", flush=True)
time.sleep(60)
PY
	IDLE_PID=$!
	PIDS+=($IDLE_PID)
}
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

# the configuration language
printf '%s\n' 'ssh server max-startups 3:50:6' 'ssh server max-startups per-source 2' >"$TEST_TMP/c.conf"
"$KSSHD" -t -f "$TEST_TMP/c.conf" >"$TEST_TMP/rc" 2>&1
check "max-startups lines print back as running-config" \
	bash -c "grep -qx 'ssh server max-startups 3:50:6' '$TEST_TMP/rc' && grep -qx 'ssh server max-startups per-source 2' '$TEST_TMP/rc'"
printf '%s\n' 'ssh server max-startups 3:50:6' 'no ssh server max-startups' >"$TEST_TMP/c.conf"
"$KSSHD" -t -f "$TEST_TMP/c.conf" >"$TEST_TMP/rc" 2>&1
check "no ssh server max-startups: back to the default 10:30:100 (not printed)" bash -c "! grep -q max-startups '$TEST_TMP/rc'"
for bad in 6:50:3 0 3:0:6 3:101:6 2000 abc 'per-source 0'; do
	printf 'ssh server max-startups %s\n' "$bad" >"$TEST_TMP/c.conf"
	out=$("$KSSHD" -t -f "$TEST_TMP/c.conf" 2>&1)
	check "max-startups $bad: refused, naming the line" bash -c "grep -q 'line 1' <<<\"\$1\" && grep -q 'max-startups' <<<\"\$1\"" _ "$out"
done
done_testing
