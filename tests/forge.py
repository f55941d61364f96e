#!/usr/bin/env python3
"""forge.py - an attacker on the client link, for tests/integration/
security.sh (standard library only; raw sockets, no dstm code).

Forged requests are whole IPv6/UDP packets written to a raw socket
(IPPROTO_RAW, IPV6_HDRINCL) with another host's source address: the
server's answers go to that host, never back here.  Each forged request is
sent in both protocol versions: version 1 (no key; what the server spoke
before lease keys) and version 2 with a key the forger made up.

  forge.py probe SERVER6 PORT
      the highest DSTM_PROG version the server answers (1 or 2), asked
      from this host's own address
  forge.py release SRC6 SERVER6 PORT ADDR4 [ADDR4_LAST]
  forge.py renew SRC6 SERVER6 PORT ADDR4
      forged RELEASE / RENEW of ADDR4 (or every address up to ADDR4_LAST:
      a sweep for an address the forger does not know) from SRC6
  forge.py alloc PREFIX6 FIRST N SERVER6 PORT
      forged ALLOCs from N sources PREFIX6+FIRST.. (a neighbour, or a flood
      across a /64)
  forge.py flood SRC6 SERVER6 PORT RATE SECONDS
      forged INFO and RENEW at RATE a second from SRC6 (to exhaust the
      victim's rate limit)
  forge.py notice SRC6 CLIENT6 ADDR4
      a revoke notice with a made-up MAC to rpcd on [CLIENT6]:7547
  forge.py tcpalloc PREFIX6 FIRST N SERVER6 PORT
      N real ALLOCs over tcp6 from N addresses of a prefix routed to this
      host (IP_FREEBIND), each with its own key; prints "leases OK of N"

Each forging command prints "sent V1 V2": the number of requests of each
version it sent.
"""
import ipaddress
import os
import random
import socket
import struct
import sys
import time

PROG, NOTIFY_PROG = 0x20445354, 0x20445358
NULLPROC, ALLOC, RENEW, RELEASE, INFO = 0, 1, 2, 3, 4
IPV6_HDRINCL = 36
IP_FREEBIND = 15


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def call(xid, prog, vers, proc, args=b""):
    # xid, CALL, rpcvers 2, prog, vers, proc, AUTH_NONE cred and verf
    return struct.pack(">IIIIII", xid, 0, 2, prog, vers, proc) + \
        bytes(16) + args


def udp6(src, dst, sport, dport, payload):
    s, d = socket.inet_pton(socket.AF_INET6, src), \
        socket.inet_pton(socket.AF_INET6, dst)
    ulen = 8 + len(payload)
    pseudo = s + d + struct.pack("!I3xB", ulen, 17)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    c = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    hdr = struct.pack("!IHBB", 6 << 28, ulen, 17, 64) + s + d
    return hdr + udp


class Raw:
    def __init__(self):
        self.s = socket.socket(socket.AF_INET6, socket.SOCK_RAW,
                               socket.IPPROTO_RAW)
        self.s.setsockopt(socket.IPPROTO_IPV6, IPV6_HDRINCL, 1)

    def send(self, src, dst, dport, payload, sport=None):
        pkt = udp6(src, dst, sport or random.randint(20000, 60000), dport,
                   payload)
        self.s.sendto(pkt, (dst, 0))


def a4(s):
    return socket.inet_aton(s)


def key():
    return os.urandom(16)


def forged(raw, src, server, port, proc, v1args, v2args):
    raw.send(src, server, port, call(random.getrandbits(32), PROG, 2, proc,
                                     v2args))
    raw.send(src, server, port, call(random.getrandbits(32), PROG, 1, proc,
                                     v1args))


def cmd_probe(server, port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(call(7, PROG, 2, NULLPROC), (server, int(port)))
    rep = s.recv(512)
    # xid, REPLY, MSG_ACCEPTED, verf (flavor, len 0), accept_stat
    stat = struct.unpack(">I", rep[20:24])[0]
    print(2 if stat == 0 else 1)


def cmd_addr(proc, src, server, port, first, last=None):
    raw = Raw()
    lo = int(ipaddress.IPv4Address(first))
    hi = int(ipaddress.IPv4Address(last)) if last else lo
    n = 0
    for a in range(lo, hi + 1):
        b = struct.pack(">I", a)
        forged(raw, src, server, int(port), proc, b, b + key())
        n += 1
    print("sent %d %d" % (n, n))


def cmd_alloc(prefix, first, n, server, port):
    raw = Raw()
    base = int(ipaddress.IPv6Address(prefix))
    for i in range(int(n)):
        src = str(ipaddress.IPv6Address(base + int(first, 0) + i))
        # v2: a made-up key and no cookie (a forger never sees one)
        forged(raw, src, server, int(port), ALLOC, bytes(8),
               bytes(8) + key() + bytes(16))
    print("sent %s %s" % (n, n))


def cmd_flood(src, server, port, rate, seconds):
    raw = Raw()
    rate, end = float(rate), time.monotonic() + float(seconds)
    n, t = 0, time.monotonic()
    while time.monotonic() < end:
        proc = INFO if n % 2 == 0 else RENEW
        args1 = b"" if proc == INFO else a4("198.51.100.1")
        args2 = b"" if proc == INFO else a4("198.51.100.1") + key()
        forged(raw, src, server, int(port), proc, args1, args2)
        n += 1
        t += 1 / rate
        d = t - time.monotonic()
        if d > 0:
            time.sleep(d)
    print("sent %d %d" % (n, n))


def cmd_notice(src, client, addr):
    raw = Raw()
    args = a4(addr) + socket.inet_pton(socket.AF_INET6, client) + \
        struct.pack(">Q", int(time.time() * 1000)) + os.urandom(8)
    raw.send(src, client, 7547, call(random.getrandbits(32), NOTIFY_PROG, 1,
                                     1, args), sport=7545)
    print("sent 0 1")


def rpc_tcp(s, xid, vers, proc, args):
    body = call(xid, PROG, vers, proc, args)
    s.sendall(struct.pack(">I", 0x80000000 | len(body)) + body)
    buf = b""
    while True:
        while len(buf) < 4:
            d = s.recv(4096)
            if not d:
                return None
            buf += d
        n = struct.unpack(">I", buf[:4])[0] & 0x7FFFFFFF
        while len(buf) < 4 + n:
            d = s.recv(4096)
            if not d:
                return None
            buf += d
        return buf[4:4 + n]


def cmd_tcpalloc(prefix, first, n, server, port):
    base = int(ipaddress.IPv6Address(prefix))
    ok = 0
    for i in range(int(n)):
        src = str(ipaddress.IPv6Address(base + int(first, 0) + i))
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_IP, IP_FREEBIND, 1)
        s.settimeout(5)
        try:
            s.bind((src, 0))
            s.connect((server, int(port)))
            rep = rpc_tcp(s, i + 1, 2, ALLOC, bytes(8) + key() + bytes(16))
            stat = struct.unpack(">I", rep[20:24])[0] if rep else -1
            if stat == 2:   # PROG_MISMATCH: a server without version 2
                rep = rpc_tcp(s, i + 1, 1, ALLOC, bytes(8))
                stat = struct.unpack(">I", rep[20:24])[0] if rep else -1
            if stat == 0 and struct.unpack(">I", rep[24:28])[0] == 0:
                ok += 1
        except OSError:
            pass
        finally:
            s.close()
    print("leases %d of %s" % (ok, n))


def main():
    cmds = {
        "probe": cmd_probe,
        "release": lambda *a: cmd_addr(RELEASE, *a),
        "renew": lambda *a: cmd_addr(RENEW, *a),
        "alloc": cmd_alloc,
        "flood": cmd_flood,
        "notice": cmd_notice,
        "tcpalloc": cmd_tcpalloc,
    }
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
