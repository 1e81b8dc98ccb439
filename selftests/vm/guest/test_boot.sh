# What every other guest test relies on: loopback only, two CPUs, the tools they run.
. /kssh/tests/lib.sh

check "loopback is up and is the only interface" bash -c '[ "$(ls /sys/class/net)" = lo ] && ip addr show lo | grep -q 127.0.0.1'
check "two CPUs" bash -c '[ "$(grep -c ^processor /proc/cpuinfo)" -eq 2 ]'
check "OpenSSH's binaries run" bash -c 'ssh -V 2>&1 | grep -q OpenSSH && /usr/sbin/sshd -V 2>&1 | grep -q OpenSSH'
check "the project's binaries run" bash -c 'ksshd --help 2>&1 | grep -q crypto-offload && kssh -h 2>&1 | grep -q "usage: kssh"'
done_testing
