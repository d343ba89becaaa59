#!/usr/bin/env python3
"""A stand-in proxy for what no Debian package serves: SOCKS4a (dante
rejects it), an HTTP CONNECT proxy that sends its reply and the
target's first bytes in one write (to show that sockcat keeps bytes
that come right after a reply), and a SOCKS5 one that tells how it was
asked (no packaged SOCKS5 server logs a request's address type).  One
connection per run.

usage: proxy-stand-in.py --listen PORTFILE --mode socks4a|http|socks5
                         [--names FILE] [--resolve NAME=ADDR ...]
                         [--glue TEXT] [--interim]

The name a client asks for is appended to --names FILE (SOCKS4a: after
"user ID " when it sends a user id; SOCKS5: as
"name NAME", "ipv4 ADDR" or "ipv6 ADDR", by the request's type; HTTP:
as "connect AUTHORITY", the request's target as sent); --resolve maps
a name to an address (the stand-in's own "DNS"); --glue sends TEXT to
the client in the same write as the reply, before relaying; --interim
(http) sends two interim replies (100, then 102 with a header), each
its own write, before the final one.  Every wait is bounded (30 s).
"""
import argparse
import os
import select
import socket
import sys


def read_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            sys.exit("stand-in: client closed")
        b += c
    return b


def read_until(s, end):
    b = b""
    while not b.endswith(end):
        c = s.recv(1)
        if not c:
            sys.exit("stand-in: client closed")
        b += c
    return b


def relay(a, b):
    socks = [a, b]
    open_ = {a: True, b: True}
    while open_[a] or open_[b]:
        r, _, _ = select.select([x for x in socks if open_[x]], [], [], 30)
        if not r:
            return
        for x in r:
            y = b if x is a else a
            d = x.recv(65536)
            if d:
                y.sendall(d)
            else:
                open_[x] = False
                try:
                    y.shutdown(socket.SHUT_WR)
                except OSError:
                    pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--mode", required=True)
    ap.add_argument("--names")
    ap.add_argument("--resolve", action="append", default=[])
    ap.add_argument("--glue", default="")
    ap.add_argument("--interim", action="store_true")
    a = ap.parse_args()
    table = dict(x.split("=", 1) for x in a.resolve)

    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    ls.settimeout(30)
    with open(a.listen + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(a.listen + ".tmp", a.listen)
    c, _ = ls.accept()
    c.settimeout(30)

    if a.mode == "socks4a":
        head = read_exact(c, 8)
        port = head[2] << 8 | head[3]
        uid = read_until(c, b"\0")[:-1].decode()   # the user id
        if a.names and uid:
            with open(a.names, "a") as f:
                f.write("user " + uid + " ")
        if head[4:7] == b"\0\0\0" and head[7] != 0:
            name = read_until(c, b"\0")[:-1].decode()
        else:
            name = socket.inet_ntoa(head[4:8])
        reply = b"\0\x5a" + b"\0" * 6
    elif a.mode == "socks5":
        head = read_exact(c, 2)
        read_exact(c, head[1])                  # the methods
        c.sendall(b"\5\0")
        req = read_exact(c, 4)
        if req[3] == 1:
            name = socket.inet_ntop(socket.AF_INET, read_exact(c, 4))
            kind = "ipv4"
        elif req[3] == 4:
            name = socket.inet_ntop(socket.AF_INET6, read_exact(c, 16))
            kind = "ipv6"
        else:
            name = read_exact(c, read_exact(c, 1)[0]).decode()
            kind = "name"
        p = read_exact(c, 2)
        port = p[0] << 8 | p[1]
        reply = b"\5\0\0\1" + b"\0" * 6
        if a.names:
            with open(a.names, "a") as f:
                f.write(kind + " ")
    else:
        req = read_until(c, b"\r\n\r\n").decode()
        target = req.split()[1]
        name, port = target.rsplit(":", 1)
        port = int(port)
        reply = b"HTTP/1.1 200 Connection established\r\n\r\n"
        logged = "connect " + target    # as asked for, brackets and all
    if a.names:
        with open(a.names, "a") as f:
            f.write((logged if a.mode == "http" else name) + "\n")
    name = name.strip("[]")
    t = socket.create_connection((table.get(name, name), port), timeout=30)
    if a.interim:
        c.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        c.sendall(b"HTTP/1.1 102 Processing\r\nX-Note: wait\r\n\r\n")
    c.sendall(reply + a.glue.encode())
    relay(c, t)


main()
