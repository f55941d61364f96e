#!/usr/bin/env python3
"""pkt.py - craft and catch exact packets for dstm's graybox tests
(standard library only).

  pkt.py send4in6 TEP6 SRC4 DST4 DPORT PAYLOAD [TTL]   4in6 from this host
  pkt.py recv4 DPORT [SECONDS]       an IPv4 UDP packet to DPORT, as hex
  pkt.py send4 DST4 DPORT PAYLOAD    plain UDP from this host
  pkt.py send4raw SRC4 DST4 DPORT PAYLOAD   an exact IPv4/UDP packet
  pkt.py recv4in6 DPORT [SECONDS]    a 4in6 packet: "OUTER_SRC HEX"
  pkt.py forwarded HEX               HEX as a router forwards it (TTL-1)
  pkt.py cmp WANT GOT                exact compare; names differing bytes

The packets built here are what a test sends; what may differ on the way
(TTL, header checksum) is computed by `forwarded`, so `cmp` then demands
every byte to be equal.
"""
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


def ipv4_udp(src, dst, dport, payload, ttl=64, sport=40000):
    udp_len = 8 + len(payload)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack(
        "!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
    uc = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", uc) + udp[8:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0x1234,
                      0x4000, ttl, 17, 0, socket.inet_aton(src),
                      socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + udp


def forwarded(pkt):
    b = bytearray(pkt)
    b[8] -= 1
    b[10:12] = b"\0\0"
    b[10:12] = struct.pack("!H", csum(bytes(b[:(b[0] & 15) * 4])))
    return bytes(b)


def wait_read(sock, secs):
    r, _, _ = select.select([sock], [], [], secs)
    return bool(r)


def main(a):
    op = a[0]
    if op == "send4in6":
        ttl = int(a[6]) if len(a) > 6 else 64
        p = ipv4_udp(a[2], a[3], int(a[4]), a[5].encode(), ttl)
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_IPIP)
        s.sendto(p, (a[1], 0))
        print(p.hex())
    elif op == "send4":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(a[3].encode(), (a[1], int(a[2])))
    elif op == "send4raw":
        p = ipv4_udp(a[1], a[2], int(a[3]), a[4].encode())
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        s.sendto(p, (a[2], 0))
        print(p.hex())
    elif op == "recv4":
        port, secs = int(a[1]), float(a[2]) if len(a) > 2 else 3
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
        end = time.time() + secs
        while time.time() < end and wait_read(s, end - time.time()):
            p = s.recv(65535)
            ihl = (p[0] & 15) * 4
            if len(p) >= ihl + 4 and struct.unpack("!H", p[ihl + 2:ihl + 4])[0] == port:
                print(p.hex())
                return 0
        print("timeout")
        return 1
    elif op == "recv4in6":
        port, secs = int(a[1]), float(a[2]) if len(a) > 2 else 3
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_IPIP)
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
    elif op == "forwarded":
        print(forwarded(bytes.fromhex(a[1])).hex())
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
