#!/usr/bin/env python3
"""serve -k --label --route with N clients connected: LINES stdin lines,
each labelled for the next client in turn, and the time until every
client has all of its own (lines a second); a python3 client per
socket, one process.  Not part of `make check`.

usage: routelines.py SOCKCAT N LINES
"""
import os
import resource
import selectors
import socket
import subprocess
import sys
import time

resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
S, N, L = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
srv = subprocess.Popen([S, "serve", "-v", "-k", "--label", "--route",
                        "127.0.0.1", "0"], stdin=subprocess.PIPE,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=False)
port = int(srv.stderr.readline().split(b"port ")[1])
cs = []
for i in range(N):
    c = socket.create_connection(("127.0.0.1", port))
    cs.append(c)
# labels: each client's local port, from -v lines
labels = [b"127.0.0.1 %d" % c.getsockname()[1] for c in cs]
n = 0
while n < N:
    if b"connection from" in srv.stderr.readline():
        n += 1
lines = b"".join(labels[i % N] + b"\tline %d\n" % i for i in range(L))
want = {}
for i in range(L):
    want[i % N] = want.get(i % N, 0) + len(b"line %d\n" % i)
sel = selectors.DefaultSelector()
for i, c in enumerate(cs):
    c.setblocking(False)
    sel.register(c, selectors.EVENT_READ, i)
got = [0] * N
t0 = time.perf_counter()
off = 0
os.set_blocking(srv.stdin.fileno(), False)
total = sum(want.values())
rcv = 0
end = time.monotonic() + 60
while rcv < total and time.monotonic() < end:
    if off < len(lines):
        try:
            off += os.write(srv.stdin.fileno(), lines[off:off + 65536])
        except BlockingIOError:
            pass
    for k, _ in sel.select(0.01):
        d = k.fileobj.recv(65536)
        got[k.data] += len(d)
        rcv += len(d)
dt = time.perf_counter() - t0
srv.kill(); srv.wait()
print("N=%d %d lines: %.0f lines/s %s" % (N, L, L / dt, "ok" if rcv == total else "INCOMPLETE %d/%d" % (rcv, total)))
