#!/bin/bash
# AAA with RADIUS against a real FreeRADIUS (Debian's freeradius, a private instance on loopback
# ports picked here): "aaa authentication login default group radius local" and radius-server
# lines; OpenSSH's ssh logs in with the RADIUS password (password and keyboard-interactive); a
# reject is final, an unreachable server falls through to local; a challenge fails the password
# method and is answered over keyboard-interactive with its State; answers without a
# Message-Authenticator (BlastRADIUS) or signed with another secret are refused; the request
# carries Message-Authenticator, Service-Type, NAS-Port-Type Virtual and Calling-Station-Id;
# exec accounting sends START and STOP (time, bytes, cause) to the accounting port; secrets are
# masked in show output and the file holding them must be 0600.
. "$(dirname "$0")/lib.sh"

command -v freeradius >/dev/null || { echo "not ok 1 - freeradius is not installed (make deps)"; exit 1; }
U=kr$$a # a RADIUS user with a local account (its local password differs)
V=kr$$b # answered with a challenge
LOCALPW='Local-pw-7!'
make_user "$U" "$LOCALPW" && make_user "$V" "$LOCALPW" || { echo "not ok 1 - cannot create users"; exit 1; }
SECRET=radius-test-$$-secret
AUTH=$(pick_port) ACCT=$(pick_port) LEGACY=$(pick_port) DEAD=$(pick_port)

# a private FreeRADIUS: Debian's configuration, its sites replaced by ours, modules we do not use removed
R=$TEST_TMP/raddb
cp -a /etc/freeradius/3.0 "$R"
rm -f "$R"/sites-enabled/* "$R"/mods-enabled/{eap,mschap,ntlm_auth,chap,digest,unix,passwd,radutmp,sradutmp,logintime,soh}
sed -i -e 's/^\(\s*\)\(user\|group\) = freerad/\1#\2 = freerad/' -e "s|^logdir = .*|logdir = $R/log|" \
	-e "s|^run_dir = .*|run_dir = $R/run|" -e "s|^raddbdir = .*|raddbdir = $R|" "$R/radiusd.conf"
mkdir -p "$R/log" "$R/run"
printf 'client kssh {\n\tipaddr = 127.0.0.1\n\tsecret = %s\n\trequire_message_authenticator = yes\n}\n' "$SECRET" \
	>"$R/clients.conf"
W=kr$$w # a RADIUS user with no local account here
printf '%s\tCleartext-Password := "radpw"\n\tReply-Message = "welcome %s"\n%s\tCleartext-Password := "wpw"\n' \
	"$U" "$U" "$W" >"$R/mods-config/files/authorize"
cat >"$R/sites-enabled/kssh" <<SITE
# answers carry a Message-Authenticator (as FreeRADIUS 3.2.5 and later always do); $V gets a challenge
server default {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $AUTH
	}
	listen {
		type = acct
		ipaddr = 127.0.0.1
		port = $ACCT
	}
	preacct {
		preprocess
	}
	accounting {
		detail
	}
	authorize {
		if (&User-Name == "$V") {
			if (!&State) {
				if (&User-Password == "bobpw") {
					update reply {
						Reply-Message := "Enter the code from your token: "
						State := 0x6b7373682d7374617465
						Message-Authenticator := 0x00
					}
					update control {
						Response-Packet-Type := Access-Challenge
					}
					handled
				}
				else {
					reject
				}
			}
			elsif (&State == 0x6b7373682d7374617465 && &User-Password == "424242") {
				update control {
					Auth-Type := Accept
				}
			}
			else {
				reject
			}
		}
		preprocess
		files
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
	}
	post-auth {
		update reply {
			Message-Authenticator := 0x00
		}
		Post-Auth-Type REJECT {
			update reply {
				Message-Authenticator := 0x00
			}
		}
	}
}
# an unpatched server: no Message-Authenticator in its answers
server legacy {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $LEGACY
	}
	authorize {
		files
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
	}
}
SITE
timeout 600 freeradius -f -X -d "$R" >"$TEST_TMP/radius.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 100); do grep -q 'Ready to process requests' "$TEST_TMP/radius.log" && break; sleep 0.1; done
grep -q 'Ready to process requests' "$TEST_TMP/radius.log" ||
	{ tail -5 "$TEST_TMP/radius.log" | sed 's/^/# /'; echo "not ok 1 - FreeRADIUS did not start"; exit 1; }

pam_stack "kssh-radius-$$"
CONF=$TEST_TMP/kssh.conf
cat >"$CONF" <<CONF
radius-server host 127.0.0.1 auth-port $AUTH acct-port $ACCT key $SECRET
radius-server timeout 2
radius-server retransmit 1
aaa authentication login default group radius local
aaa accounting exec default start-stop group radius
ssh server rate-limit 600
CONF
chmod 600 "$CONF"
PORT=$(pick_port)
start_ksshd "$PORT" "$TEST_TMP/d" -f "$CONF" --pam-service "kssh-radius-$$"
LOG=$TEST_TMP/d/log
CTL="$TOP/$BUILD/ksshctl -s $TEST_TMP/d/ctl.sock"

check "password through RADIUS: the RADIUS password logs in (the account's own differs)" \
	eval '[ "$(pw "$U" password radpw)" = "in-$U" ] && logged "user '"'$U'"': accepted by RADIUS 127.0.0.1:$AUTH"'
check "keyboard-interactive through RADIUS: the same password as an answer" \
	eval '[ "$(pw "$U" keyboard-interactive radpw)" = "in-$U" ]'
check "the request carried Message-Authenticator, Service-Type Login, NAS-Port-Type Virtual, Calling-Station-Id, NAS-IP-Address" \
	eval 'grep -q "Message-Authenticator = " "$TEST_TMP/radius.log" && grep -q "Service-Type = Login-User" "$TEST_TMP/radius.log" &&
	grep -q "NAS-Port-Type = Virtual" "$TEST_TMP/radius.log" && grep -q "Calling-Station-Id = \"127.0.0.1\"" "$TEST_TMP/radius.log" &&
	grep -q "NAS-IP-Address = 127.0.0.1" "$TEST_TMP/radius.log"'
check "a RADIUS reject is final: the account's local password does not log in after it" \
	eval '[ -z "$(pw "$U" password "$LOCALPW")" ] && logged "user '"'$U'"': rejected by RADIUS"'
check "a challenge: the password method fails cleanly (the client may go on to keyboard-interactive)" \
	eval '[ -z "$(pw "$V" password bobpw)" ] && logged "a challenge cannot be answered by the password method"'
check "a challenge over keyboard-interactive: its Reply-Message is the prompt, the answer goes back with the State" \
	eval '[ "$(pw "$V" keyboard-interactive "Password=bobpw" "token=424242")" = "in-$V" ]'
kssh_challenge() {
	make_askpass "$TEST_TMP/ap" "Password=bobpw" "token=424242"
	[ "$(with_askpass "$TEST_TMP/ap" kssh_cmd -p "$PORT" "$V@127.0.0.1" 'echo in-$(id -un)' 2>/dev/null)" = "in-$V" ]
}
check "the challenge with kssh (public key, keyboard-interactive, password: it answers over keyboard-interactive)" kssh_challenge
check "a wrong answer to the challenge: refused" eval '[ -z "$(pw "$V" keyboard-interactive "Password=bobpw" "token=000000")" ]'
remote_user() {
	[ -z "$(pw "$W" password wpw)" ] &&
		logged "user '$W': accepted by RADIUS 127.0.0.1:$AUTH, but there is no local account for it and no aaa remote-user mapping" &&
		printf 'aaa remote-user default local-user %s\n' "$U" | $CTL configure - >/dev/null &&
		[ "$(pw "$W" password wpw)" = "in-$U" ] && logged "user '$W': remote user, runs as local account '$U'"
}
check "a RADIUS user with no local account: refused without a mapping, runs as the default account with one" remote_user
check "an unknown user is asked of the server like any other, and rejected by it" \
	eval '[ -z "$(pw "nosuch$$" password radpw)" ] && grep -q "User-Name = \"nosuch$$\"" "$TEST_TMP/radius.log" &&
	logged "user '"'nosuch$$'"': rejected by RADIUS 127.0.0.1:$AUTH"'
radius_counts() {
	$CTL show aaa servers --json | python3 -c 'import json, sys; s = json.load(sys.stdin)["servers"][0]
assert s["protocol"] == "radius" and s["state"] == "up" and s["accepts"] >= 3 and s["rejects"] >= 2, s
assert s["challenges"] >= 2 and s["timeouts"] == 0 and s["average_ms"] >= 0, s'
}
check "show aaa servers --json: the RADIUS server, up, with its accepts, rejects and challenges" radius_counts

accounting() {
	local d="$R/log/radacct/127.0.0.1" rec
	make_askpass "$TEST_TMP/ap" radpw
	[ "$(with_askpass "$TEST_TMP/ap" ossh_pw -o PreferredAuthentications=password -p "$PORT" "$U@127.0.0.1" \
		'head -c 300000 /dev/zero' 2>/dev/null | wc -c)" = 300000 ] || return 1
	logged "user '$U': RADIUS accounting STOP for session" || return 1
	rec=$(cat "$d"/detail-* 2>/dev/null)
	# the last session's START and STOP: one session id, the user, the client, its time, bytes and cause
	local id
	id=$(grep -A12 'Acct-Status-Type = Stop' <<<"$rec" | grep 'Acct-Session-Id' | tail -1 | cut -d'"' -f2)
	[ -n "$id" ] && grep -B2 -A14 "Acct-Session-Id = \"$id\"" <<<"$rec" | grep -q 'Acct-Status-Type = Start' &&
		awk -v id="$id" 'BEGIN { RS = "" } index($0, id) && /Stop/' <<<"$rec" >"$TEST_TMP/stop" &&
		grep -q "User-Name = \"$U\"" "$TEST_TMP/stop" && grep -q 'Calling-Station-Id = "127.0.0.1"' "$TEST_TMP/stop" &&
		grep -q 'Acct-Terminate-Cause = User-Request' "$TEST_TMP/stop" && grep -q 'Acct-Session-Time = ' "$TEST_TMP/stop" &&
		[ "$(awk '/Acct-Output-Octets/ {print $3}' "$TEST_TMP/stop")" -gt 300000 ] &&
		[ "$(awk '/Acct-Input-Octets/ {print $3}' "$TEST_TMP/stop")" -gt 1000 ] ||
		{ echo "# session $id:"; sed 's/^/# /' "$TEST_TMP/stop" 2>/dev/null | head -20; return 1; }
}
check "exec accounting: START and STOP under one session id, with the user, the client, its time, bytes (> 300 kB out) and User-Request" \
	accounting
printf 'no aaa accounting exec default\n' | $CTL configure - >/dev/null

unreachable() {
	reconfigure "no radius-server host 127.0.0.1" "radius-server host 127.0.0.1 auth-port $DEAD key $SECRET" \
		"radius-server timeout 1" "radius-server retransmit 0" &&
		[ "$(pw "$U" password "$LOCALPW")" = "in-$U" ] && logged "RADIUS unreachable (last 127.0.0.1:$DEAD: no answer in 1 tries of 1 s)"
}
check "RADIUS unreachable: the next method (local: PAM) decides" unreachable
# from here a server that answers has 4 s for it (FreeRADIUS in debug mode is slow beside a busy machine);
# a silent one costs a login those 4 s
blast() {
	reconfigure "no radius-server host 127.0.0.1" "radius-server host 127.0.0.1 auth-port $LEGACY key $SECRET" \
		"radius-server timeout 4" &&
		[ -z "$(pw "$U" password radpw)" ] && logged "no Message-Authenticator (BlastRADIUS: refused)" &&
		[ "$(pw "$U" password "$LOCALPW")" = "in-$U" ]
}
check "an answer without Message-Authenticator (BlastRADIUS) is refused: the server counts as unreachable" blast
wrong_secret() {
	reconfigure "no radius-server host 127.0.0.1" "radius-server host 127.0.0.1 auth-port $AUTH key not-$SECRET" &&
		[ "$(pw "$U" password "$LOCALPW")" = "in-$U" ] && grep -q "Message-Authenticator.*invalid\|invalid Message-Authenticator" "$TEST_TMP/radius.log"
}
check "a request under another secret: FreeRADIUS drops it (our Message-Authenticator does not verify), local decides" wrong_secret
# answers made wrong on purpose, by a small responder; the good one first, so the others' refusals mean something
responder() { # MODE: a responder on a new port, made the only server
	local rp
	rp=$(pick_port)
	python3 "$(dirname "$0")/radius_responder.py" "$rp" "$SECRET" "$1" >"$TEST_TMP/responder-$1.log" 2>&1 &
	PIDS+=($!)
	for i in $(seq 1 50); do grep -qs ready "$TEST_TMP/responder-$1.log" && break; sleep 0.1; done
	reconfigure "no radius-server host 127.0.0.1" "radius-server host 127.0.0.1 auth-port $rp key $SECRET"
}
check "a responder's correct Access-Accept (both authenticators under the secret) logs in" \
	eval 'responder good && [ "$(pw "$U" password anything)" = "in-$U" ]'
check "an answer whose Response Authenticator is made with another secret: refused, logged" \
	eval 'responder badsecret && [ -z "$(pw "$U" password anything)" ] && logged "a bad Response Authenticator (wrong secret?)"'
check "an answer with another identifier: dropped (an answer to another request)" \
	eval 'responder otherid && [ -z "$(pw "$U" password anything)" ] && logged "an answer to another request"'
failover() {
	reconfigure "no radius-server host 127.0.0.1" "radius-server host ::1 auth-port $DEAD key $SECRET" \
		"radius-server host 127.0.0.1 auth-port $AUTH key $SECRET" "radius-server deadtime 1" &&
		[ "$(pw "$U" password radpw)" = "in-$U" ] &&
		logged "AAA: radius server ::1 port $DEAD is dead (no answer); skipped for 1 min" &&
		[ "$(pw "$U" password radpw)" = "in-$U" ] || return 1
	# the second login did not wait for the dead server again
	$CTL show aaa servers | grep -Eq "^radius +::1 +$DEAD +DEAD +1 +0 +0 +0 +0 +1 " ||
		{ $CTL show aaa servers | sed 's/^/# /'; return 1; }
}
check "several servers: the first does not answer, the second accepts; with deadtime the next login skips the first" failover
# a ksshd of its own, started with RADIUS as the only method and no server answering
radius_only() {
	local p2 out silent
	p2=$(pick_port)
	# a server that takes the request and never answers: a UDP socket of ours, held open on ::1
	python3 -c 'import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::1", 0)); print(s.getsockname()[1], flush=True)
time.sleep(300)' >"$TEST_TMP/silent.port" &
	PIDS+=($!)
	for _ in $(seq 1 50); do silent=$(cat "$TEST_TMP/silent.port"); [ -n "$silent" ] && break; sleep 0.1; done
	[ -n "$silent" ] || return 1
	printf 'radius-server host ::1 auth-port %s key %s\nradius-server timeout 1\nradius-server retransmit 0\n%s\n' \
		"$silent" "$SECRET" "aaa authentication login default group radius" >"$TEST_TMP/only.conf"
	chmod 600 "$TEST_TMP/only.conf"
	start_ksshd "$p2" "$TEST_TMP/only" -f "$TEST_TMP/only.conf" --pam-service "kssh-radius-$$" || return 1
	make_askpass "$TEST_TMP/ap" "$LOCALPW"
	out=$(with_askpass "$TEST_TMP/ap" ossh_pw -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 \
		-p "$p2" "$U@127.0.0.1" 'echo in-$(id -un)' 2>&1)
	LOG=$TEST_TMP/only/log logged "user '$U': RADIUS unreachable" &&
		LOG=$TEST_TMP/only/log logged "password authentication failed for user '$U'" && [[ $out != *in-* ]] ||
		{ echo "# ssh said: $out"; grep -e RADIUS -e "$U" "$TEST_TMP/only/log" | tail -6 | sed 's/^/# /'; return 1; }
}
check "group radius alone: every server unreachable means no login, not a local one" radius_only

secrets() {
	local shown
	shown=$($CTL show running-config)
	grep -qx "radius-server host ::1 auth-port $DEAD key \*\*\*\*\*\*\*\*" <<<"$shown" && ! grep -q "$SECRET" <<<"$shown" &&
		grep -q "key $SECRET" "$CONF" && [ "$(stat -c %a "$CONF")" = 600 ] &&
		! $CTL show configuration commit changes "$($CTL show configuration commit list | awk 'NR == 3 {print $2}')" |
			grep -q "$SECRET" || { echo "$shown" | grep radius | sed 's/^/# /'; return 1; }
	cp "$CONF" "$TEST_TMP/open.conf" && chmod 644 "$TEST_TMP/open.conf"
	"$KSSHD" -t -f "$TEST_TMP/open.conf" -s "$TEST_TMP/d/keys" 2>&1 | grep -q 'holds AAA server secrets and is mode 644: make it 0600'
}
check "secrets: masked in show running-config and commit changes, kept in the 0600 file; a 0644 file with secrets is refused" secrets

done_testing
