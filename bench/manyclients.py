#!/usr/bin/env python3
"""The client driver of bench.py's many-client rows: one process holding
COUNT connections to 127.0.0.1:PORT with epoll, driven by bench.py over
its stdin and stdout (bench.py runs several of them, so that no process
needs more descriptors than its hard limit allows, and reads their
reports).

usage: manyclients.py MODE PORT COUNT FIRST SIZE [SECS]

  crowd   every client sends the 64-byte line line(FIRST+i) as soon as
          it is connected, then reads a SIZE-byte broadcast (PATTERN)
  idle    every client connects and holds, never sending
  upload  every client sends SIZE bytes as soon as it is connected,
          half-closes, and waits for the server to close
  send    one client sends SIZE bytes of zeros (or what SECS seconds
          allow), half-closes and waits for the server to close

It prints "ready" and waits for a "go" line, then reports (each line
with CLOCK_MONOTONIC seconds and the process's CPU seconds so far
last):
  crowd:  "sent OK FAILED" once every line is sent,
          "got OK BAD" once every client has its broadcast
  idle:   "connected OK FAILED"
  upload: "sent OK FAILED" once every byte is sent,
          "done CLEAN RESET" once every client is closed
  send:   "sent BYTES SECS"
and at its stdin's EOF (but send) "end CLOSED" (CLOSED: clients the server
closed or reset while they were held), then exits.
"""
import errno
import os
import resource
import select
import socket
import sys
import time

PATTERN = b"0123456789abcdefghijklmnopqrstuvwxyz" * 1000


def line(i):
    """64 bytes, newline last, that say which client sent them."""
    return (b"client %07d " % i).ljust(63, b"x") + b"\n"


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return "%.3f" % (r.ru_utime + r.ru_stime)


def say(*words):
    sys.stdout.write(" ".join(str(w) for w in words) + "\n")
    sys.stdout.flush()


def report(*words):
    """A report line, CLOCK_MONOTONIC time and CPU seconds last."""
    say(*words, "%.6f" % time.monotonic(), cpu())


def send_one(port, size, secs):
    s = socket.create_connection(("127.0.0.1", port), timeout=secs + 60)
    chunk = memoryview(bytes(1 << 20))
    sent = 0
    t0 = time.perf_counter()
    end = t0 + secs
    while sent < size and time.perf_counter() < end:
        n = min(len(chunk), size - sent)
        s.sendall(chunk[:n])
        sent += n
    s.shutdown(socket.SHUT_WR)
    while s.recv(1 << 16):
        pass
    report("sent", sent, "%.6f" % (time.perf_counter() - t0))
    s.close()


def main():
    mode, port, count, first, size = sys.argv[1], int(sys.argv[2]), \
        int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    say("ready")
    if sys.stdin.readline().strip() != "go":
        return
    if mode == "send":
        send_one(port, size, float(sys.argv[6]))
        sys.stdin.read()
        return
    ep = select.epoll()
    ep.register(0, select.EPOLLIN)
    socks = {}      # fd: [socket, index, bytes moved, state]
    payload = PATTERN[:size] if mode == "crowd" else b"u" * size
    for i in range(count):
        s = socket.socket()
        s.setblocking(False)
        e = s.connect_ex(("127.0.0.1", port))
        if e not in (0, errno.EINPROGRESS):
            raise OSError(e, "connect: " + os.strerror(e))
        socks[s.fileno()] = [s, first + i, 0, "connecting"]
        ep.register(s.fileno(), select.EPOLLOUT)
    ok = failed = clean = reset = closed = got = bad = sent = 0
    reported = set()
    bufs = {}
    while True:
        for fd, ev in ep.poll():
            if fd == 0:
                if not os.read(0, 4096):
                    report("end", closed)
                    return
                continue
            c = socks[fd]
            s = c[0]
            if c[3] == "connecting":
                e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if e:
                    failed += 1
                    c[3] = "failed"
                    ep.unregister(fd)
                    continue
                ok += 1
                c[3] = "sending"
                if mode == "idle":
                    c[3] = "held"
                    ep.modify(fd, select.EPOLLIN)
                elif mode == "crowd":
                    s.send(line(c[1]))      # 64 bytes: always whole
                    c[3] = "reading"
                    sent += 1
                    bufs[fd] = b""
                    ep.modify(fd, select.EPOLLIN)
            if c[3] == "sending":
                try:
                    c[2] += s.send(payload[c[2]:c[2] + (1 << 20)])
                except BlockingIOError:
                    pass
                except OSError:
                    c[3] = "failed"
                    failed += 1
                    ep.unregister(fd)
                    continue
                if c[2] == size:
                    s.shutdown(socket.SHUT_WR)
                    sent += 1
                    c[3] = "waiting"
                    ep.modify(fd, select.EPOLLIN)
            elif ev & (select.EPOLLIN | select.EPOLLERR | select.EPOLLHUP):
                try:
                    b = s.recv(1 << 16)
                except BlockingIOError:
                    continue
                except OSError:
                    b = None
                if mode == "crowd" and b:
                    bufs[fd] += b
                    if c[3] == "reading" and len(bufs[fd]) >= size:
                        if bufs[fd] == payload:
                            got += 1
                        else:
                            bad += 1
                        c[3] = "got"
                    continue
                if b:       # nothing is sent to uploaders or idlers
                    continue
                ep.unregister(fd)
                if mode == "upload" and c[3] == "waiting":
                    if b is None:
                        reset += 1
                    else:
                        clean += 1
                    c[3] = "done"
                else:
                    closed += 1
                    if mode == "crowd" and c[3] == "reading":
                        bad += 1
                    c[3] = "closed"
        if "sent" not in reported and mode in ("crowd", "upload") and \
                sent + failed == count:
            reported.add("sent")
            report("sent", sent, failed)
        if "connected" not in reported and mode == "idle" and \
                ok + failed == count:
            reported.add("connected")
            report("connected", ok, failed)
        if "got" not in reported and mode == "crowd" and \
                got + bad + failed == count:
            reported.add("got")
            report("got", got, bad + failed)
        if "done" not in reported and mode == "upload" and \
                clean + reset + failed == count:
            reported.add("done")
            report("done", clean, reset + failed)


if __name__ == "__main__":
    try:
        main()
    except (BrokenPipeError, KeyboardInterrupt):
        pass
