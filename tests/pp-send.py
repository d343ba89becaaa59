#!/usr/bin/env python3
"""Send a PROXY protocol header, then PAYLOAD, to 127.0.0.1 PORT; print
what comes back until EOF (bounded: 10 s).  A stand-in for a load
balancer where haproxy is not needed: it can send headers haproxy never
would (malformed ones, UNKNOWN, TLVs, a header cut into two writes).

usage: pp-send.py PORT KIND PAYLOAD [--split]
KIND: v1-tcp4 v1-tcp6 v1-unknown v2-tcp4 v2-tcp6 v2-local none bad-v1
      bad-v2-version bad-v2-tlv
"""
import errno
import socket
import struct
import sys
import time

SIG = b"\r\n\r\n\0\r\nQUIT\n"


def v2(cmd, fam, body):
    return SIG + bytes([0x20 | cmd, fam]) + struct.pack("!H", len(body)) + body


def header(kind):
    a4 = socket.inet_aton("192.0.2.10") + socket.inet_aton("198.51.100.1")
    a6 = (socket.inet_pton(socket.AF_INET6, "2001:db8::7") +
          socket.inet_pton(socket.AF_INET6, "2001:db8::1"))
    tlv = b"\x04\x00\x03abc" + b"\x01\x00\x02h2"
    return {
        "v1-tcp4": b"PROXY TCP4 192.0.2.10 198.51.100.1 40000 443\r\n",
        "v1-tcp6": b"PROXY TCP6 2001:db8::7 2001:db8::1 40001 443\r\n",
        "v1-unknown": b"PROXY UNKNOWN\r\n",
        "v2-tcp4": v2(1, 0x11, a4 + struct.pack("!HH", 40002, 443) + tlv),
        "v2-tcp6": v2(1, 0x21, a6 + struct.pack("!HH", 40003, 443)),
        "v2-local": v2(0, 0x00, b""),
        "none": b"",
        "bad-v1": b"PROXY TCP4 192.0.2.10 nonsense 1 2\r\n",
        "bad-v2-version": SIG + bytes([0x11, 0x11]) + struct.pack("!H", 0),
        "bad-v2-tlv": v2(1, 0x11, a4 + struct.pack("!HH", 1, 2) + b"\x04\x00\x09ab"),
    }[kind]


def main():
    port, kind, payload = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    h = header(kind)
    # A client that serve drops (no header, a bad one, --deny) may be
    # gone before we are done: the unread bytes made its close a reset.
    try:
        if "--split" in sys.argv[4:] and len(h) > 8:
            s.sendall(h[:8])
            time.sleep(0.3)
            s.sendall(h[8:] + payload)
        else:
            s.sendall(h + payload)
        s.shutdown(socket.SHUT_WR)
    except OSError as e:
        if e.errno not in (errno.ENOTCONN, errno.ECONNRESET, errno.EPIPE):
            raise
    got = b""
    try:
        while True:
            b = s.recv(4096)
            if not b:
                break
            got += b
    except (ConnectionResetError, socket.timeout):
        pass
    sys.stdout.write(got.decode(errors="replace"))


main()
