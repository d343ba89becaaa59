#!/usr/bin/env python3
"""sockcat against nc.openbsd, ncat, socat and nc.traditional, side by
side in one run, on 127.0.0.1: medians, min-max, and the ratio of
sockcat to the best peer.  Run by `make bench`; not part of `make check`.

usage: bench.py [--sockcat PATH] [--baseline PATH] [--size MiB]
                [--repeat N] [--quick] [--only ROW,...] [--tools PEER,...]
                [--markdown FILE]

The many-client rows (crowd10k, idlebulk, uploaders) run serve -k of
sockcat and of --baseline only (the peers have no one-process
many-client mode), beside bench/manyref.c, a C epoll server that shows
the floor set by the client driver (bench/manyclients.py) and the
kernel.  bulk-idle runs every tool with the receiver's stdin an idle
pipe, as a terminal is.

Every process runs under a time-out, every port is a free one, every
shape is checked for integrity (a checksum) before it is timed, and the
tools take turns (A B C A B C ...) so that a slow moment of the machine
does not land on one of them.
"""
import argparse
import hashlib
import json
import os
import platform
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TMO = 120

# How each tool plays each role, so that the shell idiom ends by itself.
# {P} is the port.  None: the tool cannot play the role.
TOOLS = {
    "sockcat": {
        "send_client": "{S} connect 127.0.0.1 {P}",
        "recv_server": "{S} serve 127.0.0.1 {P}",
        "send_server": "{S} serve 127.0.0.1 {P}",
        "recv_client": "{S} connect 127.0.0.1 {P}",
        "closed": "{S} connect 127.0.0.1 {P}",
        "echo_client": "{S} connect 127.0.0.1 {P}",
        "pingpong_server": "{S} serve 127.0.0.1 {P}",
        "idle_server": "{S} serve 127.0.0.1 {P}",
        "idle_client": "{S} connect 127.0.0.1 {P}",
    },
    "nc.openbsd": {
        "send_client": "nc.openbsd -N 127.0.0.1 {P}",
        "recv_server": "nc.openbsd -d -l 127.0.0.1 {P}",
        "send_server": "nc.openbsd -N -l 127.0.0.1 {P}",
        "recv_client": "nc.openbsd -d 127.0.0.1 {P}",
        "closed": "nc.openbsd 127.0.0.1 {P}",
        "echo_client": "nc.openbsd -N 127.0.0.1 {P}",
        "pingpong_server": "nc.openbsd -l 127.0.0.1 {P}",
        "idle_server": "nc.openbsd -l 127.0.0.1 {P}",
        "idle_client": "nc.openbsd 127.0.0.1 {P}",
    },
    "ncat": {
        "send_client": "ncat --send-only 127.0.0.1 {P}",
        "recv_server": "ncat -l --recv-only 127.0.0.1 {P}",
        "send_server": "ncat -l --send-only 127.0.0.1 {P}",
        "recv_client": "ncat --recv-only 127.0.0.1 {P}",
        "closed": "ncat 127.0.0.1 {P}",
        "echo_client": "ncat 127.0.0.1 {P}",
        "pingpong_server": "ncat -l 127.0.0.1 {P}",
        "idle_server": "ncat -l 127.0.0.1 {P}",
        "idle_client": "ncat 127.0.0.1 {P}",
    },
    "socat": {
        "send_client": "socat -u STDIN TCP:127.0.0.1:{P}",
        "recv_server": "socat -u TCP-LISTEN:{P},bind=127.0.0.1,reuseaddr STDOUT",
        "send_server": "socat -u STDIN TCP-LISTEN:{P},bind=127.0.0.1,reuseaddr",
        "recv_client": "socat -u TCP:127.0.0.1:{P} STDOUT",
        "closed": "socat STDIO TCP:127.0.0.1:{P}",
        "echo_client": "socat -t 5 STDIO TCP:127.0.0.1:{P}",
        "pingpong_server": "socat STDIO TCP-LISTEN:{P},bind=127.0.0.1,reuseaddr",
        "idle_server": "socat STDIO TCP-LISTEN:{P},bind=127.0.0.1,reuseaddr",
        "idle_client": "socat STDIO TCP:127.0.0.1:{P}",
    },
    "nc.traditional": {
        "send_client": "nc.traditional -q 0 127.0.0.1 {P}",
        "recv_server": "nc.traditional -l -s 127.0.0.1 -p {P}",
        "send_server": "nc.traditional -q 0 -l -s 127.0.0.1 -p {P}",
        "recv_client": "nc.traditional 127.0.0.1 {P}",
        "closed": "nc.traditional 127.0.0.1 {P}",
        "echo_client": "nc.traditional -q 5 127.0.0.1 {P}",
        "pingpong_server": "nc.traditional -l -s 127.0.0.1 -p {P}",
        "idle_server": "nc.traditional -l -s 127.0.0.1 -p {P}",
        "idle_client": "nc.traditional 127.0.0.1 {P}",
    },
}

SHAPES = {
    # name: (client command, server command, what the receiver writes)
    "zero": "head -c {N} /dev/zero | {send_client}  ->  {recv_server} > out",
    "file": "{send_client} < file  ->  {recv_server} > out",
    "rev": "{send_server} < file  ->  {recv_client} > out",
    "pipes": "cat file | {send_client}  ->  {recv_server} | cat > out",
}

# bulk-idle: the receiver as typed at a terminal (no -d, no --recv-only),
# its stdin a pipe the benchmark holds open and never writes, as a
# terminal is.  A tool that does not end by itself there is n/a.
IDLE_SHAPES = {
    "idle-serve": "{send_client} < file  ->  {idle_server} > out, "
                  "its stdin an idle pipe",
    "idle-connect": "{send_server} < file  ->  {idle_client} > out, "
                    "its stdin an idle pipe",
}
IDLE_MIB = 64
IDLE_TMO = 15


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_listening(port, proc, deadline=10.0):
    """Wait until something listens on port, reading /proc/net/tcp (never
    by connecting, which would take a one-client server's client)."""
    hexport = ":%04X" % port
    end = time.time() + deadline
    while time.time() < end:
        if proc.poll() is not None:
            return False
        with open("/proc/net/tcp") as f:
            for line in f:
                fields = line.split()
                if len(fields) > 3 and fields[1].endswith(hexport) and \
                        fields[3] == "0A":
                    return True
        time.sleep(0.005)
    return False


# --baseline: another sockcat binary, run as one more tool ("baseline")
# beside the peers, for before/after numbers from one interleaved run.
BASELINE = None


def cmd(tool, role, port, sockcat):
    if tool == "baseline":
        tool, sockcat = "sockcat", BASELINE
    t = TOOLS[tool].get(role)
    return None if t is None else t.format(S=sockcat, P=port)


LAST_CPU = [0.0, 0.0]    # server's and client's, of the last run_pair


def run_pair(server, client, sinput, coutput, port, extra_env=None,
             rss=False, tmo=TMO):
    """Start server, wait for it to listen, run client; both under a
    time-out.  Returns (seconds, server peak RSS, client peak RSS, ok);
    the RSS only when asked (sampling steals CPU from timed runs)."""
    env = dict(os.environ, **(extra_env or {}))
    srv = subprocess.Popen(["sh", "-c", "exec " + server], stdin=sinput[0],
                           stdout=sinput[1], stderr=subprocess.DEVNULL,
                           env=env, start_new_session=True)
    if not wait_listening(port, srv):
        kill(srv)
        return None, None, None, False
    t0 = time.perf_counter()
    cli = subprocess.Popen(["sh", "-c", client], stdin=coutput[0],
                           stdout=coutput[1], stderr=subprocess.DEVNULL,
                           env=env, start_new_session=True)
    # Peak RSS: VmHWM sampled while they run (rusage is not to be
    # trusted under every kernel; gVisor's counts the sandbox).
    hwm = {srv.pid: 0, cli.pid: 0}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            for pid in hwm:
                try:
                    with open("/proc/%d/status" % pid) as f:
                        for line in f:
                            if line.startswith("VmHWM:"):
                                hwm[pid] = max(hwm[pid],
                                               int(line.split()[1]))
                except OSError:
                    pass
            time.sleep(0.005)

    th = threading.Thread(target=sample, daemon=True)
    if rss:
        th.start()
    try:
        cru = wait4(cli, tmo)[2]
        sru = wait4(srv, tmo)[2]
        # CPU seconds of each (its own, not its children's): tlsbench.py
        LAST_CPU[:] = [r.ru_utime + r.ru_stime for r in (sru, cru)]
    except TimeoutError:
        kill(cli)
        kill(srv)
        return None, None, None, False
    finally:
        stop.set()
        if rss:
            th.join()
    t1 = time.perf_counter()
    return t1 - t0, hwm[srv.pid], hwm[cli.pid], True


def wait4(p, tmo):
    """Block in wait4(2) (no polling to steal the CPU from what is
    measured); a timer kills the process group after tmo seconds."""
    fired = threading.Event()

    def expire():
        fired.set()
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    timer = threading.Timer(tmo, expire)
    timer.start()
    try:
        pid, st, ru = os.wait4(p.pid, 0)
    finally:
        timer.cancel()
    p.returncode = st
    if fired.is_set():
        raise TimeoutError
    return pid, st, ru


def kill(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        p.kill()     # not a group leader (crowd's server)
    except ProcessLookupError:
        pass
    try:
        p.wait(5)
    except Exception:
        pass


def bulk(tool, shape, size, tmp, sockcat, check, rss=False, src="file",
         tmo=TMO):
    """One transfer of size bytes (tmp/src's) in shape; returns (secs,
    rss_srv, rss_cli) or None when the tool cannot do it or got it
    wrong."""
    port = free_port()
    out = os.path.join(tmp, "out")
    f = os.path.join(tmp, src)
    sc = {r: cmd(tool, r, port, sockcat)
          for r in TOOLS["sockcat" if tool == "baseline" else tool]}
    dst = out if check else "/dev/null"
    devnull = open(os.devnull, "rb")
    idle_r = idle_w = None
    if shape.startswith("idle-"):
        idle_r, idle_w = os.pipe()     # held open, never written
    if shape == "idle-serve":
        server = sc["idle_server"] + " > " + dst
        client = "exec " + sc["send_client"] + " < " + f
        sin, cin = idle_r, devnull
    elif shape == "idle-connect":
        server = sc["send_server"] + " < " + f
        client = "exec " + sc["idle_client"] + " > " + dst
        sin, cin = devnull, idle_r
    elif shape == "zero":
        server = sc["recv_server"] + " > " + dst
        client = "head -c %d /dev/zero | %s" % (size, sc["send_client"])
        sin, cin = devnull, devnull
    elif shape == "file":
        server = sc["recv_server"] + " > " + dst
        client = "exec " + sc["send_client"] + " < " + f
        sin, cin = devnull, devnull
    elif shape == "rev":
        server = sc["send_server"] + " < " + f
        client = sc["recv_client"] + " > " + dst
        sin, cin = devnull, devnull
    else:
        server = sc["recv_server"] + " | cat > " + dst
        client = "cat %s | %s" % (f, sc["send_client"])
        sin, cin = devnull, devnull
    if shape == "pipes":
        server = "sh -c '%s'" % server
    try:
        secs, sru, cru, ok = run_pair(server, client,
                                      (sin, subprocess.DEVNULL),
                                      (cin, subprocess.DEVNULL), port,
                                      rss=rss, tmo=tmo)
    finally:
        devnull.close()
        if idle_r is not None:
            os.close(idle_r)
            os.close(idle_w)
    if secs is None:
        return None
    if check:
        want = hashlib.md5()
        if shape == "zero":
            want.update(b"\0" * size)
        else:
            with open(f, "rb") as fh:
                want.update(fh.read())
        with open(out, "rb") as fh:
            got = hashlib.md5(fh.read())
        os.unlink(out)
        if got.digest() != want.digest():
            return None
    return secs, sru, cru


def median_row(samples):
    if not samples:
        return None
    return statistics.median(samples), min(samples), max(samples)


def fmt(v, unit):
    if v is None:
        return "n/a"
    med, lo, hi = v
    if unit == "%":
        return "%.2f %%" % med
    if unit == "ms":
        return "%.2f ms (%.2f-%.2f)" % (med, lo, hi)
    return "%.0f %s (%.0f-%.0f)" % (med, unit, lo, hi)


def table(title, unit, results, higher_better, tools, lines):
    lines.append("")
    lines.append("### " + title)
    lines.append("")
    lines.append("| tool | median (min-max) |")
    lines.append("|---|---|")
    for t in tools:
        lines.append("| %s | %s |" % (t, fmt(results.get(t), unit)))
    mine = results.get(tools[0])
    peers = [results[t][0] for t in tools[1:]
             if results.get(t) and t != "baseline"]
    if mine and peers and mine[0] > 0 and min(peers) > 0:
        best = max(peers) if higher_better else min(peers)
        ratio = mine[0] / best if higher_better else best / mine[0]
        lines.append("")
        lines.append("sockcat / best peer: **%.2fx** (%s)" %
                     (ratio, "above 1: sockcat is better"))
    base = results.get("baseline")
    if mine and base and mine[0] > 0 and base[0] > 0:
        ratio = mine[0] / base[0] if higher_better else base[0] / mine[0]
        lines.append("")
        lines.append("sockcat / baseline: **%.2fx**" % ratio)
    print("\n".join(lines[-(len(tools) + 8):]), flush=True)


def startup(tools, sockcat, repeat):
    """Start to exit of a connect to a closed port, per tool (ms): rounds
    of hyperfine runs, the tools interleaved round by round."""
    port = free_port()
    everyone = tools + (["busybox nc"] if shutil.which("busybox") else [])
    times = {t: [] for t in everyone}
    for _ in range(max(3, repeat)):
        for t in everyone:
            c = "busybox nc 127.0.0.1 %d" % port if t == "busybox nc" \
                else cmd(t, "closed", port, sockcat)
            times[t] += [x * 1000 for x in start_times(c, 40)]
    return {t: median_row(times[t]) for t in everyone}


def start_times(c, runs):
    """Seconds from start to exit of command line c, runs times."""
    if shutil.which("hyperfine"):
        js = os.path.join(tempfile.gettempdir(), "sockcat-hf.json")
        subprocess.run(["hyperfine", "-N", "-i", "-w", "3", "-r", str(runs),
                        "--export-json", js, c],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       stdin=subprocess.DEVNULL, timeout=TMO)
        with open(js) as f:
            times = json.load(f)["results"][0]["times"]
        os.unlink(js)
        return times
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(c.split(), stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=TMO)
        times.append(time.perf_counter() - t0)
    return times


class Echo:
    """A threaded echo server on 127.0.0.1 for the transaction row."""

    def __init__(self):
        self.s = socket.socket()
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(128)
        self.port = self.s.getsockname()[1]
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        while True:
            try:
                c, _ = self.s.accept()
            except OSError:
                return
            threading.Thread(target=self.one, args=(c,), daemon=True).start()

    @staticmethod
    def one(c):
        c.settimeout(10)
        try:
            while True:
                b = c.recv(65536)
                if not b:
                    break
                c.sendall(b)
        except OSError:
            pass
        c.close()


def transactions(tools, sockcat, count):
    """`echo x | TOOL connect` against an echo server, per second, each
    checked to get x back."""
    e = Echo()
    res = {}
    for t in tools:
        c = cmd(t, "echo_client", e.port, sockcat)
        rates = []
        for _ in range(3):
            t0 = time.perf_counter()
            good = 0
            for _ in range(count):
                r = subprocess.run(["sh", "-c", "echo x | " + c],
                                   capture_output=True, timeout=TMO)
                good += r.stdout == b"x\n"
            secs = time.perf_counter() - t0
            if good == count:
                rates.append(count / secs)
        res[t] = median_row(rates)
    e.s.close()
    return res


def pingpong(tools, sockcat, secs):
    """64-byte round trips per second through a server's stdin and
    stdout: a client sends 64 bytes, they come out of the server's stdout,
    go back in on its stdin and back to the client."""
    res = {}
    for t in tools:
        rates = []
        for _ in range(3):
            port = free_port()
            c = cmd(t, "pingpong_server", port, sockcat)
            p = subprocess.Popen(["sh", "-c", "exec " + c],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL,
                                 start_new_session=True)
            if not wait_listening(port, p):
                kill(p)
                continue
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            msg = b"p" * 64
            n = 0
            t0 = time.perf_counter()
            try:
                while time.perf_counter() - t0 < secs:
                    s.sendall(msg)
                    got = b""
                    while len(got) < 64:
                        got += os.read(p.stdout.fileno(), 64 - len(got))
                    p.stdin.write(got)
                    p.stdin.flush()
                    back = b""
                    while len(back) < 64:
                        b = s.recv(64 - len(back))
                        if not b:
                            raise OSError("closed")
                        back += b
                    n += 1
                rates.append(n / (time.perf_counter() - t0))
            except OSError:
                pass
            s.close()
            kill(p)
        res[t] = median_row(rates)
    return res


def crowd(sockcat, n):
    """n clients connect at once, each sends a line and holds: the time
    until every line is on stdout, the process count and the PSS."""
    port = free_port()
    r, w = os.pipe()
    srv = subprocess.Popen([sockcat, "serve", "-k", "127.0.0.1", str(port)],
                           stdout=w, stdin=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    os.close(w)
    if not wait_listening(port, srv):
        kill(srv)
        return None
    t0 = time.perf_counter()
    socks = []
    for i in range(n):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        socks.append(s)
    for i, s in enumerate(socks):
        s.setblocking(True)
        s.sendall(b"line %d\n" % i)
    left, buf = n, b""
    end = time.time() + 30
    while left and time.time() < end:
        b = os.read(r, 65536)
        buf += b
        left = n - buf.count(b"\n")
    secs = time.perf_counter() - t0
    procs = 1 + len([p for p in os.listdir("/proc") if p.isdigit() and
                     open("/proc/%s/stat" % p).read().split()[3] ==
                     str(srv.pid)])
    pss = None
    try:
        with open("/proc/%d/smaps_rollup" % srv.pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    for s in socks:
        s.close()
    kill(srv)
    os.close(r)
    return secs, procs, pss, left


# The many-client rows (crowd10k, idlebulk, uploaders): serve -k of
# sockcat and of the --baseline build, and bench/manyref.c, a C epoll
# server doing the same with no bookkeeping: the floor that the client
# driver (bench/manyclients.py, in several processes) and the kernel
# allow.  A sockcat number near the reference's cannot show sockcat's
# cost; the tables also give the driver's own time and CPU.
sys.path.insert(0, HERE)
from manyclients import PATTERN, line  # noqa: E402

CLIENTS = os.path.join(HERE, "manyclients.py")
PER_DRIVER = 5000       # clients per driver process
REF = "epoll ref"


class Drivers:
    """manyclients.py processes sharing n clients; their report lines
    (and any other descriptors put in .extra) read with poll(2)."""

    def __init__(self, mode, port, n, size, secs=None):
        k = max(1, -(-n // PER_DRIVER))
        self.procs, self.said, self.bufs, self.extra = [], {}, {}, {}
        self.open = 0
        self.poll = select.poll()
        first = 0
        for j in range(k):
            cnt = n // k + (j < n % k)
            argv = [sys.executable, CLIENTS, mode, str(port), str(cnt),
                    str(first), str(size)] + \
                ([str(secs)] if secs is not None else [])
            p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL,
                                 start_new_session=True)
            self.procs.append(p)
            self.bufs[p.stdout.fileno()] = (j, bytearray())
            self.poll.register(p.stdout.fileno(), select.POLLIN)
            self.open += 1
            first += cnt

    def add(self, fd, callback):
        self.extra[fd] = callback
        self.poll.register(fd, select.POLLIN)

    def pump(self, timeout):
        for fd, _ in self.poll.poll(max(0, timeout) * 1000):
            if fd in self.extra:
                if self.extra[fd]() is False:
                    self.poll.unregister(fd)
                    del self.extra[fd]
                continue
            j, buf = self.bufs[fd]
            b = os.read(fd, 65536)
            if not b:
                self.poll.unregister(fd)
                self.open -= 1
                continue
            buf += b
            while b"\n" in buf:
                i = buf.index(b"\n")
                words = bytes(buf[:i]).decode().split()
                del buf[:i + 1]
                if words:
                    self.said.setdefault(words[0], {})[j] = \
                        (time.perf_counter(), words[1:])

    def all(self, word):
        """[(time, words)] of every driver once all said word."""
        got = self.said.get(word, {})
        if len(got) < len(self.procs):
            return None
        return [got[j] for j in range(len(self.procs))]

    def until(self, pred, deadline):
        while not pred():
            left = deadline - time.perf_counter()
            if left <= 0:
                return False
            self.pump(min(left, 0.05))
        return True

    def go(self):
        for p in self.procs:
            p.stdin.write(b"go\n")
            p.stdin.flush()

    def close(self):
        """Close their stdins and collect the "end" reports; kill them."""
        for p in self.procs:
            try:
                p.stdin.close()
            except OSError:
                pass
        self.until(lambda: self.open == 0, time.perf_counter() + 10)
        for p in self.procs:
            kill(p)
            p.stdout.close()
        return self.all("end")

    @staticmethod
    def total(reports, field):
        return sum(int(w[field]) for _, w in reports)

    @staticmethod
    def cpu(reports):
        return sum(float(w[-1]) for _, w in reports)

    @staticmethod
    def when(reports):
        """CLOCK_MONOTONIC time of the last of them, as they stamped it."""
        return max(float(w[-2]) for _, w in reports)


def proc_cpu(pid):
    """CPU seconds of a live process: its threads' run time from
    schedstat (ns, current to the last tick), else utime + stime (in
    clock ticks, 10 ms)."""
    try:
        ns = 0
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
                ns += int(f.read().split()[0])
        return ns / 1e9
    except (OSError, ValueError, IndexError):
        pass
    with open("/proc/%d/stat" % pid) as f:
        s = f.read()
    f = s[s.rindex(")") + 2:].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def proc_hwm(pid):
    """Peak RSS (VmHWM) of a live process, KiB."""
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith("VmHWM:"):
                return int(ln.split()[1])
    return None


def listen_overflows():
    """TcpExt ListenOverflows, machine-wide: SYNs or handshakes dropped
    because an accept queue was full (each costs a client a 1 s or
    longer retransmission)."""
    with open("/proc/net/netstat") as f:
        rows = [ln.split() for ln in f if ln.startswith("TcpExt:")]
    return int(rows[1][rows[0].index("ListenOverflows")])


def many_server(tool, sockcat, ref, port, stdin, stdout):
    exe = BASELINE if tool == "baseline" else sockcat
    argv = [ref, str(port)] if tool == REF else \
        [exe, "serve", "-k", "127.0.0.1", str(port)]
    return subprocess.Popen(argv, stdin=stdin, stdout=stdout,
                            stderr=subprocess.DEVNULL,
                            start_new_session=True)


def crowd_many(tool, sockcat, ref, n, bsize, tmo):
    """n clients at once (serve -k, stdin an idle pipe, stdout a pipe
    read here), each sends a 64-byte line; once every line is on stdout
    (each checked whole and present once), bsize bytes go into stdin and
    every client must read them.  A dict of what was measured, or None
    when the server did not listen."""
    port = free_port()
    out_r, out_w = os.pipe()
    in_r, in_w = os.pipe()
    srv = many_server(tool, sockcat, ref, port, in_r, out_w)
    os.close(out_w)
    os.close(in_r)
    drv = None
    try:
        if not wait_listening(port, srv):
            return None
        drv = Drivers("crowd", port, n, bsize)
        if not drv.until(lambda: drv.all("ready"), time.perf_counter() + 30):
            return None
        st = {"buf": bytearray(), "nl": 0}

        def on_out():
            b = os.read(out_r, 1 << 20)
            st["buf"] += b
            st["nl"] += b.count(b"\n")
            return bool(b)
        drv.add(out_r, on_out)
        ov0, cpu0 = listen_overflows(), proc_cpu(srv.pid)
        t0 = time.monotonic()
        drv.go()
        drv.until(lambda: st["nl"] >= n, time.perf_counter() + tmo)
        t1 = time.monotonic()
        r = {"secs": t1 - t0, "cpu_lines": proc_cpu(srv.pid) - cpu0,
             "overflows": listen_overflows() - ov0}
        seen = bytearray(n)
        whole = 0
        for ln in bytes(st["buf"]).split(b"\n")[:-1]:
            try:
                i = int(ln[7:14])
            except ValueError:
                continue
            if 0 <= i < n and not seen[i] and ln + b"\n" == line(i):
                seen[i] = 1
                whole += 1
        r["missing"] = n - whole
        r["garbled"] = st["nl"] - whole
        drv.until(lambda: drv.all("sent"), time.perf_counter() + 10)
        sent = drv.all("sent")
        r["drv_sent"] = Drivers.when(sent) - t0 if sent else None
        r["drv_cpu"] = Drivers.cpu(sent) if sent else None
        if whole == n:
            tb = time.monotonic()
            os.write(in_w, PATTERN[:bsize])
            drv.until(lambda: drv.all("got"), time.perf_counter() + tmo)
            got = drv.all("got")
            r["bcast"] = Drivers.when(got) - tb if got else None
            r["bcast_bad"] = Drivers.total(got, 1) if got else n
        r["cpu"] = proc_cpu(srv.pid) - cpu0
        r["hwm"] = proc_hwm(srv.pid)
        return r
    finally:
        if drv:
            drv.close()
        kill(srv)
        os.close(out_r)
        os.close(in_w)


def fd_count(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return 0


def idle_crowd(srv, port, n, tmo):
    """n idle clients connected and accepted by srv; their Drivers, or
    None."""
    base = fd_count(srv.pid)
    drv = Drivers("idle", port, n, 0)
    end = time.perf_counter() + tmo
    if not drv.until(lambda: drv.all("ready"), end):
        drv.close()
        return None
    drv.go()
    if not drv.until(lambda: drv.all("connected"), end) or \
            Drivers.total(drv.all("connected"), 1) or not \
            drv.until(lambda: fd_count(srv.pid) >= base + n, end):
        drv.close()
        return None
    return drv


def idlebulk_one(tool, sockcat, ref, nidle, size, secs, tmo):
    """One client uploads size bytes of zeros (or what secs seconds
    allow) to serve -k > /dev/null beside nidle idle clients.  serve's
    stdin is /dev/null: a client that half-closes is served until stdin
    ends, so with stdin at its end from the start the uploader's
    half-close ends its session."""
    port = free_port()
    in_w = os.open(os.devnull, os.O_RDONLY)
    null = os.open(os.devnull, os.O_WRONLY)
    srv = many_server(tool, sockcat, ref, port, in_w, null)
    os.close(null)
    idle = snd = None
    try:
        if not wait_listening(port, srv):
            return None
        if nidle:
            idle = idle_crowd(srv, port, nidle, tmo)
            if idle is None:
                return None
        snd = Drivers("send", port, 1, size, secs)
        if not snd.until(lambda: snd.all("ready"), time.perf_counter() + 30):
            return None
        cpu0 = proc_cpu(srv.pid)
        snd.go()
        if not snd.until(lambda: snd.all("sent"),
                         time.perf_counter() + secs + tmo):
            return None
        cpu = proc_cpu(srv.pid) - cpu0
        _, w = snd.all("sent")[0]
        r = {"bytes": int(w[0]), "secs": float(w[1]), "cpu": cpu,
             "drv_cpu": float(w[-1])}
        r["mbs"] = r["bytes"] / r["secs"] / 1e6
        r["cpu_gib"] = cpu / (r["bytes"] / 2.0 ** 30)
        if idle:
            end = idle.close()
            idle = None
            r["dropped"] = Drivers.total(end, 0) if end else None
        return r
    finally:
        for d in (snd, idle):
            if d:
                d.close()
        kill(srv)
        os.close(in_w)


def uploaders_one(tool, sockcat, ref, n, size, hold, tmo):
    """n clients at once each upload size bytes, half-close and wait for
    the close, to serve -k (stdin /dev/null, as in idlebulk_one); its
    stdout /dev/null (hold None) or a pipe left unread for the first
    hold seconds, then drained here and counted."""
    port = free_port()
    in_w = os.open(os.devnull, os.O_RDONLY)
    if hold is None:
        out_r, out_w = None, os.open(os.devnull, os.O_WRONLY)
    else:
        out_r, out_w = os.pipe()
    srv = many_server(tool, sockcat, ref, port, in_w, out_w)
    os.close(out_w)
    drv = None
    try:
        if not wait_listening(port, srv):
            return None
        drv = Drivers("upload", port, n, size)
        if not drv.until(lambda: drv.all("ready"), time.perf_counter() + 30):
            return None
        st = {"bytes": 0}

        def on_out():
            b = os.read(out_r, 1 << 20)
            st["bytes"] += len(b)
            return bool(b)
        cpu0 = proc_cpu(srv.pid)
        t0 = time.perf_counter()
        m0 = time.monotonic()
        drv.go()
        if hold is not None:
            drv.until(lambda: False, t0 + hold)
            drv.add(out_r, on_out)
        want = n * size if hold is not None else 0
        drv.until(lambda: drv.all("done") and st["bytes"] >= want, t0 + tmo)
        r = {"secs": time.perf_counter() - t0, "cpu": proc_cpu(srv.pid) - cpu0,
             "hwm": proc_hwm(srv.pid)}
        done = drv.all("done")
        r["bad"] = Drivers.total(done, 1) if done else n
        r["lost"] = n * size - st["bytes"] if hold is not None else None
        sent = drv.all("sent")
        r["drv_sent"] = Drivers.when(sent) - m0 if sent else None
        r["drv_cpu"] = Drivers.cpu(done) if done else None
        return r
    finally:
        if drv:
            drv.close()
        kill(srv)
        os.close(in_w)
        if out_r is not None:
            os.close(out_r)


def mm(samples, f):
    """median (min-max) of the samples that are there, printed with f."""
    v = [x for x in samples if x is not None]
    if not v:
        return "n/a"
    if len(v) == 1:
        return f % v[0]
    return (f + " (" + f + "-" + f + ")") % (statistics.median(v), min(v),
                                              max(v))


def med(samples):
    v = [x for x in samples if x is not None]
    return statistics.median(v) if v else None


def many_table(title, cols, rows, lines, notes=()):
    """cols: [(key, header, format)]; rows: [(label, tool, [dicts])]."""
    lines += ["", "### " + title, "",
              "| | tool | " + " | ".join(h for _, h, _ in cols) + " |",
              "|---|---|" + "---|" * len(cols)]
    for label, tool, rs in rows:
        lines.append("| %s | %s | " % (label, tool) + " | ".join(
            mm([r.get(k) if r else None for r in rs], f)
            for k, _, f in cols) + " |")
    lines += [""] + list(notes) if notes else []
    print("\n".join(lines[-(len(rows) + 5 + len(notes) +
                            (1 if notes else 0)):]), flush=True)


def ratio_note(rows, key, label, higher_better):
    """'sockcat / baseline' for each label with both."""
    by = {}
    for lab, tool, rs in rows:
        by.setdefault(lab, {})[tool] = med([r.get(key) if r else None
                                            for r in rs])
    out = []
    for lab, t in by.items():
        a, b = t.get("sockcat"), t.get("baseline")
        if a and b:
            out.append("%s: %.2fx" % (lab, a / b if higher_better else b / a))
    return "sockcat / baseline, %s (above 1: sockcat is better): %s" % (
        label, ", ".join(out)) if out else None


def many_tools(sockcat):
    return ["sockcat"] + (["baseline"] if BASELINE else []) + [REF]


def crowd10k_row(sockcat, quick, repeat, lines):
    ref = build("manyref")
    sizes = [1000, 2000] if quick else [1000, 2000, 5000, 10000]
    tools = many_tools(sockcat)
    res = {(n, t): [] for n in sizes for t in tools}
    for _ in range(repeat):
        for n in sizes:
            for t in tools:
                res[n, t].append(crowd_many(t, sockcat, ref, n, 1000,
                                            60 if n <= 5000 else 120))
    rows = [("%d" % n, t, res[n, t]) for n in sizes for t in tools]
    notes = [x for x in (ratio_note(rows, "secs", "all lines in", False),
                         ratio_note(rows, "cpu", "CPU", False),
                         ratio_note(rows, "hwm", "peak RSS", False)) if x]
    notes.append("clients: connected at once by %d-client driver "
                 "processes (bench/manyclients.py, epoll), each sends "
                 "a 64-byte line as soon as it is connected; 'driver "
                 "sent': when the last driver had every line sent, "
                 "'driver CPU' theirs until then; '%s': bench/manyref.c, "
                 "the floor the driver and the kernel allow; overflows: "
                 "TcpExt ListenOverflows during the connect phase "
                 "(machine-wide; each one a client's SYN retransmitted "
                 "after 1 s or more)" % (PER_DRIVER, REF))
    many_table("crowd10k: N clients at once (serve -k), each sends a "
               "64-byte line and reads a 1000-byte broadcast from stdin",
               [("secs", "all lines in (s)", "%.3f"),
                ("missing", "missing", "%d"),
                ("bcast", "broadcast read (s)", "%.3f"),
                ("bcast_bad", "broadcast bad", "%d"),
                ("cpu", "serve CPU (s)", "%.2f"),
                ("hwm", "peak RSS (KiB)", "%d"),
                ("overflows", "listen overflows", "%d"),
                ("drv_sent", "driver sent (s)", "%.3f"),
                ("drv_cpu", "driver CPU (s)", "%.2f")],
               rows, lines, notes)


def idlebulk_row(sockcat, quick, repeat, lines):
    ref = build("manyref")
    size, secs = (200 << 20, 10) if quick else (1 << 30, 20)
    idles = [0, 1000] if quick else [0, 1000, 10000]
    tools = many_tools(sockcat)
    res = {(n, t): [] for n in idles for t in tools}
    for _ in range(repeat):
        for n in idles:
            for t in tools:
                res[n, t].append(idlebulk_one(t, sockcat, ref, n, size,
                                              secs, 120))
    for n in idles:
        for t in tools:
            alone = med([r["mbs"] if r else None for r in res[0, t]])
            for r in res[n, t]:
                if r and alone:
                    r["vs_alone"] = r["mbs"] / alone
    rows = [("%d idle" % n, t, res[n, t]) for n in idles for t in tools]
    notes = [x for x in (ratio_note(rows, "mbs", "MB/s", True),
                         ratio_note(rows, "cpu_gib", "CPU a GiB", False))
             if x]
    notes.append("the uploader: one connection sending %d MiB of zeros "
                 "in 1 MiB send(2)s (or what %d s allow), half-closing and "
                 "waiting for the close (bench/manyclients.py send); "
                 "MB/s of 10^6 bytes; 'vs alone': against the same "
                 "tool's 0-idle median; 'dropped': idle clients that "
                 "saw the server's EOF (serve's stdin is /dev/null, so "
                 "each is half-closed as it connects; the epoll "
                 "reference never closes them)" % (size >> 20, secs))
    many_table("idlebulk: one client uploading to serve -k > /dev/null "
               "beside N idle clients",
               [("mbs", "MB/s", "%.0f"),
                ("vs_alone", "vs alone", "%.3f"),
                ("cpu", "serve CPU (s)", "%.2f"),
                ("cpu_gib", "serve CPU a GiB (s)", "%.2f"),
                ("bytes", "bytes", "%d"),
                ("dropped", "dropped", "%d"),
                ("drv_cpu", "uploader CPU (s)", "%.2f")],
               rows, lines, notes)


def uploaders_row(sockcat, quick, repeat, lines):
    ref = build("manyref")
    n, size, hold = (1000 if quick else 5000), 65000, 2.0
    tools = many_tools(sockcat)
    kinds = [("/dev/null", None), ("stalled pipe", hold)]
    res = {(k, t): [] for k, _ in kinds for t in tools}
    for _ in range(repeat):
        for k, h in kinds:
            for t in tools:
                res[k, t].append(uploaders_one(t, sockcat, ref, n, size, h,
                                               120))
    rows = [(k, t, res[k, t]) for k, _ in kinds for t in tools]
    notes = [x for x in (ratio_note(rows, "hwm", "peak RSS", False),
                         ratio_note(rows, "secs", "time", False)) if x]
    notes.append("stdout: /dev/null, or a pipe left unread for the first "
                 "%.0f s and then drained and counted ('lost': bytes "
                 "short); 'bad': clients reset or never closed; time: "
                 "until every client was closed (and every byte out)"
                 % hold)
    many_table("uploaders: %d clients at once each upload %d bytes to "
               "serve -k" % (n, size),
               [("hwm", "peak RSS (KiB)", "%d"),
                ("secs", "all done (s)", "%.3f"),
                ("cpu", "serve CPU (s)", "%.2f"),
                ("bad", "bad", "%d"),
                ("lost", "lost", "%d"),
                ("drv_sent", "driver sent (s)", "%.3f"),
                ("drv_cpu", "driver CPU (s)", "%.2f")],
               rows, lines, notes)


UDP_LISTEN = {
    "sockcat": "{S} udp-listen -i 1 127.0.0.1 {P}",
    "nc.openbsd": "nc.openbsd -u -l 127.0.0.1 {P}",
    "ncat": "ncat -u -l --recv-only 127.0.0.1 {P}",
    "socat": "socat -u UDP-RECV:{P},bind=127.0.0.1 STDOUT",
    "nc.traditional": "nc.traditional -u -l -s 127.0.0.1 -p {P}",
}


def build(name):
    """Build bench/NAME.c into a temporary executable; its path."""
    exe = os.path.join(tempfile.gettempdir(), "sockcat-" + name)
    subprocess.run(["cc", "-O2", "-o", exe,
                    os.path.join(HERE, name + ".c")], check=True)
    return exe


def ceiling(exe, f, size):
    """MB/s of one ceiling run, or None."""
    r = subprocess.run([exe, f], capture_output=True, timeout=TMO)
    got = r.stdout.split()
    if r.returncode != 0 or len(got) != 2 or int(got[0]) != size:
        return None
    return size / float(got[1]) / 1e6


def udp_send_rate(sockcat, blast, n):
    """n lines of 64 bytes: udp-send against the C sendto loop
    (datagrams per second), into a socket nobody reads."""
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    port = sink.getsockname()[1]
    f = os.path.join(tempfile.gettempdir(), "sockcat-lines")
    with open(f, "wb") as fh:
        fh.write((b"x" * 63 + b"\n") * n)
    res = {"sockcat udp-send": [], "C sendto loop": []}
    for _ in range(3):
        t0 = time.perf_counter()
        with open(f, "rb") as fh:
            subprocess.run([sockcat, "udp-send", "127.0.0.1", str(port)],
                           stdin=fh, timeout=TMO)
        res["sockcat udp-send"].append(n / (time.perf_counter() - t0))
        out = subprocess.run([blast, str(port), str(n), "64", "0"],
                             capture_output=True, timeout=TMO).stdout
        res["C sendto loop"].append(n / float(out))
    os.unlink(f)
    sink.close()
    return {k: median_row(v) for k, v in res.items()}


def udp_loss(tools, sockcat, blast, rate, n):
    """Percent of n 64-byte datagrams, paced at rate a second, that each
    listener did not write out."""
    res = {}
    for t in tools:
        port = free_port()
        c = UDP_LISTEN["sockcat" if t == "baseline" else t].format(
            S=BASELINE if t == "baseline" else sockcat, P=port)
        out = os.path.join(tempfile.gettempdir(), "sockcat-udp-out")
        with open(out, "wb") as fh:
            p = subprocess.Popen(["sh", "-c", "exec " + c], stdout=fh,
                                 stdin=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL,
                                 start_new_session=True)
            end = time.time() + 5
            hexport = ":%04X" % port
            while time.time() < end:
                if any(line.split()[1].endswith(hexport)
                       for line in open("/proc/net/udp").readlines()[1:]):
                    break
                time.sleep(0.005)
            subprocess.run([blast, str(port), str(n), "64", str(rate)],
                           capture_output=True, timeout=TMO)
            time.sleep(1.5)
            kill(p)
        with open(out, "rb") as fh:
            got = fh.read().count(b"\n")
        os.unlink(out)
        res[t] = (100.0 * (n - got) / n,) * 3
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sockcat", default=os.path.join(HERE, "..", "sockcat"))
    ap.add_argument("--size", type=int, default=512, help="MiB")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--markdown")
    ap.add_argument("--only", help="comma-separated rows: zero, file, rev, "
                    "pipes, startup, transactions, pingpong, udp, crowd, "
                    "crowd10k, idlebulk, uploaders, bulk-idle")
    ap.add_argument("--baseline", help="another sockcat binary to run "
                    "beside, as the tool 'baseline' (before/after)")
    ap.add_argument("--tools", help="comma-separated peers to run beside "
                    "sockcat (default: every installed one)")
    a = ap.parse_args()
    only = set(a.only.split(",")) if a.only else None

    def want(row):
        return only is None or row in only
    sockcat = os.path.abspath(a.sockcat)
    if a.quick:
        a.size, a.repeat = 64, 1
    size = a.size << 20
    tools = ["sockcat"] + [t for t in TOOLS if t != "sockcat" and
                           shutil.which(t.split()[0]) and
                           (not a.tools or t in a.tools.split(","))]
    if a.baseline:
        global BASELINE
        BASELINE = os.path.abspath(a.baseline)
        tools.insert(1, "baseline")
    lines = ["# sockcat benchmark", "",
             "- date: %s" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
             "- machine: %s, %d cores, %s" % (platform.machine(),
                                               os.cpu_count(),
                                               platform.release()),
             "- tools: %s" % ", ".join(tools),
             "- bulk: %d MiB, %d runs each, tools interleaved" %
             (a.size, a.repeat)]
    print("\n".join(lines), flush=True)
    tmp = tempfile.mkdtemp(prefix="sockcat-bench-")
    try:
        chunk = os.urandom(1 << 20)
        if any(want(shape) for shape in SHAPES):
            with open(os.path.join(tmp, "file"), "wb") as f:
                for _ in range(a.size):
                    f.write(chunk)
        for shape in SHAPES:
            if not want(shape):
                continue
            usable = []
            for t in tools:
                # Integrity first, on a small transfer of the real file.
                if bulk(t, shape, size, tmp, sockcat, True) is not None:
                    usable.append(t)
            secs = {t: [] for t in usable}
            rss = {t: [] for t in usable}
            ceil = []
            cexe = build("ceiling") if shape == "file" else None
            for i in range(a.repeat + (shape == "file")):
                for t in usable:
                    # The file shape's last round samples peak RSS,
                    # untimed.
                    sampled = shape == "file" and i == a.repeat
                    r = bulk(t, shape, size, tmp, sockcat, False, sampled)
                    if r and sampled:
                        rss[t].append(max(r[1], r[2]))
                    elif r:
                        secs[t].append(size / r[0] / 1e6)
                if shape == "file" and i < a.repeat:
                    c = ceiling(cexe, os.path.join(tmp, "file"), size)
                    if c:
                        ceil.append(c)
            table("bulk %s: %s (MB/s)" % (shape, SHAPES[shape]), "MB/s",
                  {t: median_row(secs[t]) for t in usable}, True, tools,
                  lines)
            if ceil and secs.get("sockcat"):
                c = statistics.median(ceil)
                lines += ["", "ceiling, no relay at all (bench/ceiling.c: "
                          "sendfile -> recv MSG_TRUNC in one process "
                          "pair): %.0f MB/s (%.0f-%.0f); sockcat reaches "
                          "%.0f%% of it" % (c, min(ceil), max(ceil),
                          100 * statistics.median(secs["sockcat"]) / c)]
                print(lines[-1], flush=True)
            if shape == "file":
                table("peak RSS (VmHWM) of the larger side, bulk file (KiB)",
                      "KiB",
                      {t: median_row(rss[t]) for t in usable}, False, tools,
                      lines)
        if want("startup"):
            table("start-up: connect to a closed port, start to exit (ms)",
                  "ms", startup(tools, sockcat, a.repeat), False,
                  tools + (["busybox nc"] if shutil.which("busybox")
                           else []), lines)
        if want("transactions"):
            table("transactions: echo x | TOOL connect, against an echo "
                  "server (per second)", "/s",
                  transactions(tools, sockcat, 50 if a.quick else 200),
                  True, tools, lines)
        if want("pingpong"):
            table("64-byte round trips through the server's stdin and "
                  "stdout (per second)", "/s",
                  pingpong(tools, sockcat, 1 if a.quick else 2), True,
                  tools, lines)
        if want("udp"):
            udp_rows(tools, sockcat, a.quick, lines)
        if want("crowd"):
            crowd_row(sockcat, lines)
        if want("bulk-idle"):
            with open(os.path.join(tmp, "file64"), "wb") as f:
                for _ in range(IDLE_MIB):
                    f.write(chunk)
            bulk_idle_rows(tools, sockcat, tmp, a.repeat, lines)
        if want("crowd10k"):
            crowd10k_row(sockcat, a.quick, a.repeat, lines)
        if want("idlebulk"):
            idlebulk_row(sockcat, a.quick, a.repeat, lines)
        if want("uploaders"):
            uploaders_row(sockcat, a.quick, a.repeat, lines)
    finally:
        shutil.rmtree(tmp)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write("\n".join(lines) + "\n")


def bulk_idle_rows(tools, sockcat, tmp, repeat, lines):
    """The bulk shapes with the receiver's stdin an idle pipe."""
    size = IDLE_MIB << 20
    for shape in IDLE_SHAPES:
        usable = [t for t in tools
                  if bulk(t, shape, size, tmp, sockcat, True, src="file64",
                          tmo=IDLE_TMO) is not None]
        secs = {t: [] for t in usable}
        for _ in range(repeat):
            for t in usable:
                r = bulk(t, shape, size, tmp, sockcat, False, src="file64",
                         tmo=IDLE_TMO)
                if r:
                    secs[t].append(size / r[0] / 1e6)
        table("bulk-idle %s, %d MiB: %s (MB/s; n/a: did not end by "
              "itself within %d s, or wrong)" % (shape[5:], IDLE_MIB,
                                                 IDLE_SHAPES[shape],
                                                 IDLE_TMO),
              "MB/s", {t: median_row(secs[t]) for t in usable}, True,
              tools, lines)


def udp_rows(tools, sockcat, quick, lines):
    blast = build("udpblast")  # a plain C sendto loop and pacer
    n = 50000 if quick else 200000
    table("udp-send: %d lines of 64 bytes (datagrams per second)" % n,
          "/s", udp_send_rate(sockcat, blast, n), True,
          ["sockcat udp-send", "C sendto loop"], lines)
    for rate in (50000, 100000, 200000, 400000):
        table("UDP loss: 100000 datagrams of 64 bytes at %d/s "
              "(percent lost, lower is better)" % rate, "%",
              udp_loss(tools, sockcat, blast, rate, 100000), False,
              tools, lines)


def crowd_row(sockcat, lines):
    c = crowd(sockcat, 1000)
    lines += ["", "### 1000 clients at once, each sends a line and holds "
              "(serve -k)", ""]
    if c:
        lines.append("all lines on stdout after %.3f s (%d missing); "
                     "%d process(es); server PSS %s KiB" %
                     (c[0], c[3], c[1], c[2]))
    else:
        lines.append("n/a")
    print("\n".join(lines[-3:]), flush=True)


if __name__ == "__main__":
    main()
