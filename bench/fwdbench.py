#!/usr/bin/env python3
"""forward's rows, side by side in one run: sockcat forward against
haproxy (mode tcp, option splice-auto: one process, splice), socat
TCP-LISTEN,fork and ncat -l -k --sh-exec 'ncat HOST PORT'.

Rows:
  bulk1   one connection, SIZE bytes through the forwarder (MB/s)
  bulkN   N connections at once, SIZE/N... each CSIZE bytes (MB/s)
  cps     new connections per second, each a 64-byte request and its echo
  idle    peak RSS of the forwarder holding IDLE idle pairs (sockcat and
          haproxy: one process each; socat and ncat fork per client)
The target is bench/manyref.c (bulk: drops what comes, closes at EOF)
or bench/echoref.c (cps), both C epoll servers, so that the rows show
the forwarders.  Clients are python3 threads (kernel-bound sends).
Rounds are interleaved tool by tool; the median is shown, with min-max.

usage: fwdbench.py [--quick] [--repeat N] [--only ROWS] [--tools T,...]
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as B  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SOCKCAT = os.path.join(HERE, "..", "sockcat")
TMO = 120


def build(name):
    exe = os.path.join(tempfile.gettempdir(), "sockcat-fwd-" + name)
    subprocess.run(["cc", "-O2", "-o", exe, os.path.join(HERE, name + ".c")],
                   check=True)
    return exe


def wait_port(port, proc):
    """bench.py's wait (it reads /proc/net/tcp: no connection made)."""
    if not B.wait_listening(port, proc):
        raise RuntimeError("not listening: %s" % proc.args)


def forwarder(tool, fport, tport, tmp):
    """Start tool forwarding 127.0.0.1:fport to tport; the process."""
    if tool == "sockcat":
        args = [SOCKCAT, "forward", "127.0.0.1:%d" % fport,
                "127.0.0.1:%d" % tport]
    elif tool == "haproxy":
        cfg = os.path.join(tmp, "h.cfg")
        with open(cfg, "w") as f:
            f.write("global\n\tmaxconn 6000\n"
                    "defaults\n\tmode tcp\n\toption splice-auto\n"
                    "\ttimeout connect 5s\n\ttimeout client 120s\n"
                    "\ttimeout server 120s\n\tmaxconn 6000\n"
                    "listen f\n\tbind 127.0.0.1:%d\n"
                    "\tserver s 127.0.0.1:%d\n" % (fport, tport))
        args = ["haproxy", "-db", "-f", cfg]
    elif tool == "socat":
        args = ["socat", "TCP-LISTEN:%d,bind=127.0.0.1,fork,reuseaddr,"
                "backlog=4096" % fport, "TCP:127.0.0.1:%d" % tport]
    else:
        args = ["ncat", "-l", "-k", "127.0.0.1", str(fport), "--sh-exec",
                "exec ncat 127.0.0.1 %d" % tport]
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    wait_port(fport, p)
    return p


def stop(p):
    try:
        os.killpg(p.pid, 15)
    except ProcessLookupError:
        pass
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        p.wait()


def target(exe, port):
    p = subprocess.Popen([exe, str(port)], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, start_new_session=True)
    wait_port(port, p)
    return p


def bulk(fport, nconn, size):
    """nconn clients at once, each sending size bytes then waiting for
    the target's close; MB/s of the whole."""
    chunk = b"\0" * (1 << 20)
    errors = []
    go = threading.Barrier(nconn + 1)

    def one():
        try:
            s = socket.create_connection(("127.0.0.1", fport), timeout=TMO)
            go.wait()
            left = size
            while left > 0:
                n = min(left, len(chunk))
                s.sendall(chunk[:n] if n < len(chunk) else chunk)
                left -= n
            s.shutdown(socket.SHUT_WR)
            while s.recv(65536):
                pass
            s.close()
        except (OSError, threading.BrokenBarrierError) as e:
            errors.append(e)
    ts = [threading.Thread(target=one) for _ in range(nconn)]
    for t in ts:
        t.start()
    go.wait()
    t0 = time.monotonic()
    for t in ts:
        t.join(TMO)
    dt = time.monotonic() - t0
    if errors:
        raise RuntimeError("bulk: %r" % errors[0])
    return nconn * size / dt / 1e6


def cps(fport, secs):
    """Connections a second, two clients each looping connect, 64 bytes
    out, their echo back, close."""
    count = [0, 0]
    errors = []
    msg = b"x" * 64

    def one(i):
        end = time.monotonic() + secs
        try:
            while time.monotonic() < end:
                s = socket.create_connection(("127.0.0.1", fport),
                                             timeout=10)
                s.sendall(msg)
                got = b""
                while len(got) < len(msg):
                    b = s.recv(64)
                    if not b:
                        raise OSError("closed early")
                    got += b
                s.close()
                count[i] += 1
        except OSError as e:
            errors.append(e)
    ts = [threading.Thread(target=one, args=(i,)) for i in range(2)]
    t0 = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join(secs + TMO)
    if errors:
        raise RuntimeError("cps: %r" % errors[0])
    return sum(count) / (time.monotonic() - t0)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def idle(fport, fproc, n):
    """Peak RSS (MB) of the forwarder holding n idle pairs."""
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", fport), timeout=TMO)
        s.sendall(b"x")       # the pair is made and has moved a byte
        socks.append(s)
    # Every pair made: the target end holds n connections, which the
    # forwarder's descriptors show.
    end = time.monotonic() + TMO
    while time.monotonic() < end:
        if len(os.listdir("/proc/%d/fd" % fproc.pid)) >= 2 * n:
            break
        time.sleep(0.05)
    kb = rss_kb(fproc.pid)
    for s in socks:
        s.close()
    return kb / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default="bulk1,bulkN,cps,idle")
    ap.add_argument("--tools", default="sockcat,haproxy,socat,ncat")
    a = ap.parse_args()
    rows = a.only.split(",")
    tools = a.tools.split(",")
    size1 = (256 if a.quick else 1024) << 20
    nconn, csize = (20, 16 << 20) if a.quick else (100, 64 << 20)
    nidle = 1000 if a.quick else 5000
    secs = 1.0 if a.quick else 3.0
    sink, echo = build("manyref"), build("echoref")
    tmp = tempfile.mkdtemp()
    res = {}
    for _ in range(a.repeat):
        for tool in tools:
            for row in rows:
                if row == "idle" and tool in ("socat", "ncat"):
                    continue
                if row == "bulkN" and tool == "ncat" and not a.quick:
                    pass
                tport, fport = B.free_port(), B.free_port()
                tp = target(echo if row in ("cps", "idle") else sink, tport)
                fp = forwarder(tool, fport, tport, tmp)
                try:
                    if row == "bulk1":
                        v = bulk(fport, 1, size1)
                    elif row == "bulkN":
                        v = bulk(fport, nconn, csize)
                    elif row == "cps":
                        v = cps(fport, secs)
                    else:
                        v = idle(fport, fp, nidle)
                except RuntimeError as e:
                    print("%s %s: %s" % (tool, row, e), file=sys.stderr)
                    v = None
                finally:
                    stop(fp)
                    stop(tp)
                res.setdefault((row, tool), []).append(v)
    names = {"bulk1": "one connection, %d MiB (MB/s)" % (size1 >> 20),
             "bulkN": "%d connections x %d MiB (MB/s)" % (nconn, csize >> 20),
             "cps": "new connections a second (64-byte echo)",
             "idle": "peak RSS with %d idle pairs (MB, lower is better)" %
             nidle}
    print("| row | " + " | ".join(tools) + " | sockcat / best peer |")
    print("|---|" + "---|" * (len(tools) + 1))
    for row in rows:
        cells, meds = [], {}
        for tool in tools:
            vs = [v for v in res.get((row, tool), []) if v is not None]
            if not vs:
                cells.append("-")
                continue
            meds[tool] = statistics.median(vs)
            cells.append("%.1f (%.1f-%.1f)" % (meds[tool], min(vs), max(vs)))
        peers = [meds[t] for t in meds if t != "sockcat"]
        ratio = "-"
        if "sockcat" in meds and peers:
            if row == "idle":
                ratio = "%.2fx" % (min(peers) / meds["sockcat"])
            else:
                ratio = "%.2fx" % (meds["sockcat"] / max(peers))
        print("| %s | %s | %s |" % (names[row], " | ".join(cells), ratio))


if __name__ == "__main__":
    main()
