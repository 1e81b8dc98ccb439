#!/bin/bash
# Post-quantum key exchange against real peers: OpenSSH 10 (a Debian 13 root built with
# debootstrap and cached under build/, its ssh and sshd run with chroot) and OpenSSH 9.2
# (this machine's), both roles, each method with 16 MiB byte-exact and rekeys; kssh against
# ksshd likewise; malformed KEM values from a hostile peer in both directions; ML-KEM-768
# against @noble/post-quantum, an independent implementation.
. "$(dirname "$0")/lib.sh"

PQ_KEX="mlkem768x25519-sha256 sntrup761x25519-sha512 sntrup761x25519-sha512@openssh.com"
ROOT=$TOP/$BUILD/trixie-root
NOBLE_VERSION=0.7.1

# the Debian 13 root: OpenSSH 10 (a test that cannot get it fails here, loudly)
if ! "$TOP/tools/debian-root.sh" trixie "$ROOT" openssh-client,openssh-server; then
	not_ok "a Debian 13 root with OpenSSH 10 (tools/debian-root.sh)"
	done_testing
	exit 1
fi
check "the Debian 13 root has OpenSSH 10" bash -c "chroot '$ROOT' ssh -V 2>&1 | grep -q '^OpenSSH_10'"

# one account on both sides: here for ksshd and this machine's sshd, in the root for its sshd
U=pqkex$$
make_user "$U" "$(openssl rand -hex 12)" # a password, never used: sshd refuses locked accounts
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id"
authorize_key "$U" "$TEST_TMP/id.pub"
RT=/tmp/pqkex$$ # inside the root
mkdir -p "$ROOT$RT"
CLEANUP_CMDS+=("rm -rf '$ROOT$RT'" "chroot '$ROOT' userdel -r $U >/dev/null 2>&1")
cp "$TEST_TMP/id" "$ROOT$RT/id"
chroot "$ROOT" useradd -m -s /bin/sh "$U"
chroot "$ROOT" passwd -d "$U" >/dev/null # not locked: sshd refuses locked accounts even for keys
mkdir -p "$ROOT/home/$U/.ssh"
cp "$TEST_TMP/id.pub" "$ROOT/home/$U/.ssh/authorized_keys"
chroot "$ROOT" chown -R "$U:" "/home/$U/.ssh"

# 16 MiB of random bytes, readable by the user on both sides
head -c 16M /dev/urandom >"$TEST_TMP/big"
chmod 644 "$TEST_TMP/big"
chmod 755 "$TEST_TMP"
cp "$TEST_TMP/big" "$ROOT$RT/big"
chmod 755 "$ROOT$RT"
chmod 644 "$ROOT$RT/big"
WANT=$(sha256sum <"$TEST_TMP/big" | cut -d' ' -f1)

PORT=$(pick_port)
start_ksshd "$PORT" "$TEST_TMP/k" --kex "$(echo $PQ_KEX curve25519-sha256 | tr ' ' ,)"

# OpenSSH 10's ssh, from the root
ssh10() {
	chroot "$ROOT" ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o IdentityAgent=none -i "$RT/id" "$@"
}

# got_file OUT ERR KEX MIN-EXCHANGES: the data is byte-exact and the client's log shows
# KEX negotiated at least MIN times (the first exchange plus the rekeys): OpenSSH's ssh -v
# prints "kex: algorithm: KEX" for each exchange, kssh -vv "kex: KEX, host key ..."
got_file() {
	local out=$1 err=$2 kex=$3 min=$4 n
	n=$(tr -d '\r' <"$err" | grep -cE "kex: algorithm: $kex\$|debug: kex: $kex, host key")
	[ "$(sha256sum <"$out" | cut -d' ' -f1)" = "$WANT" ] && [ "$n" -ge "$min" ] ||
		{ echo "# $kex: $n exchanges, data $(wc -c <"$out") bytes"; grep -iE 'error|fail|denied' "$err" | head -3 | sed 's/^/# /'; return 1; }
}

default_ssh10() {
	local out
	out=$(ssh10 -v -p "$PORT" "$U@127.0.0.1" echo logged-in 2>&1 | tr -d '\r')
	grep -q 'kex: algorithm: mlkem768x25519-sha256$' <<<"$out" && grep -q '^logged-in$' <<<"$out" ||
		{ grep -E 'kex: algorithm|denied|error' <<<"$out" | sed 's/^/# /'; return 1; }
}
check "OpenSSH 10's ssh logs into ksshd with its default kex, mlkem768x25519-sha256" default_ssh10

ssh10_get() {
	ssh10 -v -o KexAlgorithms="$1" -o RekeyLimit=4M -p "$PORT" "$U@127.0.0.1" cat "$TEST_TMP/big" \
		>"$TEST_TMP/got" 2>"$TEST_TMP/err" </dev/null
	got_file "$TEST_TMP/got" "$TEST_TMP/err" "$1" 4
}
for kex in $PQ_KEX; do
	check "OpenSSH 10's ssh -> ksshd, $kex: 16 MiB byte-exact through rekeys every 4 MiB" ssh10_get "$kex"
done

# this machine's OpenSSH 9.2 knows sntrup761x25519 (its default) but not ML-KEM
ssh92_get() {
	ossh_keys -v -i "$TEST_TMP/id" -o KexAlgorithms="$1" -o RekeyLimit=4M -p "$PORT" "$U@127.0.0.1" \
		cat "$TEST_TMP/big" >"$TEST_TMP/got" 2>"$TEST_TMP/err" </dev/null
	got_file "$TEST_TMP/got" "$TEST_TMP/err" "$1" 4
}
check "OpenSSH 9.2's ssh -> ksshd, sntrup761x25519-sha512@openssh.com: 16 MiB through rekeys" \
	ssh92_get sntrup761x25519-sha512@openssh.com
check "OpenSSH 9.2's ssh negotiates ksshd's first method it knows by default (sntrup761x25519)" \
	bash -c "ossh -v -p $PORT nobody@127.0.0.1 true 2>&1 | grep -q 'kex: algorithm: sntrup761x25519-sha512'"

# ksshd's own view: show ssh lists the method of the sessions
show_method() {
	ssh10 -o KexAlgorithms=sntrup761x25519-sha512 -p "$PORT" "$U@127.0.0.1" sleep 3 </dev/null 2>/dev/null &
	local pid=$! out
	for _ in $(seq 50); do
		out=$("$TOP/$BUILD/ksshctl" -s "$TEST_TMP/k/ctl.sock" show ssh session details 2>&1)
		grep -q 'sntrup761x25519-sha512' <<<"$out" && break
		sleep 0.1
	done
	wait "$pid"
	grep -q 'sntrup761x25519-sha512' <<<"$out" || { echo "$out" | head -20 | sed 's/^/# /'; return 1; }
}
check "show ssh session details names the post-quantum kex of a live session" show_method

check "show ssh server lists the post-quantum methods first" bash -c "'$TOP/$BUILD/ksshctl' -s '$TEST_TMP/k/ctl.sock' \
	show ssh server | grep -q 'Key-Exchange Algorithms := mlkem768x25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256\$'"

# the configuration language takes the new names; a ksshd offering ML-KEM alone
printf '%s\n' "ssh server algorithms key-exchange mlkem768x25519-sha256" "ssh server rate-limit 600" >"$TEST_TMP/ml.conf"
check "ssh server algorithms key-exchange mlkem768x25519-sha256 is accepted and printed back" bash -c \
	"'$KSSHD' -t -f '$TEST_TMP/ml.conf' | grep -qx 'ssh server algorithms key-exchange mlkem768x25519-sha256'"
bad_name() {
	printf 'ssh server algorithms key-exchange mlkem1024x25519-sha384\n' >"$TEST_TMP/bad.conf"
	! "$KSSHD" -t -f "$TEST_TMP/bad.conf" >/dev/null 2>"$TEST_TMP/bad.err" &&
		grep -q "bad.conf line 1: .*unknown key-exchange algorithm 'mlkem1024x25519-sha384'" "$TEST_TMP/bad.err"
}
check "an unknown post-quantum-looking name is refused, naming the line" bad_name
PORTML=$(pick_port)
start_ksshd "$PORTML" "$TEST_TMP/ml" -f "$TEST_TMP/ml.conf"
ml_only_10() { [ "$(ssh10 -p "$PORTML" "$U@127.0.0.1" echo in 2>/dev/null)" = in ]; }
check "ML-KEM only: OpenSSH 10's ssh gets in" ml_only_10
check "ML-KEM only: OpenSSH 9.2's ssh, which lacks it, finds no common method" bash -c \
	"ossh -p $PORTML nobody@127.0.0.1 true 2>&1 | grep -q 'no matching key exchange method found'"

# OpenSSH 10's sshd, in the root
PORT10=$(pick_port)
mkdir -p "$ROOT$RT/sshd" "$ROOT/run/sshd"
chroot "$ROOT" ssh-keygen -q -t ed25519 -N '' -f "$RT/sshd/host_ed25519"
cat >"$ROOT$RT/sshd/sshd_config" <<CFG
Port $PORT10
ListenAddress 127.0.0.1
HostKey $RT/sshd/host_ed25519
PidFile none
UsePAM no
StrictModes no
LogLevel DEBUG1
CFG
timeout 600 chroot "$ROOT" /usr/sbin/sshd -D -e -f "$RT/sshd/sshd_config" >"$TEST_TMP/sshd10.log" 2>&1 &
PIDS+=($!)
wait_port "$PORT10"

kssh_get() {
	local port=$1 kex=$2 file=$3 min=${4:-4}
	kssh_cmd -vv -i "$TEST_TMP/id" ${kex:+-o KexAlgorithms="$kex"} -o RekeyLimit=4M -p "$port" \
		"$U@127.0.0.1" cat "$file" >"$TEST_TMP/got" 2>"$TEST_TMP/err" </dev/null
	got_file "$TEST_TMP/got" "$TEST_TMP/err" "${kex:-mlkem768x25519-sha256}" "$min"
}
check "kssh logs into OpenSSH 10's sshd with its default kex, mlkem768x25519-sha256 (16 MiB, rekeys)" \
	kssh_get "$PORT10" "" "$RT/big"
check "OpenSSH 10's sshd logged mlkem768x25519-sha256 for kssh" \
	grep -q 'kex: algorithm: mlkem768x25519-sha256' "$TEST_TMP/sshd10.log"
for kex in $PQ_KEX; do
	check "kssh -> OpenSSH 10's sshd, $kex: 16 MiB byte-exact through rekeys every 4 MiB" \
		kssh_get "$PORT10" "$kex" "$RT/big"
done

PORT92=$(pick_port)
start_sshd "$PORT92" "$TEST_TMP/sshd92" -o KexAlgorithms=sntrup761x25519-sha512@openssh.com
check "kssh -> OpenSSH 9.2's sshd, sntrup761x25519-sha512@openssh.com: 16 MiB through rekeys" \
	kssh_get "$PORT92" sntrup761x25519-sha512@openssh.com "$TEST_TMP/big"

for kex in $PQ_KEX; do
	check "kssh -> ksshd, $kex: 16 MiB byte-exact through rekeys every 4 MiB" \
		kssh_get "$PORT" "$kex" "$TEST_TMP/big"
done

# hostile values: ksshd disconnects with reason 3 (key exchange failed) and says why
LOG=$TEST_TMP/k/log
hostile_client() {
	local kex=$1 case=$2 why=$3 out
	out=$(timeout 30 python3 "$TOP/selftests/interop/pq_hostile.py" client "$PORT" "$kex" "$case" 2>&1)
	[ "$out" = "disconnect reason 3" ] || { echo "# got: $out"; return 1; }
	logged "key exchange failed: invalid key exchange value from peer ($kex: $why)" ||
		{ echo "# no log line for: $why"; return 1; }
}
check "ML-KEM client value one byte short: disconnect 3, logged" \
	hostile_client mlkem768x25519-sha256 short "client value is 1215 bytes, not 1216"
check "ML-KEM client value one byte long: disconnect 3, logged" \
	hostile_client mlkem768x25519-sha256 long "client value is 1217 bytes, not 1216"
check "ML-KEM client value empty: disconnect 3, logged" \
	hostile_client mlkem768x25519-sha256 empty "client value is 0 bytes, not 1216"
check "ML-KEM encapsulation key failing the modulus check: disconnect 3, logged" \
	hostile_client mlkem768x25519-sha256 modulus "the ML-KEM encapsulation key fails the modulus check"
check "sntrup761 client value one byte short: disconnect 3, logged" \
	hostile_client sntrup761x25519-sha512 short "client value is 1189 bytes, not 1190"
check "sntrup761 client value one byte long: disconnect 3, logged" \
	hostile_client sntrup761x25519-sha512@openssh.com long "client value is 1191 bytes, not 1190"
check "ksshd still serves after the hostile exchanges" default_ssh10

# and kssh, facing a server whose ciphertext is malformed: a clean refusal, never a login
hostile_server() {
	local kex=$1 case=$2 want=$3 port out
	port=$(pick_port)
	python3 "$TOP/selftests/interop/pq_hostile.py" server "$port" "$kex" "$case" >"$TEST_TMP/hs" 2>&1 &
	local pid=$!
	for _ in $(seq 50); do grep -q listening "$TEST_TMP/hs" && break; sleep 0.1; done
	out=$(kssh_cmd -o KexAlgorithms="$kex" -p "$port" "x@127.0.0.1" true 2>&1)
	local rc=$?
	wait "$pid"
	[ "$rc" -eq 255 ] && grep -qF "key exchange failed: invalid key exchange value from peer ($kex: $want)" <<<"$out" &&
		grep -q 'client: disconnect reason 3' "$TEST_TMP/hs" ||
		{ echo "# kssh rc $rc: $out"; sed 's/^/# server: /' "$TEST_TMP/hs"; return 1; }
}
check "ML-KEM ciphertext one byte short from a server: kssh refuses (reason 3)" \
	hostile_server mlkem768x25519-sha256 short "server value is 1119 bytes, not 1120"
check "ML-KEM ciphertext one byte long from a server: kssh refuses (reason 3)" \
	hostile_server mlkem768x25519-sha256 long "server value is 1121 bytes, not 1120"
check "sntrup761 ciphertext one byte short from a server: kssh refuses (reason 3)" \
	hostile_server sntrup761x25519-sha512 short "server value is 1070 bytes, not 1071"
check "sntrup761 ciphertext empty from a server: kssh refuses (reason 3)" \
	hostile_server sntrup761x25519-sha512@openssh.com empty "server value is 0 bytes, not 1071"

# ML-KEM-768 against @noble/post-quantum from the npm registry (cached under build/)
NOBLE=$TOP/$BUILD/noble
noble_install() {
	[ -f "$NOBLE/node_modules/@noble/post-quantum/package.json" ] && return 0
	mkdir -p "$NOBLE" && (cd "$NOBLE" && echo '{"private": true}' >package.json &&
		npm install --no-audit --no-fund --silent "@noble/post-quantum@$NOBLE_VERSION" >/dev/null)
}
check "node and @noble/post-quantum $NOBLE_VERSION from the npm registry" noble_install
check "ML-KEM-768 agrees with @noble/post-quantum over 300 random seeds, both directions" \
	env NOBLE_DIR="$NOBLE" NOBLE_VERSION="$NOBLE_VERSION" \
	node "$TOP/selftests/interop/mlkem_noble.mjs" "$TOP/$BUILD/selftests/interop/pq_tool" 300

done_testing
