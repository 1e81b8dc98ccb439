#!/bin/bash
# Faults: kill -9 of a connection's process (the monitor) and of a session's
# user process leave the listener serving and its registry consistent (the
# session leaves show ssh for the history); a listener that is stopped and
# started again leaves the open sessions working.
. "$(dirname "$0")/lib.sh"

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
waited() { for _ in $(seq 100); do "$@" && return 0; sleep 0.1; done; return 1; }
P=$(pick_port)
start_ksshd "$P" "$TEST_TMP/k"
CTL="$TOP/$BUILD/ksshctl -s $TEST_TMP/k/ctl.sock"
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id"
make_user kfault 'Fault-pw1' || exit 1
authorize_key kfault "$TEST_TMP/id.pub"
live() { $CTL show ssh --json | json 'sum(s["state"] == "SESSION_OPEN" for s in d["incoming"])'; }
ended() { $CTL show ssh history --json | json 'len(d["incoming"])'; }

echo_ok() { # FD_IN FD_OUT WORD: a line through an echo session
	local line
	echo "$3" >&"$1" && read -r -t 10 line <&"$2" && [ "$line" = "$3" ]
}
coproc S1 { ossh_keys -i "$TEST_TMP/id" -p "$P" kfault@127.0.0.1 'echo started; cat'; }
read -r -t 20 l1 <&"${S1[0]}"
coproc S2 { ossh_keys -i "$TEST_TMP/id" -p "$P" kfault@127.0.0.1 'echo started; cat'; }
read -r -t 20 l2 <&"${S2[0]}"
check "two sessions open and echo" bash -c "[ '$l1' = started ] && [ '$l2' = started ] && [ \"\$($(declare -f live json); CTL='$CTL' live)\" = 2 ]"

listener=$(pgrep -P "${PIDS[0]}" ksshd)
# the connection's process (the listener's child) above a process
conn_of() { local p=$1; while [ "$(ps -o ppid= -p "$p" | tr -d ' ')" != "$listener" ]; do p=$(ps -o ppid= -p "$p" | tr -d ' '); [ "$p" -gt 1 ] || return 1; done; echo "$p"; }
cats=($(pgrep -u kfault -x cat))
m1=$(conn_of "${cats[0]}") m2=$(conn_of "${cats[1]}")
check "each session has its connection's process under the listener ($m1, $m2)" bash -c "[ -n '$m1' ] && [ -n '$m2' ] && [ '$m1' != '$m2' ]"
# which session is which: the first cat's
s1_in=${S1[1]} s1_out=${S1[0]} s2_in=${S2[1]} s2_out=${S2[0]} s1_pid=$S1_PID s2_pid=$S2_PID
kill -9 "$m1"
check "kill -9 of a connection's process: one of the two clients sees its connection end" \
	waited bash -c "! kill -0 $s1_pid 2>/dev/null || ! kill -0 $s2_pid 2>/dev/null"
if kill -0 "$s1_pid" 2>/dev/null; then
	s2_in=${S1[1]} s2_out=${S1[0]} s2_pid=$S1_PID
fi
check "... the registry drops it: one session live, one in the history" \
	waited bash -c "$(declare -f live ended json); CTL='$CTL'; [ \"\$(live)\" = 1 ] && [ \"\$(ended)\" -ge 1 ]"
check "... the other session still echoes" echo_ok "$s2_in" "$s2_out" still-here
check "... the listener serves a new login" \
	bash -c "[ \"\$(ossh_keys -i '$TEST_TMP/id' -p $P kfault@127.0.0.1 id -un)\" = kfault ]"

# kill -9 of the user's own process (the one serving the connection, as kfault): the monitor sees it end
user_proc=$(pgrep -P "$m2" -u kfault | head -1)
check "the other session's user process runs as kfault under its connection's process ($user_proc)" [ -n "$user_proc" ]
kill -9 "$user_proc"
check "kill -9 of a session's user process: the session ends, its client exits" \
	waited bash -c "! kill -0 $s2_pid 2>/dev/null"
check "... and the registry has no live session left" waited bash -c "$(declare -f live json); CTL='$CTL'; [ \"\$(live)\" = 0 ]"
check "... the listener is still there" kill -0 "$listener"

# a listener stopped (SIGTERM) and started again: the open session lives on
coproc S3 { ossh_keys -i "$TEST_TMP/id" -p "$P" kfault@127.0.0.1 'echo started; cat'; }
read -r -t 20 l3 <&"${S3[0]}"
check "a third session echoes before the restart" bash -c "[ '$l3' = started ]"
kill -TERM "$listener"
check "the listener stops on SIGTERM" waited bash -c "! kill -0 $listener 2>/dev/null"
check "... the open session still echoes with no listener" echo_ok "${S3[1]}" "${S3[0]}" no-listener
start_ksshd "$P" "$TEST_TMP/k"
check "... a new listener on the same port serves a new login" \
	bash -c "[ \"\$(ossh_keys -i '$TEST_TMP/id' -p $P kfault@127.0.0.1 id -un)\" = kfault ]"
check "... and the old session still echoes" echo_ok "${S3[1]}" "${S3[0]}" after-restart
exec {S3[1]}>&-
check "... and ends cleanly when its client closes" waited bash -c "! kill -0 $S3_PID 2>/dev/null"
done_testing
