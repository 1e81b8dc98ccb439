#!/bin/bash
# The VM's kernel: Debian 12's own linux-image (the version apt offers for
# linux-image-amd64), unpacked with dpkg -x into $VM_DIR/kernel/VERSION, and
# the modules the guest tests load, in dependency order (modules.list).
# Downloads go through apt's own configuration; nothing is fetched when the
# cache already holds that version. Prints the kernel directory.
#
#   build-vm.sh --headers   also the matching linux-headers (and -common,
#                           linux-kbuild) for building kernel/: prints their
#                           directory, the one to give make -C
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
VM_DIR=${VM_DIR:-$PWD/$BUILD/vm}
# what the guest tests need: AF_ALG and its transforms (x86 accelerated ones where the CPU has them)
MODULES="af_alg algif_skcipher algif_aead algif_hash ctr gcm ghash-generic sha512_generic
aesni-intel ghash-clmulni-intel sha256-ssse3 sha512-ssse3 ${VM_EXTRA_MODULES:-}"

image_package() {
	apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

pkg=$(image_package)
if [ -z "$pkg" ]; then
	apt-get update -qq >&2
	pkg=$(image_package)
fi
[ -n "$pkg" ] || { echo "build-vm: apt knows no linux-image-amd64" >&2; exit 1; }
release=${pkg#linux-image-}
dir=$VM_DIR/kernel/$release
if [ ! -f "$dir/modules.list" ] || [ "${VM_EXTRA_MODULES:-}" != "$(cat "$dir/extra" 2>/dev/null)" ]; then
	mkdir -p "$VM_DIR/debs"
	if ! ls "$VM_DIR/debs/${pkg}_"*.deb >/dev/null 2>&1; then
		# apt-get download writes into the current directory; _apt must be able to write there
		(cd "$VM_DIR/debs" && chmod 777 . && apt-get download "$pkg" >&2)
	fi
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	dpkg -x "$VM_DIR/debs/${pkg}_"*.deb "$dir.tmp/root"
	cp "$dir.tmp/root/boot/vmlinuz-$release" "$dir.tmp/vmlinuz"
	depmod -b "$dir.tmp/root" "$release"
	# modprobe --show-depends lists each module after what it needs: the insmod order
	for m in $MODULES; do
		modprobe -d "$dir.tmp/root" -S "$release" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++' | sed "s|^$dir.tmp/root/||" >"$dir.tmp/modules.list"
	echo "${VM_EXTRA_MODULES:-}" >"$dir.tmp/extra"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
fi
if [ "${1:-}" != --headers ]; then
	echo "$dir"
	exit 0
fi

# The headers: three packages unpacked together, so their relative links (scripts -> kbuild) hold;
# the arch Makefile includes the common one by its installed path, pointed here instead.
hdr=$dir/headers
if [ ! -f "$hdr/ready" ]; then
	common=linux-headers-${release%-*}-common
	kbuild=$(apt-cache depends "linux-headers-$release" | awk '/Depends: linux-kbuild-/ { print $2; exit }')
	[ -n "$kbuild" ] || { echo "build-vm: apt knows no linux-headers-$release" >&2; exit 1; }
	for p in "linux-headers-$release" "$common" "$kbuild"; do
		ls "$VM_DIR/debs/${p}_"*.deb >/dev/null 2>&1 || (cd "$VM_DIR/debs" && apt-get download "$p" >&2)
	done
	rm -rf "$hdr"
	mkdir -p "$hdr"
	for p in "linux-headers-$release" "$common" "$kbuild"; do
		dpkg -x "$VM_DIR/debs/${p}_"*.deb "$hdr/root"
	done
	sed -i "s|^include /usr/src/|include $hdr/root/usr/src/|" "$hdr/root/usr/src/linux-headers-$release/Makefile"
	touch "$hdr/ready"
fi
echo "$hdr/root/usr/src/linux-headers-$release"
