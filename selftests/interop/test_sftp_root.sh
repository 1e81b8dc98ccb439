#!/bin/bash
# A configured SFTP root holds: "..", absolute paths, symbolic links (relative,
# absolute, made by the client) and renames cannot leave it, and the check is
# on whole components (a root of .../u1 does not admit .../u10). OpenSSH's sftp
# drives ksftp-server -r directly (sftp -D) and ksshd --sftp-root over SSH.
. "$(dirname "$0")/lib.sh"

B=$TEST_TMP/home
mkdir -p "$B/u1/sub" "$B/u10"
echo "u10's secret" >"$B/u10/secret"
echo mine >"$B/u1/mine"
ln -s ../u10 "$B/u1/rel_link"
ln -s "$B/u10/secret" "$B/u1/abs_link"
ln -s / "$B/u1/root_link"
head -c 3M /dev/urandom >"$TEST_TMP/blob"
cd "$TEST_TMP" || exit 1

# jailed CMD...: sftp -b through ksftp-server -r $B/u1; output in $TEST_TMP/out
jailed() {
	printf '%s\n' "$@" | sftp -b - -D "$TOP/$BUILD/ksftp-server -r $B/u1" >"$TEST_TMP/out" 2>&1
}
free() {
	printf '%s\n' "$@" | sftp -b - -D "$TOP/$BUILD/ksftp-server" >"$TEST_TMP/out" 2>&1
}

check "without a root, u10's secret is readable (the control case)" bash -c "
	$(declare -f free); TOP='$TOP' BUILD='$BUILD' TEST_TMP='$TEST_TMP'; free 'get $B/u10/secret got0' && [ -s got0 ]"
check "the root is / to the client" bash -c "$(declare -f jailed); TOP='$TOP' BUILD='$BUILD' TEST_TMP='$TEST_TMP' B='$B';
	jailed pwd 'cd ..' pwd && [ \$(grep -c 'Remote working directory: /\$' '$TEST_TMP/out') -eq 2 ]"
export -f jailed
export TOP BUILD TEST_TMP B

refused_get() { # NAME PATH
	check "get $2 is refused ($1)" bash -c "! jailed 'get $2 $TEST_TMP/leak' && [ ! -e '$TEST_TMP/leak' ]"
}
refused_get "dot-dot" ../u10/secret
refused_get "dot-dot from the root" /../u10/secret
refused_get "the real path of a sibling whose name extends the root's" "$B/u10/secret"
refused_get "a relative symbolic link out" rel_link/secret
refused_get "an absolute symbolic link out" abs_link
refused_get "a link to / then dot-dot" root_link/../u10/secret
check "a symbolic link to / lands on the root" bash -c "jailed 'ls root_link/' && grep -q mine '$TEST_TMP/out'"
check "a link the client makes to an outside path is resolved inside" bash -c "
	! jailed 'ln -s $B/u10/secret made' 'get made $TEST_TMP/leak' && [ -L '$B/u1/made' ] && [ ! -e '$TEST_TMP/leak' ]"
check "put ../escaped lands inside the root" bash -c "jailed 'put $TEST_TMP/blob ../escaped' &&
	cmp -s '$TEST_TMP/blob' '$B/u1/escaped' && [ ! -e '$B/escaped' ]"
check "rename out through dot-dot is refused and moves nothing" bash -c "
	! jailed 'rename mine ../u10/stolen' && [ -f '$B/u1/mine' ] && [ ! -e '$B/u10/stolen' ]"
check "rm and mkdir outside are refused" bash -c "! jailed 'rm ../u10/secret' && ! jailed 'mkdir ../u10/new' &&
	[ -f '$B/u10/secret' ] && [ ! -e '$B/u10/new' ]"
check "inside the root everything works (put, get, rename, symlink, df)" bash -c "
	jailed 'cd sub' 'put $TEST_TMP/blob b' 'rename b c' 'ln -s c d' 'get d $TEST_TMP/back' 'df .' 'cd /' 'ls sub' &&
	cmp -s '$TEST_TMP/blob' '$B/u1/sub/c' && cmp -s '$TEST_TMP/blob' '$TEST_TMP/back' &&
	[ \"\$(readlink '$B/u1/sub/d')\" = c ] && grep -q '%Capacity' '$TEST_TMP/out'"
check "a missing root is an error at start" bash -c "! echo pwd | sftp -b - -D '$TOP/$BUILD/ksftp-server -r $B/none' >/dev/null 2>&1"

# ksshd --sftp-root %h: the user's home is the root
U=kt$$r
make_user "$U" "Root-pw-7!" || { echo "not ok - cannot create a user"; exit 1; }
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id"
authorize_key "$U" "$TEST_TMP/id.pub"
H=$(getent passwd "$U" | cut -d: -f6)
chmod 755 "$TEST_TMP" "$B" "$B/u10"
chmod 644 "$B/u10/secret"
PORT=$(pick_port)
start_ksshd "$PORT" "$TEST_TMP/d" --sftp-root %h
PORT2=$(pick_port)
start_ksshd "$PORT2" "$TEST_TMP/d2"
over_ssh() { # PORT CMD...
	local port=$1; shift
	printf '%s\n' "$@" | sftp -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o IdentityAgent=none -o LogLevel=error -i "$TEST_TMP/id" -P "$port" -b - "$U@127.0.0.1" >"$TEST_TMP/out" 2>&1
}
export -f over_ssh
export U PORT PORT2 H
check "ksshd without --sftp-root: the outside file is readable (control)" bash -c "
	over_ssh $PORT2 'get $B/u10/secret $TEST_TMP/ctl' && [ -s '$TEST_TMP/ctl' ]"
check "ksshd --sftp-root %h: the home is / and the outside is unreachable" bash -c "
	over_ssh $PORT pwd 'get $B/u10/secret $TEST_TMP/leak2' ; grep -q 'Remote working directory: /\$' '$TEST_TMP/out' &&
	[ ! -e '$TEST_TMP/leak2' ]"
check "ksshd --sftp-root %h: put and get inside, byte-exact" bash -c "
	over_ssh $PORT 'put $TEST_TMP/blob /in' 'get /in $TEST_TMP/in_back' &&
	cmp -s '$TEST_TMP/blob' '$H/in' && cmp -s '$TEST_TMP/blob' '$TEST_TMP/in_back'"
done_testing
