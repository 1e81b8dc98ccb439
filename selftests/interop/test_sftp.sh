#!/bin/bash
# OpenSSH's sftp and scp against ksshd's in-process SFTP server, sftp -D against
# ksftp-server, protocol details real clients rely on (sftp_probe.py), and failures.
. "$(dirname "$0")/lib.sh"

U=kt$$f
make_user "$U" "Sftp-pw-5!" || { echo "not ok 1 - cannot create a user"; exit 1; } # not locked: sshd refuses locked accounts
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id"
authorize_key "$U" "$TEST_TMP/id.pub"
H=$(getent passwd "$U" | cut -d: -f6)
PORT=$(pick_port)
start_ksshd "$PORT" "$TEST_TMP/d"
LOG=$TEST_TMP/d/log
SRC=$TEST_TMP/src
mkdir -p "$SRC/tree/a/b"
head -c 64M /dev/urandom >"$SRC/big"
head -c 1M /dev/urandom >"$SRC/tree/a/one"
head -c 10 /dev/urandom >"$SRC/tree/a/b/two"
chmod 640 "$SRC/tree/a/one"
touch -d '2001-02-03 04:05:06' "$SRC/tree/a/one"
chmod -R a+rX "$SRC"
chmod 755 "$TEST_TMP"

# batch FILE: sftp -b FILE as the test user; output in $TEST_TMP/out
batch() {
	ssh_opts=(-F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
		-o IdentityAgent=none -o LogLevel=error -i "$TEST_TMP/id")
	sftp "${ssh_opts[@]}" -P "$PORT" -b "$1" "$U@127.0.0.1" >"$TEST_TMP/out" 2>&1
}
cmds() { printf '%s\n' "$@" >"$TEST_TMP/batch"; batch "$TEST_TMP/batch"; }
export PORT U TEST_TMP
export -f batch cmds

check "put and get 64 MiB, byte-exact both ways" bash -c "cmds 'put $SRC/big up' 'get up $TEST_TMP/down' &&
	cmp -s '$SRC/big' '$H/up' && cmp -s '$SRC/big' '$TEST_TMP/down'"
# the upload's WRITEs and the download's READs went to the disk in batches through io_uring
check "the 64 MiB put and get were served through io_uring" bash -c "
	grep -Eq 'sftp: io_uring: [1-9][0-9]* batches of reads or writes, [0-9]+ requests' '$LOG'"
check "relative paths are the user's home" bash -c "cmds pwd && grep -q 'Remote working directory: $H\$' '$TEST_TMP/out'"

# resume: a partial download and a partial upload are completed, not restarted
head -c 20000000 "$SRC/big" >"$TEST_TMP/partial_down"
head -c 30000000 "$SRC/big" >"$H/partial_up"; chown "$U:" "$H/partial_up"
cp "$SRC/big" "$TEST_TMP/full_up_src"
check "reget completes a partial download" bash -c "cmds 'reget up $TEST_TMP/partial_down' && cmp -s '$SRC/big' '$TEST_TMP/partial_down'"
check "reput completes a partial upload (APPEND / FSETSTAT size)" bash -c "cmds 'reput $TEST_TMP/full_up_src partial_up' && cmp -s '$SRC/big' '$H/partial_up'"

cmds "mkdir d1" "rename up d1/moved" "ln -s d1/moved soft" "ln d1/moved hard" "chmod 600 hard" \
	"mkdir gone" "rmdir gone" "rm partial_up"
check "mkdir, rename, symlink, hardlink, chmod, rmdir, rm succeed" [ $? -eq 0 ]
check "rename moved the file" bash -c "[ -f '$H/d1/moved' ] && [ ! -e '$H/up' ]"
check "ln -s: OpenSSH's argument order (target, then link)" bash -c "[ \"\$(readlink '$H/soft')\" = d1/moved ]"
check "ln: a hard link (hardlink@openssh.com)" bash -c "[ \$(stat -c %h '$H/d1/moved') -eq 2 ] &&
	[ \$(stat -c %i '$H/hard') -eq \$(stat -c %i '$H/d1/moved') ]"
check "chmod 600" bash -c "[ \$(stat -c %a '$H/d1/moved') = 600 ]"
check "rmdir and rm" bash -c "[ ! -e '$H/gone' ] && [ ! -e '$H/partial_up' ]"
cmds "ls -l" "df -h ." "ls d1"
check "ls -l lists names with ls-style long names" bash -c "grep -q ' soft' '$TEST_TMP/out' &&
	grep -Eq '^-rw------- +[0-9?]+ +$U +$U +67108864 ' '$TEST_TMP/out'"
check "df (statvfs@openssh.com) reports the file system" grep -q '%Capacity' "$TEST_TMP/out"
# OpenSSH's sftp renames with posix-rename@openssh.com when offered: the target is replaced
check "rename onto an existing file replaces it (posix-rename@openssh.com)" bash -c "cp '$SRC/tree/a/b/two' '$H/victim' &&
	cmds 'rename hard victim' && [ ! -e '$H/hard' ] && cmp -s '$H/victim' '$H/d1/moved'"
check "put -p / get -p keep permissions and times" bash -c "cmds 'put -p $SRC/tree/a/one kept' 'get -p kept $TEST_TMP/kept' &&
	[ \"\$(stat -c '%a %Y' '$H/kept')\" = \"\$(stat -c '%a %Y' '$SRC/tree/a/one')\" ] &&
	[ \"\$(stat -c '%a %Y' '$TEST_TMP/kept')\" = \"\$(stat -c '%a %Y' '$SRC/tree/a/one')\" ]"
check "put -r / get -r copy a directory tree" bash -c "cmds 'put -r $SRC/tree' 'get -r tree $TEST_TMP/tree_back' &&
	diff -r '$SRC/tree' '$H/tree' && diff -r '$SRC/tree' '$TEST_TMP/tree_back'"

# a transfer killed half-way: what arrived is intact, and reput / reget finish it
printf 'put %s killed_up\n' "$SRC/big" >"$TEST_TMP/slow_batch"
sftp -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentityAgent=none \
	-o LogLevel=error -i "$TEST_TMP/id" -l 80000 -P "$PORT" -b "$TEST_TMP/slow_batch" "$U@127.0.0.1" >/dev/null 2>&1 &
slow=$!
sleep 2
kill -9 $slow
wait $slow 2>/dev/null
# the server writes what it had already received (up to a channel window) before it sees the connection
# gone: reput starts once that session has ended, as a user's would after the server let go of the file
for _ in $(seq 100); do
	"$TOP/$BUILD/ksshctl" -s "$TEST_TMP/d/ctl.sock" show ssh 2>/dev/null | grep -q " $U " || break
	sleep 0.1
done
got=$(stat -c %s "$H/killed_up" 2>/dev/null || echo 0)
check "an upload killed half-way left a partial, intact prefix ($got bytes)" bash -c "
	[ $got -gt 0 ] && [ $got -lt $(stat -c %s "$SRC/big") ] && cmp -s -n $got '$H/killed_up' '$SRC/big'"
check "reput finishes the killed upload byte-exact" bash -c "cmds 'reput $SRC/big killed_up' && cmp -s '$SRC/big' '$H/killed_up'"

# failures: the right status, nothing half-done
check "get of a missing file: not found" bash -c "! cmds 'get nosuch $TEST_TMP/x' && grep -q 'not found' '$TEST_TMP/out' && [ ! -e '$TEST_TMP/x' ]"
check "put into a directory the user may not write: permission denied" bash -c "! cmds 'put $SRC/tree/a/b/two /root/x' &&
	grep -q 'Permission denied' '$TEST_TMP/out' && [ ! -e /root/x ]"
check "get of a directory without -r: not a regular file" bash -c "! cmds 'get d1 $TEST_TMP/x' && grep -q 'not a regular file' '$TEST_TMP/out'"
FULL=$TEST_TMP/full
mkdir -p "$FULL" && mount -t tmpfs -o size=1m,mode=0777 tmpfs "$FULL" && CLEANUP_CMDS+=("umount '$FULL'")
check "put onto a full file system fails (write: Failure), the session goes on" bash -c "! cmds 'put $SRC/big $FULL/x' &&
	grep -q 'write remote .*Failure' '$TEST_TMP/out' && cmds 'ls $FULL'"
check "full file system: what was written is intact" bash -c "n=\$(stat -c %s '$FULL/x');
	[ \$n -gt 0 ] && cmp -s -n \$n '$FULL/x' '$SRC/big'"

# scp: OpenSSH 9's default (SFTP) and the classic protocol (-O: scp -t/-f run through exec)
scp_to() { scp -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-o IdentityAgent=none -o LogLevel=error -i "$TEST_TMP/id" -P "$PORT" "$@"; }
export -f scp_to
check "scp (SFTP mode) up and down, byte-exact" bash -c "scp_to '$SRC/big' $U@127.0.0.1:scp_up && scp_to $U@127.0.0.1:scp_up '$TEST_TMP/scp_down' &&
	cmp -s '$SRC/big' '$H/scp_up' && cmp -s '$SRC/big' '$TEST_TMP/scp_down'"
check "scp -O (classic protocol) up and down, byte-exact" bash -c "scp_to -O '$SRC/big' $U@127.0.0.1:scp_o && scp_to -O $U@127.0.0.1:scp_o '$TEST_TMP/scp_o' &&
	cmp -s '$SRC/big' '$H/scp_o' && cmp -s '$SRC/big' '$TEST_TMP/scp_o'"
check "scp -r -p copies a tree with modes and times" bash -c "scp_to -r -p '$SRC/tree' $U@127.0.0.1:scp_tree && diff -r '$SRC/tree' '$H/scp_tree' &&
	[ \"\$(stat -c '%a %Y' '$H/scp_tree/a/one')\" = \"\$(stat -c '%a %Y' '$SRC/tree/a/one')\" ]"
check "the subsystem ran in ksshd's session process" grep -q "subsystem 'sftp' started" "$LOG"

# the standalone server under OpenSSH's sftp -D, without SSH
check "sftp -D ksftp-server: put and get byte-exact" bash -c "cd '$TEST_TMP' && printf 'put src/big viaD\nget viaD backD\n' |
	sftp -b - -D '$TOP/$BUILD/ksftp-server' >/dev/null 2>&1 && cmp -s src/big viaD && cmp -s src/big backD"
check "ksftp-server -R refuses writes" bash -c "cd '$TEST_TMP' && ! printf 'put src/big ro\n' |
	sftp -b - -D '$TOP/$BUILD/ksftp-server -R' >/dev/null 2>&1 && [ ! -e ro ]"

# protocol details OpenSSH's sftp does not exercise: a Python client speaks to ksftp-server
check "protocol probe (version 6 asked, out-of-order I/O, extensions, bad messages)" bash -c "
	cd '$TEST_TMP' && python3 '$TOP/selftests/interop/sftp_probe.py' '$TOP/$BUILD/ksftp-server' 2>&1 |
	tee '$TEST_TMP/probe.out' | sed 's/^/# /' | tail -3; grep -q '^probe: all passed' '$TEST_TMP/probe.out'"

# ksftp, against ksshd and against OpenSSH's sshd (internal-sftp)
PORT_O=$(pick_port)
start_sshd "$PORT_O" "$TEST_TMP/sshd" -o "Subsystem=sftp internal-sftp"
ksftp_to() { # PORT ARGS...
	local p=$1; shift
	"$KSSH_DIR/ksftp" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentityAgent=none \
		-o LogLevel=error -i "$TEST_TMP/id" -P "$p" "$@"
}
KSSH_DIR=$TOP/$BUILD
export KSSH_DIR
export -f ksftp_to
for server in ksshd:$PORT openssh:$PORT_O; do
	name=${server%%:*} p=${server##*:}
	W=$H/k_$name
	mkdir -p "$W" && chown "$U:" "$W"
	check "ksftp -> $name: put and get 64 MiB byte-exact" bash -c "printf 'put $SRC/big $W/up\nget $W/up $TEST_TMP/k_$name.down\n' |
		ksftp_to $p -b - $U@127.0.0.1 >/dev/null && cmp -s '$SRC/big' '$W/up' && cmp -s '$SRC/big' '$TEST_TMP/k_$name.down'"
	# the receive window starts at 2 MiB and follows the socket's receive buffer (tuned by the kernel to the
	# path, so how far it grows on loopback varies run to run), never past its maximum, 16 MiB
	check "ksftp -> $name: the receive window stays within 2048 KiB and its 16384 KiB maximum on a 64 MiB get (ksftp -v)" bash -c "
		ksftp_to $p -v $U@127.0.0.1:$W/up /dev/null 2>'$TEST_TMP/win_$name' >/dev/null &&
		end=\$(sed -n 's/.*receive window: 2048 KiB at first, \\([0-9]*\\) KiB at the end.*/\\1/p' '$TEST_TMP/win_$name') &&
		[ -n \"\$end\" ] && [ \"\$end\" -ge 2048 ] && [ \"\$end\" -le 16384 ] &&
		grep 'receive window' '$TEST_TMP/win_$name' | sed 's/^/# /'"
	check "ksftp -> $name: wildcards up and down" bash -c "mkdir -p '$TEST_TMP/wd_$name' &&
		printf 'mkdir $W/w\nput $SRC/tree/a/* $W/w\nget $W/w/* $TEST_TMP/wd_$name\n' | ksftp_to $p -b - $U@127.0.0.1 >/dev/null &&
		cmp -s '$SRC/tree/a/one' '$W/w/one' && cmp -s '$SRC/tree/a/one' '$TEST_TMP/wd_$name/one'"
	head -c 1000000 "$SRC/big" >"$TEST_TMP/part_$name"
	check "ksftp -> $name: reget and reput finish partial files" bash -c "head -c 3000000 '$SRC/big' >'$W/rp' &&
		chown $U: '$W/rp' && printf 'reget $W/up $TEST_TMP/part_$name\nreput $SRC/big $W/rp\n' |
		ksftp_to $p -b - $U@127.0.0.1 >/dev/null && cmp -s '$SRC/big' '$TEST_TMP/part_$name' && cmp -s '$SRC/big' '$W/rp'"
	check "ksftp -> $name: mkdir, rename, ln -s, ln, chmod, rm, rmdir, ls, df" bash -c "printf '%s\n' \
		'mkdir $W/m' 'rename $W/rp $W/m/r' 'ln -s r $W/m/s' 'ln $W/m/r $W/m/h' 'chmod 640 $W/m/r' \
		'rm $W/m/h' 'mkdir $W/gone' 'rmdir $W/gone' 'ls -l $W/m' 'df $W' |
		ksftp_to $p -b - $U@127.0.0.1 >'$TEST_TMP/k_$name.out' 2>&1 && [ \$(readlink '$W/m/s') = r ] &&
		[ \$(stat -c %a '$W/m/r') = 640 ] && [ ! -e '$W/m/h' ] && [ ! -e '$W/gone' ] &&
		grep -q '^-rw-r-----' '$TEST_TMP/k_$name.out' && grep -q '%Capacity' '$TEST_TMP/k_$name.out'"
	check "ksftp -> $name: one-shot host:path local" bash -c "ksftp_to $p $U@127.0.0.1:$W/up '$TEST_TMP/one_$name' &&
		cmp -s '$SRC/big' '$TEST_TMP/one_$name'"
	check "ksftp -> $name: a failing batch command stops the batch, exit 1" bash -c "
		printf 'get $W/nosuch $TEST_TMP/x\nmkdir $W/never\n' | ksftp_to $p -b - $U@127.0.0.1 >/dev/null 2>&1;
		[ \$? -eq 1 ] && [ ! -e '$W/never' ]"
	check "ksftp -> $name: '-' lets a command fail and the batch go on" bash -c "
		printf -- '-get $W/nosuch $TEST_TMP/x\nmkdir $W/after\n' | ksftp_to $p -b - $U@127.0.0.1 >/dev/null 2>&1 &&
		[ -d '$W/after' ]"
done
# kscp, against both servers
kscp_to() { # PORT ARGS...
	local p=$1; shift
	"$KSSH_DIR/kscp" -q -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentityAgent=none \
		-o LogLevel=error -i "$TEST_TMP/id" -P "$p" "$@"
}
export -f kscp_to
for server in ksshd:$PORT openssh:$PORT_O; do
	name=${server%%:*} p=${server##*:}
	W=$H/k_$name
	check "kscp -> $name: a file up and down, byte-exact" bash -c "kscp_to $p '$SRC/big' $U@127.0.0.1:$W/kscp_up &&
		kscp_to $p $U@127.0.0.1:$W/kscp_up '$TEST_TMP/kscp_$name' && cmp -s '$SRC/big' '$W/kscp_up' &&
		cmp -s '$SRC/big' '$TEST_TMP/kscp_$name'"
	check "kscp -> $name: -r -p a tree up and down, modes and times kept" bash -c "
		kscp_to $p -r -p '$SRC/tree' $U@127.0.0.1:$W/kscp_tree && kscp_to $p -r -p $U@127.0.0.1:$W/kscp_tree '$TEST_TMP/kscp_tree_$name' &&
		diff -r '$SRC/tree' '$W/kscp_tree' && diff -r '$SRC/tree' '$TEST_TMP/kscp_tree_$name' &&
		[ \"\$(stat -c '%a %Y' '$TEST_TMP/kscp_tree_$name/a/one')\" = \"\$(stat -c '%a %Y' '$SRC/tree/a/one')\" ]"
	check "kscp -> $name: a remote wildcard into a directory" bash -c "mkdir -p '$TEST_TMP/kw_$name' &&
		kscp_to $p '$U@127.0.0.1:$W/kscp_tree/a/o*' '$TEST_TMP/kw_$name' && cmp -s '$SRC/tree/a/one' '$TEST_TMP/kw_$name/one'"
	check "kscp -> $name: a missing source fails (exit 1) and names it" bash -c "
		out=\$(kscp_to $p $U@127.0.0.1:$W/nosuch '$TEST_TMP/x' 2>&1); [ \$? -eq 1 ] && grep -q nosuch <<<\"\$out\" &&
		[ ! -e '$TEST_TMP/x' ]"
done

# a hostile server's listing names '../escaped' and 'sub/inner': kscp must refuse them
PORT_EVIL=$(pick_port)
start_sshd "$PORT_EVIL" "$TEST_TMP/evil" -o "Subsystem=sftp /usr/bin/python3 $TOP/selftests/interop/evil_sftp_server.py"
mkdir -p "$TEST_TMP/victim/into"
kscp_to $PORT_EVIL -r $U@127.0.0.1:dir "$TEST_TMP/victim/into/dir" >"$TEST_TMP/evil.out" 2>&1
rc=$?
check "kscp refuses a server's '../' and '/' names (CVE-2019-6111's class)" bash -c "
	grep -q 'refusing unsafe name from the server: \"../escaped\"' '$TEST_TMP/evil.out' &&
	grep -q 'refusing unsafe name from the server: \"sub/inner\"' '$TEST_TMP/evil.out' &&
	[ ! -e '$TEST_TMP/victim/into/escaped' ] && [ ! -e '$TEST_TMP/victim/escaped' ] && [ ! -e '$TEST_TMP/victim/into/dir/sub' ]"
check "kscp still copies the honest file, and exits 1 for the refusals" bash -c "
	[ \"\$(cat '$TEST_TMP/victim/into/dir/good')\" = hello ] && [ $rc -eq 1 ]"

check "ksftp: the spec's form (username, source-interface, host:path local)" bash -c "
	'$TOP/$BUILD/ksftp' -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=error \
	-i '$TEST_TMP/id' -P $PORT username $U source-interface lo 127.0.0.1:$H/k_ksshd/up '$TEST_TMP/spec_form' &&
	cmp -s '$SRC/big' '$TEST_TMP/spec_form'"

check "ksshd still serves" bash -c "cmds pwd"
done_testing
