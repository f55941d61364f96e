#!/usr/bin/env python3
"""tests/dhcp6q.py - a small DHCPv6 client for the DS-lite lab's tests.

Sends one Information-Request (RFC 8415 section 18.2.6) on an interface
to All_DHCP_Relay_Agents_and_Servers (ff02::1:2, port 547), asking with
the Option Request option for DNS servers (23, RFC 3646), the domain
search list (24) and the AFTR name (64, RFC 6334), and prints what the
Reply carries as one JSON object:

    {"server_duid": "...", "dns_servers": [...], "domain_search": [...],
     "aftr_name": "aftr.isp.example."}

Usage: dhcp6q.py IFACE [TIMEOUT_SECONDS [TRIES]]
       dhcp6q.py --ra IFACE [TIMEOUT_SECONDS]

--ra sends a Router Solicitation instead and prints the first Router
Advertisement heard on IFACE (RFC 4861 4.2): its M and O flags (O: ask
DHCPv6 for other configuration) and the prefixes with their L and A
(SLAAC) flags.

Exit status 0 on a Reply (an RA) for our transaction, 1 on no answer, 2
on a malformed one.  Every length is checked before use.
"""
import json
import os
import select
import socket
import struct
import sys
import time

INFORMATION_REQUEST, REPLY = 11, 7
OPT_CLIENTID, OPT_SERVERID, OPT_ORO, OPT_ELAPSED = 1, 2, 6, 8
OPT_STATUS, OPT_DNS, OPT_DOMAINS, OPT_AFTR = 13, 23, 24, 64


class Malformed(Exception):
    pass


def options(data):
    """Split DHCPv6 options: a list of (code, value), lengths checked."""
    out, i = [], 0
    while i < len(data):
        if len(data) - i < 4:
            raise Malformed("truncated option header at %d" % i)
        code, length = struct.unpack_from("!HH", data, i)
        i += 4
        if length > len(data) - i:
            raise Malformed("option %d: length %d past the end" % (code, length))
        out.append((code, data[i:i + length]))
        i += length
    return out


def dns_name(data, i=0):
    """One uncompressed DNS wire-format name (RFC 8415 10): (name, next)."""
    labels = []
    while True:
        if i >= len(data):
            raise Malformed("name without its root label")
        n = data[i]
        i += 1
        if n == 0:
            return ".".join(labels) + ".", i
        if n > 63 or n > len(data) - i:
            raise Malformed("bad label length %d" % n)
        labels.append(data[i:i + n].decode("ascii", "strict"))
        i += n
        if len(labels) > 127:
            raise Malformed("too many labels")


def names(data):
    out, i = [], 0
    while i < len(data):
        name, i = dns_name(data, i)
        out.append(name)
    return out


def parse_reply(msg, xid):
    if len(msg) < 4 or msg[0] != REPLY or msg[1:4] != xid:
        return None
    res = {"dns_servers": [], "domain_search": [], "aftr_name": None}
    for code, val in options(msg[4:]):
        if code == OPT_SERVERID:
            res["server_duid"] = val.hex()
        elif code == OPT_STATUS:
            if len(val) < 2:
                raise Malformed("short status code option")
            res["status"] = struct.unpack_from("!H", val)[0]
        elif code == OPT_DNS:
            if len(val) % 16:
                raise Malformed("DNS servers option of %d bytes" % len(val))
            res["dns_servers"] += [socket.inet_ntop(socket.AF_INET6, val[j:j + 16])
                                   for j in range(0, len(val), 16)]
        elif code == OPT_DOMAINS:
            res["domain_search"] += names(val)
        elif code == OPT_AFTR:
            # RFC 6334: exactly one fully qualified name
            name, end = dns_name(val)
            if end != len(val):
                raise Malformed("AFTR name option with trailing bytes")
            res["aftr_name"] = name
    return res


def parse_ra(msg):
    """A Router Advertisement: flags and prefix information options."""
    if len(msg) < 16 or msg[0] != 134 or msg[1] != 0:
        return None
    res = {"managed": bool(msg[5] & 0x80), "other": bool(msg[5] & 0x40),
           "lifetime": struct.unpack_from("!H", msg, 6)[0], "prefixes": []}
    i = 16
    while i < len(msg):
        if len(msg) - i < 2 or msg[i + 1] == 0 or msg[i + 1] * 8 > len(msg) - i:
            raise Malformed("bad RA option at %d" % i)
        otype, olen = msg[i], msg[i + 1] * 8
        if otype == 3:				# prefix information
            if olen != 32:
                raise Malformed("prefix option of %d bytes" % olen)
            plen, pflags = msg[i + 2], msg[i + 3]
            prefix = socket.inet_ntop(socket.AF_INET6, msg[i + 16:i + 32])
            res["prefixes"].append({"prefix": "%s/%d" % (prefix, plen),
                                    "onlink": bool(pflags & 0x80),
                                    "autonomous": bool(pflags & 0x40)})
        i += olen
    return res


def ra(ifname, timeout):
    ifindex = socket.if_nametoindex(ifname)
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    deadline = time.monotonic() + timeout
    next_rs = 0.0
    while True:
        now = time.monotonic()
        if now >= next_rs:
            # a Router Solicitation (the kernel fills in the checksum),
            # again every second: the router may not listen yet, and
            # until DAD is done the link may have no usable source
            try:
                s.sendto(bytes([133, 0, 0, 0, 0, 0, 0, 0]),
                         ("ff02::2", 0, 0, ifindex))
            except OSError:
                pass
            next_rs = now + 1.0
        left = min(deadline, next_rs) - now
        if now >= deadline:
            print("dhcp6q: no router advertisement on %s" % ifname,
                  file=sys.stderr)
            sys.exit(1)
        if not select.select([s], [], [], max(left, 0))[0]:
            continue
        data, peer = s.recvfrom(65535)
        try:
            res = parse_ra(data)
        except Malformed as e:
            print("dhcp6q: malformed RA from %s: %s" % (peer[0], e),
                  file=sys.stderr)
            sys.exit(2)
        if res is not None:
            res["router"] = peer[0]
            print(json.dumps(res, sort_keys=True))
            return


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--ra":
        ra(sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 5.0)
        return
    if len(sys.argv) < 2:
        sys.exit("usage: dhcp6q.py IFACE [TIMEOUT [TRIES]]")
    ifname = sys.argv[1]
    timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    tries = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    ifindex = socket.if_nametoindex(ifname)
    with open("/sys/class/net/%s/address" % ifname) as f:
        mac = bytes.fromhex(f.read().strip().replace(":", ""))
    duid = struct.pack("!HH", 3, 1) + mac		# DUID-LL, Ethernet
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
    s.bind(("::", 546))
    start = time.monotonic()
    for _ in range(max(tries, 1)):
        xid = os.urandom(3)
        elapsed = min(int((time.monotonic() - start) * 100), 0xffff)
        oro = struct.pack("!HHH", OPT_DNS, OPT_DOMAINS, OPT_AFTR)
        msg = (bytes([INFORMATION_REQUEST]) + xid
               + struct.pack("!HH", OPT_CLIENTID, len(duid)) + duid
               + struct.pack("!HH", OPT_ORO, len(oro)) + oro
               + struct.pack("!HHH", OPT_ELAPSED, 2, elapsed))
        s.sendto(msg, ("ff02::1:2", 547, 0, ifindex))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([s], [], [], left)[0]:
                break
            data, peer = s.recvfrom(65535)
            try:
                res = parse_reply(data, xid)
            except (Malformed, UnicodeDecodeError) as e:
                print("dhcp6q: malformed reply from %s: %s" % (peer[0], e),
                      file=sys.stderr)
                sys.exit(2)
            if res is not None:
                res["server"] = peer[0]
                print(json.dumps(res, sort_keys=True))
                return
    print("dhcp6q: no reply on %s" % ifname, file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main()
