#!/usr/bin/env python3
"""A target (server) and clients for tests of sockcat forward.

usage: forward-peer.py serve PORTFILE MODE [LOG]
         MODE sha:   read to EOF, then answer "N SHA256" and close
              echo:  send back what comes, half-close at EOF
              reset: read a line, then reset the connection
              log:   read to EOF; LOG gets one line per connection,
                     "eof N" or "reset N"
       forward-peer.py many PORT N SIZE
         N clients at once, each sending SIZE random bytes of its own and
         half-closing; each must get back "SIZE SHA256" of what it sent.
       forward-peer.py rst PORT
         connect, send a line, reset the connection.
Every wait is bounded (10 s a socket operation).
"""
import hashlib
import os
import socket
import struct
import sys
import threading

TMO = 10


def serve(portfile, mode, log=None):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(1024)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    lock = threading.Lock()

    def one(c):
        c.settimeout(TMO)
        try:
            if mode == "reset":
                c.recv(100)
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack("ii", 1, 0))
                c.close()
                return
            m, n = hashlib.sha256(), 0
            while True:
                try:
                    b = c.recv(1 << 20)
                except ConnectionResetError:
                    with lock, open(log, "a") as f:
                        f.write("reset %d\n" % n)
                    return
                if not b:
                    break
                n += len(b)
                if mode == "echo":
                    c.sendall(b)
                else:
                    m.update(b)
            if mode == "sha":
                c.sendall(b"%d %s\n" % (n, m.hexdigest().encode()))
            elif mode == "log":
                with lock, open(log, "a") as f:
                    f.write("eof %d\n" % n)
            c.shutdown(socket.SHUT_WR)
            c.close()
        except OSError as e:
            print("target:", e, file=sys.stderr)
    while True:
        c, _ = s.accept()
        threading.Thread(target=one, args=(c,), daemon=True).start()


def many(port, n, size):
    errors = []
    barrier = threading.Barrier(n, timeout=TMO * 3)

    def one(i):
        try:
            data = os.urandom(size)
            s = socket.create_connection(("127.0.0.1", port), timeout=TMO)
            barrier.wait()
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            got = b""
            while True:
                b = s.recv(4096)
                if not b:
                    break
                got += b
            want = b"%d %s\n" % (size, hashlib.sha256(data).hexdigest().encode())
            if got != want:
                errors.append("client %d got %r" % (i, got))
            s.close()
        except (OSError, threading.BrokenBarrierError) as e:
            errors.append("client %d: %r" % (i, e))
    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(TMO * 6)
    if errors:
        print("%d of %d failed; first: %s" % (len(errors), n, errors[0]))
        sys.exit(1)
    print("%d clients ok" % n)


def rst(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=TMO)
    s.sendall(b"a line\n")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


if sys.argv[1] == "serve":
    serve(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
elif sys.argv[1] == "many":
    many(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
else:
    rst(int(sys.argv[2]))
