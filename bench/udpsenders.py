#!/usr/bin/env python3
"""forward -u with many senders known at once: the time a datagram takes
through `sockcat forward -u` to a python3 UDP echo and back, first with
200 senders, then with 8000 more, then 200 new ones with all 8200 still
known (-i's default 60 s keeps them).  Each sender is a socket of its
own; they go 64 at a time, each waiting (bounded) for its echo.  Not
part of `make check`.

usage: udpsenders.py SOCKCAT [SOCKCAT ...]   (builds interleaved)
"""
import os
import select
import socket
import subprocess
import sys
import time



def echo():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("127.0.0.1", 0))
    return s


def serve_echo(s):
    while True:
        d, a = s.recvfrom(65536)
        s.sendto(d, a)


def one_round(port, cs):
    t0 = time.perf_counter()
    for i in range(0, len(cs), 64):
        w = cs[i:i + 64]
        for c in w:
            c.sendto(b"x" * 32, ("127.0.0.1", port))
        for c in w:
            p = select.poll()
            p.register(c, select.POLLIN)
            if not p.poll(5000):
                raise SystemExit("a datagram lost")
            c.recv(100)
    return (time.perf_counter() - t0) / len(cs) * 1e6


def senders(n):
    cs = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(n)]
    for c in cs:
        c.setblocking(False)
    return cs


def run(sockcat):
    es = echo()
    pid = os.fork()
    if pid == 0:
        serve_echo(es)
    fw = subprocess.Popen([sockcat, "forward", "-v", "-u", "127.0.0.1:0",
                           "127.0.0.1:%d" % es.getsockname()[1]],
                          stderr=subprocess.PIPE, text=True)
    line = fw.stderr.readline()
    port = int(line.split("port ")[1])
    out = []
    try:
        for n, rounds in ((200, 5), (8000, 3), (200, 5)):
            cs = senders(n)
            one_round(port, cs)          # each sender known from here on
            out.append(min(one_round(port, cs) for _ in range(rounds)))
    finally:
        fw.kill()
        fw.wait()
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    return out


def main():
    import resource
    resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
    for _ in range(2):
        for s in sys.argv[1:]:
            r = run(s)
            print("%s: 200 known %.1f us, 8200 known %.1f us, 200 more "
                  "with 8400 known %.1f us a datagram" % ((s,) + tuple(r)),
                  flush=True)


if __name__ == "__main__":
    main()
