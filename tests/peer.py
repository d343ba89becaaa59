#!/usr/bin/env python3
"""A scriptable TCP or unix-socket peer for the relay tests.

usage: peer.py (--listen PORTFILE | --connect PORT | --unix-connect PATH)
               [--host H] [--send FILE] [--after-send hold|shut|close|reset]
               [--recv FILE] [--reply-after-eof FILE] [--slow]
               [--hold-secs S] [--mark FILE] [--wait-file FILE]
               [--read-delay S]

Sequence: get a connection; send FILE; wait until --wait-file is not
empty; then per --after-send: keep the
connection as it is (hold), half-close it (shut), close it (close), or
reset it (reset), and create --mark FILE.  Unless it closed, read until EOF into --recv (creating
RECV.done when EOF came), after --read-delay seconds; then send --reply-after-eof and close; with
hold, wait --hold-secs (default 30) before closing.  --listen writes the
port to PORTFILE once listening.  Every wait is bounded.
"""
import argparse
import os
import socket
import struct
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen")
    ap.add_argument("--connect", type=int)
    ap.add_argument("--unix-connect")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--send")
    ap.add_argument("--after-send", default="shut")
    ap.add_argument("--recv")
    ap.add_argument("--reply-after-eof")
    ap.add_argument("--slow", action="store_true")
    ap.add_argument("--hold-secs", type=float, default=30)
    ap.add_argument("--mark")
    ap.add_argument("--wait-file")
    ap.add_argument("--read-delay", type=float, default=0)
    a = ap.parse_args()

    if a.listen:
        fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
        ls = socket.socket(fam, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((a.host, 0))
        ls.listen(8)
        ls.settimeout(30)
        with open(a.listen + ".tmp", "w") as f:
            f.write("%d\n" % ls.getsockname()[1])
        os.rename(a.listen + ".tmp", a.listen)
        s, _ = ls.accept()
        ls.close()
    elif a.unix_connect:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        s.connect(a.unix_connect)
    else:
        s = socket.create_connection((a.host, a.connect), timeout=30)
    s.settimeout(30)

    if a.send:
        with open(a.send, "rb") as f:
            s.sendall(f.read())
    if a.wait_file:
        # Until the other side shows it got what was sent (bounded).
        for _ in range(1500):
            if os.path.exists(a.wait_file) and os.path.getsize(a.wait_file):
                break
            time.sleep(0.02)
    if a.after_send == "reset":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
        s.close()
        return
    if a.after_send == "close":
        s.close()
        return
    if a.after_send == "shut":
        s.shutdown(socket.SHUT_WR)
    if a.mark:
        open(a.mark, "w").close()

    if a.recv:
        time.sleep(a.read_delay)
        with open(a.recv, "wb") as out:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                out.write(b)
                if a.slow:
                    out.flush()
                    time.sleep(0.01)
        open(a.recv + ".done", "w").close()
    if a.reply_after_eof:
        with open(a.reply_after_eof, "rb") as f:
            s.sendall(f.read())
        s.shutdown(socket.SHUT_WR)
    if a.after_send == "hold":
        time.sleep(a.hold_secs)
    s.close()


try:
    main()
except (socket.timeout, TimeoutError) as e:
    print("peer.py: timed out: %s" % e, file=sys.stderr)
    sys.exit(3)
