#!/usr/bin/env python3
"""A hostile SFTP server for the tests (run as sshd's sftp subsystem): its
directory listings name files the client must refuse to create locally
('../escaped', 'sub/inner'), next to one honest file ('good')."""
import struct
import sys

inp, out = sys.stdin.buffer, sys.stdout.buffer
listed = False


def s(b):
    b = b.encode() if isinstance(b, str) else b
    return struct.pack(">I", len(b)) + b


def send(typ, rid, body):
    payload = bytes([typ]) + (struct.pack(">I", rid) if rid is not None else b"") + body
    out.write(struct.pack(">I", len(payload)) + payload)
    out.flush()


def attrs(directory):
    return struct.pack(">IQI", 0x1 | 0x4, 0 if directory else 5, 0o40755 if directory else 0o100644)


def status(rid, code):
    send(101, rid, struct.pack(">I", code) + s("") + s(""))


while True:
    head = inp.read(4)
    if len(head) < 4:
        break
    data = inp.read(struct.unpack(">I", head)[0])
    typ = data[0]
    if typ == 1:
        send(2, None, struct.pack(">I", 3))
        continue
    rid = struct.unpack(">I", data[1:5])[0]
    arg = data[9:9 + struct.unpack(">I", data[5:9])[0]] if len(data) >= 9 else b""
    if typ == 16:                      # REALPATH
        send(104, rid, struct.pack(">I", 1) + s("/evil") + s("/evil") + struct.pack(">I", 0))
    elif typ in (7, 17):               # LSTAT, STAT
        send(105, rid, attrs(not arg.endswith(b"good")))
    elif typ == 11:                    # OPENDIR
        send(102, rid, s("d"))
    elif typ == 12:                    # READDIR: the hostile names once, then EOF
        if listed:
            status(rid, 1)
        else:
            listed = True
            names = ["../escaped", "sub/inner", ".", "..", "good"]
            body = struct.pack(">I", len(names))
            for n in names:
                body += s(n) + s(n) + attrs(n in (".", ".."))
            send(104, rid, body)
    elif typ == 3:                     # OPEN
        send(102, rid, s("f"))
    elif typ == 5:                     # READ
        offset = struct.unpack(">Q", data[11:19])[0]
        if offset == 0:
            send(103, rid, s("hello"))
        else:
            status(rid, 1)
    else:                              # CLOSE and anything else
        status(rid, 0)
