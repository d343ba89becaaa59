#!/usr/bin/env python3
"""Drive `sockcat serve -k` with many clients at once and check what it
does; exits 0 when the check passes, else prints why and exits 1.

usage: many.py SOCKCAT CHECK
  interleave  4 clients stream at once; every write to stdout holds one
              client's bytes (stdout is a SOCK_SEQPACKET socket, one
              message a write), and each client's stream arrives whole
              and in order.
  crowd N     N clients connect at once, each sends a line and holds;
              every line must reach stdout.
Every wait is bounded.
"""
import os
import socket
import subprocess
import sys
import threading
import time

SOCKCAT = sys.argv[1]
ALPHA = ["abcdefghij", "klmnopqrst", "ABCDEFGHIJ", "KLMNOPQRST"]
END = ["u", "v", "U", "V"]     # each client's own line end


def encode(i, n):
    # Client i's stream: counting lines in an alphabet of its own.
    return "".join("".join(ALPHA[i][int(d)] for d in str(k)) + END[i]
                   for k in range(n)).encode()


def start(extra, stdout):
    p = subprocess.Popen([SOCKCAT, "serve", "-k", "-v"] + extra +
                         ["127.0.0.1", "0"], stdout=stdout,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    line = p.stderr.readline().decode()
    if "listening on" not in line:
        fail("no listening line: %r" % line)
    return p, int(line.split()[-1])


def fail(why):
    print("many.py: " + why)
    sys.exit(1)


def interleave():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    p, port = start([], b)
    b.close()
    streams = [encode(i, 40000) for i in range(4)]

    def send(i):
        s = socket.create_connection(("127.0.0.1", port), timeout=20)
        view = memoryview(streams[i])
        for off in range(0, len(view), 1000):
            s.sendall(view[off:off + 1000])
        s.shutdown(socket.SHUT_WR)
        s.recv(1)
        s.close()

    ts = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for t in ts:
        t.start()
    got = [bytearray() for _ in range(4)]
    want = sum(len(x) for x in streams)
    total = 0
    a.settimeout(20)
    while total < want:
        m = a.recv(1 << 20)
        owner = [i for i in range(4)
                 if m[0:1].decode() in ALPHA[i] + END[i]]
        if len(owner) != 1:
            fail("unknown bytes %r" % m[:20])
        i = owner[0]
        allowed = set((ALPHA[i] + END[i]).encode())
        if not set(m) <= allowed:
            fail("a write mixes clients: %r" % m[:80])
        got[i] += m
        total += len(m)
    for t in ts:
        t.join(20)
    p.terminate()
    p.wait(10)
    for i in range(4):
        if bytes(got[i]) != streams[i]:
            fail("client %d's stream is not whole and in order" % i)


def crowd(n):
    r, w = os.pipe()
    p, port = start([], w)
    os.close(w)
    socks = []
    for i in range(n):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        socks.append(s)
    for i, s in enumerate(socks):
        s.setblocking(True)
        s.settimeout(20)
        s.sendall(b"line %d\n" % i)
    want = set(b"line %d" % i for i in range(n))
    buf = b""
    deadline = time.time() + 20
    os.set_blocking(r, False)
    while want and time.time() < deadline:
        try:
            chunk = os.read(r, 65536)
        except BlockingIOError:
            time.sleep(0.01)
            continue
        buf += chunk
        *lines, buf = buf.split(b"\n")
        for line in lines:
            want.discard(line)
    p.terminate()
    p.wait(10)
    if want:
        fail("%d of %d lines never came" % (len(want), n))


if sys.argv[2] == "interleave":
    interleave()
elif sys.argv[2] == "crowd":
    crowd(int(sys.argv[3]))
else:
    fail("unknown check " + sys.argv[2])
print("ok")
