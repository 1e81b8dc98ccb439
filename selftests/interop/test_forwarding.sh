#!/bin/bash
# Remote forwarding (ssh -R), agent forwarding (ssh -A) and the channel limit, OpenSSH's ssh
# against ksshd: a fixed and a kernel-chosen port carrying 48 MiB byte-exact, cancel through a
# ControlMaster, refused when off and for a no-port-forwarding key, permitlisten; ssh-add -l
# through the forwarded agent, the socket's mode, owner and removal; 200 channels on one
# connection, the limit.
. "$(dirname "$0")/lib.sh"

U=fwd$$
make_user "$U"
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id"
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id_nofwd"
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id_listen"
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id_noagent"
authorize_key "$U" "$TEST_TMP/id_noagent.pub" "no-agent-forwarding"
authorize_key "$U" "$TEST_TMP/id.pub"
authorize_key "$U" "$TEST_TMP/id_nofwd.pub" "no-port-forwarding"
FIXED=$(pick_port)
authorize_key "$U" "$TEST_TMP/id_listen.pub" "permitlisten=\"localhost:$FIXED\""

# a local HTTP service with 48 MiB of random bytes
mkdir -p "$TEST_TMP/www"
head -c 48M /dev/urandom >"$TEST_TMP/www/big"
WANT=$(sha256sum <"$TEST_TMP/www/big" | cut -d' ' -f1)
http_service "$TEST_TMP/www"

printf '%s\n' 'ssh server port-forwarding remote' 'ssh server agent-forwarding' 'ssh server rate-limit 600' \
	>"$TEST_TMP/on.conf"
PORT=$(pick_port)
start_ksshd "$PORT" "$TEST_TMP/k" -f "$TEST_TMP/on.conf"
PORT_OFF=$(pick_port)
start_ksshd "$PORT_OFF" "$TEST_TMP/off"
LOG=$TEST_TMP/k/log

logged() { for _ in $(seq 50); do grep -qF -- "$2" "$1" && return 0; sleep 0.1; done; return 1; }
# stop a client started in the background (a function runs in a subshell: its ssh is a child)
stop() { pkill -P "$1" 2>/dev/null; kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
# fetch_sum PORT: the sha256 of the file fetched through 127.0.0.1:PORT
fetch_sum() { fetch "http://127.0.0.1:$1/big" | sha256sum | cut -d' ' -f1; }
# wait until something listens on PORT (the forward is up)
listening() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

fixed_port() {
	ossh_keys -i "$TEST_TMP/id" -p "$PORT" -N -R "$FIXED:127.0.0.1:$SVC" "$U@127.0.0.1" 2>"$TEST_TMP/err" &
	local pid=$! sum
	listening "$FIXED" && sum=$(fetch_sum "$FIXED")
	stop "$pid"
	[ "$sum" = "$WANT" ] || { echo "# got ${sum:-nothing}"; sed 's/^/# /' "$TEST_TMP/err"; return 1; }
	logged "$LOG" "remote forwarding from localhost:$FIXED (listening on port $FIXED) for user $U" ||
		{ echo "# no log line"; grep PORT_FWD "$LOG" | tail -3 | sed 's/^/# /'; return 1; }
}
check "ssh -R with a fixed port: 48 MiB byte-exact through ksshd, logged" fixed_port

dynamic_port() {
	ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o IdentityAgent=none -o LogLevel=info -i "$TEST_TMP/id" -p "$PORT" -N -R "0:127.0.0.1:$SVC" \
		"$U@127.0.0.1" 2>"$TEST_TMP/err" &
	local pid=$! port="" sum
	for _ in $(seq 100); do
		port=$(sed -n 's/^Allocated port \([0-9]*\) for remote forward.*/\1/p' "$TEST_TMP/err")
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] && listening "$port" && sum=$(fetch_sum "$port")
	stop "$pid"
	[ "$sum" = "$WANT" ] || { echo "# port '${port}', got ${sum:-nothing}"; sed 's/^/# /' "$TEST_TMP/err"; return 1; }
}
check "ssh -R 0 (the port ksshd's kernel picks, reported to ssh): 48 MiB byte-exact" dynamic_port

# through a ControlMaster: add a forward, use it, cancel it, and the port is closed
cancel() {
	local ctl=$TEST_TMP/ctl p2 ok=1
	p2=$(pick_port)
	ossh_keys -i "$TEST_TMP/id" -p "$PORT" -M -S "$ctl" -N -f "$U@127.0.0.1" || return 1
	ossh_keys -S "$ctl" -O forward -R "$p2:127.0.0.1:$SVC" "$U@127.0.0.1" 2>/dev/null &&
		listening "$p2" && [ "$(fetch_sum "$p2")" = "$WANT" ] || { echo "# the forward did not work"; ok=0; }
	ossh_keys -S "$ctl" -O cancel -R "$p2:127.0.0.1:$SVC" "$U@127.0.0.1" 2>/dev/null || { echo "# cancel failed"; ok=0; }
	local closed=0
	for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$p2") 2>/dev/null || { closed=1; break; }; sleep 0.1; done
	[ $closed = 1 ] || { echo "# still listening after cancel"; ok=0; }
	ossh_keys -S "$ctl" -O exit -p "$PORT" "$U@127.0.0.1" 2>/dev/null
	[ $ok = 1 ] && logged "$LOG" "remote forwarding from localhost:$p2 cancelled" ||
		{ echo "# no cancel line"; grep PORT_FWD "$LOG" | tail -3 | sed 's/^/# /'; return 1; }
}
check "-O forward -R then -O cancel through a ControlMaster: the port closes" cancel

refused() {
	local port=$1 key=$2 why=$3 log=$4 out
	out=$(ossh_keys -o ExitOnForwardFailure=yes -i "$key" -p "$port" -R "$(pick_port):127.0.0.1:$SVC" \
		"$U@127.0.0.1" true 2>&1)
	[ $? -eq 255 ] && grep -q 'remote port forwarding failed' <<<"$out" || { echo "# $out"; return 1; }
	logged "$log" "$why"
}
check "remote forwarding refused when not configured (and logged)" \
	refused "$PORT_OFF" "$TEST_TMP/id" "refused: not enabled" "$TEST_TMP/off/log"
check "remote forwarding refused for a no-port-forwarding key (and logged)" \
	refused "$PORT" "$TEST_TMP/id_nofwd" "refused: not permitted for this key" "$LOG"

permitlisten() {
	local other
	other=$(pick_port)
	ossh_keys -o ExitOnForwardFailure=yes -i "$TEST_TMP/id_listen" -p "$PORT" -N -R "$FIXED:127.0.0.1:$SVC" \
		"$U@127.0.0.1" 2>/dev/null &
	local pid=$! sum
	listening "$FIXED" && sum=$(fetch_sum "$FIXED")
	stop "$pid"
	[ "$sum" = "$WANT" ] || { echo "# the permitted port did not forward"; return 1; }
	! ossh_keys -o ExitOnForwardFailure=yes -i "$TEST_TMP/id_listen" -p "$PORT" -R "$other:127.0.0.1:$SVC" \
		"$U@127.0.0.1" true 2>/dev/null && logged "$LOG" "refused: not in the key's permitlisten"
}
check "permitlisten=\"localhost:PORT\" allows that port and refuses another" permitlisten

check "show ssh server reports remote forwarding" bash -c \
	"'$TOP/$BUILD/ksshctl' -s '$TEST_TMP/k/ctl.sock' show ssh server | grep -q 'Port Forwarding := remote'"

# agent forwarding: a real ssh-agent on this side holding a key ksshd has never seen
eval "$(ssh-agent -s)" >/dev/null
CLEANUP_CMDS+=("kill $SSH_AGENT_PID")
ssh-keygen -q -t ecdsa -N '' -C agent-key -f "$TEST_TMP/agentkey"
ssh-add -q "$TEST_TMP/agentkey" 2>/dev/null
AGENT_FP=$(ssh-keygen -lf "$TEST_TMP/agentkey.pub" | awk '{print $2}')
agent_ssh() {
	local port=$1 key=$2; shift 2
	ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o IdentitiesOnly=yes -o LogLevel=error -i "$key" -A -p "$port" "$U@127.0.0.1" "$@"
}
agent_works() {
	local out sock
	out=$(agent_ssh "$PORT" "$TEST_TMP/id" 'ssh-add -l; s=$SSH_AUTH_SOCK; echo "sock $s";
		stat -c "mode %a %U" "$s"; stat -c "dir %a %U" "$(dirname "$s")"' 2>&1)
	sock=$(sed -n 's/^sock //p' <<<"$out")
	grep -q "$AGENT_FP" <<<"$out" && grep -qx "mode 600 $U" <<<"$out" && grep -qx "dir 700 $U" <<<"$out" ||
		{ echo "$out" | sed 's/^/# /'; return 1; }
	# gone when the connection ends
	for _ in $(seq 30); do [ -e "$sock" ] || break; sleep 0.1; done
	[ -n "$sock" ] && [ ! -e "$sock" ] && [ ! -e "$(dirname "$sock")" ] || { echo "# $sock left behind"; return 1; }
}
check "ssh -A: ssh-add -l in the session lists the client's key; socket 0600 in a 0700 dir of the user; removed at the end" agent_works
agent_refused() {
	local port=$1 key=$2 log=$3 why=$4 out
	out=$(agent_ssh "$port" "$key" 'echo "sock ${SSH_AUTH_SOCK:-none}"' 2>&1)
	grep -qx 'sock none' <<<"$out" || { echo "# $out"; return 1; }
	logged "$log" "$why"
}
check "agent forwarding refused when not configured (no SSH_AUTH_SOCK, logged)" \
	agent_refused "$PORT_OFF" "$TEST_TMP/id" "$TEST_TMP/off/log" "Agent Forwarding, refused for user $U: not enabled"
check "agent forwarding refused for a no-agent-forwarding key (logged)" \
	agent_refused "$PORT" "$TEST_TMP/id_noagent" "$LOG" "Agent Forwarding, refused for user $U: not permitted for this key"

# show ssh while they run, and show ssh history after
shows_type() {
	local want=$1; shift
	"$@" &
	local pid=$! out=""
	for _ in $(seq 50); do
		out=$("$TOP/$BUILD/ksshctl" -s "$TEST_TMP/k/ctl.sock" show ssh 2>&1)
		grep -q -- "$want" <<<"$out" && break
		sleep 0.1
	done
	stop "$pid"
	grep -q -- "$want" <<<"$out" || { echo "$out" | tail -5 | sed 's/^/# /'; return 1; }
	for _ in $(seq 50); do
		"$TOP/$BUILD/ksshctl" -s "$TEST_TMP/k/ctl.sock" show ssh history 2>&1 | grep -q -- "$want" && return 0
		sleep 0.1
	done
	echo "# not in show ssh history"
	return 1
}
check "show ssh and its history show a remote-forwarding connection as port-forwarded-remote" \
	shows_type port-forwarded-remote ossh_keys -i "$TEST_TMP/id" -p "$PORT" -N -R "$(pick_port):127.0.0.1:$SVC" "$U@127.0.0.1"
check "show ssh and its history show an agent-forwarding session (Command-Line-Interface+agent-forwarded)" \
	shows_type Command-Line-Interface+agent-forwarded agent_ssh "$PORT" "$TEST_TMP/id" 'sleep 5'

# GatewayPorts: a client asking for the wildcard address gets loopback unless gateway-ports is configured
printf '%s\n' 'ssh server port-forwarding remote gateway-ports' 'ssh server rate-limit 600' >"$TEST_TMP/gw.conf"
PORT_GW=$(pick_port)
start_ksshd "$PORT_GW" "$TEST_TMP/gw" -f "$TEST_TMP/gw.conf"
# bound_to SERVER ADDR [ALSO...]: a -R 0.0.0.0 forward through SERVER listens on ADDR,
# and on nothing but ADDR and the ALSO addresses (the IPv6 twin, where the host has one)
bound_to() {
	local server=$1 want=$2 fp addr="" a
	shift
	fp=$(pick_port)
	ossh_keys -i "$TEST_TMP/id" -p "$server" -N -R "0.0.0.0:$fp:127.0.0.1:$SVC" "$U@127.0.0.1" 2>/dev/null &
	local pid=$!
	for _ in $(seq 50); do
		addr=$(ss -Hltn "sport = :$fp" | awk '{print $4}' | tr '\n' ' ')
		grep -qF -- " $want:$fp " <<<" $addr" && break
		sleep 0.1
	done
	stop "$pid"
	grep -qF -- " $want:$fp " <<<" $addr" || { echo "# listening on '${addr}', wanted $want:$fp"; return 1; }
	for a in $addr; do
		local ok=0 w
		for w in "$@"; do [ "$a" = "$w:$fp" ] && ok=1; done
		[ $ok = 1 ] || { echo "# also listening on $a"; return 1; }
	done
}
check "-R 0.0.0.0:PORT without gateway-ports listens on loopback only" bound_to "$PORT" 127.0.0.1 '[::1]'
check "-R 0.0.0.0:PORT with 'remote gateway-ports' listens on every address" bound_to "$PORT_GW" 0.0.0.0 '[::]'

gone_after() {
	local fp
	fp=$(pick_port)
	ossh_keys -i "$TEST_TMP/id" -p "$PORT" -N -R "$fp:127.0.0.1:$SVC" "$U@127.0.0.1" 2>/dev/null &
	local pid=$!
	listening "$fp" || return 1
	stop "$pid"
	for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$fp") 2>/dev/null || return 0; sleep 0.1; done
	echo "# port $fp still open after the connection ended"
	return 1
}
check "a remote forward's port closes when the connection ends" gone_after

# 200 sessions at once on one connection, through a ControlMaster
many_channels() {
	local ctl=$TEST_TMP/ctl200 n=200 ok
	ossh_keys -i "$TEST_TMP/id" -p "$PORT" -M -S "$ctl" -N -f "$U@127.0.0.1" || return 1
	local pids=()
	for i in $(seq $n); do
		ossh_keys -S "$ctl" "$U@127.0.0.1" "sleep 3; echo $i" >"$TEST_TMP/ch.$i" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}" 2>/dev/null # every client has its answer (or its error)
	ok=0
	for i in $(seq $n); do [ "$(cat "$TEST_TMP/ch.$i")" = "$i" ] && ok=$((ok + 1)); done
	ossh_keys -S "$ctl" -O exit -p "$PORT" "$U@127.0.0.1" 2>/dev/null
	[ $ok -eq $n ] || { echo "# $ok of $n channels answered"; grep -h -v '^[0-9]*$' "$TEST_TMP"/ch.* | sort | uniq -c | head -3 | sed 's/^/# /'; return 1; }
}
check "200 sessions at once on one connection (ControlMaster): every one answers" many_channels

# the limit itself: max-channels 5
printf '%s\n' 'ssh server max-channels 5' 'ssh server rate-limit 600' >"$TEST_TMP/five.conf"
P5=$(pick_port)
start_ksshd "$P5" "$TEST_TMP/five" -f "$TEST_TMP/five.conf"
at_limit() {
	local ctl=$TEST_TMP/ctl5 out
	ossh_keys -i "$TEST_TMP/id" -p "$P5" -M -S "$ctl" -N -f "$U@127.0.0.1" || return 1
	local pids=() n=0
	for i in 1 2 3 4 5; do ossh_keys -S "$ctl" "$U@127.0.0.1" "sleep 4" >/dev/null 2>&1 & pids+=($!); done
	# the five sessions hold their channels once their commands run
	for _ in $(seq 100); do n=$(pgrep -u "$U" -fx 'sleep 4' | wc -l); [ "$n" -ge 5 ] && break; sleep 0.1; done
	[ "$n" -ge 5 ] || { echo "# only $n sessions started"; return 1; }
	out=$(ossh_keys -S "$ctl" "$U@127.0.0.1" true 2>&1)
	local rc=$?
	wait "${pids[@]}" 2>/dev/null
	ossh_keys -S "$ctl" -O exit -p "$P5" "$U@127.0.0.1" 2>/dev/null
	# OpenSSH's multiplexer reports only "Session open refused by peer"; the reason is in ksshd's log
	[ $rc -ne 0 ] && grep -q 'Session open refused' <<<"$out" || { echo "# rc $rc: $out"; return 1; }
	logged "$TEST_TMP/five/log" "session channel refused: channel limit (5) reached"
}
check "max-channels 5: five sessions run, the sixth is refused with the reason (and logged)" at_limit

done_testing
