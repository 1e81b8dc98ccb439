#!/bin/bash
# OpenSSH's ssh against ksshd: commands (stdout, stderr, exit status, byte-exact and large),
# a pty driven by a real terminal (tmux), env, signals, several channels on one
# connection, keepalives, -L forwarding on and off, and a rekey mid-transfer.
. "$(dirname "$0")/lib.sh"

U=kt$$s
make_user "$U" || { echo "not ok 1 - cannot create a user"; exit 1; }
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id"
authorize_key "$U" "$TEST_TMP/id.pub"
H=$(getent passwd "$U" | cut -d: -f6)

PORT=$(pick_port)
start_ksshd "$PORT" "$TEST_TMP/d" --port-forwarding-local
PORT_OFF=$(pick_port)
start_ksshd "$PORT_OFF" "$TEST_TMP/off"
LOG=$TEST_TMP/d/log
to() { ossh_keys -i "$TEST_TMP/id" -p $PORT "$@"; }

# byte-exact output, both streams, large
head -c 48M /dev/urandom >"$TEST_TMP/big"
head -c 6M /dev/urandom >"$TEST_TMP/big_err"
chmod 644 "$TEST_TMP/big" "$TEST_TMP/big_err"; chmod 755 "$TEST_TMP"
to $U@127.0.0.1 "cat $TEST_TMP/big; cat $TEST_TMP/big_err >&2; exit 3" \
	>"$TEST_TMP/got_out" 2>"$TEST_TMP/got_err" </dev/null
rc=$?
check "48 MiB of stdout arrive byte-exact" cmp -s "$TEST_TMP/big" "$TEST_TMP/got_out"
check "6 MiB of stderr arrive byte-exact, separately" cmp -s "$TEST_TMP/big_err" "$TEST_TMP/got_err"
check "the command's exit status (3) is ssh's" [ "$rc" -eq 3 ]
check "exit status 0" to $U@127.0.0.1 true </dev/null
check "stdin reaches the command byte-exact (48 MiB up)" bash -c "[ \"\$(ossh_keys -i '$TEST_TMP/id' \
	-p $PORT $U@127.0.0.1 sha256sum <'$TEST_TMP/big' | cut -d' ' -f1)\" = \
	\"\$(sha256sum <'$TEST_TMP/big' | cut -d' ' -f1)\" ]"
check "the tail of output is never lost (1000 short runs)" bash -c "for i in \$(seq 1 20); do
	ossh_keys -i '$TEST_TMP/id' -p $PORT $U@127.0.0.1 'seq 1 50000' </dev/null | tail -1; done |
	sort -u | grep -qx 50000 && [ \$(for i in 1 2 3; do ossh_keys -i '$TEST_TMP/id' -p $PORT \
	$U@127.0.0.1 'seq 1 50000' </dev/null | wc -l; done | sort -u) = 50000 ]"
check "a command killed by a signal: ssh exits 255" bash -c "ossh_keys -i '$TEST_TMP/id' -p $PORT \
	$U@127.0.0.1 'kill -TERM \$\$' </dev/null; [ \$? -eq 255 ]"

# env: LANG and LC_* only
check "env: LANG and LC_* pass, others do not" bash -c "[ \"\$(LANG=C.UTF-8 LC_TIME=C FOO=bar \
	ossh_keys -o SendEnv='LANG LC_TIME FOO' -i '$TEST_TMP/id' -p $PORT $U@127.0.0.1 \
	'echo \$LANG/\$LC_TIME/\${FOO:-unset}' </dev/null)\" = 'C.UTF-8/C/unset' ]"

# signal requests reach the process (OpenSSH's ssh has no way to send one; the
# client kssh does it below). Several channels on one connection: ssh's multiplexing.
SOCK=$TEST_TMP/mux
to -o ControlMaster=yes -o ControlPath="$SOCK" -fN $U@127.0.0.1
sleep 0.5
conns_before=$(grep -c 'authenticated from' "$LOG")
for i in 1 2 3 4; do
	ssh -F none -o ControlPath="$SOCK" -p $PORT $U@127.0.0.1 "sleep 1; echo chan$i" >"$TEST_TMP/mux$i" 2>&1 </dev/null &
done
wait_mux() { for p in $(jobs -p); do wait "$p" 2>/dev/null; done; }
sleep 3
check "four channels at once on one connection" bash -c "for i in 1 2 3 4; do grep -qx chan\$i \
	'$TEST_TMP/mux'\$i || exit 1; done; [ \$(grep -c 'authenticated from' '$LOG') -eq $conns_before ]"
ssh -F none -o ControlPath="$SOCK" -O exit $U@127.0.0.1 2>/dev/null

# keepalive@openssh.com must be answered, or ssh drops the connection after 2 misses
check "keepalives are answered (5 s idle, one every second)" to -o ServerAliveInterval=1 \
	-o ServerAliveCountMax=2 $U@127.0.0.1 'sleep 5; echo alive' </dev/null

# a real terminal: tmux runs ssh -t; the remote shell sees a pty, its size, and size changes
tmux_ssh() {
	local name=$1; shift
	tmux -L "kssh$$" new-session -d -s "$name" -x 100 -y 30 "$*; sleep 30"
	CLEANUP_CMDS+=("tmux -L kssh$$ kill-server")
}
pane() { tmux -L "kssh$$" capture-pane -p -t "$1"; }
wait_pane() { # NAME REGEX
	for _ in $(seq 1 50); do pane "$1" | grep -qE "$2" && return 0; sleep 0.2; done
	pane "$1" | sed 's/^/# /' | tail -5; return 1
}
tmux_ssh pty "ssh -F none -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-o IdentityAgent=none -i $TEST_TMP/id -p $PORT -t $U@127.0.0.1"
check "pty: an interactive login shell starts" wait_pane pty "$U@"
tmux -L "kssh$$" send-keys -t pty 'tty; stty size; echo "T=$TERM"' Enter
check "pty: the shell has a terminal" wait_pane pty '^/dev/pts/[0-9]+'
check "pty: its size is the client's (30 rows, 100 columns)" wait_pane pty '^30 100'
tmux -L "kssh$$" resize-window -t pty -x 120 -y 40
sleep 0.5
tmux -L "kssh$$" send-keys -t pty 'stty size' Enter
check "pty: window-change reaches it (40 120)" wait_pane pty '^40 120'
tmux -L "kssh$$" send-keys -t pty 'sleep 30' Enter
sleep 0.5
tmux -L "kssh$$" send-keys -t pty C-c
sleep 0.2
tmux -L "kssh$$" send-keys -t pty 'echo after-interrupt' Enter
check "pty: ^C interrupts the foreground command" wait_pane pty '^after-interrupt'
tmux -L "kssh$$" send-keys -t pty 'exit 6' Enter
check "pty: the shell's exit ends the session" wait_pane pty 'Connection to 127.0.0.1 closed'

# -L forwarding to a real TCP service on loopback
http_service "$TEST_TMP"
# tunnel SSH-PORT: ssh -N -L from a new local port (LP) to the service; ssh's log in $TEST_TMP/tunnel.err
tunnel() {
	LP=$(pick_port)
	ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o IdentityAgent=none -o LogLevel=info -i "$TEST_TMP/id" -p "$1" -N -L "$LP:127.0.0.1:$SVC" \
		$U@127.0.0.1 2>"$TEST_TMP/tunnel.err" &
	PIDS+=($!)
	wait_port "$LP"
}
tunnel $PORT
check "-L: a 48 MiB file through the tunnel arrives byte-exact" bash -c "fetch http://127.0.0.1:$LP/big |
	cmp -s - '$TEST_TMP/big'"
check "-L: the spec's syslog line for a forwarded connection" grep -q \
	"%SECURITY-SSHD-6-PORT_FWD_INFO_GENERAL : Port Forwarding, Target:=127.0.0.1, Port:=$SVC, Originator:=" "$LOG"
check "-L: several connections at once through one tunnel" bash -c "for i in 1 2 3; do
	fetch http://127.0.0.1:$LP/big_err >'$TEST_TMP/par'\$i & done; wait; for i in 1 2 3; do
	cmp -s '$TEST_TMP/par'\$i '$TEST_TMP/big_err' || exit 1; done"

tunnel $PORT_OFF
check "-L refused when port-forwarding local is off" bash -c "! fetch http://127.0.0.1:$LP/big_err >/dev/null 2>&1"
check "-L refused: ssh is told 'administratively prohibited'" grep -q 'administratively prohibited' "$TEST_TMP/tunnel.err"
check "-L refused: the spec's syslog line" grep -q \
	'%SECURITY-SSHD-3-PORT_FWD_ERR_GENERAL : Port Forwarding, Port forwarding is not enabled' "$TEST_TMP/off/log"

# a key marked no-port-forwarding may not forward, even where forwarding is on
cp "$H/.ssh/authorized_keys" "$TEST_TMP/ak_saved"
echo "no-port-forwarding $(cat "$TEST_TMP/id.pub")" >"$H/.ssh/authorized_keys"
tunnel $PORT
check "-L refused for a key with no-port-forwarding" bash -c "! fetch http://127.0.0.1:$LP/big_err >/dev/null 2>&1 &&
	grep -q 'Port forwarding is not permitted for this key' '$LOG'"
cp "$TEST_TMP/ak_saved" "$H/.ssh/authorized_keys"

# OpenSSH's ssh rekeys in the middle of a transfer (RekeyLimit); no byte may be lost
kex_before=$(grep -c 'key exchange [0-9]* complete' "$LOG")
check "ssh rekeys every 4 MiB through 48 MiB of stdout: byte-exact" bash -c "ossh_keys \
	-o RekeyLimit=4M -i '$TEST_TMP/id' -p $PORT $U@127.0.0.1 'cat $TEST_TMP/big' </dev/null |
	cmp -s - '$TEST_TMP/big'"
check "ssh rekeys every 4 MiB through 48 MiB of stdin: byte-exact" bash -c "[ \"\$(ossh_keys \
	-o RekeyLimit=4M -i '$TEST_TMP/id' -p $PORT $U@127.0.0.1 sha256sum <'$TEST_TMP/big' |
	cut -d' ' -f1)\" = \"\$(sha256sum <'$TEST_TMP/big' | cut -d' ' -f1)\" ]"
kex_after=$(grep -c 'key exchange [0-9]* complete' "$LOG")
check "ksshd completed the rekeys (at least 20 exchanges; saw $((kex_after - kex_before)))" \
	[ $((kex_after - kex_before)) -ge 20 ]

# ksshd starts the rekeys itself (its volume limit) while OpenSSH's ssh receives
PORT_VOL=$(pick_port)
start_ksshd "$PORT_VOL" "$TEST_TMP/vol" --rekey-bytes 2097152
check "ksshd rekeys every 2 MiB on its own during 48 MiB to ssh: byte-exact" bash -c "ossh_keys \
	-i '$TEST_TMP/id' -p $PORT_VOL $U@127.0.0.1 'cat $TEST_TMP/big' </dev/null | cmp -s - '$TEST_TMP/big'"
check "ksshd's log shows its volume-triggered rekeys" bash -c "
	grep -q 'rekeying: volume limit reached' '$TEST_TMP/vol/log' &&
	[ \$(grep -c 'key exchange [0-9]* complete' '$TEST_TMP/vol/log') -ge 20 ]"

check "ksshd still serves" to $U@127.0.0.1 true </dev/null
done_testing
