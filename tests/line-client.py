#!/usr/bin/env python3
"""A client of one line: connect to 127.0.0.1 PORT, send LINE and a
newline, half-close with --shut, then print all that comes back until
the server's EOF.  Every wait is bounded (--timeout, 5 s by default).

usage: line-client.py PORT LINE [--shut] [--timeout SECS]
"""
import argparse
import socket
import sys

ap = argparse.ArgumentParser()
ap.add_argument("port", type=int)
ap.add_argument("line")
ap.add_argument("--shut", action="store_true")
ap.add_argument("--timeout", type=float, default=5)
a = ap.parse_args()
s = socket.create_connection(("127.0.0.1", a.port), timeout=a.timeout)
s.sendall(a.line.encode() + b"\n")
if a.shut:
    s.shutdown(socket.SHUT_WR)
got = b""
while True:
    d = s.recv(100)
    if not d:
        break
    got += d
sys.stdout.write(got.decode())
