#!/bin/bash
# Boots Debian 12's kernel under qemu (TCG: nested KVM is not available on
# these machines) with an initramfs of busybox, the project's binaries,
# OpenSSH's binaries and selftests/vm/guest/, runs every guest/test_*.sh
# inside and prints their TAP lines, which selftests/run.sh counts like any
# other test's. The guest has loopback only. A guest that does not finish
# within VM_TIMEOUT seconds is killed and reported as a failing test.
set -uo pipefail
cd "$(dirname "$0")/../.."
TOP=$PWD
BUILD=${BUILD:-build}
VM_DIR=${VM_DIR:-$TOP/$BUILD/vm}
VM_TIMEOUT=${VM_TIMEOUT:-2400} # the VM part took 876-1246 s in recent runs: TCG speed follows the host
VM_TESTS=${VM_TESTS:-}   # a subset of guest/test_*.sh names; all by default

fail() { echo "not ok - vm: $*"; exit 1; }

kernel=$(selftests/vm/build-vm.sh) || fail "cannot build the VM's kernel (apt-get download linux-image-amd64)"
release=$(basename "$kernel")
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 is missing (tools/install-deps.sh)"
[ -x /bin/busybox ] || fail "busybox is missing (busybox-static)"

root=$VM_DIR/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,var/empty,kssh/bin,kssh/tests} "$root/usr/bin" "$root/usr/sbin"

# A file and every shared library ldd names for it, at the same paths.
copy_with_libs() {
	local f=$1 dest=${2:-$1}
	mkdir -p "$root$(dirname "$dest")"
	cp -L "$f" "$root$dest"
	ldd "$f" 2>/dev/null | grep -oE '/[^ ]+' | while read -r lib; do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
copy_with_libs /bin/bash /bin/bash
for f in /usr/bin/ssh /usr/bin/sftp /usr/bin/scp /usr/bin/ssh-keygen /usr/sbin/sshd /usr/lib/openssh/sftp-server \
	/usr/bin/strace; do
	copy_with_libs "$f"
done
for f in ksshd kssh ksftp kscp ksshctl ksftp-server; do
	copy_with_libs "$BUILD/$f" "/kssh/bin/$f"
done
for f in "$BUILD"/selftests/unit/test_afalg "$BUILD"/selftests/vm/kmod_ulp_test "$BUILD"/selftests/vm/flip_proxy ${VM_EXTRA_BINARIES:-}; do
	copy_with_libs "$f" "/kssh/bin/$(basename "$f")"
done
cp /etc/ld.so.cache "$root/etc/"
[ -f kernel/kssh_ulp.ko ] || fail "kernel/kssh_ulp.ko is not built (make kmod)"
cp kernel/kssh_ulp.ko "$root/kssh/"
mkdir -p "$root/kssh/keys"
for k in "ecdsa -b 521:ecdsa_nistp521" "ecdsa -b 384:ecdsa_nistp384" "ecdsa -b 256:ecdsa_nistp256" \
	"ed25519:ed25519" "rsa -b 3072:rsa"; do
	# shellcheck disable=SC2086
	ssh-keygen -q -t ${k%%:*} -N '' -C ksshd-vm -f "$root/kssh/keys/ssh_host_${k#*:}_key" </dev/null
done
cp selftests/vm/guest/*.sh "$root/kssh/tests/"
cp selftests/vm/guest/init "$root/init"
chmod 755 "$root/init"
while read -r m; do
	mkdir -p "$root/$(dirname "$m")"
	cp "$kernel/root/$m" "$root/$m"
	echo "/$m"
done <"$kernel/modules.list" >"$root/etc/modules.list"
echo "${VM_TESTS}" >"$root/etc/vm-tests"
# the guest tests' knobs (AFALG_MIB, ...), passed on as they are set here
env | grep -E '^(AFALG_|KMOD_|VMT_|BENCH_)[A-Z_]*=' | sed 's/^/export /' >"$root/etc/vm-env"
cat >"$root/etc/passwd" <<PW
root:x:0:0:root:/root:/bin/sh
sshd:x:100:65534:sshd privilege separation:/run/sshd:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PW
cat >"$root/etc/group" <<GR
root:x:0:
nogroup:x:65534:
GR
echo 'root:*:19000:0:99999:7:::' >"$root/etc/shadow"
chmod 600 "$root/etc/shadow"
echo "hosts: files" >"$root/etc/nsswitch.conf"
echo "127.0.0.1 localhost" >"$root/etc/hosts"
(cd "$root" && find . | cpio -o -H newc --quiet) >"$VM_DIR/initramfs.cpio" || fail "cannot pack the initramfs"

console=$VM_DIR/console.log tap=$VM_DIR/tap.log
rm -f "$console" "$tap"
start=$(date +%s)
timeout -k 5 "$VM_TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -m 2G -smp 2 \
	-display none -monitor none -nic none -no-reboot \
	-kernel "$kernel/vmlinuz" -initrd "$VM_DIR/initramfs.cpio" \
	-append "console=ttyS0 quiet loglevel=5 panic=-1 rdinit=/init" \
	-serial "file:$console" -serial "file:$tap" </dev/null
rc=$?
took=$(($(date +%s) - start))
tr -d '\r' <"$tap" 2>/dev/null | grep -E '^(ok|not ok|#)' || true
if ! tr -d '\r' <"$tap" 2>/dev/null | grep -q '^KSSH-VM-DONE'; then
	echo "# the guest's console, last lines:"
	tail -30 "$console" | sed 's/^/#   /'
	[ "$rc" -eq 124 ] && fail "the guest did not finish within $VM_TIMEOUT s: killed"
	fail "the guest stopped before its tests finished (qemu exit $rc)"
fi
echo "# the VM ran for $took s (kernel $release, TCG)"
if grep -E 'WARNING:|BUG:|Oops|Call Trace' "$console" >/dev/null; then
	grep -E -A5 'WARNING:|BUG:|Oops' "$console" | head -30 | sed 's/^/#   /'
	fail "the guest kernel logged a warning or an oops"
fi
echo "ok - vm: the guest kernel booted, ran the tests and logged no warning"
