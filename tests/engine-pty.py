#!/usr/bin/env python3
"""sockcat connect with stdout a terminal nobody reads (a pty whose
master is never read), against a peer that sends 1 MiB; prints "ok" and
exits 0 when the check passes, else says why and exits 1.

usage: engine-pty.py SOCKCAT CHECK
  upload  once the terminal is stalled, 100000 bytes go to sockcat's
          stdin: the peer must have them all within 3 s.
  idle    with -i 1 and stdin idle: sockcat must end, status 0, within
          3 s of its first write to the terminal.
Every wait is bounded; sockcat is killed at the end.
"""
import os
import pty
import select
import socket
import subprocess
import sys
import threading
import time

SOCKCAT, CHECK = sys.argv[1], sys.argv[2]


def fail(why):
    print("engine-pty.py: " + why)
    sys.exit(1)


def main(p, ls, m):
    ls.settimeout(10)
    conn, _ = ls.accept()
    conn.settimeout(10)

    def flood():
        try:
            conn.sendall(os.urandom(1 << 20))
        except OSError:
            pass
    threading.Thread(target=flood, daemon=True).start()
    # sockcat's first write to the terminal (never read from here on).
    r, _, _ = select.select([m], [], [], 10)
    if not r:
        fail("nothing reached the terminal")
    first = time.monotonic()
    if CHECK == "idle":
        try:
            st = p.wait(max(0.1, first + 3 - time.monotonic()))
        except subprocess.TimeoutExpired:
            fail("still running 3 s after the terminal stalled")
        if st != 0:
            fail("exited %d" % st)
        return
    # The terminal has been stalled a while: now type 100000 bytes.
    time.sleep(0.3)
    up = os.urandom(100000)

    def feed():
        try:
            p.stdin.write(up)
            p.stdin.flush()
        except OSError:
            pass
    threading.Thread(target=feed, daemon=True).start()
    start = time.monotonic()
    got = b""
    while len(got) < len(up) and time.monotonic() < start + 3:
        r, _, _ = select.select([conn], [], [], 0.05)
        if r:
            b = conn.recv(65536)
            if not b:
                break
            got += b
    if got != up:
        fail("the peer got %d of the 100000 stdin bytes in 3 s" % len(got))


m, s = pty.openpty()
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
extra = ["-i", "1"] if CHECK == "idle" else []
p = subprocess.Popen([SOCKCAT, "connect"] + extra +
                     ["127.0.0.1", str(ls.getsockname()[1])],
                     stdin=subprocess.PIPE, stdout=s)
os.close(s)
try:
    main(p, ls, m)
finally:
    if p.poll() is None:
        p.kill()
        p.wait(10)
print("ok")
