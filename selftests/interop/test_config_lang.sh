#!/bin/bash
# The configuration language, through `ksshd -t` (check the file, print it
# back as running-config): every command with its range and default, the
# `no` forms, bad lines naming file, line and reason, and the round trip
# config -> running-config -> config.
. "$(dirname "$0")/lib.sh"

conf() { printf '%s\n' "$@" >"$TEST_TMP/c.conf"; }
# runs ksshd -t on the lines given; running-config in $TEST_TMP/out, errors in $TEST_TMP/err
check_conf() { conf "$@"; "$KSSHD" -t -f "$TEST_TMP/c.conf" >"$TEST_TMP/out" 2>"$TEST_TMP/err"; }
export -f conf check_conf
export TEST_TMP

check "no configuration file content: nothing differs from the defaults" bash -c "check_conf '' && [ ! -s '$TEST_TMP/out' ]"

# every number: both bounds accepted (and printed back unless it is the default), one past each refused
while IFS='|' read -r cmd lo hi def reason; do
	for v in "$lo" "$hi"; do
		if [ "$v" = "$def" ]; then
			check "$cmd $v (the default) is accepted and not printed" bash -c "check_conf '$cmd $v' && ! grep -q . '$TEST_TMP/out'"
		else
			check "$cmd $v is accepted and printed back" bash -c "check_conf '$cmd $v' && grep -qx '$cmd $v' '$TEST_TMP/out'"
		fi
	done
	for v in $((lo - 1)) $((hi + 1)); do
		check "$cmd $v is refused: $reason" bash -c "! check_conf '$cmd $v' &&
			grep -qF \"c.conf line 1: $cmd $v: \" '$TEST_TMP/err' && grep -qF '$reason' '$TEST_TMP/err'"
	done
	check "no $cmd restores the default" bash -c "check_conf '$cmd $hi' 'no $cmd' && ! grep -q . '$TEST_TMP/out'"
done <<'TABLE'
ssh timeout|5|120|30|must be 5 to 120 seconds
ssh server rate-limit|1|600|60|must be 1 to 600 connections per minute
ssh server session-limit|1|1024|64|must be 1 to 1024 sessions
ssh server max-auth-limit|3|20|20|must be 3 to 20 attempts
ssh server rekey-time|30|1440|60|must be 30 to 1440 minutes
ssh server rekey-volume|1024|4095|1024|must be 1024 to 4095 megabytes
ssh server dscp|0|63|16|must be 0 to 63
ssh client dscp|0|63|16|must be 0 to 63
ssh server tcp-window-scale|1|14|1|must be 1 to 14
ssh server window-max|2048|65536|16384|must be 2048 to 65536 KiB
TABLE

check "ssh server port: 22 and 5520-5529 only" bash -c "check_conf 'ssh server port 5529' && grep -qx 'ssh server port 5529' '$TEST_TMP/out' &&
	! check_conf 'ssh server port 2222' && grep -q 'must be 22 or 5520 to 5529' '$TEST_TMP/err' &&
	! check_conf 'ssh server port 5530' && check_conf 'ssh server port 5520' 'no ssh server port' && ! grep -q . '$TEST_TMP/out'"
check "ssh server vrf with access lists, and its no form" bash -c "
	check_conf 'ssh server vrf mgmt ipv4 access-list A ipv6 access-list B' &&
	grep -qx 'ssh server vrf mgmt ipv4 access-list A ipv6 access-list B' '$TEST_TMP/out' &&
	check_conf 'ssh server vrf mgmt' 'ssh server vrf red' 'no ssh server vrf mgmt' && grep -qx 'ssh server vrf red' '$TEST_TMP/out' &&
	! grep -q mgmt '$TEST_TMP/out'"
check "a vrf name over 32 characters is refused" bash -c "! check_conf 'ssh server vrf $(printf 'v%.0s' {1..33})' &&
	grep -q 'a name of up to 32 characters' '$TEST_TMP/err'"
check "access lists: entries in sequence order, host / prefix / any, no of one entry" bash -c "
	check_conf 'ipv4 access-list A 20 deny 198.51.100.0/24' 'ipv4 access-list A 10 permit host 192.0.2.1' \
		'ipv4 access-list A 30 permit any' 'ipv6 access-list B 10 deny 2001:db8::/32' 'no ipv4 access-list A 30' &&
	[ \"\$(grep access-list '$TEST_TMP/out')\" = \"\$(printf 'ipv4 access-list A 10 permit host 192.0.2.1\nipv4 access-list A 20 deny 198.51.100.0/24\nipv6 access-list B 10 deny 2001:db8::/32')\" ]"
check "an access list entry with a bad address is refused" bash -c "! check_conf 'ipv4 access-list A 10 permit 300.1.1.1/8' &&
	grep -q 'not an IPv4 address' '$TEST_TMP/err'"
check "algorithms: the spec's host-key names map to the protocol's, and are printed back" bash -c "
	check_conf 'ssh server algorithms host-key ecdsa-nistp521 ssh-ed25519' &&
	grep -qx 'ssh server algorithms host-key ecdsa-sha2-nistp521 ssh-ed25519' '$TEST_TMP/out'"
check "algorithms: an unknown name is refused" bash -c "! check_conf 'ssh server algorithms cipher aes128-ctr rot13' &&
	grep -q 'rot13' '$TEST_TMP/err'"
check "algorithms cipher naming CBC enables it (the spec's example)" bash -c "
	check_conf 'ssh server algorithms cipher aes128-cbc aes256-cbc aes192-cbc 3des-cbc' &&
	grep -qx 'ssh server algorithms cipher aes128-cbc aes256-cbc aes192-cbc 3des-cbc' '$TEST_TMP/out'"
check "no ssh server algorithms cipher returns to the defaults" bash -c "
	check_conf 'ssh server algorithms cipher aes128-ctr' 'no ssh server algorithms cipher' && ! grep -q . '$TEST_TMP/out'"
check "enable cipher and disable hmac, server and client, with no forms" bash -c "
	check_conf 'ssh server enable cipher aes-cbc 3des-cbc' 'ssh client enable cipher 3des-cbc' \
		'ssh server disable hmac hmac-sha1' 'ssh client disable hmac hmac-sha1' &&
	grep -qx 'ssh server enable cipher aes-cbc 3des-cbc' '$TEST_TMP/out' && grep -qx 'ssh client enable cipher 3des-cbc' '$TEST_TMP/out' &&
	grep -qx 'ssh server disable hmac hmac-sha1' '$TEST_TMP/out' && grep -qx 'ssh client disable hmac hmac-sha1' '$TEST_TMP/out' &&
	check_conf 'ssh server enable cipher aes-cbc' 'no ssh server enable cipher' 'ssh server disable hmac hmac-sha1' \
		'no ssh server disable hmac' && ! grep -q . '$TEST_TMP/out'"
check "disabling every MAC is refused" bash -c "! check_conf 'ssh server algorithms mac hmac-sha1' 'ssh server disable hmac hmac-sha1' &&
	grep -q 'every MAC would be disabled' '$TEST_TMP/err'"
check "client lines: algorithms, auth-method, knownhost, source-interface, and their no forms" bash -c "
	check_conf 'ssh client algorithms cipher aes128-ctr aes192-ctr aes256-ctr' \
		'ssh client auth-method public-key keyboard-interactive password' 'ssh client knownhost /etc/kssh/kh' \
		'ssh client source-interface eth0' &&
	grep -qx 'ssh client auth-methods public-key keyboard-interactive password' '$TEST_TMP/out' &&
	grep -qx 'ssh client knownhost /etc/kssh/kh' '$TEST_TMP/out' && grep -qx 'ssh client source-interface eth0' '$TEST_TMP/out' &&
	check_conf 'ssh client knownhost /x' 'no ssh client knownhost' 'ssh client auth-method password' 'no ssh client auth-method' &&
	! grep -q . '$TEST_TMP/out'"
check "an unknown auth method is refused" bash -c "! check_conf 'ssh client auth-method telepathy' && grep -q 'telepathy' '$TEST_TMP/err'"
check "hostname, domain name, port-forwarding, v2 and their no forms" bash -c "
	check_conf 'hostname r1' 'domain name example.com' 'ssh server port-forwarding local' 'ssh server v2' &&
	grep -qx 'hostname r1' '$TEST_TMP/out' && grep -qx 'domain name example.com' '$TEST_TMP/out' &&
	grep -qx 'ssh server port-forwarding local' '$TEST_TMP/out' && grep -qx 'ssh server v2' '$TEST_TMP/out' &&
	check_conf 'hostname r1' 'no hostname' 'ssh server v2' 'no ssh server v2' 'ssh server port-forwarding local' \
		'no ssh server port-forwarding' && ! grep -q . '$TEST_TMP/out'"
check "username NAME secret HASH, and no username" bash -c "
	check_conf 'username op secret 10 \$6\$salt\$abc' && grep -qx 'username op secret \$6\$salt\$abc' '$TEST_TMP/out' &&
	check_conf 'username op secret \$6\$salt\$abc' 'no username op' && ! grep -q . '$TEST_TMP/out'"
check "every bad line is reported with file and line, and nothing starts" bash -c "
	! check_conf 'ssh server rate-limit 5' 'ssh server frobnicate' 'ssh server dscp 64' 'bogus' &&
	grep -q 'c.conf line 2: ssh server frobnicate: unknown ssh server command' '$TEST_TMP/err' &&
	grep -q 'c.conf line 3: ssh server dscp 64: ' '$TEST_TMP/err' && grep -q 'c.conf line 4: bogus: unknown' '$TEST_TMP/err' &&
	[ ! -s '$TEST_TMP/out' ]"

# the round trip: a configuration using everything, printed back, read again, printed the same
conf 'hostname r1' 'domain name example.com' 'ssh server v2' 'ssh server port 5520' 'ssh server vrf default' \
	'ssh server vrf blue ipv4 access-list A4 ipv6 access-list A6' 'ssh timeout 60' 'ssh server rate-limit 30' \
	'ssh server session-limit 10' 'ssh server max-auth-limit 5' 'ssh server rekey-time 120' 'ssh server rekey-volume 2048' \
	'ssh server dscp 46' 'ssh client dscp 10' 'ssh server algorithms host-key ecdsa-nistp521 ssh-ed25519' \
	'ssh server algorithms key-exchange curve25519-sha256 ecdh-sha2-nistp256' \
	'ssh server algorithms cipher aes128-ctr aes256-gcm@openssh.com aes128-cbc' 'ssh server algorithms mac hmac-sha2-256 hmac-sha1' \
	'ssh server enable cipher 3des-cbc' 'ssh server disable hmac hmac-sha1' 'ssh client enable cipher aes-cbc 3des-cbc' \
	'ssh client algorithms cipher aes128-ctr aes192-ctr aes256-ctr' 'ssh client disable hmac hmac-sha1' \
	'ssh client auth-method public-key keyboard-interactive password' 'ssh client knownhost /etc/kssh/known_hosts' \
	'ssh client source-interface eth0' 'ssh server port-forwarding local' 'ssh server tcp-window-scale 4' \
	'ipv4 access-list A4 10 permit host 192.0.2.1' 'ipv4 access-list A4 20 deny 198.51.100.0/24' \
	'ipv6 access-list A6 10 deny 2001:db8::/32' 'username op secret $6$salt$abc' \
	'lpts pifib hardware police flow ssh known rate 500 burst 50' 'lpts interface lo'
check "round trip: config -> running-config -> config gives the same running-config" bash -c "
	'$KSSHD' -t -f '$TEST_TMP/c.conf' >'$TEST_TMP/r1' && '$KSSHD' -t -f '$TEST_TMP/r1' >'$TEST_TMP/r2' &&
	cmp -s '$TEST_TMP/r1' '$TEST_TMP/r2' && [ \$(wc -l <'$TEST_TMP/r1') -eq 34 ]"
done_testing
