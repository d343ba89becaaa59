#!/usr/bin/env python3
"""Peers, feeders and readers for tests/14-engine.bats.

usage: engine-peer.py MODE [options]

Where a peer gets its connection (stream modes):
  --listen PORTFILE   listen on 127.0.0.1 port 0, write the port to
                      PORTFILE, accept one connection
  --connect PORT      connect to 127.0.0.1 PORT
  --port-from LOG     wait for a sockcat -v "listening on ... port N"
                      line in LOG, then connect to that port
  --go FILE           create FILE once connected

Modes:
  sendclose --send FILE --mark FILE
      send FILE, close, write the time of the close (ns) to --mark.
  shutread --out FILE
      half-close at once, read until EOF into --out.
  shutafter --lines N --mark FILE --out FILE --after FILE
      read until N lines came (into --out), half-close, write the time
      (ns) to --mark, read on until EOF and write to --after how many
      bytes came after the half-close.
  flood --secs S
      send as fast as the other side takes for S seconds, then close.
  slowsink --out FILE
      read 50000 bytes every 10 ms (about 5 MB/s) and send a 6-byte ack
      every 50 ms while reading; at EOF write "BYTES SHA256" to --out.
      Exits 1 on a reset.
  count --out FILE [--started FILE]
      read until EOF; create --started at the first byte; write the
      byte count to --out.
  seqsend --unix PATH (--listen-unix | --connect-unix) --records N
          --size S --expect FILE [--sndbuf B]
      a SOCK_SEQPACKET peer that sends N records of S bytes, writes
      their concatenation to --expect, then closes.
  seqrecv --unix PATH --out FILE
      a SOCK_SEQPACKET server: read records (each whole: a truncated one
      is an error) until EOF into --out; "RECORDS" to --out.n.
  udprecv --portfile FILE --want N --out FILE
      a UDP receiver on 127.0.0.1: count bytes until N came (or 5 s with
      none); write "BYTES DATAGRAMS" to --out.
  sibling --wait FILE --bytes N
      wait until FILE exists, then write N bytes to stdout with
      blocking writes; exit 1 naming EAGAIN if one fails so.
  slowread --rate BYTES_PER_SEC [--out FILE] [--data FILE]
      read stdin at about that rate until EOF, into --data if given;
      write the count to --out.
Every wait is bounded.
"""
import argparse
import hashlib
import os
import random
import re
import socket
import sys
import time

TMO = 20
# Linux's values where python does not name them.
SO_SNDBUFFORCE = getattr(socket, "SO_SNDBUFFORCE", 32)
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)


def bounded_wait(pred, secs=TMO):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.01)
    return False


def write_file(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def stream(a):
    if a.listen:
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", 0))
        ls.listen(8)
        ls.settimeout(TMO)
        write_file(a.listen, "%d\n" % ls.getsockname()[1])
        s, _ = ls.accept()
        ls.close()
    else:
        port = a.connect
        if a.port_from:
            pat = re.compile(rb"listening on .* port ([0-9]+)")
            found = []

            def look():
                try:
                    with open(a.port_from, "rb") as f:
                        m = pat.search(f.read())
                except FileNotFoundError:
                    return False
                if m:
                    found.append(int(m.group(1)))
                return bool(m)
            if not bounded_wait(look):
                sys.exit("engine-peer.py: no listening line in " + a.port_from)
            port = found[0]
        s = socket.create_connection(("127.0.0.1", port), timeout=TMO)
    s.settimeout(TMO)
    if a.go:
        write_file(a.go, "")
    return s


def read_to_eof(s, out=None):
    n = 0
    while True:
        b = s.recv(1 << 20)
        if not b:
            return n
        n += len(b)
        if out is not None:
            out.write(b)


def sendclose(a):
    s = stream(a)
    with open(a.send, "rb") as f:
        s.sendall(f.read())
    s.close()
    write_file(a.mark, "%d\n" % time.time_ns())


def shutread(a):
    s = stream(a)
    s.shutdown(socket.SHUT_WR)
    with open(a.out, "wb") as out:
        read_to_eof(s, out)


def shutafter(a):
    s = stream(a)
    got = b""
    while got.count(b"\n") < a.lines:
        b = s.recv(65536)
        if not b:
            sys.exit("engine-peer.py: EOF after %r" % got)
        got += b
    s.shutdown(socket.SHUT_WR)
    write_file(a.mark, "%d\n" % time.time_ns())
    with open(a.out, "wb") as f:
        f.write(got)
    n = read_to_eof(s)
    write_file(a.after, "%d\n" % n)


def flood(a):
    s = stream(a)
    buf = b"f" * (1 << 20)
    end = time.monotonic() + a.secs
    s.settimeout(0.2)
    try:
        while time.monotonic() < end:
            try:
                s.send(buf)
            except socket.timeout:
                pass
    except OSError:
        pass    # the other side went away: the flood is over
    s.close()


def slowsink(a):
    s = stream(a)
    h = hashlib.sha256()
    n = 0
    last_ack = time.monotonic()
    try:
        while True:
            b = s.recv(50000)
            if not b:
                break
            h.update(b)
            n += len(b)
            if time.monotonic() - last_ack >= 0.05:
                s.sendall(b"ack %d\n" % (n % 10))
                last_ack = time.monotonic()
            time.sleep(0.01)
    except OSError as e:
        write_file(a.out, "%d %s\n" % (n, h.hexdigest()))
        sys.exit("engine-peer.py: %s after %d bytes" % (e, n))
    write_file(a.out, "%d %s\n" % (n, h.hexdigest()))
    s.close()


def count(a):
    s = stream(a)
    n = 0
    buf = bytearray(1 << 20)
    while True:
        k = s.recv_into(buf)
        if k == 0:
            break
        if n == 0 and a.started:
            write_file(a.started, "")
        n += k
    write_file(a.out, "%d\n" % n)


def records(n, size):
    r = random.Random(1)
    return [r.randbytes(size) for _ in range(n)]


def seqsend(a):
    recs = records(a.records, a.size)
    with open(a.expect, "wb") as f:
        f.write(b"".join(recs))
    if a.listen_unix:
        ls = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        ls.bind(a.unix)
        ls.listen(1)
        ls.settimeout(TMO)
        write_file(a.unix + ".ready", "")
        s, _ = ls.accept()
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(TMO)
        s.connect(a.unix)
    if a.sndbuf:
        big_sndbuf(s, a.sndbuf)
    s.settimeout(TMO)
    for rec in recs:
        if s.send(rec) != len(rec):
            sys.exit("engine-peer.py: a record went out short")
    # Close only once the other side half-closed or left, so that the
    # close does not race with its reading.
    try:
        while s.recv(1):
            pass
    except OSError:
        pass
    s.close()


def seqrecv(a):
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    ls.bind(a.unix)
    ls.listen(1)
    ls.settimeout(TMO)
    write_file(a.unix + ".ready", "")
    s, _ = ls.accept()
    s.settimeout(TMO)
    n = 0
    with open(a.out, "wb") as out:
        while True:
            b, _, flags, _ = s.recvmsg(1 << 22)
            if flags & socket.MSG_TRUNC:
                sys.exit("engine-peer.py: a record was truncated")
            if not b:
                break
            n += 1
            out.write(b)
    write_file(a.out + ".n", "%d\n" % n)


def udprecv(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    except PermissionError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind(("127.0.0.1", 0))
    write_file(a.portfile, "%d\n" % s.getsockname()[1])
    s.settimeout(TMO)
    total = ndg = 0
    try:
        while total < a.want:
            total += len(s.recv(70000))
            ndg += 1
            s.settimeout(5)
    except socket.timeout:
        pass
    write_file(a.out, "%d %d\n" % (total, ndg))


def sibling(a):
    if not bounded_wait(lambda: os.path.exists(a.wait)):
        sys.exit("engine-peer.py: %s never came" % a.wait)
    buf = b"s" * 65536
    left = a.bytes
    while left > 0:
        try:
            left -= os.write(1, buf[:min(left, len(buf))])
        except BlockingIOError as e:
            sys.exit("engine-peer.py: sibling write: EAGAIN: %s" % e)


def slowread(a):
    n = 0
    start = time.monotonic()
    data = open(a.data, "wb") if a.data else None
    while True:
        b = os.read(0, 65536)
        if not b:
            break
        n += len(b)
        if data:
            data.write(b)
        ahead = n / a.rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)
    if data:
        data.close()
    if a.out:
        write_file(a.out, "%d\n" % n)


def big_sndbuf(s, size):
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, size)
    except PermissionError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode")
    ap.add_argument("--listen")
    ap.add_argument("--connect", type=int)
    ap.add_argument("--port-from")
    ap.add_argument("--go")
    ap.add_argument("--data")
    ap.add_argument("--send")
    ap.add_argument("--mark")
    ap.add_argument("--out")
    ap.add_argument("--after")
    ap.add_argument("--lines", type=int, default=1)
    ap.add_argument("--secs", type=float, default=6)
    ap.add_argument("--started")
    ap.add_argument("--unix")
    ap.add_argument("--listen-unix", action="store_true")
    ap.add_argument("--connect-unix", action="store_true")
    ap.add_argument("--records", type=int)
    ap.add_argument("--size", type=int)
    ap.add_argument("--expect")
    ap.add_argument("--sndbuf", type=int)
    ap.add_argument("--portfile")
    ap.add_argument("--want", type=int)
    ap.add_argument("--wait")
    ap.add_argument("--bytes", type=int)
    ap.add_argument("--rate", type=float)
    a = ap.parse_args()
    modes = {"sendclose": sendclose, "shutread": shutread,
             "shutafter": shutafter, "flood": flood, "slowsink": slowsink,
             "count": count, "seqsend": seqsend, "seqrecv": seqrecv,
             "udprecv": udprecv, "sibling": sibling, "slowread": slowread}
    modes[a.mode](a)


try:
    main()
except (socket.timeout, TimeoutError) as e:
    print("engine-peer.py: timed out: %s" % e, file=sys.stderr)
    sys.exit(3)
