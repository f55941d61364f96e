#!/usr/bin/env python3
"""b4.py - a synthetic DS-lite B4 and an IPv4 echo host for the AFTR's
tests (standard library only; raw sockets, no dstm code).

  b4.py udp AFTR6 SRC6 SRC4 SPORT DST4 DPORT PAYLOAD [N]
      N (default 1) UDP datagrams in 4in6 from SRC6, inner source
      SRC4:SPORT, SPORT+1, ... (one source port each), to DST4:DPORT
  b4.py ping AFTR6 SRC6 SRC4 DST4 ID
      an ICMP echo request (identifier ID) in 4in6
  b4.py recv SRC6 [SECONDS]
      the first 4in6 packet to SRC6, as
      "OUTER_SRC udp INNER_SRC:SPORT INNER_DST:DPORT PAYLOAD CSUM" or
      "OUTER_SRC icmp INNER_SRC INNER_DST TYPE ID CSUM", CSUM being ok or
      bad (the IPv4 header and transport checksums recomputed here), or
      "timeout"
  b4.py v4echo PORT N [SECONDS]
      on the IPv4 host: N datagrams to PORT, each printed as
      "SRC:SPORT PAYLOAD" and answered with "re:PAYLOAD"; stops at N or
      at the deadline

The receivers create the file named by $PKT_READY, when set, once their
socket is open.
"""
import os
import select
import socket
import struct
import sys
import time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, l4):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0x2345,
                      0x4000, 64, proto, 0, socket.inet_aton(src),
                      socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + l4


def udp(src, sport, dst, dport, payload):
    n = 8 + len(payload)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack(
        "!BBH", 0, 17, n)
    l4 = struct.pack("!HHHH", sport, dport, n, 0) + payload
    c = csum(pseudo + l4) or 0xFFFF
    return ipv4(src, dst, 17, l4[:6] + struct.pack("!H", c) + l4[8:])


def echo(src, dst, ident):
    body = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"ds-lite-echo"
    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
    return ipv4(src, dst, 1, body)


def tunnel(src6):
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_IPIP)
    s.bind((src6, 0))
    return s


def ready():
    path = os.environ.get("PKT_READY")
    if path:
        open(path, "w").close()


def describe(outer, p):
    hl = (p[0] & 15) * 4
    src, dst = socket.inet_ntoa(p[12:16]), socket.inet_ntoa(p[16:20])
    ok = csum(p[:hl]) == 0
    l4 = p[hl:]
    if p[9] == 17:
        sport, dport, n, c = struct.unpack("!HHHH", l4[:8])
        if c != 0:
            pseudo = p[12:20] + struct.pack("!BBH", 0, 17, len(l4))
            ok = ok and csum(pseudo + l4) == 0
        return "%s udp %s:%d %s:%d %s %s" % (
            outer, src, sport, dst, dport, l4[8:].decode(errors="replace"),
            "ok" if ok else "bad")
    if p[9] == 1:
        ok = ok and csum(l4) == 0
        ident = struct.unpack("!H", l4[4:6])[0]
        return "%s icmp %s %s %d %d %s" % (outer, src, dst, l4[0], ident,
                                           "ok" if ok else "bad")
    return "%s proto-%d %s %s" % (outer, p[9], src, dst)


def main(a):
    if a[0] == "udp":
        aftr, src6, src4, sport, dst4, dport, payload = a[1:8]
        n = int(a[8]) if len(a) > 8 else 1
        s = tunnel(src6)
        for i in range(n):
            s.sendto(udp(src4, int(sport) + i, dst4, int(dport),
                         payload.encode()), (aftr, 0))
        print("sent %d" % n)
    elif a[0] == "ping":
        aftr, src6, src4, dst4, ident = a[1:6]
        tunnel(src6).sendto(echo(src4, dst4, int(ident)), (aftr, 0))
        print("sent 1")
    elif a[0] == "recv":
        src6 = a[1]
        secs = float(a[2]) if len(a) > 2 else 3
        s = tunnel(src6)
        ready()
        deadline = time.time() + secs
        while True:
            left = deadline - time.time()
            if left <= 0 or not select.select([s], [], [], left)[0]:
                print("timeout")
                return
            p, peer = s.recvfrom(65535)
            print(describe(peer[0], p))
            return
    elif a[0] == "v4echo":
        port, n = int(a[1]), int(a[2])
        secs = float(a[3]) if len(a) > 3 else 5
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", port))
        ready()
        deadline = time.time() + secs
        seen = 0
        while seen < n:
            left = deadline - time.time()
            if left <= 0 or not select.select([s], [], [], left)[0]:
                print("timeout")
                break
            data, peer = s.recvfrom(65535)
            print("%s:%d %s" % (peer[0], peer[1], data.decode()))
            sys.stdout.flush()
            s.sendto(b"re:" + data, peer)
            seen += 1
    else:
        sys.exit("usage: see the docstring of b4.py")


if __name__ == "__main__":
    main(sys.argv[1:])
