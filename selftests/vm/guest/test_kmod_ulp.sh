# kernel/'s TCP ULP module: loads, is refused or accepted as documented
# (kmod_ulp_test), cannot be removed while a socket uses it, and unloads
# cleanly after.
. /kssh/tests/lib.sh
MOD=/kssh/kssh_ulp.ko

check "insmod kssh_ulp.ko" insmod "$MOD"
check "the ULP is registered as kssh" grep -qw kssh /proc/sys/net/ipv4/tcp_available_ulp
kmod_ulp_test | sed 's/^\(not \)\{0,1\}ok [0-9]* - /&kmod: /'
[ "${PIPESTATUS[0]}" -eq 0 ] || not_ok "kmod_ulp_test exited non-zero"

coproc HOLD { kmod_ulp_test hold; }
read -r -t 30 line <&"${HOLD[0]}"
check "a socket holds the ULP" [ "$line" = held ]
check "rmmod is refused while a socket uses the module" bash -c '! rmmod kssh_ulp 2>/dev/null && grep -q "^kssh_ulp " /proc/modules'
exec {HOLD[1]}>&-
wait "$HOLD_PID"
unloaded() { for _ in $(seq 50); do rmmod kssh_ulp 2>/dev/null && return 0; sleep 0.1; done; return 1; }
check "rmmod succeeds once the socket is gone" unloaded
check "the module is gone and the ULP with it" bash -c '! grep -q "^kssh_ulp " /proc/modules && ! grep -qw kssh /proc/sys/net/ipv4/tcp_available_ulp'
done_testing
