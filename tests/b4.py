#!/usr/bin/env python3
"""b4.py - a synthetic DS-lite B4 and an IPv4 echo host for the AFTR's
tests (standard library only; raw sockets, no dstm code).

  b4.py udp AFTR6 SRC6 SRC4 SPORT DST4 DPORT PAYLOAD [N] [frag=BYTES]
            [ttl=N]
      N (default 1) UDP datagrams in 4in6 from SRC6, inner source
      SRC4:SPORT, SPORT+1, ... (one source port each), to DST4:DPORT;
      frag=BYTES: the datagram padded to BYTES and sent in IPv4
      fragments of at most 1000 bytes (DF clear), in order
  b4.py tcp AFTR6 SRC6 SRC4 SPORT DST4 DPORT FLAGS
      one TCP segment in 4in6 with FLAGS (letters of SAFR), sequence
      number 1000, acknowledgment 1 when A is among them
  b4.py ping AFTR6 SRC6 SRC4 DST4 ID
      an ICMP echo request (identifier ID) in 4in6
  b4.py recv SRC6 [SECONDS]
      the first 4in6 datagram to SRC6 (IPv4 fragments reassembled), as
      "OUTER_SRC udp INNER_SRC:SPORT INNER_DST:DPORT PAYLOAD CSUM",
      "OUTER_SRC tcp INNER_SRC:SPORT INNER_DST:DPORT FLAGS CSUM" or
      "OUTER_SRC icmp INNER_SRC INNER_DST TYPE ID CSUM", CSUM being ok or
      bad (the IPv4 header and transport checksums recomputed here), an
      ICMP error followed by "quote SRC:SPORT CSUM" (the quoted packet's
      source and its header checksum), or "timeout"
  b4.py v4listen PORT [SECONDS]
      on the IPv4 host: a TCP socket listening on PORT (the kernel
      answers SYNs) for SECONDS, then closed
  b4.py v4echo PORT N [SECONDS]
      on the IPv4 host: N datagrams to PORT, each printed as
      "SRC:SPORT PAYLOAD" (its first 40 bytes, and its length when
      longer) and answered with "re:PAYLOAD", padded to 3000 bytes when
      PAYLOAD starts with "big" (the kernel fragments it); stops at N or
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


def ipv4(src, dst, proto, l4, ttl=64):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0x2345,
                      0x4000, ttl, proto, 0, socket.inet_aton(src),
                      socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + l4


def udp(src, sport, dst, dport, payload, ttl=64):
    n = 8 + len(payload)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack(
        "!BBH", 0, 17, n)
    l4 = struct.pack("!HHHH", sport, dport, n, 0) + payload
    c = csum(pseudo + l4) or 0xFFFF
    return ipv4(src, dst, 17, l4[:6] + struct.pack("!H", c) + l4[8:], ttl)


def fragments(pkt, size):
    """pkt (an IPv4 packet with a 20-byte header) cut into fragments of
    at most size bytes, DF clear"""
    hdr, data = bytearray(pkt[:20]), pkt[20:]
    step = (size - 20) // 8 * 8
    out = []
    for off in range(0, len(data), step):
        part = data[off:off + step]
        h = bytearray(hdr)
        mf = 0x2000 if off + step < len(data) else 0
        h[2:4] = struct.pack("!H", 20 + len(part))
        h[6:8] = struct.pack("!H", mf | off // 8)
        h[10:12] = b"\0\0"
        h[10:12] = struct.pack("!H", csum(bytes(h)))
        out.append(bytes(h) + part)
    return out


def reassemble(frags):
    """the datagram when frags (IPv4 packets of one id) hold all of it"""
    first = [f for f in frags if struct.unpack("!H", f[6:8])[0] & 0x1FFF == 0]
    last = [f for f in frags if not struct.unpack("!H", f[6:8])[0] & 0x2000]
    if not first or not last:
        return None
    data = {}
    for f in frags:
        hl = (f[0] & 15) * 4
        data[(struct.unpack("!H", f[6:8])[0] & 0x1FFF) * 8] = f[hl:]
    whole, at = b"", 0
    while at in data:
        whole += data[at]
        at += len(data[at])
    lf = last[0]
    if at != (struct.unpack("!H", lf[6:8])[0] & 0x1FFF) * 8 + len(
            lf[(lf[0] & 15) * 4:]):
        return None
    h = bytearray(first[0][:20])
    h[2:4] = struct.pack("!H", 20 + len(whole))
    h[6:8] = b"\0\0"
    h[10:12] = b"\0\0"
    h[10:12] = struct.pack("!H", csum(bytes(h)))
    return bytes(h) + whole


TCP_FLAGS = "FSRPAU"


def tcp(src, sport, dst, dport, flags):
    bits = sum(1 << TCP_FLAGS.index(f) for f in flags)
    l4 = struct.pack("!HHIIBBHHH", sport, dport, 1000,
                     1 if "A" in flags else 0, 5 << 4, bits, 65535, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack(
        "!BBH", 0, 6, len(l4))
    l4 = l4[:16] + struct.pack("!H", csum(pseudo + l4)) + l4[18:]
    return ipv4(src, dst, 6, l4)


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
        text = l4[8:].decode(errors="replace")
        if len(text) > 40:
            text = "%s (%d bytes)" % (text[:40].rstrip("."), len(l4) - 8)
        return "%s udp %s:%d %s:%d %s %s" % (
            outer, src, sport, dst, dport, text, "ok" if ok else "bad")
    if p[9] == 6:
        sport, dport = struct.unpack("!HH", l4[:4])
        pseudo = p[12:20] + struct.pack("!BBH", 0, 6, len(l4))
        ok = ok and csum(pseudo + l4) == 0
        flags = "".join(f for i, f in enumerate(TCP_FLAGS)
                        if l4[13] & (1 << i) and f in "SAFR")
        return "%s tcp %s:%d %s:%d %s %s" % (
            outer, src, sport, dst, dport, flags, "ok" if ok else "bad")
    if p[9] == 1:
        ok = ok and csum(l4) == 0
        ident = struct.unpack("!H", l4[4:6])[0]
        line = "%s icmp %s %s %d %d %s" % (outer, src, dst, l4[0], ident,
                                           "ok" if ok else "bad")
        if l4[0] in (3, 11, 12) and len(l4) >= 8 + 20 + 4:
            q = l4[8:]
            qhl = (q[0] & 15) * 4
            line += " quote %s:%d %s" % (
                socket.inet_ntoa(q[12:16]),
                struct.unpack("!H", q[qhl:qhl + 2])[0],
                "ok" if csum(q[:qhl]) == 0 else "bad")
        return line
    return "%s proto-%d %s %s" % (outer, p[9], src, dst)


def main(a):
    if a[0] == "udp":
        aftr, src6, src4, sport, dst4, dport, payload = a[1:8]
        opts = [x for x in a[8:] if "=" in x]
        rest = [x for x in a[8:] if "=" not in x]
        n = int(rest[0]) if rest else 1
        o = dict(x.split("=", 1) for x in opts)
        size = o.get("frag")
        ttl = int(o.get("ttl", 64))
        data = payload.encode()
        if size:
            data = data.ljust(int(size) - 28, b".")
        s = tunnel(src6)
        for i in range(n):
            p = udp(src4, int(sport) + i, dst4, int(dport), data, ttl)
            for f in fragments(p, 1000) if size else [p]:
                s.sendto(f, (aftr, 0))
        print("sent %d" % n)
    elif a[0] == "tcp":
        aftr, src6, src4, sport, dst4, dport, flags = a[1:8]
        tunnel(src6).sendto(tcp(src4, int(sport), dst4, int(dport), flags),
                            (aftr, 0))
        print("sent 1")
    elif a[0] == "v4listen":
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", int(a[1])))
        s.listen(8)
        ready()
        time.sleep(float(a[2]) if len(a) > 2 else 5)
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
        frags = {}
        while True:
            left = deadline - time.time()
            if left <= 0 or not select.select([s], [], [], left)[0]:
                print("timeout")
                return
            p, peer = s.recvfrom(65535)
            if struct.unpack("!H", p[6:8])[0] & 0x3FFF:
                key = (p[12:20], p[4:6], p[9])
                frags.setdefault(key, []).append(p)
                p = reassemble(frags[key])
                if p is None:
                    continue
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
            text = data.decode(errors="replace")
            print("%s:%d %s%s" % (peer[0], peer[1], text[:40].rstrip("."),
                                  " (%d bytes)" % len(data)
                                  if len(data) > 40 else ""))
            sys.stdout.flush()
            reply = b"re:" + data[:40]
            if data.startswith(b"big"):
                reply = reply.ljust(3000, b".")
            s.sendto(reply, peer)
            seen += 1
    else:
        sys.exit("usage: see the docstring of b4.py")


if __name__ == "__main__":
    main(sys.argv[1:])
