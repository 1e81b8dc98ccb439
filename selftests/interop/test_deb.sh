#!/bin/bash
# The Debian package: dpkg-buildpackage -b builds kssh_*.deb from a clean copy of the tree;
# in a fresh Debian 12 root (debootstrap minbase, cached in build/bookworm-root) apt installs
# it with its dependencies; ksshd started from /usr/sbin there generates its host keys and
# OpenSSH's ssh logs in and copies a file with sftp. Then the root boots under systemd
# (systemd-nspawn, its own network namespace): the packaged ksshd.service runs, reloads,
# restarts (sessions outlive it), comes back after a crash, stops, and runs with the
# appliance drop-in. Purge leaves nothing of it behind.
. "$(dirname "$0")/lib.sh"

ROOT=$TOP/$BUILD/bookworm-systemd-root
SRC=$TEST_TMP/src/kssh-0.1

build_deb() {
	mkdir -p "$SRC"
	# the tree as committed plus what is new, without build output
	(cd "$TOP" && git ls-files -co --exclude-standard -z | grep -zv '^build/' | xargs -0 tar cf -) | tar xf - -C "$SRC"
	(cd "$SRC" && nice dpkg-buildpackage -b -us -uc -j"$(nproc)" >"$TEST_TMP/build.log" 2>&1) ||
		{ tail -20 "$TEST_TMP/build.log" | sed 's/^/# /'; return 1; }
	DEB=$(ls "$TEST_TMP"/src/kssh_*.deb 2>/dev/null | head -1)
	[ -n "$DEB" ] && dpkg-deb -c "$DEB" >"$TEST_TMP/contents" && grep -q ' ./usr/sbin/ksshd$' "$TEST_TMP/contents" &&
		dpkg-deb -f "$DEB" Depends | grep -q 'libssl3' ||
		{ dpkg-deb -I "$DEB" 2>&1 | sed 's/^/# /'; return 1; }
}
check "dpkg-buildpackage -b -us -uc builds kssh_*.deb (ksshd in /usr/sbin, shlibs dependencies)" build_deb
DEB=$(ls "$TEST_TMP"/src/kssh_*.deb 2>/dev/null | head -1)

if ! "$TOP/tools/debian-root.sh" bookworm "$ROOT" systemd,systemd-sysv,dbus; then
	not_ok "a Debian 12 root (tools/debian-root.sh)"
	done_testing
	exit 1
fi
mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
CLEANUP_CMDS+=("umount '$ROOT/proc'" "chroot '$ROOT' apt-get purge -y -qq kssh >/dev/null 2>&1")
# no service starts while the root is a chroot (no init runs there yet)
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod +x "$ROOT/usr/sbin/policy-rc.d"
CLEANUP_CMDS+=("rm -f '$ROOT/usr/sbin/policy-rc.d'")

installs() {
	cp "$DEB" "$ROOT/tmp/kssh.deb"
	chroot "$ROOT" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /tmp/kssh.deb' \
		>"$TEST_TMP/apt.log" 2>&1 || { tail -15 "$TEST_TMP/apt.log" | sed 's/^/# /'; return 1; }
	chroot "$ROOT" dpkg -s kssh | grep -q '^Status: install ok installed' && chroot "$ROOT" getent passwd kssh >/dev/null &&
		[ -x "$ROOT/usr/sbin/ksshd" ] && [ -f "$ROOT/etc/kssh/kssh.conf" ] &&
		chroot "$ROOT" dpkg-query -W -f='${Conffiles}' kssh | grep -q /etc/kssh/kssh.conf &&
		[ "$(chroot "$ROOT" systemctl is-enabled ksshd.service 2>&1)" = enabled ]
}
check "apt installs the .deb in a clean Debian 12 root, dependencies resolved; the kssh user and conffile exist, ksshd.service enabled" installs

U=debtest$$
PORT=$(pick_port)
runs() {
	chroot "$ROOT" useradd -m -s /bin/sh "$U" && chroot "$ROOT" passwd -d "$U" >/dev/null || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/id"
	mkdir -p "$ROOT/home/$U/.ssh"
	cp "$TEST_TMP/id.pub" "$ROOT/home/$U/.ssh/authorized_keys"
	chroot "$ROOT" chown -R "$U:" "/home/$U/.ssh"
	head -c 300000 /dev/urandom >"$ROOT/home/$U/file"
	timeout 300 chroot "$ROOT" /usr/sbin/ksshd -D -e -p "$PORT" -l 127.0.0.1 -s /etc/kssh --control '' \
		>"$TEST_TMP/ksshd.log" 2>&1 &
	PIDS+=($!)
	wait_port "$PORT" || { tail "$TEST_TMP/ksshd.log" | sed 's/^/# /'; return 1; }
	[ -f "$ROOT/etc/kssh/ssh_host_ed25519_key" ] &&
		[ "$(ossh_keys -i "$TEST_TMP/id" -p "$PORT" "$U@127.0.0.1" 'echo in; id -un')" = "in
$U" ] || { tail "$TEST_TMP/ksshd.log" | sed 's/^/# /'; return 1; }
	printf 'get file %s\n' "$TEST_TMP/got" >"$TEST_TMP/batch"
	sftp -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentityAgent=none \
		-i "$TEST_TMP/id" -P "$PORT" -b "$TEST_TMP/batch" "$U@127.0.0.1" >/dev/null 2>&1 &&
		cmp -s "$TEST_TMP/got" "$ROOT/home/$U/file"
}
check "ksshd from /usr/sbin in the root makes its host keys; OpenSSH's ssh logs in and sftp copies a file byte-exact" runs
pkill -f "/usr/sbin/ksshd -D -e -p $PORT" 2>/dev/null

. "$(dirname "$0")/systemd_root.sh"

chroot "$ROOT" userdel -r "$U" >/dev/null 2>&1

purged() {
	chroot "$ROOT" sh -c 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq kssh' >"$TEST_TMP/purge.log" 2>&1 ||
		{ tail "$TEST_TMP/purge.log" | sed 's/^/# /'; return 1; }
	local left
	left=$(cd "$ROOT" && ls -d etc/kssh usr/sbin/ksshd usr/bin/kssh usr/lib/kssh usr/lib/systemd/system/ksshd.service \
		usr/share/bash-completion/completions/kssh 2>/dev/null)
	[ -z "$left" ] && ! chroot "$ROOT" dpkg -s kssh >/dev/null 2>&1 || { echo "# left: $left"; return 1; }
}
check "apt purge removes the package, its configuration and the host keys it made (the system user stays, as policy says)" purged

done_testing
