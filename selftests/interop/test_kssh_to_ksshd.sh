#!/bin/bash
# kssh against ksshd: each authentication method, commands and exit status, an
# interactive shell on a real terminal (tmux), -L, the spec's command form, and
# rekeys in the middle of a large transfer with the data intact.
. "$(dirname "$0")/lib.sh"

U=kt$$k
PW='Kssh-pw-4!'
make_user "$U" "$PW" || { echo "not ok 1 - cannot create a user"; exit 1; }
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id"
ssh-keygen -q -t rsa -N '' -f "$TEST_TMP/id_rsa"
authorize_key "$U" "$TEST_TMP/id.pub"
authorize_key "$U" "$TEST_TMP/id_rsa.pub"
pam_stack "kssh-test-$$"

PORT=$(pick_port)
start_ksshd "$PORT" "$TEST_TMP/d" --port-forwarding-local --pam-service "kssh-test-$$"
LOG=$TEST_TMP/d/log
make_askpass "$TEST_TMP/ap" "$PW"
k() { kssh_cmd -p $PORT "$@"; }
export PORT
export -f k

check "publickey ed25519" bash -c "[ \"\$(k -i '$TEST_TMP/id' $U@127.0.0.1 'id -un')\" = $U ]"
check "publickey rsa (rsa-sha2-512)" bash -c "[ \"\$(k -i '$TEST_TMP/id_rsa' $U@127.0.0.1 'id -un')\" = $U ] &&
	grep -q 'accepted rsa-sha2-512 key' '$LOG'"
check "password" bash -c "[ \"\$(with_askpass '$TEST_TMP/ap' k -o PreferredAuthentications=password \
	$U@127.0.0.1 'id -un')\" = $U ]"
check "keyboard-interactive" bash -c "[ \"\$(with_askpass '$TEST_TMP/ap' k \
	-o PreferredAuthentications=keyboard-interactive $U@127.0.0.1 'id -un')\" = $U ] &&
	grep -q \"User '$U' authenticated from .* by keyboard-interactive\" '$LOG'"
check "the default order tries public keys first" bash -c "k -v -i '$TEST_TMP/id' $U@127.0.0.1 true 2>&1 |
	grep -q 'Authenticated to 127.0.0.1 using \"publickey\"'"
check "no usable method: Permission denied and exit 255" bash -c "k -B -i /nonexistent \
	$U@127.0.0.1 true 2>&1 | grep -q 'Permission denied (publickey,password,keyboard-interactive)';
	k -B -i /nonexistent $U@127.0.0.1 true 2>/dev/null; [ \$? -eq 255 ]"
check "the spec's form: kssh HOST port N username U command \"...\"" bash -c "[ \"\$(kssh_cmd \
	-i '$TEST_TMP/id' 127.0.0.1 port $PORT username $U command 'echo spec form')\" = 'spec form' ]"
check "the spec's source-interface binds the connection to an interface (lo)" bash -c "[ \"\$(kssh_cmd \
	-i '$TEST_TMP/id' 127.0.0.1 port $PORT username $U command 'echo \$SSH_CLIENT' source-interface lo |
	cut -d' ' -f1)\" = 127.0.0.1 ]"
check "source-interface: an unknown interface is an error naming it" bash -c "out=\$(kssh_cmd \
	-i '$TEST_TMP/id' 127.0.0.1 port $PORT username $U command true source-interface nosuchif0 2>&1);
	[ \$? -eq 255 ] && grep -q 'source-interface nosuchif0: No such device' <<<\"\$out\""

head -c 48M /dev/urandom >"$TEST_TMP/big"
chmod 755 "$TEST_TMP"; chmod 644 "$TEST_TMP/big"
k -i "$TEST_TMP/id" $U@127.0.0.1 "cat $TEST_TMP/big; echo err-line >&2; exit 42" \
	>"$TEST_TMP/got" 2>"$TEST_TMP/got_err" </dev/null
rc=$?
check "exec: 48 MiB stdout byte-exact" cmp -s "$TEST_TMP/big" "$TEST_TMP/got"
check "exec: stderr separately" grep -qx err-line "$TEST_TMP/got_err"
check "exec: kssh exits with the remote status (42)" [ $rc -eq 42 ]
check "exec: killed by a signal gives 255" bash -c "k -i '$TEST_TMP/id' $U@127.0.0.1 'kill -KILL \$\$' \
	</dev/null 2>/dev/null; [ \$? -eq 255 ]"

check "kssh rekeys ksshd five times in one authenticated connection" bash -c "k -i '$TEST_TMP/id' \
	-o KsshTestRekeys=5 $U@127.0.0.1 2>&1 | grep -q 'rekey 5 done: 6 key exchanges, session intact'"

# a signal to kssh goes to the remote command as a "signal" request (RFC 4254 6.9)
"$KSSH" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -p $PORT -i "$TEST_TMP/id" $U@127.0.0.1 \
	'trap "echo got-TERM; exit 3" TERM; sleep 30 >/dev/null 2>&1 & wait' >"$TEST_TMP/sig.out" 2>/dev/null </dev/null &
kp=$!
sleep 2
kill -TERM $kp
wait $kp
rc=$?
check "SIGTERM to kssh reaches the remote command, which exits its own way (3)" bash -c "
	grep -qx got-TERM '$TEST_TMP/sig.out' && [ $rc -eq 3 ]"

# rekeys in the middle of large transfers, both directions, data checked
kex_before=$(grep -c 'key exchange [0-9]* complete' "$LOG")
check "rekey every 2 MiB during 48 MiB down: byte-exact" bash -c "k -o RekeyLimit=2M -i '$TEST_TMP/id' \
	$U@127.0.0.1 'cat $TEST_TMP/big' </dev/null | cmp -s - '$TEST_TMP/big'"
check "rekey every 2 MiB during 48 MiB up: checksum intact" bash -c "[ \"\$(k -o RekeyLimit=2M \
	-i '$TEST_TMP/id' $U@127.0.0.1 sha256sum <'$TEST_TMP/big' | cut -d' ' -f1)\" = \
	\"\$(sha256sum <'$TEST_TMP/big' | cut -d' ' -f1)\" ]"
kex_after=$(grep -c 'key exchange [0-9]* complete' "$LOG")
# 96 MiB at 2 MiB per key would be 48 exchanges; each also lets through what flows while it runs
# (what the sender had queued and sends before our KEXINIT reaches it, up to a grown window), which
# on a slow or busy machine is megabytes: at least one exchange per 6 MiB moved
check "ksshd saw the rekeys (at least 16 exchanges; saw $((kex_after - kex_before)))" \
	[ $((kex_after - kex_before)) -ge 16 ]
check "ksshd's own volume limit rekeys a transfer (--rekey-bytes 1M)" bash -c "
	P=\$(python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])')
	'$KSSHD' -D -e -d -p \$P -l 127.0.0.1 -s '$TEST_TMP/d/keys' --rekey-bytes 1048576 >'$TEST_TMP/vol.log' 2>&1 &
	pid=\$!; sleep 0.5
	kssh_cmd -p \$P -i '$TEST_TMP/id' $U@127.0.0.1 'cat $TEST_TMP/big' </dev/null | cmp -s - '$TEST_TMP/big'; ok=\$?
	kill \$pid; [ \$ok -eq 0 ] && [ \$(grep -c 'key exchange [0-9]* complete' '$TEST_TMP/vol.log') -ge 20 ]"

# -L through ksshd
http_service "$TEST_TMP"
LP=$(pick_port)
"$KSSH" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -p $PORT -i "$TEST_TMP/id" \
	-N -L "127.0.0.1:$LP:127.0.0.1:$SVC" $U@127.0.0.1 2>/dev/null &
PIDS+=($!)
wait_port "$LP"
check "kssh -L through ksshd: 48 MiB byte-exact" bash -c "fetch http://127.0.0.1:$LP/big | cmp -s - '$TEST_TMP/big'"

# an interactive shell: kssh in tmux, raw terminal, pty, window changes
tmux -L "kk$$" new-session -d -s sh -x 90 -y 25 \
	"'$KSSH' -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -p $PORT -i '$TEST_TMP/id' $U@127.0.0.1; echo kssh-exit=\$?; sleep 30"
CLEANUP_CMDS+=("tmux -L kk$$ kill-server")
pane() { tmux -L "kk$$" capture-pane -p -t sh; }
wait_pane() {
	for _ in $(seq 1 50); do pane | grep -qE "$1" && return 0; sleep 0.2; done
	pane | grep -v '^$' | sed 's/^/# /' | tail -5; return 1
}
check "shell: a login prompt" wait_pane "$U@"
tmux -L "kk$$" send-keys -t sh 'tty; stty size' Enter
check "shell: on a pty" wait_pane '^/dev/pts/[0-9]+'
check "shell: the terminal's size (25 90)" wait_pane '^25 90'
tmux -L "kk$$" resize-window -t sh -x 110 -y 35
sleep 0.5
tmux -L "kk$$" send-keys -t sh 'stty size' Enter
check "shell: window-change follows the terminal (35 110)" wait_pane '^35 110'
tmux -L "kk$$" send-keys -t sh 'sleep 30' Enter
sleep 0.5
tmux -L "kk$$" send-keys -t sh C-c
sleep 0.2
tmux -L "kk$$" send-keys -t sh 'echo after-interrupt' Enter
check "shell: ^C goes to the remote command, not to kssh" wait_pane '^after-interrupt'
tmux -L "kk$$" send-keys -t sh 'exit 9' Enter
check "shell: kssh exits with the shell's status" wait_pane '^kssh-exit=9'

# a password typed on a real terminal (no SSH_ASKPASS): the prompt, no echo, then the shell
tmux -L "kk$$" new-session -d -s pw -x 90 -y 25 \
	"'$KSSH' -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o PreferredAuthentications=password \
	-p $PORT $U@127.0.0.1; echo kssh-exit=\$?; sleep 30"
pw_pane() { tmux -L "kk$$" capture-pane -p -t pw; }
wait_pw() { for _ in $(seq 1 50); do pw_pane | grep -qE "$1" && return 0; sleep 0.2; done; pw_pane | grep -v '^$' | sed 's/^/# /'; return 1; }
check "terminal prompt: kssh asks for the password on the terminal" wait_pw "$U@127.0.0.1's password: ?\$"
tmux -L "kk$$" send-keys -t pw "$PW" Enter
check "terminal prompt: the typed password logs in" wait_pw "$U@"
check "terminal prompt: the password was not echoed" bash -c "! tmux -L kk$$ capture-pane -p -t pw | grep -qF '$PW'"
tmux -L "kk$$" send-keys -t pw 'exit 4' Enter
check "terminal prompt: kssh exits with the shell's status" wait_pw '^kssh-exit=4'

# make run's script as an ordinary user: that user logs in with the keys in their own authorized_keys
R=kt$$r
make_user "$R"
su - "$R" -c 'mkdir -p ~/.ssh && ssh-keygen -q -t ed25519 -N "" -f ~/.ssh/id_ed25519 &&
	cp ~/.ssh/id_ed25519.pub ~/.ssh/authorized_keys && chmod 600 ~/.ssh/authorized_keys'
mkdir -p "$TEST_TMP/run/bin" && cp "$KSSHD" "$KSSH" "$TEST_TMP/run/bin/" && chown -R "$R:" "$TEST_TMP/run" &&
	chmod 755 "$TEST_TMP"
RUN_PORT=$(pick_port)
su "$R" -c "cd '$TEST_TMP/run' && KSSH_PORT=$RUN_PORT KSSH_STATE='$TEST_TMP/run/state' timeout 60 \
	sh '$TOP/tools/run-ksshd.sh' '$TEST_TMP/run/bin'" >"$TEST_TMP/run.log" 2>&1 &
PIDS+=($!)
wait_port "$RUN_PORT"
check "make run's ksshd, started by a user, prints how to connect" grep -q "Connect with OpenSSH:   ssh -p $RUN_PORT" "$TEST_TMP/run.log"
check "make run: the user logs in with their own key (OpenSSH's ssh and kssh)" bash -c "
	[ \"\$(su - $R -c 'ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=error -p $RUN_PORT $R@127.0.0.1 id -un')\" = $R ] &&
	[ \"\$(su - $R -c '$TEST_TMP/run/bin/kssh -B -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=error -p $RUN_PORT $R@127.0.0.1 id -un')\" = $R ]"

check "ksshd still serves" k -i "$TEST_TMP/id" $U@127.0.0.1 true
done_testing
