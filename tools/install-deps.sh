#!/bin/sh
# Installs every Debian 12 package kssh's build and tests need.
# Does nothing when they are all present already.
set -eu

PACKAGES="
build-essential pkg-config make
libssl-dev libbpf-dev bpftool clang llvm libclang-rt-14-dev
liburing-dev libnl-3-dev libnl-route-3-dev libpam0g-dev libradcli-dev libseccomp-dev
openssh-client openssh-server openssh-sftp-server
python3 iproute2 procps tmux openssl passwd libpam-modules libcrypt-dev
gnuplot-nox bc tcpdump ethtool curl
qemu-system-x86 busybox-static cpio kmod strace debootstrap valgrind
debhelper dpkg-dev fakeroot mandoc systemd-container python3-asyncssh freeradius libauthen-tacacsplus-perl
"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root (or: sudo $0)" >&2
	exit 1
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# openssh-server's postinst would start a system sshd on port 22; the tests
# run their own sshd instances on ports they pick, so keep it from starting.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
