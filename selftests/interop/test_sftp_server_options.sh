#!/bin/bash
# ksftp-server as a drop-in for OpenSSH's sftp-server: its options (-e -f -l -p -P -Q -u -d),
# driven by OpenSSH's sftp (sftp -D, and under sshd's Subsystem line); the same request lists
# in ksshd's in-process server from its configuration.
. "$(dirname "$0")/lib.sh"
SERVER=$TOP/$BUILD/ksftp-server

mkdir -p "$TEST_TMP/area/dir"
head -c 70000 /dev/urandom >"$TEST_TMP/area/file"
head -c 5000 /dev/urandom >"$TEST_TMP/up"
chmod -R a+rwX "$TEST_TMP/area"
chmod 755 "$TEST_TMP"

# run_sftp "SERVER ARGS" BATCH-LINES...: sftp -D against ksftp-server; output in $TEST_TMP/out, the server's log in $TEST_TMP/log
run_sftp() {
	local server=$1; shift
	printf '%s\n' "$@" >"$TEST_TMP/batch"
	(cd "$TEST_TMP" && sftp -D "$server" -b "$TEST_TMP/batch") >"$TEST_TMP/out" 2>"$TEST_TMP/log"
}
denied() { grep -q "$1" "$TEST_TMP/log" && grep -qi 'permission denied' "$TEST_TMP/log"; }

check "-Q requests lists exactly what OpenSSH's sftp-server -Q requests lists" bash -c \
	"diff <('$SERVER' -Q requests) <(/usr/lib/openssh/sftp-server -Q requests)"
check "an unknown option is refused as getopt says it" bash -c \
	"'$SERVER' -x 2>&1 | grep -q \"invalid option -- 'x'\""
check "an unknown request name in -P is refused, naming it" bash -c \
	"! '$SERVER' -P remove,frobnicate </dev/null 2>'$TEST_TMP/e3' && grep -q 'unknown request \"frobnicate\"' '$TEST_TMP/e3'"

# -P: denied requests refused, the rest served
deny_list() {
	run_sftp "$SERVER -e -l INFO -P remove,mkdir" "cd $TEST_TMP/area" "get file $TEST_TMP/got1" "-rm file" "-mkdir newdir" \
		"rename dir dir2" "rename dir2 dir"
	cmp -s "$TEST_TMP/got1" "$TEST_TMP/area/file" && [ -f "$TEST_TMP/area/file" ] && [ ! -e "$TEST_TMP/area/newdir" ] &&
		[ -d "$TEST_TMP/area/dir" ] && grep -q 'refused remove request: not permitted' "$TEST_TMP/log" &&
		grep -q 'refused mkdir request: not permitted' "$TEST_TMP/log" &&
		grep -q "rename old \"$TEST_TMP/area/dir\" new \"$TEST_TMP/area/dir2\"" "$TEST_TMP/log" ||
		{ sed 's/^/# /' "$TEST_TMP/log" | tail -8; return 1; }
}
check "-P remove,mkdir: get and rename (not listed) work, rm and mkdir get Permission denied and a log line" deny_list

# -l: DEBUG adds a line per request; INFO keeps to what changed or was read; ERROR logs neither
log_levels() {
	run_sftp "$SERVER -e -l DEBUG" "cd $TEST_TMP/area" "get file $TEST_TMP/got0"
	grep -Eq 'request [0-9]+: read$' "$TEST_TMP/log" && grep -q "open \"$TEST_TMP/area/file\"" "$TEST_TMP/log" ||
		{ echo "# DEBUG"; sed 's/^/# /' "$TEST_TMP/log" | tail -5; return 1; }
	run_sftp "$SERVER -e -l INFO" "cd $TEST_TMP/area" "get file $TEST_TMP/got0"
	! grep -q 'request [0-9]' "$TEST_TMP/log" && grep -q "close \"$TEST_TMP/area/file\" bytes read 70000" "$TEST_TMP/log" ||
		{ echo "# INFO"; sed 's/^/# /' "$TEST_TMP/log" | tail -5; return 1; }
	run_sftp "$SERVER -e -l ERROR" "cd $TEST_TMP/area" "get file $TEST_TMP/got0"
	cmp -s "$TEST_TMP/got0" "$TEST_TMP/area/file" && ! grep -Eq 'request [0-9]|open "|close "' "$TEST_TMP/log" ||
		{ echo "# ERROR"; sed 's/^/# /' "$TEST_TMP/log" | tail -5; return 1; }
}
check "-l DEBUG logs each request, INFO what was opened and read, ERROR neither" log_levels

# -p: only the listed requests
allow_list() {
	run_sftp "$SERVER -e -l INFO -p open,close,read,stat,lstat,fstat,realpath,opendir,readdir" \
		"cd $TEST_TMP/area" "get file $TEST_TMP/got2" "-put $TEST_TMP/up up" "-rm file" "ls"
	cmp -s "$TEST_TMP/got2" "$TEST_TMP/area/file" && [ ! -s "$TEST_TMP/area/up" ] && [ -f "$TEST_TMP/area/file" ] &&
		grep -q 'refused remove request' "$TEST_TMP/log" && grep -q 'refused write request' "$TEST_TMP/log" ||
		{ sed 's/^/# /' "$TEST_TMP/log" | tail -8; return 1; }
}
check "-p open,close,read,...: get and ls work; put's write and rm (not listed) are refused and logged" allow_list
rm -f "$TEST_TMP/area/up"

# -l INFO: the session, opens, closes with their byte counts, as sftp-server writes them
info_log() {
	run_sftp "$SERVER -e -l INFO" "cd $TEST_TMP/area" "get file $TEST_TMP/got3" "put $TEST_TMP/up up" "rm up"
	grep -q 'session opened for local user root' "$TEST_TMP/log" &&
		grep -q "open \"$TEST_TMP/area/file\"" "$TEST_TMP/log" &&
		grep -q "close \"$TEST_TMP/area/file\" bytes read 70000 written 0" "$TEST_TMP/log" &&
		grep -q "close \"$TEST_TMP/area/up\" bytes read 0 written 5000" "$TEST_TMP/log" &&
		grep -q "remove name \"$TEST_TMP/area/up\"" "$TEST_TMP/log" &&
		grep -q 'session closed for local user root' "$TEST_TMP/log" && ! grep -q 'request [0-9]*: ' "$TEST_TMP/log" ||
		{ sed 's/^/# /' "$TEST_TMP/log" | tail -8; return 1; }
}
check "-l INFO logs the session, each open and close with bytes read and written, removes (no per-request DEBUG)" info_log
check "-l DEBUG logs every request" bash -c "cd '$TEST_TMP' && printf 'ls\n' >b && sftp -D '$SERVER -e -l DEBUG' -b b >/dev/null 2>log.d &&
	grep -q 'request [0-9]*: opendir' log.d && grep -q 'request [0-9]*: readdir' log.d"
check "-l QUIET (and the default, ERROR) write nothing for a normal session" bash -c "cd '$TEST_TMP' && printf 'ls\n' >b &&
	sftp -D '$SERVER -e -l QUIET' -b b >/dev/null 2>log.q && sftp -D '$SERVER -e' -b b >/dev/null 2>log.e &&
	! grep -q ksftp-server log.q && ! grep -q ksftp-server log.e"
check "without -e the log goes to syslog with -f's facility (accepted: LOCAL3)" bash -c "cd '$TEST_TMP' && printf 'ls\n' >b &&
	sftp -D '$SERVER -f LOCAL3 -l INFO' -b b >/dev/null 2>log.s && ! grep -q ksftp-server log.s"
check "an unknown facility or level is refused" bash -c "'$SERVER' -f NOWHERE </dev/null 2>&1 | grep -q 'unsupported log facility' &&
	'$SERVER' -l LOUD </dev/null 2>&1 | grep -q 'unsupported log level'"

umask_test() {
	rm -f "$TEST_TMP/area/masked"
	run_sftp "$SERVER -u 077" "put $TEST_TMP/up $TEST_TMP/area/masked"
	[ "$(stat -c %a "$TEST_TMP/area/masked")" = 600 ] || { echo "# mode $(stat -c %a "$TEST_TMP/area/masked")"; return 1; }
}
check "-u 077: a file put with mode 0644 is created 0600" umask_test

start_dir() {
	mkdir -p "$TEST_TMP/starts/root"
	run_sftp "$SERVER -d $TEST_TMP/starts/%u" "pwd"
	grep -q "Remote working directory: $TEST_TMP/starts/root" "$TEST_TMP/out" || { sed 's/^/# /' "$TEST_TMP/out"; return 1; }
	run_sftp "$SERVER -d %d" "pwd"
	grep -q "Remote working directory: $HOME\$" "$TEST_TMP/out" || { sed 's/^/# /' "$TEST_TMP/out"; return 1; }
	run_sftp "$SERVER -d %h/" "pwd"
	grep -q "Remote working directory: $HOME\$" "$TEST_TMP/out" || { sed 's/^/# /' "$TEST_TMP/out"; return 1; }
	! "$SERVER" -d /x/%q </dev/null 2>"$TEST_TMP/e" && grep -q 'bad token' "$TEST_TMP/e"
}
check "-d with %u, %d and %h starts in the expanded directory; an unknown token is refused" start_dir

# under OpenSSH's sshd, as an administrator would install it
U=sftpopt$$
make_user "$U" "$(openssl rand -hex 12)"
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id"
authorize_key "$U" "$TEST_TMP/id.pub"
SSHD_PORT=$(pick_port)
start_sshd "$SSHD_PORT" "$TEST_TMP/sshd" -o "Subsystem=sftp $SERVER -l INFO -P remove"
sftp_to() {
	local port=$1; shift
	printf '%s\n' "$@" >"$TEST_TMP/batch"
	sftp -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentityAgent=none \
		-i "$TEST_TMP/id" -P "$port" -b "$TEST_TMP/batch" "$U@127.0.0.1" >"$TEST_TMP/out" 2>"$TEST_TMP/log"
}
under_sshd() {
	sftp_to "$SSHD_PORT" "cd $TEST_TMP/area" "get file $TEST_TMP/got4" "-rm file"
	cmp -s "$TEST_TMP/got4" "$TEST_TMP/area/file" && [ -f "$TEST_TMP/area/file" ] && grep -qi 'permission denied' "$TEST_TMP/log" ||
		{ sed 's/^/# /' "$TEST_TMP/log"; return 1; }
}
check "under sshd's Subsystem line with -P remove: get works, rm is denied" under_sshd

# ksshd's in-process server with the same lists from its configuration
printf '%s\n' 'ssh server sftp deny-requests remove mkdir' 'ssh server rate-limit 600' >"$TEST_TMP/deny.conf"
printf '%s\n' 'ssh server sftp permit-requests open close read stat lstat fstat realpath opendir readdir' \
	'ssh server rate-limit 600' >"$TEST_TMP/allow.conf"
P1=$(pick_port) P2=$(pick_port)
start_ksshd "$P1" "$TEST_TMP/kdeny" -f "$TEST_TMP/deny.conf"
start_ksshd "$P2" "$TEST_TMP/kallow" -f "$TEST_TMP/allow.conf"
logged() { for _ in $(seq 50); do grep -qF -- "$2" "$1" && return 0; sleep 0.1; done; return 1; }
ksshd_deny() {
	sftp_to "$P1" "cd $TEST_TMP/area" "get file $TEST_TMP/got5" "-rm file" "-mkdir nd" "rename dir dir3" "rename dir3 dir"
	cmp -s "$TEST_TMP/got5" "$TEST_TMP/area/file" && [ -f "$TEST_TMP/area/file" ] && [ ! -e "$TEST_TMP/area/nd" ] &&
		[ -d "$TEST_TMP/area/dir" ] && grep -qi 'permission denied' "$TEST_TMP/log" ||
		{ sed 's/^/# /' "$TEST_TMP/log"; return 1; }
	logged "$TEST_TMP/kdeny/log" "user '$U': sftp: refused remove request: not permitted by the request lists" &&
		logged "$TEST_TMP/kdeny/log" "user '$U': sftp: close \"$TEST_TMP/area/file\" bytes read 70000 written 0"
}
check "ksshd with 'ssh server sftp deny-requests remove mkdir': get and rename work, rm and mkdir refused and logged" ksshd_deny
ksshd_allow() {
	sftp_to "$P2" "cd $TEST_TMP/area" "get file $TEST_TMP/got6" "-put $TEST_TMP/up up2" "ls"
	cmp -s "$TEST_TMP/got6" "$TEST_TMP/area/file" && [ ! -s "$TEST_TMP/area/up2" ] || { sed 's/^/# /' "$TEST_TMP/log"; return 1; }
	logged "$TEST_TMP/kallow/log" "user '$U': sftp: refused write request: not permitted by the request lists"
}
check "ksshd with 'ssh server sftp permit-requests ...': get and ls work, put's write (not listed) refused" ksshd_allow

done_testing
