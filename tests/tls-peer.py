#!/usr/bin/env python3
"""A TLS peer for the TLS tests, on python3's ssl module (OpenSSL).

usage: tls-peer.py (--listen PORTFILE | --connect PORT) [--host H]
                   [--cert F --key F] [--cafile F] [--servername N]
                   [--version 1.2|1.3] [--alpn P1,P2] [--seen FILE]
                   [--send FILE] [--end notify|truncate|hold]
                   [--recv FILE] [--reply-after-eof FILE] [--slow]

Gets one TLS connection (server with --listen: --cert and --key; client
with --connect: verifies against --cafile, or not at all without it),
writes what the handshake saw (SNI, ALPN, version, the peer's
certificate subject) to --seen, sends --send, then per --end: closes
with close_notify after reading to EOF (notify, the default), cuts the
TCP connection without close_notify at once (truncate), or holds it.
It reads until the other side's close_notify into --recv (RECV.done
when it came), then sends --reply-after-eof, then close_notify.  Every
wait is bounded.  With --end truncate and --recv, the rest of the
other side's bytes are still read over TLS after the TCP half-close.
--slow: a small receive buffer, and --recv takes 16 KiB at a time,
2 ms apart, so that the other side's socket is always full.
"""
import argparse
import json
import os
import socket
import ssl
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen")
    ap.add_argument("--connect", type=int)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--cafile")
    ap.add_argument("--servername")
    ap.add_argument("--version")
    ap.add_argument("--alpn")
    ap.add_argument("--seen")
    ap.add_argument("--send")
    ap.add_argument("--end", default="notify")
    ap.add_argument("--recv")
    ap.add_argument("--reply-after-eof")
    ap.add_argument("--slow", action="store_true")
    a = ap.parse_args()

    seen = {}
    if a.listen:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)

        def sni(sock, name, c):
            seen["sni"] = name
        ctx.sni_callback = sni
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if a.cafile:
            ctx.load_verify_locations(a.cafile)
        else:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if a.cert:
            ctx.load_cert_chain(a.cert, a.key)
    if a.version:
        v = ssl.TLSVersion.TLSv1_2 if a.version == "1.2" else \
            ssl.TLSVersion.TLSv1_3
        ctx.minimum_version = ctx.maximum_version = v
    if a.alpn:
        ctx.set_alpn_protocols(a.alpn.split(","))

    if a.listen:
        fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
        ls = socket.socket(fam, socket.SOCK_STREAM)
        if a.slow:
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        ls.bind((a.host, 0))
        ls.listen(4)
        ls.settimeout(30)
        with open(a.listen + ".tmp", "w") as f:
            f.write("%d\n" % ls.getsockname()[1])
        os.rename(a.listen + ".tmp", a.listen)
        raw, _ = ls.accept()
        ls.close()
        raw.settimeout(30)
        try:
            s = ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as e:
            seen["error"] = str(e)
            write_seen(a, seen)
            return
    else:
        raw = socket.socket(socket.AF_INET6 if ":" in a.host else
                            socket.AF_INET, socket.SOCK_STREAM)
        if a.slow:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        raw.settimeout(30)
        raw.connect((a.host, a.connect))
        s = ctx.wrap_socket(raw, server_hostname=a.servername or a.host)
    seen["alpn"] = s.selected_alpn_protocol()
    seen["version"] = s.version()
    cert = s.getpeercert()
    if cert:
        seen["peer"] = dict(x[0] for x in cert["subject"])["commonName"]
    write_seen(a, seen)

    if a.send:
        with open(a.send, "rb") as f:
            s.sendall(f.read())
    if a.end == "truncate":
        # The TCP connection half-closed with no close_notify; what
        # comes still read (over TLS with --recv), then a close, still
        # without one.
        plain = socket.socket(fileno=os.dup(s.fileno()))
        plain.shutdown(socket.SHUT_WR)
        if a.recv:
            with open(a.recv, "wb") as out:
                try:
                    while True:
                        b = s.recv(65536)
                        if not b:
                            break
                        out.write(b)
                except (ssl.SSLError, OSError):
                    pass
            open(a.recv + ".done", "w").close()
        else:
            while plain.recv(65536):
                pass
        plain.close()
        return
    if a.recv:
        with open(a.recv, "wb") as out:
            while True:
                try:
                    b = s.recv(16384 if a.slow else 65536)
                except ssl.SSLZeroReturnError:
                    b = b""
                if not b:
                    break
                out.write(b)
                if a.slow:
                    time.sleep(0.002)
        open(a.recv + ".done", "w").close()
    if a.reply_after_eof:
        with open(a.reply_after_eof, "rb") as f:
            s.sendall(f.read())
    if a.end == "hold":
        raw.settimeout(30)
        try:
            while s.recv(65536):
                pass
        except (ssl.SSLError, OSError):
            pass
    try:
        s.unwrap()
    except (ssl.SSLError, OSError):
        pass
    s.close()


def write_seen(a, seen):
    if a.seen:
        with open(a.seen + ".tmp", "w") as f:
            json.dump(seen, f)
        os.rename(a.seen + ".tmp", a.seen)


try:
    main()
except (socket.timeout, TimeoutError) as e:
    print("tls-peer.py: timed out: %s" % e, file=sys.stderr)
    sys.exit(3)
