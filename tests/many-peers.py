#!/usr/bin/env python3
"""Drive sockcat's many-peer arrangements (--broker, --label, --route)
with many clients at once and check what each side gets; exits 0 when
the check passes, else prints why and exits 1.

usage: many-peers.py SOCKCAT DIR CHECK
  broker   serve -k --broker --label, three clients (two python3, one
           `sockcat connect`): each gets the other two's lines, labelled,
           and never its own; stdout gets all three.
  slow     serve -k --broker, three clients: one never reads; it is
           dropped after 5 s while the other two go on, and the reader
           gets all of the writer's 24 MiB.
  label    serve -k --label, 50 clients each writing 200 lines of random
           lengths (a few up to 100 kB) at once, the last without a
           newline: every stdout line whole, with its client's label,
           each client's lines in order.
  route    serve -k --label --route, three clients: a line to one, a
           line to all (*), a line to nobody, a line without a label,
           a line to a client that has gone.
  route-many  serve -k --label --route, 300 clients: three lines for
           each, the clients taken in reverse order: each gets its own.
  udp      udp-listen --label --route, two senders: their datagrams
           labelled (inner newlines kept, a newline added), replies
           routed to one and to both.
DIR holds the server's stdout and stderr (srv.out, srv.err).  Every wait
is bounded.
"""
import os
import random
import socket
import subprocess
import sys
import threading
import time

SOCKCAT, DIR, CHECK = sys.argv[1], sys.argv[2], sys.argv[3]
TMO = float(os.environ.get("SOCKCAT_TEST_TIMEOUT", "10"))
procs = []


def fail(why):
    print("many-peers.py %s: %s" % (CHECK, why))
    for p in procs:
        p.kill()
    sys.exit(1)


def path(name):
    return os.path.join(DIR, name)


def wait_until(what, cond, tmo=TMO):
    end = time.monotonic() + tmo
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.02)
    fail("timed out waiting for " + what)


def errlines():
    with open(path("srv.err"), "rb") as f:
        return f.read().decode(errors="replace").splitlines()


def start(args, stdin=subprocess.DEVNULL):
    """sockcat ARGS -v in the background; its port from the -v line."""
    out = open(path("srv.out"), "wb")
    err = open(path("srv.err"), "wb")
    p = subprocess.Popen([SOCKCAT] + args, stdin=stdin, stdout=out,
                         stderr=err)
    procs.append(p)
    port = []

    def listening():
        for line in errlines():
            if "listening on" in line:
                port.append(int(line.split()[-1]))
                return True
        return False
    wait_until("the listening line", listening)
    return p, port[0]


def stop(p):
    p.terminate()
    try:
        p.wait(TMO)
    except subprocess.TimeoutExpired:
        fail("the server did not end at SIGTERM")


def label(sock):
    host, port = sock.getsockname()[:2]
    return "%s %d" % (host, port)


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=TMO)
    return s


def recv_lines(s, n, tmo=TMO):
    """n lines from s (bounded), as a list of str."""
    buf = b""
    end = time.monotonic() + tmo
    while buf.count(b"\n") < n:
        left = end - time.monotonic()
        if left <= 0:
            fail("wanted %d lines, got %r" % (n, buf))
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            fail("EOF after %r" % buf)
        buf += chunk
    return buf.decode().splitlines()


def check_broker():
    p, port = start(["serve", "-k", "-v", "--broker", "--label",
                     "127.0.0.1", "0"])
    a, b = connect(port), connect(port)
    c = subprocess.Popen([SOCKCAT, "connect", "-v", "127.0.0.1", str(port)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    procs.append(c)
    wait_until("three clients", lambda: sum(
        "connection from" in l for l in errlines()) == 3)
    names = [l.split("connection from ")[1].replace(" port ", " ")
             for l in errlines() if "connection from" in l]
    la, lb = label(a), label(b)
    lc = [n for n in names if n not in (la, lb)]
    if len(lc) != 1:
        fail("clients %r, not a, b and one more" % names)
    lc = lc[0]
    a.sendall(b"from a\n")
    b.sendall(b"from b\n")
    c.stdin.write(b"from c\n")
    c.stdin.flush()
    got_a = recv_lines(a, 2)
    got_b = recv_lines(b, 2)
    got_c = []
    end = time.monotonic() + TMO
    while len(got_c) < 2 and time.monotonic() < end:
        got_c.append(c.stdout.readline().decode().rstrip("\n"))
    want = {la: "from a", lb: "from b", lc: "from c"}
    for who, got in (("a", got_a), ("b", got_b), ("c", got_c)):
        own = {"a": la, "b": lb, "c": lc}[who]
        exp = sorted("%s\t%s" % (k, v) for k, v in want.items() if k != own)
        if sorted(got) != exp:
            fail("client %s got %r, wanted %r" % (who, got, exp))
    # Everything is read: an echo of a client's own line would be queued
    # before this last line.
    a.sendall(b"end\n")
    if recv_lines(b, 1) != ["%s\tend" % la]:
        fail("b: not the end line")
    if c.stdout.readline().decode() != "%s\tend\n" % la:
        fail("c: not the end line")
    a.settimeout(0.3)
    try:
        extra = a.recv(100)
        fail("a got %r: its own line back" % extra)
    except socket.timeout:
        pass
    # A broker half-closes nobody at its stdin's end: the room stays
    # open, so the sockcat client is ended here.
    c.stdin.close()
    c.terminate()
    c.wait(TMO)
    a.close()
    b.close()
    wait_until("three lines on stdout", lambda: open(
        path("srv.out"), "rb").read().count(b"\n") == 4)
    stop(p)
    out = sorted(open(path("srv.out")).read().splitlines())
    exp = sorted(["%s\t%s" % kv for kv in want.items()] + ["%s\tend" % la])
    if out != exp:
        fail("stdout %r, wanted %r" % (out, exp))


def check_slow():
    p, port = start(["serve", "-k", "-v", "--broker", "127.0.0.1", "0"])
    w, r, idle = connect(port), connect(port), connect(port)
    # The idle one takes as little as the kernel lets it.
    idle.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    wait_until("three clients", lambda: sum(
        "connection from" in l for l in errlines()) == 3)
    total = 24 << 20
    data = os.urandom(1 << 20)
    got = [0]

    def reader():
        r.settimeout(TMO)
        while got[0] < total:
            chunk = r.recv(1 << 20)
            if not chunk:
                return
            got[0] += len(chunk)
    t = threading.Thread(target=reader)
    t.start()
    w.settimeout(TMO)
    started = time.monotonic()
    for _ in range(total >> 20):
        w.sendall(data)
    t.join(TMO)
    if got[0] != total:
        fail("the reader got %d bytes of %d" % (got[0], total))
    took = time.monotonic() - started
    drop = [l for l in errlines() if "dropped" in l]
    if len(drop) != 1 or label(idle).replace(" ", " port ") not in drop[0]:
        fail("not the idle client dropped: %r" % drop)
    if "it read nothing for 5 seconds" not in drop[0]:
        fail("drop line %r" % drop[0])
    if took < 4.5:
        fail("done in %.1f s: the idle one was dropped too early" % took)
    for s in (w, r, idle):
        s.close()
    stop(p)


def check_label():
    nclients, nlines = 50, 200
    p, port = start(["serve", "-k", "-v", "--label", "127.0.0.1", "0"])
    rnd = random.Random(17)
    plans = []
    for i in range(nclients):
        lines = []
        for k in range(nlines):
            n = rnd.randint(100, 100000) if rnd.random() < 0.02 else \
                rnd.randint(20, 300)
            head = "c%d s%d L%d " % (i, k, n)
            lines.append((head + "x" * (n - len(head))).encode())
        plans.append(lines)
    socks = [connect(port) for _ in range(nclients)]
    labels = [label(s) for s in socks]
    errors = []

    def send(i):
        try:
            body = b"\n".join(plans[i])     # the last has no newline
            s = socks[i]
            # In pieces that cut lines anywhere.
            off = 0
            r = random.Random(i)
            while off < len(body):
                n = r.randint(1, 70000)
                s.sendall(body[off:off + n])
                off += n
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            errors.append(e)
    ts = [threading.Thread(target=send, args=(i,)) for i in range(nclients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(TMO * 3)
    if errors:
        fail("sending: %r" % errors[0])
    wait_until("every client's end", lambda: sum(
        "disconnected" in l for l in errlines()) == nclients, TMO * 3)
    stop(p)
    for s in socks:
        s.close()
    with open(path("srv.out"), "rb") as f:
        out = f.read()
    if not out.endswith(b"\n"):
        fail("stdout does not end with a newline")
    seen = [0] * nclients
    for n, line in enumerate(out[:-1].split(b"\n")):
        lab, tab, rest = line.partition(b"\t")
        if not tab:
            fail("line %d has no label: %r" % (n, line[:80]))
        head = rest.split(b" ", 3)
        try:
            i, k, ln = int(head[0][1:]), int(head[1][1:]), int(head[2][1:])
        except (ValueError, IndexError):
            fail("line %d is not a whole line: %r" % (n, line[:80]))
        if lab.decode() != labels[i]:
            fail("line %d of client %d labelled %r" % (n, i, lab))
        if k != seen[i]:
            fail("client %d: line %d where %d was due" % (i, k, seen[i]))
        if rest != plans[i][k] or len(rest) != ln:
            fail("client %d line %d cut or changed" % (i, k))
        seen[i] += 1
    if seen != [nlines] * nclients:
        fail("lines per client %r" % seen)


def route_clients(n):
    """serve -k --label --route with n clients in: the server, the write
    end of its stdin, the clients' sockets and their labels."""
    rfd, wfd = os.pipe()
    p, port = start(["serve", "-k", "-v", "--label", "--route",
                     "127.0.0.1", "0"], stdin=rfd)
    os.close(rfd)
    socks = [connect(port) for _ in range(n)]
    wait_until("%d clients" % n, lambda: sum(
        "connection from" in l for l in errlines()) == n)
    return p, wfd, socks, [label(s) for s in socks]


def check_route():
    p, wfd, socks, labels = route_clients(3)
    os.write(wfd, ("%s\tto one\n*\tto all\n192.0.2.1 9\tto nobody\n"
                   "no label\n%s\tto two\n" % (labels[1], labels[2])).encode())
    got = [recv_lines(s, n) for s, n in zip(socks, (1, 2, 2))]
    if got != [["to all"], ["to one", "to all"], ["to all", "to two"]]:
        fail("the clients got %r" % got)
    wait_until("the unrouted lines", lambda: [l for l in errlines()
               if "route:" in l] == [
        "sockcat: route: no peer 192.0.2.1 9; line dropped",
        "sockcat: route: a line without a label; dropped"])
    # A client that has gone: once it is known to be gone (a write to it
    # came back refused), its lines are told and dropped.
    socks[2].close()
    gone = labels[2].replace(" ", " port ")
    os.write(wfd, ("%s\tinto the void\n" % labels[2]).encode())
    wait_until("the gone client's end", lambda: any(
        "disconnected " + gone in l for l in errlines()))
    os.write(wfd, ("%s\ttoo late\n%s\tstill here\n" %
                   (labels[2], labels[0])).encode())
    if recv_lines(socks[0], 1) != ["still here"]:
        fail("client 0 did not get its line")
    wait_until("the line for the gone client told", lambda: any(
        l == "sockcat: route: no peer %s; line dropped" % labels[2]
        for l in errlines()))
    os.close(wfd)
    stop(p)


def check_route_many():
    p, wfd, socks, labels = route_clients(300)
    # Each client's three lines, the clients in reverse order of arrival.
    os.write(wfd, "".join("%s\tline %d of %d\n" % (labels[i], n, i)
                          for n in range(3)
                          for i in reversed(range(300))).encode())
    for i, s in enumerate(socks):
        got = recv_lines(s, 3)
        if got != ["line %d of %d" % (n, i) for n in range(3)]:
            fail("client %d got %r" % (i, got))
    os.close(wfd)
    stop(p)


def check_udp():
    rfd, wfd = os.pipe()
    p, port = start(["udp-listen", "-v", "--label", "--route",
                     "127.0.0.1", "0"], stdin=rfd)
    os.close(rfd)
    cs = []
    for i in range(2):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.settimeout(TMO)
        cs.append(s)
    labels = [label(s) for s in cs]
    cs[0].sendto(b"one", ("127.0.0.1", port))
    cs[1].sendto(b"two\nlines\n", ("127.0.0.1", port))
    wait_until("two datagrams", lambda: sum(
        "bytes from" in l for l in errlines()) == 2)
    out = open(path("srv.out"), "rb").read().decode()
    if out != "%s\tone\n%s\ttwo\nlines\n" % (labels[0], labels[1]):
        fail("stdout %r" % out)
    os.write(wfd, ("%s\tfor two\n*\tfor both\n192.0.2.1 9\tnobody\n" %
                   labels[1]).encode())
    got = [[s.recv(100) for _ in range(n)] for s, n in zip(cs, (1, 2))]
    if got != [[b"for both\n"], [b"for two\n", b"for both\n"]]:
        fail("the senders got %r" % got)
    wait_until("the unrouted line", lambda: any(
        l == "sockcat: route: no peer 192.0.2.1 9; line dropped"
        for l in errlines()))
    # A last line without a newline is held for its end, then sent as
    # it is, as serve -k sends it.
    os.write(wfd, ("%s\tlast" % labels[0]).encode())
    os.close(wfd)
    got = cs[0].recv(100)
    if got != b"last":
        fail("the last line came as %r" % got)
    stop(p)


{"broker": check_broker, "slow": check_slow, "label": check_label,
 "route": check_route, "route-many": check_route_many,
 "udp": check_udp}[CHECK]()
