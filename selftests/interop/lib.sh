# Shared helpers for the interop tests: TAP output, ports, servers that stop by themselves.
# Every server binds to 127.0.0.1 (or ::1) on a port picked here and is killed on exit.

BUILD=${BUILD:-build}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KSSHD="$TOP/$BUILD/ksshd"
KSSH="$TOP/$BUILD/kssh"
TEST_TMP=$(mktemp -d /tmp/kssh-test.XXXXXX)
PIDS=()
TEST_NO=0
TEST_FAILED=0

CLEANUP_CMDS=()
cleanup() {
	for c in "${CLEANUP_CMDS[@]}"; do eval "$c" >/dev/null 2>&1; done
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "${KSSH_KEEP_TMP:-}" ] && echo "# kept $TEST_TMP" || rm -rf "$TEST_TMP"
}
trap cleanup EXIT

ok() { TEST_NO=$((TEST_NO + 1)); echo "ok $TEST_NO - $*"; }
not_ok() { TEST_NO=$((TEST_NO + 1)); TEST_FAILED=$((TEST_FAILED + 1)); echo "not ok $TEST_NO - $*"; }
# check NAME COMMAND...: one TAP line for the command's success
check() {
	local name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
done_testing() { echo "1..$TEST_NO"; [ "$TEST_FAILED" -eq 0 ]; }

# logged TEXT: the daemon's log ($LOG) has the line; waited for, as a daemon writes it when it decides
logged() {
	local i
	for i in $(seq 1 50); do grep -qF -- "$1" "$LOG" && return 0; sleep 0.1; done
	echo "# not in the log: $1"; tail -3 "$LOG" | sed 's/^/# /'
	return 1
}

# A free TCP port on loopback, chosen by the kernel.
pick_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_port() {
	local port=$1 i
	for i in $(seq 1 100); do
		if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	echo "# port $port never opened" >&2
	return 1
}

# start_ksshd PORT STATE [options...]: ksshd in the foreground, log in $STATE/log
start_ksshd() {
	local port=$1 state=$2; shift 2
	mkdir -p "$state"
	# the interop matrices open hundreds of connections a minute: the spec's default rate-limit (60)
	# would refuse them, so tests run at the top of its range unless they bring a configuration file
	local rate=(--rate-limit 600)
	[[ " $* " == *" -f "* ]] && rate=()
	timeout 600 "$KSSHD" -D -e -d -p "$port" -l 127.0.0.1 -l ::1 -s "$state/keys" --control "$state/ctl.sock" \
		"${rate[@]}" "$@" \
		>"$state/log" 2>&1 &
	PIDS+=($!)
	wait_port "$port"
}

# start_sshd PORT DIR [sshd -o options...]: OpenSSH's sshd, its own host keys
start_sshd() {
	local port=$1 dir=$2; shift 2
	mkdir -p "$dir" /run/sshd
	for t in ed25519 ecdsa rsa; do
		[ -f "$dir/host_$t" ] || ssh-keygen -q -t "$t" -N '' -f "$dir/host_$t"
	done
	[ -f "$dir/host_ecdsa384" ] || ssh-keygen -q -t ecdsa -b 384 -N '' -f "$dir/host_ecdsa384"
	[ -f "$dir/host_ecdsa521" ] || ssh-keygen -q -t ecdsa -b 521 -N '' -f "$dir/host_ecdsa521"
	cat >"$dir/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_ed25519
HostKey $dir/host_ecdsa
HostKey $dir/host_ecdsa384
HostKey $dir/host_ecdsa521
HostKey $dir/host_rsa
PidFile none
UsePAM no
StrictModes no
LogLevel DEBUG1
CFG
	timeout 600 /usr/sbin/sshd -D -e -f "$dir/sshd_config" "$@" >"$dir/log" 2>&1 &
	PIDS+=($!)
	wait_port "$port"
}

# OpenSSH's ssh against a test server: no config files, no agent, no host-key prompts
ossh() {
	ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o IdentityAgent=none -o PubkeyAuthentication=no "$@"
}

# Every algorithm kssh knows, insecure ones included: the interop matrix.
ALL_KEX="curve25519-sha256 curve25519-sha256@libssh.org ecdh-sha2-nistp256 ecdh-sha2-nistp384
ecdh-sha2-nistp521 diffie-hellman-group-exchange-sha256 diffie-hellman-group14-sha256
diffie-hellman-group16-sha512 diffie-hellman-group18-sha512 diffie-hellman-group14-sha1
diffie-hellman-group1-sha1"
ALL_HOSTKEY="ssh-ed25519 ecdsa-sha2-nistp256 ecdsa-sha2-nistp384 ecdsa-sha2-nistp521
rsa-sha2-512 rsa-sha2-256 ssh-rsa ssh-dss"
ALL_CIPHER="aes128-ctr aes192-ctr aes256-ctr aes128-gcm@openssh.com aes256-gcm@openssh.com
chacha20-poly1305@openssh.com aes128-cbc aes192-cbc aes256-cbc 3des-cbc"
ALL_MAC="hmac-sha2-256-etm@openssh.com hmac-sha2-512-etm@openssh.com hmac-sha2-256
hmac-sha2-512 hmac-sha1-etm@openssh.com hmac-sha1"
csv() { echo $1 | tr ' ' ','; }

# make_user NAME [PASSWORD]: a real account with a home, removed when the test ends
make_user() {
	local name=$1 pw=${2:-}
	userdel -r "$name" >/dev/null 2>&1
	useradd -m -s /bin/bash "$name" || return 1
	CLEANUP_CMDS+=("pkill -KILL -u $name; sleep 0.2; userdel -r $name")
	if [ -n "$pw" ]; then echo "$name:$pw" | chpasswd; else passwd -l "$name" >/dev/null; fi
}

# authorize_key USER PUBFILE [OPTIONS]: appends to the user's authorized_keys
authorize_key() {
	local user=$1 pub=$2 opts=${3:-} home
	home=$(getent passwd "$user" | cut -d: -f6)
	mkdir -p "$home/.ssh"
	if [ -n "$opts" ]; then echo "$opts $(cat "$pub")"; else cat "$pub"; fi >>"$home/.ssh/authorized_keys"
	chown -R "$user:" "$home/.ssh"
	chmod 700 "$home/.ssh"
	chmod 600 "$home/.ssh/authorized_keys"
}

# askpass SCRIPT ANSWER...: an SSH_ASKPASS program; with one answer it always gives it,
# with "PATTERN=ANSWER" pairs it answers by prompt
make_askpass() {
	local f=$1; shift
	{
		echo '#!/bin/sh'
		echo 'case "$1" in'
		for a in "$@"; do
			if [[ $a == *=* ]]; then echo "*${a%%=*}*) echo '${a#*=}' ;;"; else echo "*) echo '$a' ;;"; fi
		done
		echo 'esac'
	} >"$f"
	chmod 755 "$f"
}

# with_askpass PROGRAM COMMAND...: runs COMMAND with no terminal, answering prompts by PROGRAM
with_askpass() {
	local prog=$1; shift
	SSH_ASKPASS=$prog SSH_ASKPASS_REQUIRE=force DISPLAY=:0 setsid -w bash -c '"$@"' bash "$@" </dev/null
}

# OpenSSH's ssh, keys allowed
ossh_keys() {
	ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o IdentityAgent=none -o LogLevel=error "$@"
}
# OpenSSH's ssh for password-style methods: prompts answered by SSH_ASKPASS
ossh_pw() {
	ssh -F none -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o IdentityAgent=none -o PubkeyAuthentication=no -o LogLevel=error "$@"
}
kssh_cmd() {
	"$KSSH" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentityAgent=none "$@"
}
export KSSH KSSHD TOP BUILD
export -f ossh ossh_keys ossh_pw kssh_cmd with_askpass
# fetch URL: the body of an HTTP GET on stdout
fetch() {
	python3 -c 'import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1], timeout=30).read())' "$1"
}
export -f fetch

# pw USER METHOD ANSWER...: OpenSSH's ssh logs in to ksshd on $PORT by password or keyboard-interactive,
# prompts answered by pattern (make_askpass); prints "in-ACCOUNT" from the session, nothing when refused
pw() {
	local user=$1 method=$2; shift 2
	make_askpass "$TEST_TMP/ap" "$@"
	with_askpass "$TEST_TMP/ap" ossh_pw -o PreferredAuthentications="$method" -o NumberOfPasswordPrompts=1 \
		-p "$PORT" "$user@127.0.0.1" 'echo in-$(id -un)' 2>/dev/null
}
# reconfigure LINE...: the lines committed through ksshctl ($CTL); refusals in $TEST_TMP/ctl.err
reconfigure() { printf '%s\n' "$@" | $CTL configure - >/dev/null 2>"$TEST_TMP/ctl.err"; }

# pam_stack NAME [AUTH-LINE...]: /etc/pam.d/NAME with pam_unix, then any extra auth lines;
# removed when the test ends
pam_stack() {
	local name=$1; shift
	{
		echo "auth required pam_unix.so"
		for l in "$@"; do echo "$l"; done
		echo "account required pam_unix.so"
		echo "session required pam_unix.so"
	} >"/etc/pam.d/$name"
	CLEANUP_CMDS+=("rm -f /etc/pam.d/$name")
}

# http_service DIR: a real TCP service on loopback serving DIR; sets SVC to its port
http_service() {
	SVC=$(pick_port)
	python3 -m http.server --bind 127.0.0.1 --directory "$1" "$SVC" >/dev/null 2>&1 &
	PIDS+=($!)
	wait_port "$SVC"
}

# idle PORT N [ADDR]: N connections that send a version and never authenticate, held until killed ($IDLE_PID);
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
