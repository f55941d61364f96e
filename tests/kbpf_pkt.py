#!/usr/bin/env python3
"""kbpf_pkt.py - packets for the BPF data-plane test (standard library;
builds on pkt.py).

  kbpf_pkt.py send4 SRC4 DST4 DPORT TOS SIZE   an exact IPv4/UDP packet of
      SIZE bytes, DF set, TOS as given; prints it as hex
  kbpf_pkt.py sniff6 IFACE DPORT [SECONDS]     the first 4in6 packet on
      IFACE whose inner UDP goes to DPORT, as
      "TCLASS HOPLIMIT SRC6 DST6 INNER_HEX" (TCLASS in hex), or "timeout"

The sniffer is an AF_PACKET/ETH_P_ALL socket: it sees a packet before tc
ingress, so before a BPF program decapsulates or drops it.
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pkt  # noqa: E402

ETH_P_ALL = 0x0003


def send4(src, dst, dport, tos, size):
    p = bytearray(pkt.ipv4_udp(src, dst, dport, b"\0" * (size - 28)))
    p[1] = tos
    p[10:12] = b"\0\0"
    p[10:12] = struct.pack("!H", pkt.csum(bytes(p[:20])))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(bytes(p), (dst, 0))
    return bytes(p).hex()


def sniff6(iface, dport, secs):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    end = time.time() + secs
    while time.time() < end and pkt.wait_read(s, end - time.time()):
        f = s.recv(65535)
        if len(f) < 14 + 40 + 28 or f[12:14] != b"\x86\xdd":
            continue
        ip6 = f[14:]
        if ip6[6] != 4:
            continue
        inner = ip6[40:]
        ihl = (inner[0] & 15) * 4
        if inner[9] != 17 or len(inner) < ihl + 4 or \
                struct.unpack("!H", inner[ihl + 2:ihl + 4])[0] != dport:
            continue
        tclass = (struct.unpack("!I", ip6[:4])[0] >> 20) & 0xFF
        return "%02x %d %s %s %s" % (
            tclass, ip6[7], socket.inet_ntop(socket.AF_INET6, ip6[8:24]),
            socket.inet_ntop(socket.AF_INET6, ip6[24:40]), inner.hex())
    return "timeout"


def main(a):
    if a[0] == "send4":
        print(send4(a[1], a[2], int(a[3]), int(a[4], 0), int(a[5])))
    elif a[0] == "sniff6":
        r = sniff6(a[1], int(a[2]), float(a[3]) if len(a) > 3 else 3)
        print(r)
        return r == "timeout"
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
