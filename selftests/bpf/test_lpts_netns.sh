#!/bin/bash
# The LPTS programs end to end: two network namespaces joined by a veth pair
# (and a third for a flood), the programs attached by ksshctl and by ksshd.
# A bulk TCP transfer to the SSH port is policed to the configured rate and
# still arrives intact; replies carry the configured DSCP on the wire
# (tcpdump); an authenticated ksshd session keeps working while a connection
# flood from another namespace is policed as SSH-Default.
. "$(dirname "$0")/../interop/lib.sh"

CTL=$TOP/$BUILD/ksshctl
TRAFFIC=$TOP/selftests/bpf/lpts_traffic.py
A=ksa$$ B=ksb$$ C=ksc$$
# pins on a bpf file system of the test's own: `ip netns exec` mounts a fresh /sys, hiding /sys/fs/bpf
mkdir -p "$TEST_TMP/bpffs" && mount -t bpf bpf "$TEST_TMP/bpffs" || { echo "not ok 1 - cannot mount a bpf file system"; exit 1; }
CLEANUP_CMDS+=("umount -l '$TEST_TMP/bpffs'")
export KSSH_LPTS_PIN_DIR=$TEST_TMP/bpffs/kssh

ip netns add "$A" && ip netns add "$B" && ip netns add "$C" || { echo "not ok 1 - cannot create namespaces"; exit 1; }
CLEANUP_CMDS+=("ip netns del $A; ip netns del $B; ip netns del $C")
ip link add "va$$" netns "$A" type veth peer name "vb$$" netns "$B"
ip link add "vc$$" netns "$C" type veth peer name "vd$$" netns "$B"
ip -n "$A" addr add 10.77.0.1/24 dev "va$$"; ip -n "$A" addr add fd77::1/64 dev "va$$" nodad
ip -n "$B" addr add 10.77.0.2/24 dev "vb$$"; ip -n "$B" addr add fd77::2/64 dev "vb$$" nodad
ip -n "$C" addr add 10.78.0.1/24 dev "vc$$"
ip -n "$B" addr add 10.78.0.2/24 dev "vd$$"
for ns in "$A" "$B" "$C"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set "va$$" up; ip -n "$B" link set "vb$$" up
ip -n "$C" link set "vc$$" up; ip -n "$B" link set "vd$$" up

ctl() { ip netns exec "$B" "$CTL" "$@"; }
json_field() { # JSON FLOWTYPE FIELD
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print([t for t in d["flow_types"] if t["flow_type"]==sys.argv[2]][0][sys.argv[3]])' "$@"
}
transfer() { # SRC-FILE DST-ADDR: A sends to B's port 22; prints seconds; 0 status when byte-exact
	rm -f "$TEST_TMP/got"
	ip netns exec "$B" timeout 150 python3 "$TRAFFIC" recv "$2" 22 "$TEST_TMP/got" &
	local rpid=$!
	sleep 0.5
	ip netns exec "$A" timeout 150 python3 "$TRAFFIC" send "$2" 22 "$1" >"$TEST_TMP/secs"
	wait $rpid
	cmp -s "$1" "$TEST_TMP/got"
}
head -c 16M /dev/urandom >"$TEST_TMP/big"
head -c 1M /dev/urandom >"$TEST_TMP/small"

# 1. attached, not policing: nothing dropped, DSCP 46 on the replies (IPv4 and IPv6)
printf 'ssh server port 22\nssh server dscp 46\nlpts interface vb%s\n' $$ >"$TEST_TMP/mark.conf"
check "ksshctl lpts configure attaches the programs" bash -c "ip netns exec $B $CTL lpts configure '$TEST_TMP/mark.conf' &&
	ip netns exec $B tc filter show dev vb$$ ingress | grep -q lpts_police &&
	ip netns exec $B tc filter show dev vb$$ egress | grep -q lpts_mark"
ip netns exec "$A" timeout 60 tcpdump -i "va$$" -n -v -c 4 'tcp and src port 22' >"$TEST_TMP/dump4" 2>/dev/null &
dump=$!
sleep 1
check "unpoliced: 16 MiB arrive byte-exact" transfer "$TEST_TMP/big" 10.77.0.2
wait $dump
check "replies from the SSH port carry DSCP 46 on the wire (tcpdump: tos 0xb8)" bash -c "[ \$(grep -c 'tos 0xb8' '$TEST_TMP/dump4') -ge 4 ]"
ip netns exec "$A" timeout 60 tcpdump -i "va$$" -n -v -c 4 'ip6 and tcp and src port 22' >"$TEST_TMP/dump6" 2>/dev/null &
dump=$!
sleep 1
check "IPv6: the transfer arrives byte-exact" transfer "$TEST_TMP/small" fd77::2
wait $dump
check "IPv6 replies carry traffic class 0xb8 (tcpdump)" bash -c "[ \$(grep -c 'class 0xb8' '$TEST_TMP/dump6') -ge 4 ]"
J=$(ctl show lpts pifib hardware police --json)
echo "# $J"
check "not policing: nothing counted as dropped, the replies counted as marked" bash -c "
	[ \"\$(echo '$J' | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[\"policing\"], d[\"marked_packets\"] >= 8, sum(t[\"dropped_packets\"] for t in d[\"flow_types\"]))')\" = 'False True 0' ]"

# 2. policing SSH-Default at 300 pps: the accepted rate stays within it, the transfer still completes
printf 'ssh server port 22\nlpts pifib hardware police flow ssh default rate 300 burst 30\nlpts interface vb%s\n' $$ >"$TEST_TMP/police.conf"
ctl lpts configure "$TEST_TMP/police.conf"
before=$(ctl show lpts pifib hardware police --json)
acc0=$(json_field "$before" SSH-Default accepted_packets)
drop0=$(json_field "$before" SSH-Default dropped_packets)
check "policed at 300 pps: 1 MiB still arrives byte-exact" transfer "$TEST_TMP/small" 10.77.0.2
secs=$(cat "$TEST_TMP/secs")
after=$(ctl show lpts pifib hardware police --json)
acc=$(( $(json_field "$after" SSH-Default accepted_packets) - acc0 ))
drop=$(( $(json_field "$after" SSH-Default dropped_packets) - drop0 ))
echo "# policed transfer: ${secs}s, accepted $acc packets, dropped $drop"
check "the drop counter rose ($drop)" [ "$drop" -gt 0 ]
check "accepted ($acc) <= 300 pps x ${secs}s + burst 30 (+ the receiver's startup)" \
	python3 -c "import sys; sys.exit(0 if $acc <= 300 * ($secs + 0.6) + 30 else 1)"
ctl show lpts pifib hardware police >"$TEST_TMP/show"
check "show lpts pifib hardware police lists both flow types with rate and burst" bash -c "
	grep -Eq '^SSH-Default +300 +30 ' '$TEST_TMP/show' && grep -Eq '^SSH-Known +300 +30 ' '$TEST_TMP/show'"

# 3. a new load (a restart) keeps the pinned counters
ctl lpts configure "$TEST_TMP/police.conf"
again=$(json_field "$(ctl show lpts pifib hardware police --json)" SSH-Default accepted_packets)
check "counters survive loading again ($again >= $((acc + acc0)))" [ "$again" -ge $((acc + acc0)) ]
check "a bad line is refused and names the line; nothing changes" bash -c "
	! printf 'lpts interface vb$$\nlpts pifib hardware police flow ssh known rate 0\n' | ip netns exec $B $CTL lpts configure - 2>'$TEST_TMP/err' &&
	grep -q 'line 2: .*rate .0.: must be 1 to 10000000' '$TEST_TMP/err' &&
	ip netns exec $B $CTL show lpts pifib hardware police | grep -Eq '^SSH-Default +300 +30 '"

# 4. remove: detached everywhere, pins gone
check "ksshctl lpts remove detaches and unpins" bash -c "ip netns exec $B $CTL lpts remove &&
	! ip netns exec $B tc filter show dev vb$$ ingress | grep -q lpts && [ ! -e '$KSSH_LPTS_PIN_DIR' ]"
check "after removal the transfer is unpoliced again" transfer "$TEST_TMP/big" 10.77.0.2

# 5. ksshd: an authenticated session is SSH-Known and keeps working under a flood from namespace C
U=kt$$l
make_user "$U" "Lpts-pw-1!" || { echo "not ok - cannot create a user"; exit 1; }
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id"
authorize_key "$U" "$TEST_TMP/id.pub"
H=$(getent passwd "$U" | cut -d: -f6)
cat >"$TEST_TMP/ksshd.conf" <<CONF
lpts pifib hardware police flow ssh known rate 1000000 burst 100000
lpts pifib hardware police flow ssh default rate 40 burst 40
lpts interface vb$$
lpts interface vd$$
CONF
mkdir -p "$TEST_TMP/d"
ip netns exec "$B" timeout 300 "$KSSHD" -D -e -d -p 5520 -l 10.77.0.2 -l 10.78.0.2 -s "$TEST_TMP/d/keys" \
	-f "$TEST_TMP/ksshd.conf" >"$TEST_TMP/d/log" 2>&1 &
KPID=$!
PIDS+=($KPID)
for _ in $(seq 50); do grep -q 'listening on 10.78.0.2' "$TEST_TMP/d/log" && break; sleep 0.2; done
check "ksshd attached the programs from its configuration" bash -c "grep -q 'lpts: policing on' '$TEST_TMP/d/log' &&
	ip netns exec $B tc filter show dev vd$$ ingress | grep -q lpts_police"
# kssh (as root) registers its connection as a client flow: the marker on A's side sets DSCP 16 on it
printf 'lpts interface va%s\n' $$ | KSSH_LPTS_PIN_DIR=$TEST_TMP/bpffs/kssh-a ip netns exec "$A" "$CTL" lpts configure -
ip netns exec "$B" timeout 60 tcpdump -i "vb$$" -n -v -c 30 'tcp dst port 5520 and tcp[tcpflags] & tcp-syn == 0' \
	>"$TEST_TMP/dumpc" 2>/dev/null &
dump=$!
sleep 1
# (-o DSCP=0: kssh's own socket marking off, so what is seen is the marker's work)
KSSH_LPTS_PIN_DIR=$TEST_TMP/bpffs/kssh-a ip netns exec "$A" "$TOP/$BUILD/kssh" -o DSCP=0 -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o IdentityAgent=none -i "$TEST_TMP/id" -p 5520 "$U@10.77.0.2" \
	'head -c 4000000 /dev/zero' >"$TEST_TMP/kssh_out" 2>"$TEST_TMP/kssh_err"
kssh_rc=$?
wait $dump
check "kssh's own packets carry DSCP 16 (tcpdump: tos 0x40)" bash -c "[ $kssh_rc -eq 0 ] &&
	[ \$(stat -c %s '$TEST_TMP/kssh_out') -eq 4000000 ] && [ \$(grep -c 'tos 0x40' '$TEST_TMP/dumpc') -ge 20 ] || { grep -o 'tos 0x[0-9a-f]*' '$TEST_TMP/dumpc' | sort | uniq -c | sed 's/^/# /'; false; }"
head -c 24M /dev/urandom >"$TEST_TMP/up"
# the client authenticates at once; its data starts after 3 s, when the flood is on
ip netns exec "$A" bash -c "(sleep 4; cat '$TEST_TMP/up') | ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o IdentityAgent=none -o LogLevel=error -i '$TEST_TMP/id' -p 5520 \
	$U@10.77.0.2 'cat > up; sleep 1'" &
SSH_PID=$!
for _ in $(seq 50); do ctl show lpts flows --json | grep -q '10.77.0.1' && break; sleep 0.2; done
check "the authenticated session is listed as a known flow" bash -c "ip netns exec $B $CTL show lpts flows | grep -q '^10.77.0.1,[0-9]* *10.77.0.2,5520 '"
ip netns exec "$C" timeout 60 python3 "$TRAFFIC" flood 10.78.0.2 5520 8 >"$TEST_TMP/flood" &
FLOOD=$!
wait $SSH_PID
ssh_rc=$?
wait $FLOOD
check "the known session's 24 MiB upload completed byte-exact under the flood" bash -c "[ $ssh_rc -eq 0 ] && cmp -s '$TEST_TMP/up' '$H/up'"
J=$(ctl show lpts pifib hardware police --json)
echo "# flood opened $(cat "$TEST_TMP/flood") connections; $J"
check "the flood was policed as SSH-Default (drops counted)" [ "$(json_field "$J" SSH-Default dropped_packets)" -gt 0 ]
check "the known session was never dropped" bash -c "[ $(json_field "$J" SSH-Known dropped_packets) -eq 0 ] &&
	[ $(json_field "$J" SSH-Known accepted_packets) -gt 1000 ]"
check "the ended session is no longer a known flow" bash -c "sleep 0.5; ! ip netns exec $B $CTL show lpts flows | grep -q '10.77.0.1,'"
kill "$KPID"; wait "$KPID" 2>/dev/null
check "ksshd detached on shutdown, keeping the pinned counters" bash -c "
	! ip netns exec $B tc filter show dev vb$$ ingress | grep -q lpts && [ -e '$KSSH_LPTS_PIN_DIR/lpts_stats' ]"
done_testing
