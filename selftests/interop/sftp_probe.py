#!/usr/bin/env python3
"""Protocol-level checks of an SFTP server on stdin/stdout (ksftp-server), for what
real clients do that OpenSSH's sftp does not: lftp asks for version 6, rclone
reads and writes out of order with many requests in flight, and the extensions.
Runs in the current directory; prints one line per check and 'probe: all passed'."""
import os
import random
import struct
import subprocess
import sys

INIT, VERSION, OPEN, CLOSE, READ, WRITE, LSTAT, FSTAT = 1, 2, 3, 4, 5, 6, 7, 8
SETSTAT, FSETSTAT, OPENDIR, READDIR, REMOVE, MKDIR, RMDIR, REALPATH = 9, 10, 11, 12, 13, 14, 15, 16
STAT, RENAME, READLINK, SYMLINK = 17, 18, 19, 20
STATUS, HANDLE, DATA, NAME, ATTRS, EXTENDED, EXTENDED_REPLY = 101, 102, 103, 104, 105, 200, 201
FXF_READ, FXF_WRITE, FXF_APPEND, FXF_CREAT, FXF_TRUNC = 1, 2, 4, 8, 16
OK, EOF, NO_SUCH_FILE, PERMISSION_DENIED, FAILURE, BAD_MESSAGE, OP_UNSUPPORTED = 0, 1, 2, 3, 4, 5, 8

failures = 0


def s(b):
    b = b.encode() if isinstance(b, str) else b
    return struct.pack(">I", len(b)) + b


class Sftp:
    def __init__(self, argv):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 1

    def send(self, typ, body, with_id=True):
        rid = self.next_id
        self.next_id += 1
        payload = bytes([typ]) + (struct.pack(">I", rid) if with_id else b"") + body
        self.p.stdin.write(struct.pack(">I", len(payload)) + payload)
        self.p.stdin.flush()
        return rid

    def recv(self):
        head = self.p.stdout.read(4)
        if len(head) < 4:
            return None, None, b""
        n = struct.unpack(">I", head)[0]
        data = self.p.stdout.read(n)
        if data[0] == VERSION:
            return VERSION, None, data[1:]
        return data[0], struct.unpack(">I", data[1:5])[0], data[5:]

    def call(self, typ, body):
        rid = self.send(typ, body)
        t, got, rest = self.recv()
        assert got == rid, "reply for %s, wanted %s" % (got, rid)
        return t, rest


def status_of(t, rest):
    return struct.unpack(">I", rest[:4])[0] if t == STATUS else None


def strings(rest, n):
    out = []
    for _ in range(n):
        ln = struct.unpack(">I", rest[:4])[0]
        out.append(rest[4:4 + ln])
        rest = rest[4 + ln:]
    return out, rest


def check(name, cond):
    global failures
    print("%s - %s" % ("ok" if cond else "FAILED", name))
    failures += 0 if cond else 1


def open_file(c, path, flags):
    t, rest = c.call(OPEN, s(path) + struct.pack(">II", flags, 0))
    assert t == HANDLE, "open %s: %s" % (path, status_of(t, rest))
    return strings(rest, 1)[0][0]


def main():
    c = Sftp(sys.argv[1:])
    c.send(INIT, struct.pack(">I", 6), with_id=False)
    t, _, rest = c.recv()
    version = struct.unpack(">I", rest[:4])[0]
    names = []
    rest = rest[4:]
    while rest:
        (name, _), rest = strings(rest, 2)[0], strings(rest, 2)[1]
        names.append(name.decode())
    check("a client asking for version 6 gets version 3", t == VERSION and version == 3)
    for ext in ("posix-rename@openssh.com", "statvfs@openssh.com", "fstatvfs@openssh.com",
                "hardlink@openssh.com", "fsync@openssh.com", "lsetstat@openssh.com",
                "limits@openssh.com", "expand-path@openssh.com", "copy-data", "home-directory",
                "users-groups-by-id@openssh.com"):
        check("extension %s announced" % ext, ext in names)

    # writes in flight out of order, then reads in flight out of order
    chunk, count = 32768, 96
    blob = os.urandom(chunk * count)
    h = open_file(c, "probe.bin", FXF_WRITE | FXF_CREAT | FXF_TRUNC)
    order = list(range(count))
    random.shuffle(order)
    ids = [c.send(WRITE, s(h) + struct.pack(">Q", i * chunk) + s(blob[i * chunk:(i + 1) * chunk]))
           for i in order]
    replies = [c.recv() for _ in ids]
    check("%d writes in flight, out of order: each answered OK" % count,
          sorted(r[1] for r in replies) == sorted(ids) and all(status_of(r[0], r[2]) == OK for r in replies))
    c.call(CLOSE, s(h))
    check("the file holds the bytes at their offsets", open("probe.bin", "rb").read() == blob)
    h = open_file(c, "probe.bin", FXF_READ)
    random.shuffle(order)
    by_id = {c.send(READ, s(h) + struct.pack(">QI", i * chunk, chunk)): i for i in order}
    got = {}
    for _ in by_id:
        t, rid, rest = c.recv()
        if t == DATA:
            got[by_id[rid]] = strings(rest, 1)[0][0]
    check("%d reads in flight, out of order: data reassembles" % count,
          b"".join(got.get(i, b"") for i in range(count)) == blob)
    t, rest = c.call(READ, s(h) + struct.pack(">QI", len(blob), chunk))
    check("a read at the end gives EOF", status_of(t, rest) == EOF)
    t, rest = c.call(READ, s(h) + struct.pack(">QI", 0, 4 * 1024 * 1024))
    check("a read larger than the limit is shortened, not refused",
          t == DATA and 0 < len(strings(rest, 1)[0][0]) <= 1024 * 1024)
    t, rest = c.call(EXTENDED, s("fstatvfs@openssh.com") + s(h))
    check("fstatvfs@openssh.com answers 11 fields", t == EXTENDED_REPLY and len(rest) == 88)
    c.call(CLOSE, s(h))

    h = open_file(c, "probe.bin", FXF_WRITE | FXF_APPEND)
    c.call(WRITE, s(h) + struct.pack(">Q", 0) + s(b"TAIL"))
    t, rest = c.call(EXTENDED, s("fsync@openssh.com") + s(h))
    check("fsync@openssh.com", status_of(t, rest) == OK)
    c.call(CLOSE, s(h))
    check("APPEND writes at the end whatever the offset", open("probe.bin", "rb").read() == blob + b"TAIL")

    t, rest = c.call(EXTENDED, s("limits@openssh.com"))
    limits = struct.unpack(">QQQQ", rest[:32]) if t == EXTENDED_REPLY else (0, 0, 0, 0)
    check("limits@openssh.com: 1 MiB reads and writes", limits[1] >= 1 << 20 and limits[2] >= 1 << 20)
    t, rest = c.call(EXTENDED, s("statvfs@openssh.com") + s("."))
    check("statvfs@openssh.com answers 11 fields", t == EXTENDED_REPLY and len(rest) == 88)
    home = os.path.expanduser("~")
    t, rest = c.call(EXTENDED, s("home-directory") + s(""))
    check("home-directory", t == NAME and strings(rest[4:], 1)[0][0].decode() == home)
    t, rest = c.call(EXTENDED, s("expand-path@openssh.com") + s("~"))
    check("expand-path@openssh.com expands ~", t == NAME and strings(rest[4:], 1)[0][0].decode() ==
          os.path.realpath(home))
    # ours, one no account has (the server remembers names: asked again after it, ours is still ours)
    nobody_id = 4000000000 + os.getuid() % 16
    t, rest = c.call(EXTENDED, s("users-groups-by-id@openssh.com") +
                     s(struct.pack(">III", os.getuid(), nobody_id, os.getuid())) +
                     s(struct.pack(">II", os.getgid(), nobody_id)))
    names = None
    if t == EXTENDED_REPLY:
        (users, groups), _ = strings(rest, 2)
        names = ([u.decode() for u in strings(users, 3)[0]], [g.decode() for g in strings(groups, 2)[0]])
    me = __import__("pwd").getpwuid(os.getuid()).pw_name
    my_group = __import__("grp").getgrgid(os.getgid()).gr_name
    check("users-groups-by-id@openssh.com names our uid and gid, and gives an unknown id no name",
          names == ([me, "", me], [my_group, ""]))

    src = open_file(c, "probe.bin", FXF_READ)
    dst = open_file(c, "copy.bin", FXF_WRITE | FXF_CREAT | FXF_TRUNC)
    t, rest = c.call(EXTENDED, s("copy-data") + s(src) + struct.pack(">QQ", 0, 0) + s(dst) +
                     struct.pack(">Q", 0))
    c.call(CLOSE, s(src))
    c.call(CLOSE, s(dst))
    check("copy-data copies on the server", status_of(t, rest) == OK and
          open("copy.bin", "rb").read() == blob + b"TAIL")

    t, rest = c.call(SYMLINK, s("probe.bin") + s("link"))
    check("SYMLINK takes the target first, then the link (OpenSSH's order)",
          status_of(t, rest) == OK and os.readlink("link") == "probe.bin")
    t, rest = c.call(RENAME, s("copy.bin") + s("probe.bin"))
    check("RENAME onto an existing file is refused", status_of(t, rest) == FAILURE and
          os.path.exists("copy.bin"))
    t, rest = c.call(EXTENDED, s("posix-rename@openssh.com") + s("copy.bin") + s("probe.bin"))
    check("posix-rename@openssh.com replaces", status_of(t, rest) == OK and not os.path.exists("copy.bin"))
    t, rest = c.call(EXTENDED, s("lsetstat@openssh.com") + s("link") +
                     struct.pack(">IIII", 8, 1000000000, 1000000000, 0)[:12])
    check("lsetstat@openssh.com sets a link's own times", status_of(t, rest) == OK and
          os.lstat("link").st_mtime == 1000000000 and os.stat("link").st_mtime != 1000000000)
    t, rest = c.call(STAT, s("nosuch"))
    check("STAT of a missing file: NO_SUCH_FILE", status_of(t, rest) == NO_SUCH_FILE)
    t, rest = c.call(READ, s(b"\0" * 8) + struct.pack(">QI", 0, 10))
    check("an invalid handle: FAILURE", status_of(t, rest) == FAILURE)
    t, rest = c.call(READ, s(b"\0" * 8)[:6])
    check("a truncated request: BAD_MESSAGE", status_of(t, rest) == BAD_MESSAGE)
    t, rest = c.call(99, b"")
    check("an unknown request type: OP_UNSUPPORTED", status_of(t, rest) == OP_UNSUPPORTED)
    t, rest = c.call(EXTENDED, s("no-such@example.com"))
    check("an unknown extension: OP_UNSUPPORTED", status_of(t, rest) == OP_UNSUPPORTED)
    t, rest = c.call(REALPATH, s("."))
    check("the stream goes on after bad requests (REALPATH .)", t == NAME)
    c.p.stdin.write(struct.pack(">I", 0x7fffffff) + b"\x05")
    c.p.stdin.flush()
    check("an oversized length ends the session", c.p.wait(timeout=10) != 0)
    print("probe: all passed" if failures == 0 else "probe: %d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
