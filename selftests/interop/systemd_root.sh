# Part of test_deb.sh (sourced: $ROOT holds the installed package, user $U logs in with
# $TEST_TMP/id): the root boots with systemd as its PID 1 under systemd-nspawn, in a network
# namespace of its own, and the packaged ksshd.service is driven with systemctl.

command -v systemd-nspawn >/dev/null || not_ok "systemd-nspawn is installed (make deps: systemd-container)"
rm -f "$ROOT/usr/sbin/policy-rc.d"
# the chroot's /proc is the host's: under it systemd in the root would read the host's processes
umount "$ROOT/proc" 2>/dev/null

INIT=
in_root() { nsenter -t "$INIT" -a "$@"; }     # a command inside the booted root
in_net() { nsenter -t "$INIT" -n "$@"; }      # one of ours, in its network namespace
main_pid() { in_root systemctl show -p MainPID --value ksshd.service; }
ssh_in() { in_net ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-o IdentityAgent=none -o LogLevel=error -o ConnectTimeout=10 -i "$TEST_TMP/id" "$U@127.0.0.1" "$@"; }
journal() { in_root journalctl -q -b -u ksshd.service -o cat --no-pager; }   # this boot's
# until COMMAND succeeds, at most 30 s
until_ok() {
	local i
	for i in $(seq 1 150); do "$@" && return 0; sleep 0.2; done
	return 1
}
listening() { in_net ss -Hltn 'sport = :22' | grep -q LISTEN; }
active() { [ "$(in_root systemctl is-active ksshd.service)" = active ]; }

boot() {
	systemd-nspawn -q -b -D "$ROOT" -M "kssh-deb-$$" --register=no --keep-unit --private-network \
		>"$TEST_TMP/boot.log" 2>&1 &
	NSPAWN=$!
	PIDS+=("$NSPAWN")
	local i state
	for i in $(seq 1 300); do
		INIT=${INIT:-$(pgrep -P "$NSPAWN" | head -1)}
		state=$([ -n "$INIT" ] && in_root systemctl is-system-running 2>/dev/null)
		case $state in running | degraded) break ;; esac
		kill -0 "$NSPAWN" 2>/dev/null || break
		sleep 0.2
	done
	case $state in running | degraded) ;; *)
		echo "# the root did not boot (state '$state'):"; tail -15 "$TEST_TMP/boot.log" | sed 's/^/# /'; return 1 ;;
	esac
	[ "$(in_root cat /proc/1/comm)" = systemd ] && active &&
		[ "$(in_root systemctl show -p StatusText --value ksshd.service)" = "accepting connections" ] ||
		{ in_root systemctl status --no-pager ksshd.service 2>&1 | sed 's/^/# /'; return 1; }
}
check "the root boots with systemd as PID 1 (systemd-nspawn); the enabled ksshd.service is active after READY=1" boot

if [ -z "$INIT" ]; then
	not_ok "the systemd checks need the booted root"
	return
fi

served() {
	local got
	got=$(ssh_in 'echo in; id -un') && [ "$got" = "in
$U" ] || { echo "# ssh: '$got'"; journal | tail -5 | sed 's/^/# /'; return 1; }
	printf 'get file %s\n' "$TEST_TMP/got2" >"$TEST_TMP/batch2"
	in_net sftp -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o IdentityAgent=none -i "$TEST_TMP/id" -b "$TEST_TMP/batch2" "$U@127.0.0.1" >"$TEST_TMP/sftp.out" 2>&1 &&
		cmp -s "$TEST_TMP/got2" "$ROOT/home/$U/file" ||
		{ sed 's/^/# sftp: /' "$TEST_TMP/sftp.out"; journal | tail -4 | sed 's/^/# /'; return 1; }
}
# each line once: syslog reaches the journal, so ksshd writes nothing more to the journal's stderr stream
once_in_journal() {
	local n
	n=$(journal | grep -c 'listening on 0.0.0.0 port 22$')
	[ "$n" = 1 ] || { echo "# 'listening on 0.0.0.0 port 22' is in the journal $n times"; return 1; }
}
check "the service on port 22: OpenSSH's ssh logs in and sftp copies a file byte-exact; each log line once in the journal" \
	eval 'served && once_in_journal'

reloads() {
	local pid
	pid=$(main_pid)
	echo 'ssh server max-channels 77' >>"$ROOT/etc/kssh/kssh.conf"
	in_root systemctl reload ksshd.service &&
		until_ok eval 'in_root ksshctl show running-config | grep -qx "ssh server max-channels 77"' &&
		[ "$(main_pid)" = "$pid" ] && active ||
		{ journal | tail -5 | sed 's/^/# /'; return 1; }
}
check "systemctl reload: ksshd (same process) commits the edited configuration file" reloads

restart_keeps_sessions() {
	local pid
	pid=$(main_pid)
	ssh_in 'echo started; read line; echo "survived $line"' <"$TEST_TMP/fifo" >"$TEST_TMP/session.out" 2>&1 &
	local sess=$!
	exec 7>"$TEST_TMP/fifo"
	until_ok grep -q started "$TEST_TMP/session.out" || { exec 7>&-; return 1; }
	in_root systemctl restart ksshd.service
	local restarted=$?
	echo ok >&7
	exec 7>&-
	wait "$sess"
	[ "$restarted" = 0 ] && active && [ "$(main_pid)" != "$pid" ] &&
		grep -qx 'survived ok' "$TEST_TMP/session.out" && until_ok listening && served ||
		{ cat "$TEST_TMP/session.out" | sed 's/^/# /'; return 1; }
}
mkfifo "$TEST_TMP/fifo"
check "systemctl restart: a new ksshd serves, and a session open across the restart carries on (KillMode=process)" \
	restart_keeps_sessions

comes_back() {
	local pid
	pid=$(main_pid)
	in_root systemctl kill -s KILL --kill-whom=main ksshd.service
	until_ok eval '[ "$(main_pid)" != "$pid" ] && [ "$(main_pid)" != 0 ] && active' && until_ok listening && served ||
		{ in_root systemctl status --no-pager ksshd.service 2>&1 | sed 's/^/# /'; return 1; }
}
check "ksshd killed with SIGKILL: systemd starts it again (Restart=on-failure) and it serves" comes_back

refuses_bad_file() {
	cp "$ROOT/etc/kssh/kssh.conf" "$TEST_TMP/kssh.conf.good"
	echo 'ssh server port 23' >>"$ROOT/etc/kssh/kssh.conf"
	in_root systemctl restart ksshd.service 2>/dev/null && { echo "# restart succeeded with a bad file"; return 1; }
	journal | grep -q 'config /etc/kssh/kssh.conf line [0-9]*: ssh server port 23' || { journal | tail -5 | sed 's/^/# /'; return 1; }
	cp "$TEST_TMP/kssh.conf.good" "$ROOT/etc/kssh/kssh.conf"
	in_root systemctl reset-failed ksshd.service
	in_root systemctl restart ksshd.service && active && until_ok listening && served
}
check "a bad line in kssh.conf: the restart fails in ExecStartPre (ksshd -t) naming file and line; fixed, it starts" \
	refuses_bad_file

stops() {
	in_root systemctl stop ksshd.service && [ "$(in_root systemctl is-active ksshd.service)" = inactive ] &&
		! listening && journal | grep -q 'Stopped ksshd.service'
}
check "systemctl stop: ksshd stops and port 22 closes" stops

hardened() {
	local d=$ROOT/etc/systemd/system/ksshd.service.d
	mkdir -p "$d" && cp "$ROOT/usr/share/kssh/ksshd-hardening.conf" "$d/" || return 1
	in_root systemctl daemon-reload && in_root systemctl start ksshd.service && active && until_ok listening ||
		{ journal | tail -8 | sed 's/^/# /'; return 1; }
	local out
	out=$(ssh_in 'touch /usr/kssh-x 2>&1; touch /tmp/kssh-x && echo tmp-ok; echo home >~/h && cat ~/h;
		grep NoNewPrivs /proc/self/status') || return 1
	printf '%s\n' "$out" | sed 's/^/# /'
	[[ $out == *"Read-only file system"* && $out == *tmp-ok* && $out == *home* && $out == *"NoNewPrivs:"*1* ]] &&
		[ ! -e "$ROOT/usr/kssh-x" ] && [ ! -e "$ROOT/tmp/kssh-x" ] || return 1
	served || return 1
	out=$(printf 'ssh server max-channels 66\n' | in_root ksshctl configure - 2>&1) &&
		grep -qx 'ssh server max-channels 66' "$ROOT/etc/kssh/kssh.conf" ||
		{ echo "# configure: $out"; journal | tail -3 | sed 's/^/# /'; return 1; }
}
check "with the appliance drop-in (ksshd-hardening.conf): logins and sftp work, commits are saved; a session sees /usr read-only, a private /tmp, no new privileges" \
	hardened
rm -rf "$ROOT/etc/systemd/system/ksshd.service.d"

kill -TERM "$NSPAWN" 2>/dev/null
for i in $(seq 1 150); do kill -0 "$NSPAWN" 2>/dev/null || break; sleep 0.2; done
# a container that did not power off in 30 s: its init (and with it the namespace's processes), then nspawn
if kill -0 "$NSPAWN" 2>/dev/null; then
	kill -KILL "$INIT" "$NSPAWN" 2>/dev/null
	wait "$NSPAWN" 2>/dev/null
fi
mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
