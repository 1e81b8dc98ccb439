#!/bin/bash
# -V on every program: its name and version, OpenSSL's version as `openssl version` reports it,
# and which kernel paths this machine has (AF_ALG and the offload module checked independently).
. "$(dirname "$0")/lib.sh"

OPENSSL=$(openssl version | awk '{print $2}')
AFALG=$(python3 -c 'import socket
try:
    socket.socket(socket.AF_ALG, socket.SOCK_SEQPACKET, 0); print("yes")
except OSError:
    print("no")')
grep -qw kssh /proc/sys/net/ipv4/tcp_available_ulp 2>/dev/null && MODULE=yes || MODULE=no
[ -e /sys/fs/bpf ] && [ -r /sys/kernel/btf/vmlinux ] && BPF=yes || BPF=no

for prog in ksshd kssh ksftp kscp ksshctl ksftp-server; do
	version() {
		local out
		out=$("$TOP/$BUILD/$1" -V 2>&1) || { echo "# exit $?: $out"; return 1; }
		grep -q "^$1 [0-9][0-9.]* (kssh [^)]*), OpenSSL $OPENSSL " <<<"$out" &&
			grep -qx "kernel paths: BPF $BPF, AF_ALG $AFALG, offload module $MODULE" <<<"$out" ||
			{ echo "$out" | sed 's/^/# /'; return 1; }
	}
	check "$prog -V: version, OpenSSL $OPENSSL, kernel paths (BPF $BPF, AF_ALG $AFALG, module $MODULE)" version "$prog"
done
PORT=$(pick_port)
start_ksshd "$PORT" "$TEST_TMP/k"
banner() {
	local v line
	v=$("$TOP/$BUILD/ksshd" -V | awk 'NR == 1 {print $2}')
	exec 3<>/dev/tcp/127.0.0.1/"$PORT"
	read -r -t 10 line <&3
	exec 3<&-
	[ "${line%$'\r'}" = "SSH-2.0-kssh_$v" ] || { echo "# banner '$line', version $v"; return 1; }
}
check "ksshd's SSH identification carries the same version" banner

done_testing
