#!/usr/bin/env python3
"""tcpxfer.py - a TCP transfer with a checksum, for the lab (stdlib only).

  tcpxfer.py server ADDR PORT [SECONDS]
      accept one connection; print "from PEER bytes N sha256 HEX"
      (ADDR may be IPv4 or IPv6)
  tcpxfer.py client ADDR PORT NBYTES [SECONDS]
      send NBYTES of random data; print "sent N sha256 HEX SECONDS"
"""
import hashlib
import os
import socket
import sys
import time


def main(a):
    if a[0] == "server":
        secs = float(a[3]) if len(a) > 3 else 20
        fam = socket.AF_INET6 if ":" in a[1] else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a[1], int(a[2])))
        s.listen(1)
        s.settimeout(secs)
        c, peer = s.accept()
        c.settimeout(secs)
        h, n = hashlib.sha256(), 0
        while True:
            b = c.recv(65536)
            if not b:
                break
            h.update(b)
            n += len(b)
        print("from %s bytes %d sha256 %s" % (peer[0], n, h.hexdigest()),
              flush=True)
        return 0
    if a[0] == "client":
        n, secs = int(a[3]), float(a[4]) if len(a) > 4 else 20
        data = os.urandom(n)
        t0 = time.time()
        s = socket.create_connection((a[1], int(a[2])), timeout=secs)
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        s.recv(1)
        dt = time.time() - t0
        print("sent %d sha256 %s %.3f" % (n, hashlib.sha256(data).hexdigest(),
                                          dt), flush=True)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
