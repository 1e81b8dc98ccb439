#!/bin/bash
# AAA with TACACS+ (RFC 8907; RFC 9887 over TLS). Debian has no TACACS+ server, so the test
# carries one written from the RFC (tacacs_server.py); Debian's independent Perl client
# (Authen::TacacsPlus) proves first that it speaks real TACACS+. Then ksshd against it, with
# OpenSSH's ssh and kssh: PAP for the password method, an ASCII login with a GETDATA second
# factor over keyboard-interactive, exec authorization refusing one user, accounting START/STOP,
# a remote user without a local account mapped by its priv-lvl, a wrong key, single-connection,
# TLS with a trusted and an untrusted server certificate, method-list fall-through, the
# dead-server hold time, show aaa servers, and secrets masked.
. "$(dirname "$0")/lib.sh"

perl -MAuthen::TacacsPlus -e1 2>/dev/null || { echo "not ok 1 - Authen::TacacsPlus missing (make deps)"; exit 1; }
T=kt$$a  # a TACACS+ user with a local account (its local password differs)
M=kt$$b  # the same, with a second factor
D=kt$$c  # authenticated, but refused exec by authorization
R=kt$$r  # a remote user: no local account here
O=kt$$o  # the local account remote users of priv-lvl 15 run as
LOCALPW='Local-pw-7!'
for u in "$T" "$M" "$D" "$O"; do make_user "$u" "$LOCALPW" || { echo "not ok 1 - cannot create users"; exit 1; }; done
KEY=tacacs-test-$$-key
cat >"$TEST_TMP/users.json" <<JSON
{"$T": {"password": "tacpw"}, "$M": {"password": "mfapw", "otp": "424242"},
 "$D": {"password": "denpw", "deny": true}, "$R": {"password": "rempw", "priv": 15},
 "root": {"password": "rootpw-$$"}}
JSON

# tacacs_server NAME [ARGS...]: one of our servers, its port in $TPORT, its log $TEST_TMP/NAME.log
tacacs_server() {
	local name=$1; shift
	rm -f "$TEST_TMP/$name.port"
	python3 "$(dirname "$0")/tacacs_server.py" "$TEST_TMP/$name.port" "$TEST_TMP/$name.log" "$KEY" \
		"$TEST_TMP/users.json" "$@" >"$TEST_TMP/$name.out" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 1 50); do [ -s "$TEST_TMP/$name.port" ] && break; sleep 0.1; done
	TPORT=$(cat "$TEST_TMP/$name.port")
	touch "$TEST_TMP/$name.log"
}
tacacs_server plain
PLAIN=$TPORT

perl_client() {
	perl -MAuthen::TacacsPlus -e '
		my ($port, $key, $user, $pw, $pap) = @ARGV;
		my $t = Authen::TacacsPlus->new(Host => "127.0.0.1", Key => $key, Port => $port, Timeout => 5) or exit 2;
		my $ok = $pap ? $t->authen($user, $pw, Authen::TacacsPlus::TAC_PLUS_AUTHEN_TYPE_PAP()) : $t->authen($user, $pw);
		$t->close(); exit($ok ? 0 : 1);' "$@"
}
check "the test server speaks TACACS+: Authen::TacacsPlus logs in by ASCII (GETUSER, GETPASS) and by PAP" \
	eval 'perl_client $PLAIN $KEY $T tacpw && perl_client $PLAIN $KEY $T tacpw 1'
check "Authen::TacacsPlus: a wrong password fails, and a wrong key is garbage to the server" \
	eval '! perl_client $PLAIN $KEY $T nope && ! perl_client $PLAIN not-$KEY $T tacpw &&
	grep -q "\"event\": \"garbage\"" "$TEST_TMP/plain.log"'

pam_stack "kssh-tacacs-$$"
CONF=$TEST_TMP/kssh.conf
cat >"$CONF" <<CONF
tacacs-server host 127.0.0.1 port $PLAIN key $KEY
tacacs-server timeout 4
aaa authentication login default group tacacs+ local
aaa authorization exec default group tacacs+
aaa accounting exec default start-stop group tacacs+
aaa remote-user privilege 15 local-user $O
ssh server rate-limit 600
CONF
chmod 600 "$CONF"
PORT=$(pick_port)
start_ksshd "$PORT" "$TEST_TMP/d" -f "$CONF" --pam-service "kssh-tacacs-$$"
LOG=$TEST_TMP/d/log
CTL="$TOP/$BUILD/ksshctl -s $TEST_TMP/d/ctl.sock"
tlog() { grep -F -- "$2" "$TEST_TMP/$1.log"; }
# twait NAME TEXT: waits for TEXT in server NAME's log
twait() {
	for _ in $(seq 1 50); do tlog "$1" "$2" >/dev/null && return 0; sleep 0.1; done
	echo "# not in $1.log: $2"; return 1
}

check "password method through TACACS+ PAP: the TACACS+ password logs in (the account's own differs)" \
	eval '[ "$(pw "$T" password tacpw)" = "in-$T" ] && logged "user '"'$T'"': accepted by TACACS+ 127.0.0.1:$PLAIN" &&
	tlog plain "\"type\": \"pap\", \"user\": \"$T\", \"port\": \"ssh\", \"rem_addr\": \"127.0.0.1\", \"version\": 193" >/dev/null'
check "keyboard-interactive through TACACS+: an ASCII login (minor version 0), the GETPASS prompt answered" \
	eval '[ "$(pw "$T" keyboard-interactive "Password=tacpw")" = "in-$T" ] &&
	tlog plain "\"type\": \"ascii\", \"user\": \"$T\", \"port\": \"ssh\", \"rem_addr\": \"127.0.0.1\", \"version\": 192" >/dev/null'
check "exec authorization: service=shell asked for the user, priv-lvl taken" \
	eval 'tlog plain "\"event\": \"author\", \"user\": \"$T\", \"rem_addr\": \"127.0.0.1\", \"args\": [\"service=shell\", \"cmd=\"], \"ok\": true" >/dev/null &&
	logged "user '"'$T'"': exec authorized by TACACS+ 127.0.0.1:$PLAIN, priv-lvl 1"'
check "a TACACS+ reject is final: the account's local password does not log in after it" \
	eval '[ -z "$(pw "$T" password "$LOCALPW")" ] && logged "user '"'$T'"': rejected by TACACS+"'
check "MFA over keyboard-interactive with OpenSSH's ssh: the password, then the server's GETDATA prompt for the code" \
	eval '[ "$(pw "$M" keyboard-interactive "Password=mfapw" "code=424242")" = "in-$M" ] &&
	tlog plain "\"event\": \"otp\", \"user\": \"$M\", \"ok\": true" >/dev/null'
check "MFA: a wrong code is refused" \
	eval '[ -z "$(pw "$M" keyboard-interactive "Password=mfapw" "code=000000")" ] &&
	tlog plain "\"event\": \"otp\", \"user\": \"$M\", \"ok\": false" >/dev/null'
check "MFA: the password method alone (PAP) does not get in" eval '[ -z "$(pw "$M" password mfapw)" ]'
kssh_mfa() {
	make_askpass "$TEST_TMP/ap" "Password=mfapw" "code=424242"
	[ "$(with_askpass "$TEST_TMP/ap" kssh_cmd -p "$PORT" "$M@127.0.0.1" 'echo in-$(id -un)' 2>/dev/null)" = "in-$M" ]
}
check "MFA with kssh (its default order: public key, keyboard-interactive, password)" kssh_mfa
check "exec authorization refused: the right password does not open a session, and it is logged" \
	eval '[ -z "$(pw "$D" password denpw)" ] && logged "user '"'$D'"': exec authorization refused by TACACS+ 127.0.0.1:$PLAIN: shell refused"'

# stops USER: how many accounting STOP records of USER the server has
stops() { grep -c "\"event\": \"acct\", \"flags\": 4, \"user\": \"$1\"" "$TEST_TMP/plain.log"; }
accounting() {
	local start stop task before
	before=$(stops "$T")
	make_askpass "$TEST_TMP/ap" tacpw
	[ "$(with_askpass "$TEST_TMP/ap" ossh_pw -o PreferredAuthentications=password -p "$PORT" "$T@127.0.0.1" \
		'head -c 300000 /dev/zero' 2>/dev/null | wc -c)" = 300000 ] || return 1
	for _ in $(seq 1 50); do [ "$(stops "$T")" -gt "$before" ] && break; sleep 0.1; done
	stop=$(grep "\"event\": \"acct\", \"flags\": 4, \"user\": \"$T\"" "$TEST_TMP/plain.log" | tail -1)
	task=$(grep -o 'task_id=[^"]*' <<<"$stop")
	start=$(grep "\"event\": \"acct\", \"flags\": 2, \"user\": \"$T\"" "$TEST_TMP/plain.log" | grep -F "\"$task\"")
	[ -n "$task" ] && [ -n "$start" ] && grep -q '"rem_addr": "127.0.0.1"' <<<"$stop" &&
		grep -q '"elapsed_time=[0-9]*"' <<<"$stop" && grep -q '"reason=user-request"' <<<"$stop" &&
		[ "$(grep -o '"bytes_out=[0-9]*' <<<"$stop" | cut -d= -f2)" -gt 300000 ] &&
		[ "$(grep -o '"bytes_in=[0-9]*' <<<"$stop" | cut -d= -f2)" -gt 1000 ] &&
		grep -q '"service=shell"' <<<"$start" || { echo "# start: $start"; echo "# stop: $stop"; return 1; }
}
check "accounting: START and STOP under one task_id, with the client, elapsed_time, bytes (> 300 kB out) and the reason" \
	accounting

remote_user() {
	local out shown json i flag=/tmp/kssh-tacacs-$$.done pid
	# the session stays open until the test has looked at it (the flag), at most 60 s
	make_askpass "$TEST_TMP/ap" rempw
	with_askpass "$TEST_TMP/ap" ossh_pw -o PreferredAuthentications=password -p "$PORT" "$R@127.0.0.1" \
		"echo \"\$(id -un) \$HOME \$USER\"; i=0; while [ ! -e $flag ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i + 1)); done" \
		>"$TEST_TMP/remote.out" 2>/dev/null &
	pid=$!
	for i in $(seq 1 100); do
		shown=$($CTL show ssh) && grep -q " $R " <<<"$shown" && break
		sleep 0.1
	done
	json=$($CTL show ssh --json)
	touch "$flag"
	wait "$pid"
	rm -f "$flag"
	out=$(cat "$TEST_TMP/remote.out")
	grep -qx "$O $(getent passwd "$O" | cut -d: -f6) $O" <<<"$out" && grep -q " $R " <<<"$shown" &&
		grep -q "\"userid\":\"$R\",.*\"account\":\"$O\",\"privilege\":15" <<<"$json" &&
		logged "user '$R': remote user, runs as local account '$O' (by its priv-lvl)" &&
		logged "user '$R': TACACS+ accounting STOP" ||
		{ printf '%s\n' "$out" "$shown" "$json" | sed 's/^/# /'; return 1; }
}
check "a remote user without a local account runs as the account of its priv-lvl (HOME, USER), shown by its own name (show ssh --json: account, privilege)" \
	remote_user
no_mapping() {
	reconfigure "no aaa remote-user privilege 15" &&
		[ -z "$(pw "$R" password rempw)" ] &&
		logged "user '$R': accepted by TACACS+ 127.0.0.1:$PLAIN, but there is no local account for it and no aaa remote-user mapping"
}
check "a remote user with no mapping configured: refused, with a clear log line" no_mapping
root_login() {
	[ -z "$(pw root password "rootpw-$$")" ] &&
		logged "user 'root': accepted by TACACS+ 127.0.0.1:$PLAIN, but uid 0 may not log in through AAA (aaa remote-user allow-root)" &&
		reconfigure "aaa remote-user allow-root" && [ "$(pw root password "rootpw-$$")" = "in-root" ] &&
		reconfigure "no aaa remote-user allow-root"
}
check "root accepted by TACACS+ is refused, until aaa remote-user allow-root" root_login
same_path() {
	# an unknown user and a wrong password both reach the server and are refused by it alike
	local before
	before=$(grep -c '"event": "authen-start"' "$TEST_TMP/plain.log")
	[ -z "$(pw nosuch$$ password whatever)" ] && [ -z "$(pw "$T" password wrong)" ] &&
		[ "$(grep -c '"event": "authen-start"' "$TEST_TMP/plain.log")" = $((before + 2)) ] &&
		logged "user 'nosuch$$': rejected by TACACS+" && logged "user '$T': rejected by TACACS+"
}
check "an unknown user and a wrong password take the same path: both asked of the server, both rejected by it" same_path
# millis CMD...: how long a command took, in ms
millis() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
same_time() {
	local unknown=() wrong=() i mu mw
	# interleaved, so that the machine's load falls on both alike; the medians compared
	for i in 1 2 3 4 5; do
		unknown+=("$(millis pw nosuch$$ password whatever)")
		wrong+=("$(millis pw "$T" password wrong)")
	done
	mu=$(printf '%s\n' "${unknown[@]}" | sort -n | sed -n 3p)
	mw=$(printf '%s\n' "${wrong[@]}" | sort -n | sed -n 3p)
	echo "# median failed login: unknown user $mu ms, wrong password $mw ms"
	[ "$mu" -lt $((2 * mw)) ] && [ "$mw" -lt $((2 * mu)) ]
}
check "an unknown user and a wrong password take the same time (medians of 5 each, within 2x)" same_time
grace() {
	local out
	# the user never answers the second factor: "ssh timeout" ends the login all the same
	cat >"$TEST_TMP/slow" <<'SLOW'
#!/bin/sh
case "$1" in *code*) sleep 8 ;; *) echo mfapw ;; esac
SLOW
	chmod 755 "$TEST_TMP/slow"
	reconfigure "ssh timeout 5" || return 1
	out=$(with_askpass "$TEST_TMP/slow" ossh_pw -o PreferredAuthentications=keyboard-interactive -p "$PORT" \
		"$M@127.0.0.1" 'echo in' 2>&1)
	reconfigure "no ssh timeout"
	# the conversation with the server is aborted (RFC 8907 5.3), not left open
	[[ $out != *in* ]] && logged "login grace time (5 s) exceeded" && twait plain '"event": "abort"' ||
		{ echo "# ssh: $out"; return 1; }
}
check "ssh timeout bounds the whole exchange: a second factor never answered ends the login" grace

shown_servers() {
	local text json
	text=$($CTL show aaa servers) && json=$($CTL show aaa servers --json) || return 1
	grep -Eq "^tacacs\+ +127\.0\.0\.1 +$PLAIN +UP +[1-9][0-9]* +[1-9]" <<<"$text" &&
		python3 -c 'import json, sys; s = json.loads(sys.argv[1])["servers"][0]
assert s["protocol"] == "tacacs+" and s["state"] == "up" and s["accepts"] >= 5 and s["rejects"] >= 3
assert s["challenges"] >= 2 and s["accounting"] >= 2 and s["requests"] >= s["accepts"] + s["rejects"]' "$json" ||
		{ echo "$text" | sed 's/^/# /'; echo "# $json"; return 1; }
}
check "show aaa servers: the server, UP, with its requests, accepts, rejects, challenges, accounting (text and --json)" \
	shown_servers

wrong_key() {
	reconfigure "no tacacs-server host 127.0.0.1" "tacacs-server host 127.0.0.1 port $PLAIN key not-$KEY" &&
		[ -z "$(pw "$T" password tacpw)" ] && logged "a malformed reply (a wrong key?)" &&
		grep -q '"event": "garbage", "type": "authen"' "$TEST_TMP/plain.log"
}
check "a wrong key: the server sees garbage, its reply is garbage to us: refused, logged" wrong_key

single() {
	local before after
	tacacs_server single --single
	reconfigure "no tacacs-server host 127.0.0.1" "tacacs-server host 127.0.0.1 port $TPORT key $KEY single-connection" \
		"aaa remote-user privilege 15 local-user $O" || return 1
	[ "$(pw "$T" password tacpw)" = "in-$T" ] && twait single '"event": "acct", "flags": 4' || return 1
	# authentication, authorization, accounting START and STOP: four sessions on one connection
	[ "$(grep -c '"event": "connect"' "$TEST_TMP/single.log")" = 1 ] &&
		[ "$(grep -c '"single": true' "$TEST_TMP/single.log")" -ge 4 ] ||
		{ sed 's/^/# /' "$TEST_TMP/single.log"; return 1; }
}
check "single-connection: authentication, authorization and accounting of a login share one TCP connection" single

# TLS: a CA, the server's certificate for 127.0.0.1 under it, and one under another CA
pki() {
	local d=$TEST_TMP/pki
	mkdir -p "$d" && cd "$d" || return 1
	for ca in ca other; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $ca.key -out $ca.pem \
			-days 2 -subj "/CN=kssh test $ca" 2>/dev/null || return 1
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout srv-$ca.key -out srv-$ca.csr \
			-subj "/CN=tacacs" 2>/dev/null &&
			openssl x509 -req -in srv-$ca.csr -CA $ca.pem -CAkey $ca.key -CAcreateserial -days 2 \
				-extfile <(printf 'subjectAltName=IP:127.0.0.1\n') -out srv-$ca.pem 2>/dev/null || return 1
	done
	cd - >/dev/null
}
tls() {
	pki && tacacs_server tls --tls "$TEST_TMP/pki/srv-ca.pem" "$TEST_TMP/pki/srv-ca.key" &&
		reconfigure "crypto ca trustpoint tacca ca-certificate $TEST_TMP/pki/ca.pem" "tacacs-server tls trustpoint tacca" \
			"no tacacs-server host 127.0.0.1" "tacacs-server host 127.0.0.1 port $TPORT key $KEY tls" &&
		[ "$(pw "$M" keyboard-interactive "Password=mfapw" "code=424242")" = "in-$M" ] &&
		grep -q '"tls": true' "$TEST_TMP/tls.log" && ! grep -q bad-flags "$TEST_TMP/tls.log" &&
		logged "user '$M': accepted by TACACS+ 127.0.0.1:$TPORT (tls)"
}
check "TLS 1.3 (RFC 9887): the server's certificate chains to the trust point and names 127.0.0.1; MFA over it" tls
untrusted() {
	reconfigure "aaa authorization exec default group tacacs+ if-authenticated" || return 1
	tacacs_server tls2 --tls "$TEST_TMP/pki/srv-other.pem" "$TEST_TMP/pki/srv-other.key" &&
		reconfigure "no tacacs-server host 127.0.0.1" "tacacs-server host 127.0.0.1 port $TPORT key $KEY tls" &&
		[ "$(pw "$T" password "$LOCALPW")" = "in-$T" ] &&
		logged "TLS handshake failed: unable to get local issuer certificate" &&
		! grep -q authen-start "$TEST_TMP/tls2.log"
}
check "TLS with a certificate from another CA: no TACACS+ exchange, unreachable, local decides" untrusted

deadtime() {
	local dead
	dead=$(pick_port)
	reconfigure "no tacacs-server host 127.0.0.1" "tacacs-server host ::1 port $dead key $KEY" \
		"tacacs-server host 127.0.0.1 port $PLAIN key $KEY" "tacacs-server deadtime 5" || return 1
	[ "$(pw "$T" password tacpw)" = "in-$T" ] && logged "AAA: tacacs+ server ::1 port $dead is dead (no answer); skipped for 5 min" &&
		[ "$(pw "$T" password tacpw)" = "in-$T" ] || return 1
	# the second login (authentication, authorization, accounting) did not try the dead server again
	local shown
	shown=$($CTL show aaa servers --json)
	python3 -c 'import json, sys; s = json.loads(sys.argv[1])["servers"]
dead = [x for x in s if x["address"] == "::1"][0]
assert dead["state"] == "dead" and dead["timeouts"] == 1, dead' "$shown" || { echo "# shown: $shown"; return 1; }
}
check "two servers, the first down: failover, and with deadtime it is marked dead and skipped by the next login" deadtime
down_local() {
	reconfigure "no tacacs-server host 127.0.0.1" "no tacacs-server deadtime" &&
		[ "$(pw "$T" password "$LOCALPW")" = "in-$T" ] && logged "user '$T': TACACS+ unreachable"
}
check "group tacacs+ local with the server down: the local password logs in" down_local
alive() {
	local port
	port=$(pick_port)
	reconfigure "no tacacs-server host ::1" "tacacs-server host 127.0.0.1 port $port key $KEY" "tacacs-server deadtime 5" &&
		[ "$(pw "$T" password "$LOCALPW")" = "in-$T" ] &&
		logged "AAA: tacacs+ server 127.0.0.1 port $port is dead (no answer); skipped for 5 min" || return 1
	# the only server, dead: it is still asked (none would be left), and when it answers it is alive again
	tacacs_server back --bind "$port" && [ "$TPORT" = "$port" ] &&
		[ "$(pw "$T" password tacpw)" = "in-$T" ] && logged "AAA: tacacs+ server 127.0.0.1 port $port is alive" &&
		$CTL show aaa servers | grep -Eq "^tacacs\+ +127\.0\.0\.1 +$port +UP " &&
		reconfigure "no tacacs-server host 127.0.0.1" "no tacacs-server deadtime"
}
check "the only server dead: still asked; when it answers again it is logged alive and shown UP" alive

config_lines() {
	local shown
	# a named list in force through "line default", the default list left as it was (tacacs+ local)
	reconfigure "tacacs-server host 127.0.0.1 port $PLAIN key $KEY single-connection" "aaa group server tacacs+ ops server 127.0.0.1" \
		"aaa authentication login vty group ops local" "line default login authentication vty" &&
		shown=$($CTL show running-config) &&
		grep -qx "tacacs-server host 127.0.0.1 port $PLAIN key \*\*\*\*\*\*\*\* single-connection" <<<"$shown" &&
		grep -qx "aaa group server tacacs+ ops server 127.0.0.1" <<<"$shown" &&
		grep -qx "aaa authentication login vty group ops local" <<<"$shown" &&
		grep -qx "aaa authentication login default group tacacs+ local" <<<"$shown" &&
		grep -qx "line default login authentication vty" <<<"$shown" && ! grep -q "$KEY" <<<"$shown" &&
		[ "$(pw "$T" password tacpw)" = "in-$T" ] || { echo "$shown" | grep -e aaa -e tacacs -e line | sed 's/^/# /'; return 1; }
	# refused: an unknown group, radius for exec authorization, a group in use removed, the list in force
	# removed, a line naming no list, a port out of range
	! reconfigure "aaa authentication login default group nosuch" &&
		! reconfigure "aaa authorization exec default group radius" &&
		! reconfigure "no aaa group server tacacs+ ops" &&
		! reconfigure "no aaa authentication login vty" &&
		! reconfigure "line default accounting exec nosuch" &&
		! reconfigure "tacacs-server host 127.0.0.1 port 70000 key x" &&
		$CTL show running-config | grep -qx "aaa authentication login vty group ops local" || return 1
	# the line back to default: the default list (tacacs+, local) is the one in force again
	reconfigure "no line default login authentication" "no aaa authentication login vty" &&
		! $CTL show running-config | grep -q "login authentication" && [ "$(pw "$T" password tacpw)" = "in-$T" ]
}
check "aaa group server and a named list in force by line default; secrets masked; bad lines refused, nothing changed" config_lines

done_testing
