#!/bin/bash
# The management plane against a running ksshd: ksshctl configure while a
# session is open, a port change, the show commands checked against the real
# sessions (OpenSSH's ssh as the client), history, crypto keys, rate-limit and
# session-limit, DSCP on the wire, a VRF as a network namespace, an access
# list, and the syslog lines.
. "$(dirname "$0")/lib.sh"

CTL=$TOP/$BUILD/ksshctl
U=kt$$m
make_user "$U" "Mgmt-pw-2!" || { echo "not ok 1 - cannot create a user"; exit 1; }
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id"
authorize_key "$U" "$TEST_TMP/id.pub"
PORT=$(pick_port)
start_ksshd "$PORT" "$TEST_TMP/d"
LOG=$TEST_TMP/d/log
export KSSH_CONTROL=$TEST_TMP/d/ctl.sock
to() { # PORT ARGS...: OpenSSH's ssh as the test user
	local p=$1; shift
	ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentityAgent=none \
		-o LogLevel=error -i "$TEST_TMP/id" -p "$p" "$@"
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
export -f to json
export U TEST_TMP CTL

# a session that stays open while the configuration changes
to "$PORT" -o Ciphers=aes256-ctr -o MACs=hmac-sha2-512 -o KexAlgorithms=ecdh-sha2-nistp384 \
	"$U@127.0.0.1" 'echo $SSH_CLIENT > ~/client; sleep 6; echo alive' >"$TEST_TMP/long" 2>&1 &
LONG=$!
for _ in $(seq 50); do [ -s "/home/$U/client" ] && break; sleep 0.1; done
CLIENT_PORT=$(awk '{print $2}' "/home/$U/client")

$CTL show ssh --json >"$TEST_TMP/ssh.json"
check "show ssh --json: the open session with its user, host, port, method, state and type" bash -c "
	[ \"\$(json 'len(d[\"incoming\"])' <'$TEST_TMP/ssh.json')\" = 1 ] &&
	[ \"\$(json '\" \".join(str(d[\"incoming\"][0][k]) for k in (\"userid\",\"host\",\"port\",\"authentication\",\"state\",\"connection_type\",\"ver\"))' <'$TEST_TMP/ssh.json')\" = \
	  '$U 127.0.0.1 $CLIENT_PORT publickey SESSION_OPEN Command-Line-Interface v2' ]"
$CTL show ssh >"$TEST_TMP/ssh.txt"
check "show ssh: the spec's columns and the session's row" bash -c "
	grep -q '^SSH version : ' '$TEST_TMP/ssh.txt' && grep -Eq '^id +chan +pty +location +state +userid +host +ver +authentication +connection type' '$TEST_TMP/ssh.txt' &&
	grep -q '^Incoming sessions' '$TEST_TMP/ssh.txt' && grep -q '^Outgoing sessions' '$TEST_TMP/ssh.txt' &&
	grep -Eq '^[0-9]+ +[0-9]+ +XXX +[^ ]+ +SESSION_OPEN +$U +127.0.0.1 +v2 +publickey +Command-Line-Interface' '$TEST_TMP/ssh.txt'"
$CTL show ssh session details >"$TEST_TMP/details.txt"
check "show ssh session details: the algorithms ssh negotiated, each direction" bash -c "
	grep -Eq '^id +key-exchange +pubkey +incipher +outcipher +inmac +outmac' '$TEST_TMP/details.txt' &&
	grep -Eq '^[0-9]+ +ecdh-sha2-nistp384 +[a-z0-9-]+ +aes256-ctr +aes256-ctr +hmac-sha2-512 +hmac-sha2-512' '$TEST_TMP/details.txt'"

# configure while the session is open: it survives; the change shows in running-config
check "ksshctl configure commits to the running daemon" bash -c "
	printf 'ssh server max-auth-limit 7\nssh server port-forwarding local\nhostname mgmt-test\n' | $CTL configure &&
	$CTL show running-config | grep -qx 'ssh server max-auth-limit 7' && $CTL show running-config ssh | grep -qx 'ssh server port-forwarding local' &&
	! $CTL show running-config ssh | grep -q hostname"
check "a bad line changes nothing and names the line" bash -c "
	! printf 'ssh server max-auth-limit 9\nssh server dscp 99\n' | $CTL configure 2>'$TEST_TMP/err' &&
	grep -q \"line 2: ssh server dscp 99: server dscp '99': must be 0 to 63\" '$TEST_TMP/err' &&
	$CTL show running-config | grep -qx 'ssh server max-auth-limit 7'"
check "show ssh server: the running values" bash -c "$CTL show ssh server >'$TEST_TMP/server' &&
	grep -q 'SSH port := $PORT' '$TEST_TMP/server' && grep -q 'Max Authentication Limit := 7' '$TEST_TMP/server' &&
	grep -q 'Port Forwarding := local' '$TEST_TMP/server' && grep -q 'DSCP := 16' '$TEST_TMP/server' &&
	grep -q 'Sessionlimit := 64' '$TEST_TMP/server' && grep -q 'Ratelimit := 60' '$TEST_TMP/server' &&
	[ \"\$($CTL show ssh server --json | json 'd[\"max_auth_limit\"]')\" = 7 ]"
check "location is the configured hostname" bash -c "$CTL show ssh | grep -q ' mgmt-test '"

# a port change: the new port serves, the old one no longer accepts, the open session goes on
NEWPORT=""
for p in 5520 5521 5522 5523 5524 5525 5526 5527 5528 5529; do
	if ! ss -ltnH "sport = :$p" | grep -q .; then NEWPORT=$p; break; fi
done
check "ssh server port $NEWPORT: committed" bash -c "[ -n '$NEWPORT' ] && printf 'ssh server port $NEWPORT\n' | $CTL configure"
check "the new port serves new connections" bash -c "to $NEWPORT $U@127.0.0.1 echo on-new-port | grep -qx on-new-port"
check "the old port no longer accepts" bash -c "! to $PORT -o ConnectTimeout=3 $U@127.0.0.1 true"
wait $LONG
check "the session opened before the changes survived them" bash -c "[ \$(tail -1 '$TEST_TMP/long') = alive ]"
PORT=$NEWPORT

# connection types and pty as show ssh sees them
to "$PORT" -tt "$U@127.0.0.1" 'tty > ~/tty; sleep 3' >/dev/null 2>&1 &
TTY_PID=$!
HTTP_PORT=$(pick_port)
python3 -m http.server "$HTTP_PORT" --bind 127.0.0.1 >/dev/null 2>&1 &
PIDS+=($!)
FWD_PORT=$(pick_port)
to "$PORT" -N -L "$FWD_PORT:127.0.0.1:$HTTP_PORT" "$U@127.0.0.1" &
FWD_PID=$!
printf 'ls\n' | sftp -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-o IdentityAgent=none -o LogLevel=error -i "$TEST_TMP/id" -P "$PORT" -b - "$U@127.0.0.1" >/dev/null 2>&1 &
for _ in $(seq 50); do [ -s "/home/$U/tty" ] && ss -ltnH "sport = :$FWD_PORT" | grep -q . && break; sleep 0.1; done
curl -s "http://127.0.0.1:$FWD_PORT/" >/dev/null 2>&1 || python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$FWD_PORT/')" >/dev/null 2>&1
sleep 0.3
$CTL show ssh >"$TEST_TMP/types.txt"
check "a pty session shows its pty ($(sed 's|/dev/||' "/home/$U/tty" 2>/dev/null))" bash -c "
	grep -Eq \" \$(sed 's|/dev/||' /home/$U/tty) .*Command-Line-Interface\" '$TEST_TMP/types.txt'"
check "a -L session shows port-forwarded-local" grep -q 'port-forwarded-local' "$TEST_TMP/types.txt"
kill "$FWD_PID" 2>/dev/null
wait "$TTY_PID" "$FWD_PID" 2>/dev/null
# the sessions' ends reach the listener a moment after their clients exit: wait for them
waited() { for _ in $(seq 100); do "$@" && return 0; sleep 0.1; done; return 1; }
check "history: ended sessions with start and end times, the sftp one as sftp-subsystem" waited bash -c "
	$CTL show ssh history --json >'$TEST_TMP/hist.json' &&
	json '\" \".join(s[\"connection_type\"] for s in d[\"incoming\"])' <'$TEST_TMP/hist.json' | grep -q sftp-subsystem &&
	[ \"\$(json 'sum(1 for s in d[\"incoming\"] if s[\"state\"] == \"SESSION_OPEN\" and s[\"userid\"] == \"$U\" and s[\"start_time\"] and s[\"end_time\"]) >= 4' <'$TEST_TMP/hist.json')\" = True ] &&
	$CTL show ssh history details | grep -Eq ' UTC .* UTC '"
check "history keeps the last 100" bash -c "
	printf 'ssh server rate-limit 600\n' | $CTL configure &&
	for i in \$(seq 1 102); do to $PORT $U@127.0.0.1 true || exit 1; done &&
	for i in \$(seq 100); do [ \"\$($CTL show ssh history --json | json 'len(d[\"incoming\"])')\" = 100 ] && exit 0; sleep 0.1; done; exit 1"

# crypto keys
PUB_ED=$TEST_TMP/d/keys/ssh_host_ed25519_key.pub
raw_ed() { awk '{print $2}' "$1" | base64 -d | tail -c 32 | od -An -tx1 | tr -d ' \n' | tr a-f A-F; }
export -f raw_ed
check "show crypto key mypubkey ed25519: the host key's bytes" bash -c "
	[ \"\$($CTL show crypto key mypubkey ed25519 --json | json 'd[\"keys\"][0][\"data\"]')\" = \"\$(raw_ed '$PUB_ED')\" ] &&
	$CTL show crypto key mypubkey ed25519 | grep -q '^Type      : ED25519'"
check "crypto key zeroize ed25519: gone from mypubkey and from the handshake" bash -c "
	$CTL crypto key zeroize ed25519 && [ \"\$($CTL show crypto key mypubkey ed25519 --json | json 'len(d[\"keys\"])')\" = 0 ] &&
	! to $PORT -o HostKeyAlgorithms=ssh-ed25519 $U@127.0.0.1 true && to $PORT $U@127.0.0.1 true"
check "crypto key generate ed25519: a new key, served at once" bash -c "
	$CTL crypto key generate ed25519 && [ -f '$PUB_ED' ] &&
	[ \"\$($CTL show crypto key mypubkey ed25519 --json | json 'd[\"keys\"][0][\"data\"]')\" = \"\$(raw_ed '$PUB_ED')\" ] &&
	for i in 1 2 3 4 5; do
		ssh-keyscan -t ed25519 -p $PORT 127.0.0.1 >'$TEST_TMP/keyscan' 2>&1
		grep -qF \"\$(awk '{print \$2}' '$PUB_ED')\" '$TEST_TMP/keyscan' && exit 0
		echo \"# keyscan \$i: \$(tr '\\n' ' ' <'$TEST_TMP/keyscan')\" >&2; sleep 0.5
	done; tail -8 '$TEST_TMP/d/log' >&2; exit 1"
check "show crypto key mypubkey ecdsa: the three curves" bash -c "
	[ \$($CTL show crypto key mypubkey ecdsa | grep -c '^Type      : ECDSA General Curve Nistp') -eq 3 ]"
check "--json: running-config and tech-support are single JSON documents" bash -c "
	[ \"\$($CTL show running-config --json | json '\"ssh server max-auth-limit 7\" in d[\"lines\"]')\" = True ] &&
	[ \"\$($CTL show tech-support ssh --json | json 'sorted(d)')\" = \"['history_details', 'mypubkey', 'running_config', 'server', 'session_details', 'ssh']\" ]"
check "configure from a file: a bad line names the file and line" bash -c "printf 'ssh timeout 500\n' >'$TEST_TMP/bad.conf' &&
	! $CTL configure '$TEST_TMP/bad.conf' 2>'$TEST_TMP/err' && grep -q \"$TEST_TMP/bad.conf line 1: ssh timeout 500: timeout '500': must be 5 to 120 seconds\" '$TEST_TMP/err'"
check "show tech-support ssh gathers the show commands" bash -c "$CTL show tech-support ssh >'$TEST_TMP/tech' &&
	grep -q 'SSH Server Parameters' '$TEST_TMP/tech' && grep -q 'Key label: the_default' '$TEST_TMP/tech' &&
	grep -q 'ssh server max-auth-limit 7' '$TEST_TMP/tech'"

# rate-limit and session-limit, on their own daemon
PORT2=$(pick_port)
printf 'ssh server rate-limit 3\nssh server session-limit 2\n' >"$TEST_TMP/limits.conf"
start_ksshd "$PORT2" "$TEST_TMP/d2" -f "$TEST_TMP/limits.conf"
banner() { python3 -c "
import socket; s = socket.create_connection(('127.0.0.1', $1)); s.settimeout(5)
print(s.recv(200).decode(errors='replace').strip())"; }
export -f banner
# start_ksshd's port probe is a connection too: it must have left before two sessions fill the limit
for _ in $(seq 300); do [ "$($CTL -s "$TEST_TMP/d2/ctl.sock" show ssh --json | json 'len(d["incoming"])')" = 0 ] && break; sleep 0.1; done
to "$PORT2" "$U@127.0.0.1" 'sleep 60' & S1=$!
to "$PORT2" "$U@127.0.0.1" 'sleep 60' & S2=$!
# wait on the condition, not the clock: the registry shows both sessions open
live2() { $CTL -s "$TEST_TMP/d2/ctl.sock" show ssh --json | json 'sum(s["state"] == "SESSION_OPEN" for s in d["incoming"])'; }
for _ in $(seq 300); do [ "$(live2)" = 2 ] && break; sleep 0.1; done
check "session-limit 2: a third connection gets the limit's banner" bash -c "banner $PORT2 | grep -q 'session limit (2) reached'"
# $S1/$S2 are the shells running `to`: end their ssh clients, which ends the sessions
pkill -P $S1; pkill -P $S2
wait $S1 $S2 2>/dev/null
for _ in $(seq 300); do [ "$($CTL -s "$TEST_TMP/d2/ctl.sock" show ssh --json | json 'len(d["incoming"])')" = 0 ] && break; sleep 0.1; done
check "rate-limit 3 per minute: the next one gets the rate banner" bash -c "banner $PORT2 | grep -q 'rate limit (3 connections per minute) exceeded'"
check "both refusals are logged" bash -c "grep -q 'refused: session limit (2) reached' '$TEST_TMP/d2/log' &&
	grep -q 'refused: rate limit (3 per minute) exceeded' '$TEST_TMP/d2/log'"

# DSCP on the wire: the server's packets, and a forwarded connection's
printf 'ssh server dscp 46\n' | $CTL configure
timeout 30 tcpdump -i lo -n -v -c 6 "tcp and src port $PORT" >"$TEST_TMP/dump" 2>/dev/null &
DUMP=$!
sleep 1
to "$PORT" "$U@127.0.0.1" 'head -c 200000 /dev/zero' >/dev/null
wait $DUMP
check "ssh server dscp 46: the server's packets carry tos 0xb8 (tcpdump)" bash -c "[ \$(grep -c 'tos 0xb8' '$TEST_TMP/dump') -ge 6 ]"
timeout 30 tcpdump -i lo -n -v -c 4 "tcp and dst port $PORT" >"$TEST_TMP/dumpc" 2>/dev/null &
DUMP=$!
sleep 1
"$KSSH" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentityAgent=none -i "$TEST_TMP/id" \
	-p "$PORT" "$U@127.0.0.1" 'head -c 200000 /dev/zero' >/dev/null 2>&1
wait $DUMP
check "kssh marks its own packets with the client default, DSCP 16 (tos 0x40)" bash -c "[ \$(grep -c 'tos 0x40' '$TEST_TMP/dumpc') -ge 4 ]"
timeout 30 tcpdump -i lo -n -v -c 3 "tcp and dst port $HTTP_PORT" >"$TEST_TMP/dumpf" 2>/dev/null &
DUMP=$!
sleep 1
FWD2=$(pick_port)
to "$PORT" -L "$FWD2:127.0.0.1:$HTTP_PORT" "$U@127.0.0.1" "sleep 3" &
F2=$!
sleep 1.5
python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$FWD2/')" >/dev/null 2>&1
wait $DUMP $F2
check "a forwarded connection ksshd opens carries the server's DSCP too" bash -c "[ \$(grep -c 'tos 0xb8' '$TEST_TMP/dumpf') -ge 3 ]"

# the client's lines of the configuration file: kssh reads them (the command line would override)
printf '%s\n' 'ssh client algorithms cipher aes192-ctr' "ssh client knownhost $TEST_TMP/kh" 'ssh client dscp 8' \
	'ssh client auth-method public-key' 'ssh server rate-limit 5' >"$TEST_TMP/client.conf"
timeout 30 tcpdump -i lo -n -v -c 4 "tcp and dst port $PORT" >"$TEST_TMP/dumpk" 2>/dev/null &
DUMP=$!
sleep 1
KSSH_CONFIG=$TEST_TMP/client.conf "$KSSH" -o StrictHostKeyChecking=accept-new -o IdentityAgent=none -i "$TEST_TMP/id" \
	-p "$PORT" "$U@127.0.0.1" 'head -c 100000 /dev/zero' >/dev/null 2>"$TEST_TMP/kerr"
krc=$?
wait $DUMP
sleep 0.3
check "kssh with ssh client lines: the session used the configured cipher" bash -c "[ $krc -eq 0 ] &&
	[ \"\$($CTL show ssh history --json | json 'd[\"incoming\"][-1][\"incipher\"]')\" = aes192-ctr ]"
check "ssh client knownhost: the host key was recorded in that file" bash -c "ssh-keygen -F '[127.0.0.1]:$PORT' -f '$TEST_TMP/kh' | grep -q ."
check "ssh client dscp 8: kssh's packets carry tos 0x20" bash -c "[ \$(grep -c 'tos 0x20' '$TEST_TMP/dumpk') -ge 4 ]"
make_askpass "$TEST_TMP/ap" "Mgmt-pw-2!"
printf '%s\n' 'ssh client auth-method password' >"$TEST_TMP/client2.conf"
check "ssh client auth-method password: kssh logs in by password although it has a key" bash -c "
	KSSH_CONFIG='$TEST_TMP/client2.conf' with_askpass '$TEST_TMP/ap' '$KSSH' -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o IdentityAgent=none -i '$TEST_TMP/id' -p $PORT $U@127.0.0.1 true && sleep 0.3 &&
	[ \"\$($CTL show ssh history --json | json 'd[\"incoming\"][-1][\"authentication\"]')\" = password ]"

# outgoing sessions: local clients report to the daemon; the user is the socket's, not the client's word
export KSSH_CLIENTS_SOCKET=$TEST_TMP/d/ctl.sock.clients
cp "$TEST_TMP/id" "/home/$U/id" && chown "$U:" "/home/$U/id"
chmod 755 "$TEST_TMP" "$TEST_TMP/d" # the user's kssh must reach the clients socket
su "$U" -s /bin/bash -c "KSSH_CLIENTS_SOCKET='$KSSH_CLIENTS_SOCKET' '$KSSH' -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o IdentityAgent=none -i /home/$U/id -p $PORT $U@127.0.0.1 'sleep 3'" &
OUT_PID=$!
for _ in $(seq 50); do $CTL show ssh --json | json 'len(d["outgoing"])' | grep -qx 1 && break; sleep 0.1; done
sleep 0.5
$CTL show ssh --json >"$TEST_TMP/out.json"
$CTL show ssh session details --json >"$TEST_TMP/det.json"
$CTL show ssh >"$TEST_TMP/out.txt"
check "show ssh lists kssh's connection as an outgoing session of its user" bash -c "
	[ \"\$(json '\" \".join(str(d[\"outgoing\"][0][k]) for k in (\"userid\",\"host\",\"port\",\"state\",\"authentication\",\"connection_type\"))' <'$TEST_TMP/out.json')\" = \
	  '$U 127.0.0.1 $PORT SESSION_OPEN publickey Command-Line-Interface' ]"
check "the outgoing session's algorithms are those of its incoming side" bash -c "
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
out = d[\"outgoing\"][0]
ins = [s for s in d[\"incoming\"] if s[\"client_version\"].startswith(\"SSH-2.0-kssh\")]
keys = (\"key_exchange\", \"pubkey\", \"incipher\", \"outcipher\")
sys.exit(0 if ins and out[\"key_exchange\"] and all(out[k] == ins[0][k] for k in keys) else 1)' '$TEST_TMP/det.json' &&
	grep -A3 '^Outgoing sessions' '$TEST_TMP/out.txt' | grep -q ' $U '"
wait $OUT_PID
sleep 0.3
check "the ended outgoing session is in the history" bash -c "
	[ \"\$($CTL show ssh history --json | json 'd[\"outgoing\"][-1][\"userid\"]')\" = '$U' ]"

# the clients socket is open to every local user: what they send is bounded, and they cannot crowd it
cat >"$TEST_TMP/flood_clients.py" <<'PY'
import socket, sys, time
socks = []
for i in range(20):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        s.connect(sys.argv[1])
    except OSError:
        continue
    for msg in (b"user\troot", b"host\t\x1b[31mred\x07", b"port\t99999", b"state\t" + b"A" * 2000, b"junk-without-tab"):
        try:
            s.send(msg)
        except OSError:
            pass
    socks.append(s)
time.sleep(float(sys.argv[2]))
PY
chmod 644 "$TEST_TMP/flood_clients.py"
su "$U" -s /bin/bash -c "python3 '$TEST_TMP/flood_clients.py' '$KSSH_CLIENTS_SOCKET' 4" &
FLOODC=$!
sleep 1.5
$CTL show ssh --json >"$TEST_TMP/crowd.json"
check "a local user's 20 fake reports: at most 16 listed, under their own name, printable, bounded" bash -c "
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
out = d[\"outgoing\"]
ok = 0 < len(out) <= 16 and all(s[\"userid\"] == sys.argv[2] for s in out)
ok = ok and all(all(0x20 <= ord(c) < 0x7f for c in s[\"host\"] + s[\"state\"]) and len(s[\"state\"]) < 24 for s in out)
ok = ok and all(s[\"port\"] != 99999 for s in out)
sys.exit(0 if ok else 1)' '$TEST_TMP/crowd.json' $U"
check "incoming sessions still work and are listed meanwhile" bash -c "to $PORT $U@127.0.0.1 'echo fine' | grep -qx fine"
wait $FLOODC
check "ksshctl as an ordinary user is refused" bash -c "! su $U -s /bin/bash -c 'KSSH_CONTROL=$KSSH_CONTROL $CTL show ssh' >/dev/null 2>&1"
check "an oversized control request is refused, and the daemon goes on" bash -c "
	python3 -c 'import socket,sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
try:
    s.sendall(b\"configure\\n\" + b\"ssh timeout 60\\n\" * 10000)
except OSError:
    pass
s.shutdown(socket.SHUT_WR); r = s.recv(200); sys.exit(0 if r.startswith(b\"error\\nrequest too large\") else 1)' '$KSSH_CONTROL' &&
	$CTL show ssh server >/dev/null"

# a VRF: ksshd listening inside a network namespace, reached through a veth pair; an access list on it
NS=ksv$$
ip netns add "$NS" || { echo "not ok - cannot create a namespace"; exit 1; }
CLEANUP_CMDS+=("ip netns del $NS")
ip link add "vh$$" type veth peer name "vn$$" netns "$NS"
ip addr add 10.81.0.1/24 dev "vh$$"; ip addr add 10.81.0.3/24 dev "vh$$"; ip link set "vh$$" up
ip -n "$NS" addr add 10.81.0.2/24 dev "vn$$"; ip -n "$NS" link set "vn$$" up; ip -n "$NS" link set lo up
CLEANUP_CMDS+=("ip link del vh$$")
check "ssh server vrf $NS with an access list: committed" bash -c "printf '%s\n' \
	'ipv4 access-list MGMT 10 deny host 10.81.0.3' 'ipv4 access-list MGMT 20 permit any' \
	'ssh server vrf $NS ipv4 access-list MGMT' | $CTL configure"
check "the daemon listens inside the namespace: ssh to 10.81.0.2 works" bash -c "
	to $PORT -b 10.81.0.1 $U@10.81.0.2 'echo in-vrf' | grep -qx in-vrf"
check "the default VRF is no longer served (only $NS is configured)" bash -c "! to $PORT -o ConnectTimeout=3 $U@127.0.0.1 true"
check "the access list closes a denied source at accept" bash -c "! to $PORT -o ConnectTimeout=5 -b 10.81.0.3 $U@10.81.0.2 true &&
	grep -q 'connection from 10.81.0.3 port [0-9]* vrf $NS denied by access list' '$LOG'"
check "show ssh server lists the VRF and its access list" bash -c "$CTL show ssh server | grep -q 'vrfname:=$NS(v4-acl:=MGMT, v6-acl:=)'"
check "back to the default VRF" bash -c "printf 'no ssh server vrf $NS\n' | $CTL configure && to $PORT $U@127.0.0.1 true"

# syslog lines in the spec's format: opened, authenticated, failed, closed
to "$PORT" -o PreferredAuthentications=password -o NumberOfPasswordPrompts=0 "nosuchuser@127.0.0.1" true 2>/dev/null
sleep 0.3
make_askpass "$TEST_TMP/ap_wrong" "not-the-password"
with_askpass "$TEST_TMP/ap_wrong" ossh_pw -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 \
	-p "$PORT" "$U@127.0.0.1" true 2>/dev/null
sleep 0.3
check "syslog: a failed authentication" grep -Eq "%SECURITY-SSHD-4-ERR_GENERAL : 127.0.0.1 port [0-9]+: password authentication failed for user '$U'" "$LOG"
check "syslog: connection opened" grep -Eq '%SECURITY-SSHD-6-INFO_GENERAL : connection from 127.0.0.1 port [0-9]+$' "$LOG"
check "syslog: authenticated" grep -Eq "%SECURITY-SSHD-6-INFO_GENERAL : User '$U' authenticated from 127.0.0.1 port [0-9]+ by publickey" "$LOG"
check "syslog: closed with the reason" grep -Eq '%SECURITY-SSHD-6-INFO_GENERAL : connection from 127.0.0.1 port [0-9]+ closed: ' "$LOG"
check "syslog: a configuration commit" grep -q '%SECURITY-SSHD-6-INFO_GENERAL : configuration committed' "$LOG"
done_testing
