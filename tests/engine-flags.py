#!/usr/bin/env python3
"""Check that sockcat leaves the file status flags of its stdin and
stdout as they were; prints "ok" and exits 0 when it does, else says
why and exits 1.

usage: engine-flags.py SOCKCAT CHECK PORT
  killed  stdin and stdout are pipes this script holds open too; once
          sockcat relays (the peer's bytes came out), it is killed with
          SIGKILL; neither pipe may then be O_NONBLOCK.
  shared  stdin and stdout are one socketpair end (one open file
          description); this script sends "up-data" and half-closes;
          sockcat must exit 0, the description must not be O_NONBLOCK,
          and the peer's bytes must have come out on it.
PORT is a peer (tests/peer.py --listen) on 127.0.0.1.  Every wait is
bounded.
"""
import fcntl
import os
import select
import signal
import socket
import subprocess
import sys
import time

SOCKCAT, CHECK, PORT = sys.argv[1], sys.argv[2], sys.argv[3]


def fail(why):
    print("engine-flags.py: " + why)
    sys.exit(1)


def nonblock(fd):
    return bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK)


def killed():
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    p = subprocess.Popen([SOCKCAT, "connect", "127.0.0.1", PORT],
                         stdin=in_r, stdout=out_w)
    # The peer's first bytes on stdout: the relay runs.
    r, _, _ = select.select([out_r], [], [], 10)
    if not r:
        p.kill()
        fail("nothing came out on stdout")
    os.read(out_r, 65536)
    p.send_signal(signal.SIGKILL)
    p.wait(10)
    bad = [name for name, fd in (("stdin", in_r), ("stdout", out_w))
           if nonblock(fd)]
    if bad:
        fail("O_NONBLOCK left set on " + " and ".join(bad) +
             " after SIGKILL")


def shared():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    if nonblock(b.fileno()):
        fail("the socketpair starts non-blocking")
    p = subprocess.Popen([SOCKCAT, "connect", "127.0.0.1", PORT],
                         stdin=b.fileno(), stdout=b.fileno())
    a.sendall(b"up-data\n")
    a.shutdown(socket.SHUT_WR)
    try:
        st = p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        fail("sockcat did not end")
    if st != 0:
        fail("sockcat exited %d" % st)
    if nonblock(b.fileno()):
        fail("O_NONBLOCK left set on the stdin/stdout description")
    a.settimeout(10)
    got = b""
    want = sys.stdin.buffer.read()
    end = time.monotonic() + 10
    while len(got) < len(want) and time.monotonic() < end:
        got += a.recv(65536)
    if got != want:
        fail("stdout got %d bytes, not the peer's %d" % (len(got), len(want)))


{"killed": killed, "shared": shared}[CHECK]()
print("ok")
