#!/usr/bin/env python3
"""dslite_stub.py - the far side of a DS-lite B4 for dstm's tests, standard
library only: a stub AFTR and a stub DHCPv6 server, each run inside the
test's AFTR namespace.

  dslite_stub.py aftr LOG B4_6 AFTR6[,AFTR6...] INNER4[,INNER4...]
      Receives 4in6 (raw IPv6 socket, next header 4).  Each packet gets
      one line in LOG:
        ok OUTER_SRC OUTER_DST INNER_SRC INNER_DST      (and a reply)
        bad REASON OUTER_SRC OUTER_DST INNER_SRC INNER_DST
      It is "ok" when the outer source is B4_6, the outer destination one
      of the AFTR6 addresses, the inner source one of INNER4 and the
      inner packet an ICMP echo request; the echo reply goes back in 4in6
      from the address it came to.  Anything else is "bad" and unanswered.

  dslite_stub.py dhcp6 LOG IFACE NAME [forge] [ignore=N] [offlink=ADDR6]
      Listens on [::]:547 (joined to ff02::1:2 on IFACE) and answers each
      Information-Request with a Reply carrying its transaction id, a
      server id, the client's id and option 64 = NAME (RFC 6334).  With
      "forge", two bad replies go first: one with another transaction id
      and the name "forged-xid.example", one with the right id and a
      malformed option 64, and with offlink=ADDR6 a third, right in every
      field but sent from the global ADDR6 (a local address of IFACE): an
      off-link forger's.  With ignore=N the first N requests get no
      answer (the client must retransmit).  LOG gets one line per
      request: "request XID ELAPSED_CS ORO=CODES".

  dslite_stub.py send SRC6 DST6 INNER_SRC4 INNER_DST4
      One ICMP echo request from INNER_SRC4 to INNER_DST4 in 4in6 from
      SRC6 (a local address, IPV6_PKTINFO) to DST6: a forger's packet.

The servers create $PKT_READY, when set, once their socket is open.
"""
import os
import socket
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ready():
    p = os.environ.get("PKT_READY")
    if p:
        open(p, "w").close()


def log(f, line):
    f.write(line + "\n")
    f.flush()


def aftr(logf, b4, aftrs, inners):
    f = open(logf, "a")
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 4)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    ready()
    while True:
        data, anc, _, src = s.recvmsg(65535, 256)
        dst = "?"
        for level, typ, val in anc:
            if level == socket.IPPROTO_IPV6 and typ == socket.IPV6_PKTINFO:
                dst = socket.inet_ntop(socket.AF_INET6, val[:16])
        osrc = src[0]
        if len(data) < 20 or data[0] >> 4 != 4:
            log(f, "bad not-ipv4 %s %s - -" % (osrc, dst))
            continue
        ihl = (data[0] & 15) * 4
        isrc = socket.inet_ntoa(data[12:16])
        idst = socket.inet_ntoa(data[16:20])
        what = "%s %s %s %s" % (osrc, dst, isrc, idst)
        if osrc != b4:
            log(f, "bad outer-source " + what)
            continue
        if dst not in aftrs:
            log(f, "bad outer-destination " + what)
            continue
        if isrc not in inners:
            log(f, "bad inner-source " + what)
            continue
        if data[9] != 1 or len(data) < ihl + 8 or data[ihl] != 8:
            log(f, "bad not-echo-request " + what)
            continue
        log(f, "ok " + what)
        icmp = bytearray(data[ihl:])
        icmp[0] = 0
        icmp[2:4] = b"\0\0"
        icmp[2:4] = struct.pack("!H", csum(bytes(icmp)))
        hdr = bytearray(data[:20])
        hdr[8] = 64
        hdr[12:16], hdr[16:20] = data[16:20], data[12:16]
        hdr[10:12] = b"\0\0"
        hdr[10:12] = struct.pack("!H", csum(bytes(hdr[:20])))
        reply = bytes(hdr) + bytes(icmp)
        info = socket.inet_pton(socket.AF_INET6, dst) + struct.pack("@I", 0)
        s.sendmsg([reply], [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO,
                             info)], 0, (osrc, 0))


def echo4(src, dst):
    icmp = bytearray(struct.pack("!BBHHH", 8, 0, 0, 0x4242, 1) + b"forged")
    icmp[2:4] = struct.pack("!H", csum(bytes(icmp)))
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp),
                                1, 0, 64, 1, 0, socket.inet_aton(src),
                                socket.inet_aton(dst)))
    hdr[10:12] = struct.pack("!H", csum(bytes(hdr)))
    return bytes(hdr) + bytes(icmp)


def send(src6, dst6, src4, dst4):
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 4)
    info = socket.inet_pton(socket.AF_INET6, src6) + struct.pack("@I", 0)
    s.sendmsg([echo4(src4, dst4)], [(socket.IPPROTO_IPV6,
                                     socket.IPV6_PKTINFO, info)], 0,
              (dst6, 0))


def opt(code, val):
    return struct.pack("!HH", code, len(val)) + val


def wire_name(name):
    out = b""
    for label in name.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dhcp6(logf, iface, name, forge, ignore, offlink):
    f = open(logf, "a")
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", 547))
    idx = socket.if_nametoindex(iface)
    mreq = socket.inet_pton(socket.AF_INET6, "ff02::1:2") + struct.pack(
        "@I", idx)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
    server_id = bytes([0, 3, 0, 1, 2, 0, 0, 0, 0x54, 0x53])
    ready()
    while True:
        data, peer = s.recvfrom(1500)
        if len(data) < 4 or data[0] != 11:
            log(f, "ignored type %d" % (data[0] if data else -1))
            continue
        xid = data[1:4]
        client_id = None
        oro = []
        elapsed = -1
        off = 4
        while off + 4 <= len(data):
            code, ln = struct.unpack("!HH", data[off:off + 4])
            val = data[off + 4:off + 4 + ln]
            if code == 1:
                client_id = val
            elif code == 8 and ln == 2:
                elapsed = struct.unpack("!H", val)[0]
            elif code == 6:
                oro = [struct.unpack("!H", val[i:i + 2])[0]
                       for i in range(0, len(val) - 1, 2)]
            off += 4 + ln
        log(f, "request %s %d ORO=%s" % (xid.hex(), elapsed,
                                          ",".join(map(str, oro))))
        if client_id is None:
            continue
        if ignore > 0:
            ignore -= 1
            continue
        base = opt(2, server_id) + opt(1, client_id)
        if forge:
            other = bytes([xid[0] ^ 0x55]) + xid[1:]
            s.sendto(bytes([7]) + other + base +
                     opt(64, wire_name("forged-xid.example")), peer)
            # a label running past the option's end
            s.sendto(bytes([7]) + xid + base +
                     opt(64, b"\x3fforged-malformed\0"), peer)
        if forge and offlink:
            # right in every field, but from a global address: off-link
            g = socket.inet_pton(socket.AF_INET6, offlink)
            s.sendmsg([bytes([7]) + xid + base +
                       opt(64, wire_name("forged-offlink.example"))],
                      [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO,
                        g + struct.pack("@I", idx))], 0, peer)
        s.sendto(bytes([7]) + xid + base + opt(64, wire_name(name)) +
                 opt(23, socket.inet_pton(socket.AF_INET6,
                                          "2001:db8:53::53")) +
                 opt(32, struct.pack("!I", 3600)), peer)


def main(a):
    if len(a) >= 5 and a[0] == "aftr":
        aftr(a[1], a[2], a[3].split(","), a[4].split(","))
    elif len(a) == 5 and a[0] == "send":
        send(a[1], a[2], a[3], a[4])
    elif len(a) >= 4 and a[0] == "dhcp6":
        ignore = [int(x[7:]) for x in a[4:] if x.startswith("ignore=")]
        offlink = [x[8:] for x in a[4:] if x.startswith("offlink=")]
        dhcp6(a[1], a[2], a[3], "forge" in a[4:], ignore[0] if ignore
              else 0, offlink[0] if offlink else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
