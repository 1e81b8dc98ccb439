#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A small TACACS+ server for the tests, written from RFC 8907 (and RFC 9887
for TLS): authentication (ASCII login with GETUSER/GETPASS and a GETDATA
second factor; PAP), authorization (service=shell, priv-lvl), accounting.

  tacacs_server.py PORTFILE LOG KEY USERS.json [--single] [--tls CERT KEYFILE] [--bind PORT]

It listens on 127.0.0.1, on PORT or one the kernel picks, written to PORTFILE.
USERS.json: {"name": {"password": P, "otp": CODE?, "deny": bool?, "priv": N?}}.
Every connection, session and record is a JSON line in LOG. A body that does
not parse (a client with another key) is answered with an ERROR and logged.
"""
import hashlib
import json
import os
import socketserver
import ssl
import struct
import sys
import threading

PORTFILE, LOG, KEY, USERS = sys.argv[1:5]
SINGLE = "--single" in sys.argv
TLS = sys.argv[sys.argv.index("--tls") + 1:sys.argv.index("--tls") + 3] if "--tls" in sys.argv else None
users = json.load(open(USERS))
lock = threading.Lock()


def log(**event):
    with lock, open(LOG, "a") as f:
        f.write(json.dumps(event) + "\n")


def pad(session_id, version, seq, n):
    out, prev = b"", b""
    while len(out) < n:
        prev = hashlib.md5(struct.pack("!I", session_id) + KEY.encode() + bytes([version, seq]) + prev).digest()
        out += prev
    return out[:n]


def crypt(hdr, body):
    if TLS:
        return body
    version, _, seq, _, sid, _ = hdr
    return bytes(a ^ b for a, b in zip(body, pad(sid, version, seq, len(body))))


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


class Bad(Exception):
    pass


class Handler(socketserver.BaseRequestHandler):
    def setup(self):
        if TLS:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_3
            ctx.load_cert_chain(TLS[0], TLS[1])
            self.request = ctx.wrap_socket(self.request, server_side=True)
        self.single = False
        log(event="connect", tls=bool(TLS))

    def recv(self):
        hdr = struct.unpack("!BBBBII", read_exact(self.request, 12))
        if hdr[5] > 65536:
            raise Bad("length")
        if bool(hdr[3] & 1) != bool(TLS):
            log(event="bad-flags", flags=hdr[3])
            raise Bad("flags")
        return hdr, crypt(hdr, read_exact(self.request, hdr[5]))

    def send(self, hdr, ptype, body):
        version, _, seq, flags, sid, _ = hdr
        out_flags = (1 if TLS else 0) | (4 if self.single else 0)
        reply = (version, ptype, seq + 1, out_flags, sid, len(body))
        self.request.sendall(struct.pack("!BBBBII", *reply) + crypt(reply, body))

    def handle(self):
        try:
            while True:
                hdr, body = self.recv()
                if hdr[2] == 1 and hdr[3] & 4 and SINGLE:
                    self.single = True
                {1: self.authen, 2: self.author, 3: self.acct}[hdr[1]](hdr, body)
                if not self.single:
                    return
        except (EOFError, ConnectionError, ssl.SSLError, Bad, KeyError):
            return

    # RFC 8907 5.2: status flags server_msg_len data_len server_msg data
    def reply(self, hdr, status, msg="", noecho=False):
        m = msg.encode()
        self.send(hdr, 1, struct.pack("!BBHH", status, 1 if noecho else 0, len(m), 0) + m)

    def authen(self, hdr, body):
        try:
            action, priv, atype, service, ul, pl, rl, dl = struct.unpack("!8B", body[:8])
            if len(body) != 8 + ul + pl + rl + dl or action != 1:
                raise ValueError
        except (ValueError, struct.error):
            log(event="garbage", type="authen")
            return self.reply(hdr, 7, "bad packet")
        p = 8
        user = body[p:p + ul].decode(errors="replace"); p += ul
        port = body[p:p + pl].decode(errors="replace"); p += pl
        rem = body[p:p + rl].decode(errors="replace"); p += rl
        data = body[p:p + dl].decode(errors="replace")
        log(event="authen-start", type={1: "ascii", 2: "pap"}.get(atype, atype), user=user, port=port,
            rem_addr=rem, version=hdr[0], single=self.single)
        u = users.get(user)
        if atype == 2:
            ok = u is not None and data == u["password"] and "otp" not in u
            log(event="authen-result", user=user, ok=ok)
            return self.reply(hdr, 1 if ok else 2, "" if ok else "PAP login refused")
        if not user:
            self.reply(hdr, 4, "Username: ")
            hdr, user = self.cont(hdr)
            u = users.get(user)
        self.reply(hdr, 5, "Password: ", noecho=True)
        hdr, password = self.cont(hdr)
        ok = u is not None and password == u["password"]
        if ok and "otp" in u:
            self.reply(hdr, 3, "Verification code: ", noecho=False)
            hdr, code = self.cont(hdr)
            ok = code == u["otp"]
            log(event="otp", user=user, ok=ok)
        log(event="authen-result", user=user, ok=ok)
        self.reply(hdr, 1 if ok else 2, "" if ok else "Login incorrect")

    # RFC 8907 5.3: user_msg_len data_len flags user_msg data
    def cont(self, hdr):
        hdr, body = self.recv()
        ml, dl, flags = struct.unpack("!HHB", body[:5])
        if flags & 1:
            log(event="abort")
            raise EOFError
        return hdr, body[5:5 + ml].decode(errors="replace")

    def fields(self, body, acct):
        p = 1 if acct else 0
        head = body[p:p + 8]
        _, _, _, _, ul, pl, rl, n = struct.unpack("!8B", head)
        lens = list(body[p + 8:p + 8 + n])
        if len(body) != p + 8 + n + ul + pl + rl + sum(lens):
            raise ValueError
        q = p + 8 + n
        user = body[q:q + ul].decode(); q += ul + pl
        rem = body[q:q + rl].decode(); q += rl
        args = []
        for k in lens:
            args.append(body[q:q + k].decode()); q += k
        return user, rem, args

    def author(self, hdr, body):
        try:
            user, rem, args = self.fields(body, False)
        except (ValueError, struct.error, UnicodeDecodeError):
            log(event="garbage", type="author")
            return self.send(hdr, 2, struct.pack("!BBHH", 0x11, 0, 0, 0))
        u = users.get(user, {})
        ok = bool(u) and not u.get("deny")
        log(event="author", user=user, rem_addr=rem, args=args, ok=ok, single=self.single)
        out = [("priv-lvl=%d" % u.get("priv", 1)).encode()] if ok else []
        msg = b"" if ok else b"shell refused"
        self.send(hdr, 2, struct.pack("!BBHH", 0x01 if ok else 0x10, len(out), len(msg), 0) + bytes(len(a) for a in out)
                  + msg + b"".join(out))

    def acct(self, hdr, body):
        try:
            user, rem, args = self.fields(body, True)
        except (ValueError, struct.error, UnicodeDecodeError):
            log(event="garbage", type="acct")
            return self.send(hdr, 3, struct.pack("!HHB", 0, 0, 0x02))
        log(event="acct", flags=body[0], user=user, rem_addr=rem, args=args, single=self.single)
        self.send(hdr, 3, struct.pack("!HHB", 0, 0, 0x01))


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", int(sys.argv[sys.argv.index("--bind") + 1]) if "--bind" in sys.argv else 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
threading.Timer(900, lambda: os._exit(0)).start()  # stops by itself if the test could not
srv.serve_forever()
