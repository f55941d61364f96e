#!/usr/bin/env python3
"""held_flood.py PID PORT NPRE NEXTRA - replies held across accepts.

Opens NPRE TCP connections to rpcdstmd on [::1]:PORT (each from its own
address in 2001:db8:99::/64, a locally routed prefix) and has each one
answered once (NULL), so all are accepted.  Then stops the server
(SIGSTOP), sends one ALLOC on every connection, opens NEXTRA new
connections that each send an ALLOC too, and lets the server run again
(SIGCONT): the server reads the NPRE requests, holds their replies for the
group commit, and must accept the newcomers without losing a held reply
(libtirpc closes idle connections when descriptors run short).
Prints "pre SENT ANSWERED CLOSED HUNG" and the same for "extra": a
connection is answered (its ALLOC got ok), closed (by the server without
an answer: libtirpc's reaper may close a connection it has not read yet)
or hung (neither within 10 s)."""
import os
import select
import signal
import socket
import struct
import sys
import time

PROG, VERS, NULLPROC, ALLOC = 0x20445354, 2, 0, 1


def call(xid, proc, args=b""):
    # xid, CALL, rpcvers 2, prog, vers, proc, cred AUTH_NONE, verf AUTH_NONE
    body = struct.pack(">IIIIII", xid, 0, 2, PROG, VERS, proc) + bytes(16)
    body += args
    return struct.pack(">I", 0x80000000 | len(body)) + body


def alloc(xid):
    # hint, flags, a key of its own (never zero), no cookie (tcp6)
    key = struct.pack(">IIII", xid | 1, 0x5eed, 0, 0)
    return call(xid, ALLOC, bytes(4) + struct.pack(">I", 0) + key + bytes(16))


def connect(port, i):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_IP, 15, 1)  # IP_FREEBIND
    s.bind(("2001:db8:99::%x" % (0x1000 + i), 0))
    s.connect(("::1", port))
    return s


def replies(s, deadline):
    """Records until EOF, reset, a quiet moment after a record, or the
    deadline: ([(xid, status)], closed)."""
    buf, got = b"", []
    s.setblocking(False)
    while time.time() < deadline:
        r, _, _ = select.select([s], [], [], 0.1)
        if not r:
            if got:
                return got, False
            continue
        try:
            d = s.recv(65536)
        except OSError:
            return got, True
        if not d:
            return got, True
        buf += d
        while len(buf) >= 4:
            n = struct.unpack(">I", buf[:4])[0] & 0x7fffffff
            if len(buf) < 4 + n:
                break
            rec, buf = buf[4:4 + n], buf[4 + n:]
            xid = struct.unpack(">I", rec[:4])[0]
            # accepted reply, verifier AUTH_NONE: status after 24 bytes
            st = struct.unpack(">I", rec[24:28])[0] if len(rec) >= 28 else -1
            got.append((xid, st))
    return got, False


def main():
    pid, port, npre, nextra = map(int, sys.argv[1:5])
    pre = []
    for i in range(npre):
        s = connect(port, i)
        s.sendall(call(1, NULLPROC))
        if not replies(s, time.time() + 5)[0]:
            print("pre connection %d not answered" % i)
            return 1
        pre.append(s)
    os.kill(pid, signal.SIGSTOP)
    try:
        for i, s in enumerate(pre):
            s.sendall(alloc(100 + i))
        extra = []
        for i in range(nextra):
            try:
                s = connect(port, npre + i)
                s.sendall(alloc(5000 + i))
                extra.append(s)
            except OSError:
                break
        time.sleep(0.2)
    finally:
        os.kill(pid, signal.SIGCONT)
    deadline = time.time() + 10
    for name, group, base in (("pre", pre, 100), ("extra", extra, 5000)):
        answered = closed = hung = 0
        for i, s in enumerate(group):
            got, eof = replies(s, deadline)
            if (base + i, 0) in got:
                answered += 1
            elif eof:
                closed += 1
            else:
                hung += 1
            s.close()
        print(name, len(group), answered, closed, hung)
    return 0


if __name__ == "__main__":
    sys.exit(main())
