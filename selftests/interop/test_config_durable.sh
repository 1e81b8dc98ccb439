#!/bin/bash
# Durable configuration: each ksshctl commit is written to the file ksshd started from
# (atomically, mode 0600 kept) and kept in a commit history; a restart, even after kill -9
# right after a commit, comes back with the same running-config; commit list, changes and
# rollback (last N, to ID); a daemon killed in the middle of commits never leaves half a file.
. "$(dirname "$0")/lib.sh"

CONF=$TEST_TMP/k/kssh.conf
mkdir -p "$TEST_TMP/k"
printf '%s\n' 'ssh server rate-limit 600' >"$CONF"
chmod 600 "$CONF"
PORT=$(pick_port)
CTL="$TOP/$BUILD/ksshctl -s $TEST_TMP/k/ctl.sock"

start() {
	start_ksshd "$PORT" "$TEST_TMP/k" -f "$CONF"
	for _ in $(seq 100); do [ -S "$TEST_TMP/k/ctl.sock" ] && return 0; sleep 0.1; done
	return 1
}
running() { $CTL show running-config; }
start

commit_saved() {
	local out
	out=$(printf '%s\n' 'ssh server session-limit 10' 'ssh timeout 60' 'ipv4 access-list A 10 permit host 127.0.0.1' |
		$CTL configure - 2>&1)
	grep -q "commit 1000000001 saved to $CONF" <<<"$out" && grep -qx 'ssh server session-limit 10' "$CONF" &&
		grep -qx 'ssh timeout 60' "$CONF" && [ "$(stat -c %a "$CONF")" = 600 ] ||
		{ echo "# $out"; sed 's/^/# file: /' "$CONF"; return 1; }
}
check "a commit is written to the file ksshd started from (mode 0600)" commit_saved

restart_same() {
	local before after pid out
	out=$(printf '%s\n' 'ssh server max-auth-limit 7' | $CTL configure - 2>&1)
	grep -q 'commit 1000000002 saved' <<<"$out" || { echo "# $out"; return 1; }
	before=$(running)
	grep -qx 'ssh server max-auth-limit 7' <<<"$before" || return 1
	pid=$(pgrep -f "^$KSSHD -D -e -d -p $PORT " | head -1)
	kill -9 "$pid"
	for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null || break; sleep 0.1; done
	rm -f "$TEST_TMP/k/ctl.sock"
	start || return 1
	after=$(running)
	[ -n "$before" ] && [ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after") | sed 's/^/# /'; return 1; }
}
check "kill -9 right after a commit, restart: the same running-config" restart_same

list_and_changes() {
	local list changes
	list=$($CTL show configuration commit list)
	changes=$($CTL show configuration commit changes 1000000002)
	grep -q '^1    1000000002   root' <<<"$list" && grep -q '1000000001   root' <<<"$list" &&
		grep -q '1000000000   startup' <<<"$list" && grep -qx '+ ssh server max-auth-limit 7' <<<"$changes" &&
		[ "$(grep -c '^[-+] ' <<<"$changes")" = 1 ] || { echo "$list$changes" | sed 's/^/# /'; return 1; }
}
check "show configuration commit list / changes ID" list_and_changes

rollback_last() {
	local want out
	want=$(sed -n '/^[^!]/p' "$CONF.commits/1000000001")
	out=$($CTL rollback configuration last 1 2>&1)
	grep -q 'commit 1000000003 saved' <<<"$out" &&
		[ "$(running | grep -v '^ssh server port ')" = "$(grep -v '^ssh server port ' <<<"$want")" ] &&
		! grep -q 'max-auth-limit 7' "$CONF" || { echo "# $out"; running | sed 's/^/# /'; return 1; }
}
check "rollback configuration last 1 undoes the latest commit (and is itself a commit)" rollback_last

rollback_to() {
	$CTL rollback configuration to 1000000000 >/dev/null &&
		[ "$(running | grep -v '^ssh server port ')" = 'ssh server rate-limit 600' ] &&
		[ "$(cat "$CONF")" = 'ssh server rate-limit 600' ] || { running | sed 's/^/# /'; return 1; }
}
check "rollback configuration to ID returns to that commit (here the start-up one)" rollback_to
check "a rollback to a commit that does not exist changes nothing" bash -c \
	"$CTL rollback configuration to 1000000999 2>&1 | grep -q 'no commit 1000000999' && [ \"\$(cat '$CONF')\" = 'ssh server rate-limit 600' ]"
check "a bad configure changes nothing, and is not saved" bash -c \
	"printf 'ssh server dscp 99\n' | $CTL configure - 2>&1 | grep -q 'nothing was changed' && [ \"\$(cat '$CONF')\" = 'ssh server rate-limit 600' ]"

# kill -9 in the middle of commits, again and again: the file is always a whole configuration
never_half() {
	local pid bad=0
	for i in $(seq 15); do
		printf 'ssh server session-limit %d\nssh server dscp %d\n' $((10 + i)) $((i % 60)) | $CTL configure - >/dev/null 2>&1 &
		sleep "0.0$((RANDOM % 10))"
		pid=$(pgrep -f "^$KSSHD -D -e -d -p $PORT " | head -1)
		kill -9 "$pid" 2>/dev/null
		wait 2>/dev/null
		"$KSSHD" -t -f "$CONF" >/dev/null 2>&1 || { echo "# round $i: the file does not load:"; sed 's/^/# /' "$CONF"; bad=1; break; }
		ls "$TEST_TMP/k/"kssh.conf.new.* >/dev/null 2>&1 && rm -f "$TEST_TMP/k/"kssh.conf.new.* # a temporary left by the kill
		rm -f "$TEST_TMP/k/ctl.sock"
		start || { bad=1; break; }
	done
	[ $bad = 0 ]
}
check "15 kills in the middle of commits: the file always loads whole" never_half

done_testing
