#!/usr/bin/env python3
"""Seeds for the kex fuzzers from real exchanges: OpenSSH's ssh talks to
OpenSSH's sshd (both on 127.0.0.1, ports picked here) through a recording
proxy, once per key exchange method; what each side sent after its version
line, up to and including its NEWKEYS, becomes a seed: the client's for
fuzz_kexinit (a server transport), the server's for fuzz_kex_client.
mlkem768x25519-sha256, which this machine's OpenSSH 9.2 lacks, is captured
between OpenSSH 10's ssh and sshd from a Debian 13 root (tools/debian-root.sh)
when ROOT names one.

usage: [ROOT=DIR] capture_kex_seeds.py OUTDIR   (writes OUTDIR/fuzz_kexinit, OUTDIR/fuzz_kex_client)
"""
import os, shutil, socket, struct, subprocess, sys, tempfile, threading, time

KEX = ["curve25519-sha256", "ecdh-sha2-nistp256", "ecdh-sha2-nistp521",
       "diffie-hellman-group14-sha256", "diffie-hellman-group-exchange-sha256",
       "sntrup761x25519-sha512@openssh.com"]
KEX_OPENSSH10 = ["mlkem768x25519-sha256", "sntrup761x25519-sha512"]

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def until_newkeys(data):
    """The packets after the version line, through NEWKEYS (type 21), in the clear."""
    i = data.find(b"\n")
    if i < 0:
        return b""
    p, out = i + 1, b""
    while p + 5 <= len(data):
        n = struct.unpack(">I", data[p:p + 4])[0]
        if n > 35000 or p + 4 + n > len(data):
            break
        out += data[p:p + 4 + n]
        if data[p + 5] == 21:
            break
        p += 4 + n
    return out

def proxy(listen, target, rec):
    conn, _ = listen.accept()
    up = socket.create_connection(("127.0.0.1", target))
    def pump(a, b, key):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                rec[key] += d
                b.sendall(d)
        except OSError:
            pass
        for s in (a, b):
            try: s.shutdown(socket.SHUT_RDWR)
            except OSError: pass
    t = threading.Thread(target=pump, args=(conn, up, "c2s")); t.start()
    pump(up, conn, "s2c"); t.join()

def main():
    out = sys.argv[1]
    for d in ("fuzz_kexinit", "fuzz_kex_client"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    root = os.environ.get("ROOT", "")
    runs = [(kex, "") for kex in KEX] + [(kex, root) for kex in KEX_OPENSSH10 if root]
    for kex, chroot in runs:
        # paths as the programs see them; files live under the root when they run in it
        tmp = tempfile.mkdtemp(dir=os.path.join(chroot, "tmp") if chroot else None)
        inner = tmp[len(chroot):] if chroot else tmp
        pre = ["chroot", chroot] if chroot else []
        key = os.path.join(inner, "host")
        subprocess.run(pre + ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        if chroot:
            os.makedirs(os.path.join(chroot, "run/sshd"), exist_ok=True)
        port = free_port()
        cfg = os.path.join(inner, "sshd_config")
        with open(os.path.join(tmp, "sshd_config"), "w") as f:
            f.write(f"Port {port}\nListenAddress 127.0.0.1\nHostKey {key}\nPidFile none\nUsePAM no\n"
                    f"KexAlgorithms {kex}\n")
        sshd = subprocess.Popen(pre + ["/usr/sbin/sshd", "-D", "-e", "-f", cfg], stderr=subprocess.DEVNULL)
        for _ in range(50):
            try: socket.create_connection(("127.0.0.1", port)).close(); break
            except OSError: time.sleep(0.1)
        lst = socket.socket(); lst.bind(("127.0.0.1", 0)); lst.listen(1)
        rec = {"c2s": b"", "s2c": b""}
        t = threading.Thread(target=proxy, args=(lst, port, rec)); t.start()
        subprocess.run(pre + ["ssh", "-F", "none", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                        "-o", "UserKnownHostsFile=/dev/null", "-o", f"KexAlgorithms={kex}",
                        "-p", str(lst.getsockname()[1]), "nobody@127.0.0.1", "true"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
        t.join(10); sshd.terminate(); sshd.wait()
        for name, key_ in (("fuzz_kexinit", "c2s"), ("fuzz_kex_client", "s2c")):
            seed = until_newkeys(rec[key_])
            if seed:
                with open(os.path.join(out, name, kex), "wb") as f:
                    f.write(seed)
            print(f"{name}/{kex}: {len(seed)} bytes")
        shutil.rmtree(tmp, ignore_errors=True)

if __name__ == "__main__":
    main()
