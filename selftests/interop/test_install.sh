#!/bin/bash
# make install / uninstall with PREFIX and DESTDIR, the systemd unit (systemd-analyze verify
# without a word of complaint), and what the unit relies on: sd_notify readiness, SIGHUP
# re-reading the configuration file as a whole, STOPPING on SIGTERM.
. "$(dirname "$0")/lib.sh"

D=$TEST_TMP/root
installed() {
	make -s -C "$TOP" BUILD="$BUILD" install DESTDIR="$D" PREFIX=/usr >"$TEST_TMP/install.log" 2>&1 || { cat "$TEST_TMP/install.log"; return 1; }
	for f in usr/sbin/ksshd usr/sbin/ksshctl usr/bin/kssh usr/bin/ksftp usr/bin/kscp usr/lib/kssh/ksftp-server; do
		[ "$(stat -c %a "$D/$f" 2>/dev/null)" = 755 ] || { echo "# $f: $(stat -c %a "$D/$f" 2>&1)"; return 1; }
	done
	[ "$(stat -c %a "$D/etc/kssh/kssh.conf")" = 600 ] && [ "$(stat -c %a "$D/usr/lib/systemd/system/ksshd.service")" = 644 ] &&
		[ -f "$D/usr/share/bash-completion/completions/kssh" ] && [ "$(stat -c %a "$D/usr/share/kssh/ksshd-hardening.conf")" = 644 ] &&
		[ "$(readlink "$D/usr/share/bash-completion/completions/ksshctl")" = kssh ]
}
check "make install DESTDIR=... PREFIX=/usr puts every program, the unit and the example configuration in place" installed
check "the installed programs run (-V) and the example configuration loads" bash -c \
	"'$D/usr/sbin/ksshd' -V | grep -q '^ksshd ' && '$D/usr/lib/kssh/ksftp-server' -V | grep -q '^ksftp-server ' &&
	'$D/usr/sbin/ksshd' -t -f '$D/etc/kssh/kssh.conf' >/dev/null"
# verify [ENV...]: systemd-analyze verify of our unit; complaints about other installed units (it loads
# what the unit names, e.g. freeradius.service's) are left out: ours only, and its exit status
verify() {
	local out
	out=$(env "$@" systemd-analyze verify "$TEST_TMP/ksshd.service" 2>&1; echo "rc=$?")
	out=$(grep -e ksshd -e '^rc=' <<<"$out")
	[ "$out" = rc=0 ] || { echo "$out" | sed 's/^/# /'; return 1; }
}
unit_verifies() {
	grep -q '^ExecStart=/usr/sbin/ksshd -D -s /etc/kssh$' "$D/usr/lib/systemd/system/ksshd.service" || return 1
	# verified where its programs are: the same unit with the DESTDIR paths
	sed "s|/usr/sbin/|$D/usr/sbin/|g" "$D/usr/lib/systemd/system/ksshd.service" >"$TEST_TMP/ksshd.service"
	verify || return 1
	# and with the appliance drop-in: its directory beside the unit, that directory on the unit path
	mkdir -p "$TEST_TMP/ksshd.service.d" && cp "$D/usr/share/kssh/ksshd-hardening.conf" "$TEST_TMP/ksshd.service.d/" &&
		verify SYSTEMD_UNIT_PATH="$TEST_TMP:"
}
check "systemd-analyze verify: the unit is clean, alone and with ksshd-hardening.conf" unit_verifies

kept_config() {
	echo 'ssh server rate-limit 120' >"$D/etc/kssh/kssh.conf"
	make -s -C "$TOP" BUILD="$BUILD" install DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1 &&
		[ "$(cat "$D/etc/kssh/kssh.conf")" = 'ssh server rate-limit 120' ]
}
check "a second install leaves the administrator's configuration alone" kept_config
uninstalled() {
	make -s -C "$TOP" BUILD="$BUILD" uninstall DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1 &&
		[ -z "$(find "$D/usr" -type f -o -type l)" ] && [ -f "$D/etc/kssh/kssh.conf" ] || { find "$D" -type f | sed 's/^/# /'; return 1; }
}
check "make uninstall removes the programs and the unit, keeps /etc/kssh" uninstalled

# sd_notify as systemd sees it: a datagram socket in NOTIFY_SOCKET
notify_cycle() {
	local port conf=$TEST_TMP/n/kssh.conf
	mkdir -p "$TEST_TMP/n"
	printf 'ssh server rate-limit 600\n' >"$conf"
	port=$(pick_port)
	python3 - "$TEST_TMP/notify.sock" >"$TEST_TMP/notes" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(60)
while True:
    m = s.recv(4096).decode()
    print(m.replace("\n", " "), flush=True)
    if "STOPPING=1" in m:
        break
PY
	local py=$!
	for _ in $(seq 50); do [ -S "$TEST_TMP/notify.sock" ] && break; sleep 0.1; done
	NOTIFY_SOCKET=$TEST_TMP/notify.sock "$KSSHD" -D -e -p "$port" -l 127.0.0.1 -s "$TEST_TMP/n/keys" \
		--control "$TEST_TMP/n/ctl.sock" -f "$conf" >"$TEST_TMP/n/log" 2>&1 &
	local pid=$!
	for _ in $(seq 100); do grep -q 'READY=1' "$TEST_TMP/notes" && break; sleep 0.1; done
	# the file changes behind the daemon's back; SIGHUP takes it as a whole
	printf 'ssh server rate-limit 300\nssh server session-limit 7\n' >"$conf"
	kill -HUP "$pid"
	for _ in $(seq 100); do grep -q 'session-limit 7' <("$TOP/$BUILD/ksshctl" -s "$TEST_TMP/n/ctl.sock" show running-config) && break; sleep 0.1; done
	local running after_bad
	running=$("$TOP/$BUILD/ksshctl" -s "$TEST_TMP/n/ctl.sock" show running-config)
	# a file with a bad line: the reload changes nothing at all, and says so
	printf 'ssh server rate-limit 100\nssh server dscp 99\n' >"$conf"
	kill -HUP "$pid"
	for _ in $(seq 100); do grep -q 'reload .*nothing was changed' "$TEST_TMP/n/log" && break; sleep 0.1; done
	after_bad=$("$TOP/$BUILD/ksshctl" -s "$TEST_TMP/n/ctl.sock" show running-config)
	kill -TERM "$pid"; wait "$pid"; wait "$py"
	[ "$after_bad" = "$running" ] && grep -q "reload $conf: line [0-9]*: ssh server dscp 99" "$TEST_TMP/n/log" ||
		{ echo "# a bad file changed something or was not reported"; echo "$after_bad" | sed 's/^/# /'; return 1; }
	grep -q '^READY=1 STATUS=accepting connections' "$TEST_TMP/notes" && grep -q 'RELOADING=1' "$TEST_TMP/notes" &&
		[ "$(grep -c 'READY=1' "$TEST_TMP/notes")" -ge 2 ] && grep -q 'STOPPING=1' "$TEST_TMP/notes" &&
		grep -qx 'ssh server rate-limit 300' <<<"$running" && grep -qx 'ssh server session-limit 7' <<<"$running" ||
		{ sed 's/^/# notify: /' "$TEST_TMP/notes"; echo "$running" | sed 's/^/# running: /'; return 1; }
}
check "sd_notify: READY=1 once listening, RELOADING=1 and READY=1 around a SIGHUP that applies the file (a bad file: nothing), STOPPING=1" notify_cycle

done_testing
