#!/bin/sh
# make run: ksshd in the foreground on 127.0.0.1:2222, host keys generated under ./state.
set -eu
BUILD=${1:-build}
PORT=${KSSH_PORT:-2222}
STATE=${KSSH_STATE:-$(pwd)/state}
mkdir -p "$STATE"
# the pre-authentication processes' own user (as root; without it they run as nobody)
if [ "$(id -u)" -eq 0 ] && ! id kssh >/dev/null 2>&1; then
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin kssh
fi
cat <<MSG
ksshd starting on 127.0.0.1 port $PORT (host keys in $STATE/keys; Ctrl-C stops it)

Connect with OpenSSH:   ssh -p $PORT -o UserKnownHostsFile=$STATE/known_hosts $(id -un)@127.0.0.1
Connect with kssh:      $BUILD/kssh -p $PORT -o UserKnownHostsFile=$STATE/known_hosts $(id -un)@127.0.0.1
Host key fingerprints:  ssh-keygen -lf $STATE/keys/ssh_host_ed25519_key.pub (after the first start)

Log in as $(id -un) with a key from $HOME/.ssh/authorized_keys, or with your
system password (PAM service "kssh"; without /etc/pam.d/kssh, PAM's "other"
stack applies). Port forwarding (-L) is enabled here.
MSG
exec "$BUILD/ksshd" -D -e -p "$PORT" -l 127.0.0.1 -l ::1 -s "$STATE/keys" --port-forwarding-local
