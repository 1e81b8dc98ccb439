#!/usr/bin/env python3
"""A RADIUS server that answers every Access-Request with an Access-Accept, made wrong on purpose.

  radius_responder.py PORT SECRET MODE

MODE good: a correct answer (Message-Authenticator and Response Authenticator under SECRET);
badsecret: the Response Authenticator made with another secret; otherid: another identifier.
Listens on 127.0.0.1:PORT; prints "ready".
"""
import hashlib
import hmac
import socket
import struct
import sys

port, secret, mode = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
print("ready", flush=True)
while True:
    data, addr = s.recvfrom(4096)
    ident, request_auth = data[1], data[4:20]
    if mode == "otherid":
        ident = (ident + 1) % 256
    attrs = bytes([80, 18]) + bytes(16)  # Message-Authenticator, filled in below
    pkt = bytearray(struct.pack("!BBH", 2, ident, 20 + len(attrs)) + request_auth + attrs)
    pkt[22:38] = hmac.new(secret, bytes(pkt), hashlib.md5).digest()
    key = b"some-other-secret" if mode == "badsecret" else secret
    pkt[4:20] = hashlib.md5(bytes(pkt[:4]) + request_auth + bytes(pkt[20:]) + key).digest()
    s.sendto(bytes(pkt), addr)
