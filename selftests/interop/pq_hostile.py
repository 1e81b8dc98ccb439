#!/usr/bin/env python3
"""Malformed post-quantum key exchange values, sent in the clear before NEWKEYS.

client mode (against ksshd): pq_hostile.py client PORT KEX CASE
    offers only KEX, then sends SSH_MSG_KEX_ECDH_INIT with the CASE value;
    prints "disconnect reason N" (what ksshd answered) or "closed".
server mode (against kssh): pq_hostile.py server PORT KEX CASE
    accepts one connection, answers the client's ECDH_INIT with a REPLY whose
    KEM half is the CASE value (host key blob and signature well formed);
    prints "client: disconnect reason N" or "client: closed" once kssh leaves.
CASE: short (one byte missing), long (one byte extra), modulus (ML-KEM only:
    every coefficient of the encapsulation key 4095, above q), empty.
"""
import os, socket, struct, sys

SIZES = {  # KEM public key, KEM ciphertext
    "mlkem768x25519-sha256": (1184, 1088),
    "sntrup761x25519-sha512": (1158, 1039),
    "sntrup761x25519-sha512@openssh.com": (1158, 1039),
}

def string(b):
    return struct.pack(">I", len(b)) + b

def packet(payload):
    pad = 8 - (len(payload) + 5) % 8
    if pad < 4:
        pad += 8
    return struct.pack(">IB", len(payload) + pad + 1, pad) + payload + os.urandom(pad)

def read_packet(f):
    head = f.read(5)
    if len(head) < 5:
        return None
    n, pad = struct.unpack(">IB", head)
    if n > 65536:
        return None
    body = f.read(n - 1)
    return body[:len(body) - pad]

def kexinit(kex, hostkey):
    lists = [kex, hostkey, "aes128-ctr", "aes128-ctr", "hmac-sha2-256", "hmac-sha2-256",
             "none", "none", "", ""]
    return bytes([20]) + os.urandom(16) + b"".join(string(x.encode()) for x in lists) + b"\0" + b"\0" * 4

def value(kex, case, role):
    pk_len, ct_len = SIZES[kex]
    n = (pk_len if role == "client" else ct_len) + 32
    if case == "short":
        return os.urandom(n - 1)
    if case == "long":
        return os.urandom(n + 1)
    if case == "empty":
        return b""
    if case == "modulus":
        return b"\xff" * pk_len + os.urandom(32)
    raise SystemExit(f"unknown case {case}")

def answer(f):
    """What the peer sent back until it closed: its disconnect reason if any."""
    while True:
        p = read_packet(f)
        if p is None:
            return "closed"
        if p[0] == 1:
            return f"disconnect reason {struct.unpack('>I', p[1:5])[0]}"

def client(port, kex, case):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    f = s.makefile("rb")
    s.sendall(b"SSH-2.0-pq_hostile\r\n")
    while not f.readline().startswith(b"SSH-2.0-"):
        pass
    s.sendall(packet(kexinit(kex, "ssh-ed25519")))
    s.sendall(packet(bytes([30]) + string(value(kex, case, "client"))))
    print(answer(f))

def server(port, kex, case):
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.1", port))
    lst.listen(1)
    print("listening", flush=True)
    s, _ = lst.accept()
    s.settimeout(20)
    f = s.makefile("rb")
    s.sendall(b"SSH-2.0-pq_hostile\r\n")
    while not f.readline().startswith(b"SSH-2.0-"):
        pass
    s.sendall(packet(kexinit(kex, "ssh-ed25519")))
    while True:
        p = read_packet(f)
        if p is None:
            print("client: closed")
            return
        if p[0] == 30:
            break
    host = string(b"ssh-ed25519") + string(os.urandom(32))
    sig = string(string(b"ssh-ed25519") + string(os.urandom(64)))
    s.sendall(packet(bytes([31]) + string(host) + string(value(kex, case, "server")) + sig))
    print("client: " + answer(f))

if __name__ == "__main__":
    mode, port, kex, case = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    (client if mode == "client" else server)(port, kex, case)
