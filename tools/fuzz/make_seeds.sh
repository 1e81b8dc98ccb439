#!/bin/bash
# Seeds for the fuzzers from real artefacts: OpenSSH's sftp talking to
# ksftp-server (its request stream), ssh-keygen's key files (plain and
# encrypted), .pub lines with options, a hashed known_hosts, ksshd's own
# running-config; then the kex exchanges (capture_kex_seeds.py). Writes
# tools/fuzz/corpus/NAME/; run from the top of the tree after make.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=tools/fuzz/corpus
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$OUT"/{fuzz_sftp_server,fuzz_key_files,fuzz_authorized_keys,fuzz_known_hosts,fuzz_config}

# SFTP: what OpenSSH's sftp sends to a server, after its INIT (which the harness sends itself)
mkdir -p "$tmp/root/dir"
head -c 70000 /dev/urandom >"$tmp/root/file"
printf '#!/bin/sh\ntee "%s/requests" | "%s/%s/ksftp-server" -d "%s/root"\n' "$tmp" "$PWD" "$BUILD" "$tmp" >"$tmp/server"
chmod +x "$tmp/server"
printf '%s\n' "cd $tmp/root" 'ls -l' 'stat file' 'get file' 'put file up' 'rename up up2' 'mkdir d2' 'rmdir d2' \
	'ln -s file link' 'df' 'rm up2' >"$tmp/batch"
(cd "$tmp" && sftp -D "$tmp/server" -b "$tmp/batch" >/dev/null 2>&1) || true
tail -c +10 "$tmp/requests" | head -c 4096 >"$OUT/fuzz_sftp_server/openssh-sftp-session"

# key files: each type, one encrypted
for t in ed25519 "ecdsa -b 256" "ecdsa -b 521" "rsa -b 1024"; do
	name=${t// /}
	ssh-keygen -q -t $t -N '' -C seed -f "$tmp/$name"
	cp "$tmp/$name" "$OUT/fuzz_key_files/$name"
done
ssh-keygen -q -t ed25519 -N 'passphrase' -C seed -f "$tmp/encrypted"
cp "$tmp/encrypted" "$OUT/fuzz_key_files/ed25519-encrypted"

# authorized_keys lines with OpenSSH's options
{
	echo "$(cat "$tmp/ed25519.pub")"
	echo "from=\"192.0.2.*,!192.0.2.9\",no-pty,command=\"echo hi\" $(cat "$tmp/ecdsa-b256.pub")"
	echo "restrict,port-forwarding,environment=\"A=b\" $(cat "$tmp/rsa-b1024.pub")"
} >"$OUT/fuzz_authorized_keys/openssh-options"

# known_hosts: plain, with a port, hashed, revoked
{
	echo "host.example,192.0.2.1 $(cut -d' ' -f1,2 "$tmp/ed25519.pub")"
	echo "[192.0.2.1]:2222 $(cut -d' ' -f1,2 "$tmp/ecdsa-b256.pub")"
	echo "@revoked * $(cut -d' ' -f1,2 "$tmp/ecdsa-b521.pub")"
	echo "*.example $(cut -d' ' -f1,2 "$tmp/rsa-b1024.pub")"
} >"$tmp/known_hosts"
cp "$tmp/known_hosts" "$tmp/hashed"
ssh-keygen -q -H -f "$tmp/hashed" >/dev/null 2>&1
cp "$tmp/known_hosts" "$OUT/fuzz_known_hosts/plain"
cp "$tmp/hashed" "$OUT/fuzz_known_hosts/hashed"

# the configuration language: what ksshd prints back for a configuration of many kinds of line
printf '%s\n' 'hostname seed' 'domain name example.com' 'ssh server port 5522' 'ssh timeout 30' \
	'ssh server max-auth-limit 5' 'ssh server algorithms cipher aes256-gcm@openssh.com aes128-ctr' \
	'ssh server rate-limit 120' 'ssh server session-limit 50' 'ssh server max-startups 5:40:20' \
	'ssh server penalties crash 60 authfail 10' 'ipv4 access-list LOCAL 10 permit host 127.0.0.1' \
	'ssh server penalties exempt LOCAL' 'ssh server rekey-volume 2048' 'ssh server dscp 46' >"$tmp/seed.conf"
"$BUILD/ksshd" -t -f "$tmp/seed.conf" >"$OUT/fuzz_config/running-config"

./tools/debian-root.sh trixie "$BUILD/trixie-root" openssh-client,openssh-server
ROOT=$PWD/$BUILD/trixie-root python3 tools/fuzz/capture_kex_seeds.py "$OUT" >/dev/null
ls "$OUT"/* | wc -l
