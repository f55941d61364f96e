#!/usr/bin/python3
"""tests/vm/vmsh.py PIPE [-t SECONDS] CMD... - run CMD in the VM lab's
shell and print its output; exit with its status.  The shell is
tests/vm/init on the VM's second serial port, which qemu connects to the
FIFOs PIPE.in and PIPE.out (-serial pipe:PIPE).  FIFOs rather than a
socket: qemu keeps them open, so nothing is lost between two commands.
`vmsh.py PIPE --wait-ready SECONDS` waits for the VM to answer at all."""
import os, re, select, sys, time

def run(path, cmd, timeout, quiet=False):
    deadline = time.time() + timeout
    rfd = os.open(path + ".out", os.O_RDONLY | os.O_NONBLOCK)
    wfd = os.open(path + ".in", os.O_WRONLY)
    try:
        tag = "__dstm_end_%d_%d" % (os.getpid(), int(time.time() * 1e6))
        # stdin from /dev/null: the command must not eat the next ones;
        # blank lines after it: the UART's receive FIFO holds its last
        # few bytes back until more arrive, so the padding waits there
        line = "( %s ) </dev/null; r=$?; echo; echo %s $r\n%s" % (
            cmd, tag, "\n" * 16)
        os.write(wfd, line.encode())
        pat = re.compile(("(?m)^%s ([0-9]+)\r?\n" % tag).encode())
        buf = b""
        while True:
            left = deadline - time.time()
            if left <= 0:
                if quiet:
                    return 124
                sys.stdout.write(buf.decode(errors="replace"))
                sys.stderr.write("vmsh: timeout after %.0fs: %s\n" %
                                 (timeout, cmd))
                return 124
            r, _, _ = select.select([rfd], [], [], left)
            if not r:
                continue
            try:
                d = os.read(rfd, 65536)
            except BlockingIOError:
                continue
            buf += d
            m = pat.search(buf)
            if m:
                # what came before our command (an earlier one that timed
                # out) is not ours
                start = buf.rfind(b"\n__dstm_end_", 0, m.start())
                out = buf[:m.start()]
                out = out.replace(b"\r\n", b"\n").decode(errors="replace")
                if out.endswith("\n"):
                    out = out[:-1]	# the echo before the tag
                sys.stdout.write(out)
                sys.stdout.flush()
                return int(m.group(1))
    finally:
        os.close(rfd)
        os.close(wfd)

def main():
    a = sys.argv[1:]
    if len(a) < 2:
        sys.exit("usage: vmsh.py PIPE [-t SECONDS] CMD...")
    path = a.pop(0)
    timeout = 30.0
    if a[0] == "--wait-ready":
        end = time.time() + float(a[1])
        while time.time() < end:
            # quiet: while the kernel boots, nothing answers
            if os.path.exists(path + ".in") and run(
                    path, "true", min(3, max(1, end - time.time())),
                    quiet=True) == 0:
                return 0
            time.sleep(0.2)
        return 1
    if a[0] == "-t":
        timeout = float(a[1])
        a = a[2:]
    # one line: the VM's init runs each line in its own sh
    return run(path, " ".join(a).replace("\n", " "), timeout)

sys.exit(main())
