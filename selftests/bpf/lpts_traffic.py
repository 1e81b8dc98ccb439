#!/usr/bin/env python3
"""Traffic for the LPTS end-to-end tests (run inside network namespaces).

  recv ADDR PORT OUT      accept one connection, write what arrives to OUT
  send ADDR PORT IN       connect, send IN, close; prints the seconds it took
  flood ADDR PORT SECS    open connections as fast as possible for SECS seconds
"""
import socket
import sys
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def recv(addr, port, out):
    srv = socket.socket(family(addr), socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, int(port)))
    srv.listen(1)
    srv.settimeout(60)
    conn, _ = srv.accept()
    conn.settimeout(120)
    with open(out, "wb") as f:
        while True:
            data = conn.recv(1 << 20)
            if not data:
                break
            f.write(data)
    conn.close()


def send(addr, port, path):
    data = open(path, "rb").read()
    s = socket.create_connection((addr, int(port)), timeout=10)
    s.settimeout(120)
    start = time.monotonic()
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)  # the receiver's close: everything arrived
    print("%.3f" % (time.monotonic() - start))


def flood(addr, port, secs):
    end = time.monotonic() + float(secs)
    opened = 0
    while time.monotonic() < end:
        socks = []
        for _ in range(50):
            s = socket.socket(family(addr), socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect((addr, int(port)))
            except (BlockingIOError, OSError):
                pass
            socks.append(s)
            opened += 1
        time.sleep(0.01)
        for s in socks:
            s.close()
    print(opened)


if __name__ == "__main__":
    {"recv": recv, "send": send, "flood": flood}[sys.argv[1]](*sys.argv[2:])
