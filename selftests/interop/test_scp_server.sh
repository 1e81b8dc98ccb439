#!/bin/bash
# ksshd's own server side of the classic scp protocol (OpenSSH's scp -O runs
# "scp -t" / "scp -f" through exec): served in the session's child, never by
# a shell or an scp binary; names from the client are single components.
. "$(dirname "$0")/lib.sh"

U=kt$$c
make_user "$U" "Scp-pw-3!" || { echo "not ok 1 - cannot create a user"; exit 1; }
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id"
authorize_key "$U" "$TEST_TMP/id.pub"
H=$(getent passwd "$U" | cut -d: -f6)
# the user's shell records every command it is given: scp must never reach it
SHELL_LOG=$TEST_TMP/shell.log
cat >"$TEST_TMP/logshell" <<EOF
#!/bin/bash
echo "\$*" >>'$SHELL_LOG'
exec /bin/bash "\$@"
EOF
chmod 755 "$TEST_TMP/logshell" "$TEST_TMP"
touch "$SHELL_LOG" && chmod 666 "$SHELL_LOG"
usermod -s "$TEST_TMP/logshell" "$U"
PORT=$(pick_port)
start_ksshd "$PORT" "$TEST_TMP/d"

SRC=$TEST_TMP/src
mkdir -p "$SRC/tree/a/b" "$SRC/glob"
head -c 40M /dev/urandom >"$SRC/big"
head -c 100000 /dev/urandom >"$SRC/tree/a/one"
: >"$SRC/tree/a/empty"
head -c 10 /dev/urandom >"$SRC/tree/a/b/two"
for n in 1 2 3; do echo "$n" >"$SRC/glob/f$n.img"; done
echo other >"$SRC/glob/skip.txt"
echo spaced >"$SRC/with space"
chmod -R a+rX "$SRC"
chmod 604 "$SRC/tree/a/one"
touch -d '2001-02-03 04:05:06' "$SRC/tree/a/one" "$SRC/tree/a"

opts=(-F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o IdentityAgent=none -o LogLevel=error -i "$TEST_TMP/id")
scp_o() { scp "${opts[@]}" -O -P "$PORT" "$@" 2>"$TEST_TMP/err"; }
ssh_u() { ssh "${opts[@]}" -p "$PORT" "$U@127.0.0.1" "$@"; }

check "the logging shell sees an ordinary exec (control)" bash -c "$(declare -f ssh_u); opts=(${opts[*]@Q}); PORT=$PORT U=$U
	ssh_u echo hi >/dev/null && grep -q 'echo hi' '$SHELL_LOG'"
: >"$SHELL_LOG"
check "scp -O upload, 40 MiB byte-exact" bash -c "$(declare -f scp_o); opts=(${opts[*]@Q}); PORT=$PORT TEST_TMP=$TEST_TMP
	scp_o '$SRC/big' $U@127.0.0.1:up && cmp -s '$SRC/big' '$H/up'"
check "scp -O download, byte-exact" bash -c "$(declare -f scp_o); opts=(${opts[*]@Q}); PORT=$PORT TEST_TMP=$TEST_TMP
	scp_o $U@127.0.0.1:up '$TEST_TMP/down' && cmp -s '$SRC/big' '$TEST_TMP/down'"
check "neither ran through the user's shell (ksshd served scp itself)" bash -c "! grep -q scp '$SHELL_LOG'"
export -f scp_o ssh_u
export PORT U TEST_TMP SHELL_LOG
export OPTS_Q="${opts[*]@Q}"
run() { bash -c "opts=($OPTS_Q); $1"; }

check "scp -O -r -p: a tree with modes, times and an empty file" run "scp_o -r -p '$SRC/tree' $U@127.0.0.1:tree &&
	diff -r '$SRC/tree' '$H/tree' && [ \"\$(stat -c '%a %Y' '$H/tree/a/one')\" = '$(stat -c '%a %Y' "$SRC/tree/a/one")' ] &&
	[ \"\$(stat -c %Y '$H/tree/a')\" = $(stat -c %Y "$SRC/tree/a") ]"
check "scp -O -r download of a tree" run "scp_o -r $U@127.0.0.1:tree '$TEST_TMP/tree_back' && diff -r '$SRC/tree' '$TEST_TMP/tree_back'"
check "several files into a directory" run "mkdir -p '$H/multi' && chown $U: '$H/multi' &&
	scp_o '$SRC/glob/f1.img' '$SRC/glob/f2.img' $U@127.0.0.1:multi/ && cmp -s '$SRC/glob/f2.img' '$H/multi/f2.img'"
cp -r "$SRC/glob" "$H/glob" && chown -R "$U:" "$H/glob"
check "a remote wildcard downloads what it matches, only that" run "mkdir '$TEST_TMP/gl' && scp_o '$U@127.0.0.1:glob/*.img' '$TEST_TMP/gl/' &&
	[ \$(ls '$TEST_TMP/gl' | wc -l) -eq 3 ] && [ ! -e '$TEST_TMP/gl/skip.txt' ]"
# scp -O passes remote names to the remote end unquoted, as a shell would read them
check "a name with a space, quoted as for a shell, both ways" run "scp_o '$SRC/with space' '$U@127.0.0.1:\"with space\"' &&
	scp_o '$U@127.0.0.1:with\\ space' '$TEST_TMP/sp back' && cmp -s '$SRC/with space' '$TEST_TMP/sp back' &&
	cmp -s '$SRC/with space' '$H/with space'"
check "an unquoted name with a space: ambiguous target" run "! scp_o '$SRC/with space' '$U@127.0.0.1:with space' &&
	grep -q 'ambiguous target' '$TEST_TMP/err' && ! grep -q 'with space' '$SHELL_LOG'"
check "a missing remote file: No such file or directory" run "! scp_o $U@127.0.0.1:nosuch '$TEST_TMP/x' &&
	grep -q 'nosuch: No such file or directory' '$TEST_TMP/err' && [ ! -e '$TEST_TMP/x' ]"
check "a directory without -r: not a regular file" run "! scp_o $U@127.0.0.1:tree '$TEST_TMP/x' && grep -q 'not a regular file' '$TEST_TMP/err'"
check "an unwritable target: Permission denied" run "! scp_o '$SRC/glob/f1.img' $U@127.0.0.1:/root/x &&
	grep -q 'Permission denied' '$TEST_TMP/err' && [ ! -e /root/x ]"
FULL=$TEST_TMP/full
mkdir -p "$FULL" && mount -t tmpfs -o size=1m,mode=0777 tmpfs "$FULL" && CLEANUP_CMDS+=("umount '$FULL'")
check "a full file system: No space left, what was written is intact" run "! scp_o '$SRC/big' $U@127.0.0.1:$FULL/x &&
	grep -q 'No space left on device' '$TEST_TMP/err' && n=\$(stat -c %s '$FULL/x') && [ \$n -gt 0 ] && cmp -s -n \$n '$FULL/x' '$SRC/big'"

# a hostile client: records naming other places are refused, nothing is written there
mkdir -p "$H/target" && chown "$U:" "$H/target"
hostile() { # RECORDS: sent to "scp -t target" after its first ack
	printf "$1" | ssh_u 'scp -t target' >"$TEST_TMP/reply" 2>&1
}
export -f hostile
for name in '../evil' 'sub/evil' '..' '.'; do
	check "a record naming '$name' is refused" run "! hostile 'C0644 3 $name\nabc\0' &&
		grep -q 'protocol error' '$TEST_TMP/reply' && [ ! -e '$H/evil' ] && [ ! -e '$H/target/sub' ]"
done
check "a record with a size past the data: the partial file is not acknowledged" run "! hostile 'C0644 100 short\nabc' &&
	grep -q 'ended in the middle of the file' '$TEST_TMP/reply'"
check "a directory record without -r is refused" run "! hostile 'D0755 0 dir\n' && grep -q 'without -r' '$TEST_TMP/reply' &&
	[ ! -e '$H/target/dir' ]"
check "a malformed record is a protocol error" run "! hostile 'X junk\n' && grep -q 'protocol error' '$TEST_TMP/reply'"
check "a shell command that only looks like scp goes to the shell" run "ssh_u 'scp -t x; echo via-shell' </dev/null 2>/dev/null | grep -q via-shell"
done_testing
