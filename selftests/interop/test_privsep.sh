#!/bin/bash
# Privilege separation, read from /proc while connections sit before
# authentication: the pre-authentication process is the sandbox user (kssh,
# else nobody), in the empty root, with no_new_privs and a seccomp filter,
# holding no key file; its parent, the monitor, is root. A system call
# outside the filter kills it (a test-only ksshd build tries
# open("/etc/shadow") after the key exchange): the monitor logs it, reports
# a crash, and the client gets nothing. Logins of every method still work
# through the monitor, and the monitor refuses what the process asks out of
# order.
. "$(dirname "$0")/lib.sh"

want_uid=$(id -u kssh 2>/dev/null || id -u nobody)
waited() { for _ in $(seq 100); do "$@" && return 0; sleep 0.1; done; return 1; }
P=$(pick_port)
start_ksshd "$P" "$TEST_TMP/k"
idle "$P" 2 >"$TEST_TMP/held"
HELD=$IDLE_PID
for _ in $(seq 100); do grep -q held "$TEST_TMP/held" && break; sleep 0.1; done
listener=$(pgrep -P "${PIDS[0]}" ksshd)
monitor=$(pgrep -P "$listener" | head -1)
monitor2=$(pgrep -P "$listener" | sed -n 2p)
preauth=$(pgrep -P "$monitor" | head -1)
# where libc and the heap lie: the same in every process forked from the listener, different after an exec
layout() { grep -E 'libc\.so|\[heap\]' "/proc/$1/maps" | awk '{ print $1 }' | head -2 | tr '\n' ' '; }
st() { awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }
check "a connection before authentication: a monitor ($monitor) with a pre-authentication child ($preauth)" \
	bash -c "[ -n '$monitor' ] && [ -n '$preauth' ]"
check "each connection's process is ksshd re-executed: ksshd --session" \
	bash -c "tr '\\0' ' ' </proc/$monitor/cmdline | grep -q '^ksshd --session [0-9,]* 127.0.0.1 \$'"
l0=$(layout "$listener") l1=$(layout "$monitor") l2=$(layout "$monitor2")
check "... with an address-space layout of its own (libc, heap: listener $l0; two connections $l1/ $l2)" \
	bash -c "[ -n '$l1' ] && [ '$l0' != '$l1' ] && [ '$l0' != '$l2' ] && [ '$l1' != '$l2' ]"
check "the monitor is root, unfiltered" bash -c "[ \"$(st "$monitor" Uid)\" = '0 0 0 0' ] && [ \"$(st "$monitor" Seccomp)\" = 0 ]"
check "the pre-authentication process: uid and gid $want_uid (kssh, else nobody), every id" \
	bash -c "[ \"$(st "$preauth" Uid)\" = '$want_uid $want_uid $want_uid $want_uid' ] &&
		[ \"$(st "$preauth" Gid | cut -d' ' -f1)\" = \"$(id -g "$(id -nu "$want_uid")")\" ] &&
		[ -z \"$(st "$preauth" Groups)\" ]"
check "... Seccomp: 2 (a filter), NoNewPrivs: 1" \
	bash -c "[ \"$(st "$preauth" Seccomp)\" = 2 ] && [ \"$(st "$preauth" NoNewPrivs)\" = 1 ]"
check "... its root is the empty directory /run/kssh/empty" \
	bash -c "[ \"\$(readlink /proc/$preauth/root)\" = /run/kssh/empty ] && [ -z \"\$(ls -A /run/kssh/empty)\" ]"
fds=$(ls -l "/proc/$preauth/fd" | awk 'NR > 1 { print $NF }')
echo "$fds" | sed 's/^/# fd: /'
check "... its open files: its sockets and /dev/null; no log file, no key file, no /etc/shadow, no syslog" \
	bash -c "! grep -Ev '^(socket:\[[0-9]+\]|/dev/null)\$' <<<'$fds' && [ \$(grep -c socket <<<'$fds') -le 2 ]"
# the Ed25519 host key's 32-byte secret, searched for in a process's whole memory (found in the monitor's: the search works)
cat >"$TEST_TMP/memscan.py" <<'PY'
import base64, re, struct, sys
text = open(sys.argv[1]).read()
blob = base64.b64decode("".join(l for l in text.splitlines() if not l.startswith("-----")))
def strings(b, n):
    out = []
    for _ in range(n):
        (l,) = struct.unpack(">I", b[:4]); out.append(b[4:4 + l]); b = b[4 + l:]
    return out, b
b = blob[len(b"openssh-key-v1\0"):]
(_, _, _), b = strings(b, 3)
b = b[4:]                         # number of keys
(_, priv), b = strings(b, 2)
priv = priv[8:]                   # the two check words
(_, _, secret), _ = strings(priv, 3)
seed = secret[:32]
found = 0
# every readable mapping, in 1 MiB pieces that overlap by 31 bytes; the sanitizers' shadow (terabytes, never
# holding data) is skipped
with open("/proc/%s/maps" % sys.argv[2]) as maps, open("/proc/%s/mem" % sys.argv[2], "rb", 0) as mem:
    for line in maps:
        a, b2 = (int(x, 16) for x in line.split()[0].split("-"))
        if "r" not in line.split()[1] or b2 - a > 1 << 32:
            continue
        tail = b""
        for at in range(a, b2, 1 << 20):
            try:
                mem.seek(at); data = tail + mem.read(min(1 << 20, b2 - at))
            except (OSError, ValueError):
                break
            found += data.count(seed)
            tail = data[-31:]
print(found)
PY
in_monitor=$(python3 "$TEST_TMP/memscan.py" "$TEST_TMP/k/keys/ssh_host_ed25519_key" "$monitor")
in_preauth=$(python3 "$TEST_TMP/memscan.py" "$TEST_TMP/k/keys/ssh_host_ed25519_key" "$preauth")
check "... no host private key in its memory: the Ed25519 secret is in the monitor's ($in_monitor copies), not in its ($in_preauth)" \
	bash -c "[ '$in_monitor' -ge 1 ] && [ '$in_preauth' = 0 ]"
check "... it may not start processes or grow a file (RLIMIT_NPROC 0, RLIMIT_FSIZE 0)" \
	bash -c "awk '/^Max processes/ { p = \$3 } /^Max file size/ { f = \$4 } END { exit !(p == 0 && f == 0) }' /proc/$preauth/limits"
check "... its log lines reach the log through the monitor" \
	grep -q "port [0-9]*: remote software version SSH-2.0-idle" "$TEST_TMP/k/log"
kill "$HELD"

# logins through the monitor: a key, a password, keyboard-interactive
make_user kpriv 'Privsep-pw1' || exit 1
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id"
authorize_key kpriv "$TEST_TMP/id.pub"
check "a publickey login through the monitor runs as the user" \
	bash -c "[ \"\$(ossh_keys -i '$TEST_TMP/id' -p $P kpriv@127.0.0.1 id -un)\" = kpriv ]"
make_askpass "$TEST_TMP/pw" 'Privsep-pw1'
out=$(with_askpass "$TEST_TMP/pw" ssh -F none -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-o IdentityAgent=none -o PubkeyAuthentication=no -o PreferredAuthentications=password -o LogLevel=error \
	-p "$P" kpriv@127.0.0.1 id -un 2>&1)
check "a password login (PAM, in the monitor) runs as the user ($out)" [ "$out" = kpriv ]
out=$(with_askpass "$TEST_TMP/pw" ssh -F none -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-o IdentityAgent=none -o PubkeyAuthentication=no -o PreferredAuthentications=keyboard-interactive \
	-o LogLevel=error -p "$P" kpriv@127.0.0.1 id -un 2>&1)
check "a keyboard-interactive login (PAM's prompt relayed through the sandbox) runs as the user ($out)" [ "$out" = kpriv ]
make_askpass "$TEST_TMP/bad" 'wrong'
with_askpass "$TEST_TMP/bad" ssh -F none -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-o IdentityAgent=none -o PubkeyAuthentication=no -o PreferredAuthentications=password \
	-o NumberOfPasswordPrompts=1 -p "$P" kpriv@127.0.0.1 true 2>/dev/null
# the refusal is logged by the monitor for its process, a moment after the client hears it
check "a wrong password is refused" waited grep -q "password authentication failed for user 'kpriv'" "$TEST_TMP/k/log"
check "the session's history names the user and the method (from the monitor)" \
	bash -c "$BUILD/ksshctl -s '$TEST_TMP/k/ctl.sock' show ssh history details --json | grep -q '\"userid\":\"kpriv\",[^}]*\"authentication\":\"password\"'"

# the probe build: a forbidden system call after the key exchange
P2=$(pick_port)
printf '%s\n' 'ssh server rate-limit 600' 'ssh server penalties crash 30 noauth 0' >"$TEST_TMP/probe.conf"
KSSHD="$TOP/$BUILD/selftests/interop/ksshd-sandbox-probe" start_ksshd "$P2" "$TEST_TMP/probe" -f "$TEST_TMP/probe.conf"
ossh_keys -i "$TEST_TMP/id" -p "$P2" kpriv@127.0.0.1 true >"$TEST_TMP/probe.out" 2>&1
check "a forbidden system call (open /etc/shadow) kills the pre-authentication process: SIGSYS, logged by the monitor" \
	grep -q "pre-authentication process killed by signal 31 (a system call outside the sandbox)" "$TEST_TMP/probe/log"
check "... the probe's open never returned" bash -c "! grep -q 'sandbox probe: /etc/shadow opened' '$TEST_TMP/probe/log'"
check "... the client was not logged in" bash -c "! grep -q 'authenticated from' '$TEST_TMP/probe/log'"
check "... counted as a crash: the source is penalized" \
	waited bash -c "$BUILD/ksshctl -s '$TEST_TMP/probe/ctl.sock' show ssh penalties --json | grep -q '\"reason\":\"crash\"'"
done_testing
