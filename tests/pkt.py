#!/usr/bin/env python3
"""pkt.py - craft and catch exact packets for dstm's graybox tests
(standard library only).

  pkt.py send4in6 TEP6 SRC4 DST4 DPORT PAYLOAD [TTL] [tos=N] [tc=N]
                 [size=N] [df=0]     4in6 from this host; tos: the inner
                                     TOS, tc: the outer traffic class,
                                     size: the inner packet padded to N
                                     bytes (beyond the link MTU the
                                     kernel fragments the IPv6 packet),
                                     df=0: the inner DF bit clear
  pkt.py recv4 DPORT [SECONDS]       an IPv4 UDP packet to DPORT, as hex
  pkt.py recv4udp DPORT [SECONDS]    a listener (a UDP socket on
                                     0.0.0.0:DPORT): "SRC PAYLOAD"
  pkt.py send4 DST4 DPORT PAYLOAD    plain UDP from this host
  pkt.py send4raw SRC4 DST4 DPORT PAYLOAD [tos=N] [size=N]
                                     an exact IPv4/UDP packet (DF set),
                                     padded to size bytes if given
  pkt.py recv4in6 DPORT [SECONDS]    a 4in6 packet: "OUTER_SRC HEX"
  pkt.py sniff6 IFACE DPORT [SECONDS]  the first 4in6 frame on IFACE whose
                                     inner UDP goes to DPORT: the whole
                                     IPv6 packet as hex (AF_PACKET, so
                                     the outer header as on the wire)
  pkt.py encap6 SRC6 DST6 TC LABEL HOPS INNER_HEX
                                     the IPv6 packet a tunnel entry point
                                     should send for INNER_HEX
  pkt.py recv4icmp [SECONDS]         an ICMPv4 error: "SRC TYPE CODE MTU
                                     QUOTED_SRC QUOTED_DST"
  pkt.py forwarded HEX [tos=N]       HEX as a router forwards it (TTL-1),
                                     with tos: after an RFC 6040 decap
  pkt.py cmp WANT GOT                exact compare; names differing bytes

The receivers (recv4, recv4udp, recv4in6, recv4icmp, sniff6) create the file named
by $PKT_READY, when set, once their socket is open: a test waits for it
instead of sleeping before it sends.

The packets built here are what a test sends; what may differ on the way
(TTL, header checksum) is computed by `forwarded`, so `cmp` then demands
every byte to be equal.  Numbers (tos, tc, size) may be written 0xb9.
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


def ipv4_udp(src, dst, dport, payload, ttl=64, sport=40000, tos=0,
             df=True):
    udp_len = 8 + len(payload)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack(
        "!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
    uc = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", uc) + udp[8:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + udp_len, 0x1234,
                      0x4000 if df else 0, ttl, 17, 0, socket.inet_aton(src),
                      socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + udp


def forwarded(pkt, tos=None):
    b = bytearray(pkt)
    b[8] -= 1
    if tos is not None:
        b[1] = tos
    b[10:12] = b"\0\0"
    b[10:12] = struct.pack("!H", csum(bytes(b[:(b[0] & 15) * 4])))
    return bytes(b)


def ready():
    """Say that the receiving socket exists (see $PKT_READY)."""
    path = os.environ.get("PKT_READY")
    if path:
        open(path, "w").close()


def wait_read(sock, secs):
    r, _, _ = select.select([sock], [], [], secs)
    return bool(r)


def encap6(src6, dst6, tc, label, hops, inner):
    """The IPv6 header RFC 2473 puts before inner, and inner."""
    first = 6 << 28 | (tc & 0xFF) << 20 | (label & 0xFFFFF)
    return struct.pack("!IHBB16s16s", first, len(inner), 4, hops,
                       socket.inet_pton(socket.AF_INET6, src6),
                       socket.inet_pton(socket.AF_INET6, dst6)) + inner


def udp_dport(ip4):
    ihl = (ip4[0] & 15) * 4
    if len(ip4) < ihl + 4 or ip4[9] != 17:
        return None
    return struct.unpack("!H", ip4[ihl + 2:ihl + 4])[0]


def sniff6(iface, dport, secs):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(0x0003))     # ETH_P_ALL
    s.bind((iface, 0))
    ready()
    end = time.time() + secs
    while time.time() < end and wait_read(s, end - time.time()):
        f = s.recv(65535)
        if len(f) < 14 + 40 + 28 or f[12:14] != b"\x86\xdd":
            continue
        if f[14 + 6] == 4 and udp_dport(f[14 + 40:]) == dport:
            return f[14:].hex()
    return "timeout"


def recv4icmp(secs):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ready()
    end = time.time() + secs
    while time.time() < end and wait_read(s, end - time.time()):
        p = s.recv(65535)
        ihl = (p[0] & 15) * 4
        icmp = p[ihl:]
        if len(icmp) < 8 + 20 or icmp[0] not in (3, 11):
            continue
        q = icmp[8:]
        return "%s %d %d %d %s %s" % (
            socket.inet_ntoa(p[12:16]), icmp[0], icmp[1],
            struct.unpack("!H", icmp[6:8])[0],
            socket.inet_ntoa(q[12:16]), socket.inet_ntoa(q[16:20]))
    return "timeout"


def options(args):
    """Positional arguments, and key=value ones as a dict of numbers."""
    pos = [x for x in args if "=" not in x]
    kw = dict(x.split("=", 1) for x in args if "=" in x)
    return pos, {k: int(v, 0) for k, v in kw.items()}


def main(a):
    op = a[0]
    a, kw = options(a)
    if op == "send4in6":
        ttl = int(a[6]) if len(a) > 6 else 64
        data = a[5].encode()
        if "size" in kw:
            data += b"\0" * (kw["size"] - 28 - len(data))
        p = ipv4_udp(a[2], a[3], int(a[4]), data, ttl,
                     tos=kw.get("tos", 0), df=kw.get("df", 1) != 0)
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_IPIP)
        tc = struct.pack("i", kw.get("tc", 0))
        s.sendmsg([p], [(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, tc)], 0,
                  (a[1], 0))
        print(p.hex())
    elif op == "send4":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(a[3].encode(), (a[1], int(a[2])))
    elif op == "send4raw":
        data = a[4].encode()
        if "size" in kw:
            data += b"\0" * (kw["size"] - 28 - len(data))
        p = ipv4_udp(a[1], a[2], int(a[3]), data, tos=kw.get("tos", 0))
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        s.sendto(p, (a[2], 0))
        print(p.hex())
    elif op == "recv4":
        port, secs = int(a[1]), float(a[2]) if len(a) > 2 else 3
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
        ready()
        end = time.time() + secs
        while time.time() < end and wait_read(s, end - time.time()):
            p = s.recv(65535)
            ihl = (p[0] & 15) * 4
            if len(p) >= ihl + 4 and struct.unpack("!H", p[ihl + 2:ihl + 4])[0] == port:
                print(p.hex())
                return 0
        print("timeout")
        return 1
    elif op == "recv4udp":
        port, secs = int(a[1]), float(a[2]) if len(a) > 2 else 3
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", port))
        ready()
        if not wait_read(s, secs):
            print("timeout")
            return 1
        data, addr = s.recvfrom(65535)
        print(addr[0], data.decode(errors="replace"))
    elif op == "recv4in6":
        port, secs = int(a[1]), float(a[2]) if len(a) > 2 else 3
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_IPIP)
        ready()
        end = time.time() + secs
        while time.time() < end and wait_read(s, end - time.time()):
            p, addr = s.recvfrom(65535)
            ihl = (p[0] & 15) * 4
            if len(p) >= ihl + 4 and p[9] == 17 and \
                    struct.unpack("!H", p[ihl + 2:ihl + 4])[0] == port:
                print(addr[0], p.hex())
                return 0
        print("timeout")
        return 1
    elif op == "sniff6":
        out = sniff6(a[1], int(a[2]), float(a[3]) if len(a) > 3 else 3)
        print(out)
        return 1 if out == "timeout" else 0
    elif op == "encap6":
        print(encap6(a[1], a[2], int(a[3], 0), int(a[4], 0), int(a[5]),
                     bytes.fromhex(a[6])).hex())
    elif op == "recv4icmp":
        out = recv4icmp(float(a[1]) if len(a) > 1 else 3)
        print(out)
        return 1 if out == "timeout" else 0
    elif op == "forwarded":
        print(forwarded(bytes.fromhex(a[1]), kw.get("tos")).hex())
    elif op == "cmp":
        want, got = bytes.fromhex(a[1]), bytes.fromhex(a[2])
        if want == got:
            print("equal")
            return 0
        diff = [i for i in range(min(len(want), len(got))) if want[i] != got[i]]
        print("differ: lengths %d/%d, bytes %s" % (len(want), len(got), diff[:16]))
        return 1
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
