#!/usr/bin/env python3
"""sockcat --tls against ncat --ssl, socat OPENSSL and, as a reference,
openssl s_server/s_client, side by side in one run on 127.0.0.1 (issue
13): bulk each way, handshakes a second against a many-client server,
and start-up.  Medians, min-max and the ratio of sockcat to the best of
ncat and socat; not part of `make check`.

usage: tlsbench.py [--sockcat PATH] [--size MiB] [--repeat N] [--quick]
                   [--only ROW,...] [--tools PEER,...] [--markdown FILE]

Every tool uses the same certificate (P-256, made here with openssl for
CN=localhost, SAN DNS:localhost, IP:127.0.0.1, signed by a throwaway
CA) and every client checks it against that CA, so each side does the
same work; all of them link the same libssl.so.3, and the 'negotiated'
row shows what each one settles on with python3's ssl.  Beside the
rates: the CPU of both bulk processes a GiB (their rusage, through
bench.LAST_CPU), the handshake server's CPU a client, and the one-core
AES-256-GCM speed of `openssl speed` as the bulk ceiling.  The helpers
(free ports, run_pair, time-outs, medians, interleaving) are
bench.py's: every process runs under a time-out, every port is a free
one, every transfer is checked (sha256) before it is timed, and the
tools take turns (A B C A B C ...).
"""
import argparse
import hashlib
import os
import platform
import shlex
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench as B  # noqa: E402

TMO = B.TMO
BULK_TMO = 60
PEERS = ("ncat", "socat")   # the goal is set against the best of these
REF = "openssl"             # s_server / s_client: a reference, not a peer

# How each tool plays each role, so that it ends by itself.  {S} sockcat,
# {P} the port, {C} {K} the certificate and key, {CA} the CA file.  A
# role listed in IDLE gets a stdin that stays open and is never written
# (a pipe held here, as a terminal is): those servers end the session at
# their stdin's EOF, or half-close (with a bare FIN) when told not to
# read it.
TOOLS = {
    "sockcat": {
        "recv_server": "{S} serve --tls --cert {C} --key {K} 127.0.0.1 {P}",
        "send_client": "{S} connect --tls --cacert {CA} 127.0.0.1 {P}",
        "send_server": "{S} serve --tls --cert {C} --key {K} 127.0.0.1 {P}",
        "recv_client": "{S} connect --tls --cacert {CA} 127.0.0.1 {P}",
        "many_server": "{S} serve -k -d --tls --cert {C} --key {K} "
                       "127.0.0.1 {P}",
        "hs_client": "{S} connect --tls --cacert {CA} 127.0.0.1 {P}",
    },
    "ncat": {
        # --recv-only makes ncat shutdown(SHUT_WR) at once (a FIN with
        # no close_notify) and --send-only never reads the TLS 1.3
        # session tickets, so its close is a reset that loses the end of
        # the data: neither is used.  -4 localhost: ncat --ssl-verify
        # checks names only, not an IP address.
        "recv_server": "ncat -l --ssl --ssl-cert {C} --ssl-key {K} "
                       "127.0.0.1 {P}",
        "send_client": "ncat -4 --ssl --ssl-verify --ssl-trustfile {CA} "
                       "localhost {P}",
        "send_server": "ncat -l --send-only --ssl --ssl-cert {C} "
                       "--ssl-key {K} 127.0.0.1 {P}",
        "recv_client": "ncat -4 --recv-only --ssl --ssl-verify "
                       "--ssl-trustfile {CA} localhost {P}",
        "many_server": "ncat -l -k --ssl --ssl-cert {C} --ssl-key {K} "
                       "127.0.0.1 {P}",
        "hs_client": "ncat -4 --ssl --ssl-verify --ssl-trustfile {CA} "
                     "localhost {P}",
    },
    "socat": {
        "recv_server": "socat -u OPENSSL-LISTEN:{P},bind=127.0.0.1,"
                       "reuseaddr,cert={C},key={K},verify=0 STDOUT",
        "send_client": "socat -u STDIN OPENSSL:127.0.0.1:{P},cafile={CA}",
        "send_server": "socat -u STDIN OPENSSL-LISTEN:{P},bind=127.0.0.1,"
                       "reuseaddr,cert={C},key={K},verify=0",
        "recv_client": "socat -u OPENSSL:127.0.0.1:{P},cafile={CA} STDOUT",
        "many_server": "socat -u OPENSSL-LISTEN:{P},bind=127.0.0.1,"
                       "reuseaddr,fork,cert={C},key={K},verify=0 STDOUT",
        "hs_client": "socat -u STDIN OPENSSL:127.0.0.1:{P},cafile={CA}",
    },
    "openssl": {
        # -quiet implies -ign_eof in s_client (it would never close at
        # stdin's EOF): -no_ign_eof for the senders; -nocommands, or a
        # line of the data that starts with K, R or Q is a command.
        # -nbio: without it s_server now and then (1 run in 5-10) blocks
        # in SSL_read on a socket select() said was readable while its
        # s_client waits for data: both hang until the time-out.
        "recv_server": "openssl s_server -nbio -quiet -naccept 1 -accept "
                       "127.0.0.1:{P} -cert {C} -key {K}",
        "send_client": "openssl s_client -quiet -nocommands -no_ign_eof "
                       "-verify_return_error -CAfile {CA} "
                       "-connect 127.0.0.1:{P}",
        "send_server": "openssl s_server -nbio -quiet -naccept 1 -accept "
                       "127.0.0.1:{P} -cert {C} -key {K}",
        "recv_client": "openssl s_client -quiet -nocommands "
                       "-verify_return_error -CAfile {CA} "
                       "-connect 127.0.0.1:{P}",
        "many_server": "openssl s_server -nbio -quiet -accept "
                       "127.0.0.1:{P} -cert {C} -key {K}",
        "hs_client": "openssl s_client -quiet -nocommands -no_ign_eof "
                     "-verify_return_error -CAfile {CA} "
                     "-connect 127.0.0.1:{P}",
    },
}
IDLE = {("ncat", "recv_server"), ("ncat", "many_server"),
        ("openssl", "recv_server"), ("openssl", "many_server")}

# Start-up: (label, command) run against a closed port {P}.
STARTUP = [
    ("sockcat connect (plain)", "{S} connect 127.0.0.1 {P}"),
    ("sockcat connect --tls --ciphers=BOGUS (loads libssl, exit 2)",
     "{S} connect --tls --ciphers=BOGUS 127.0.0.1 {P}"),
    ("sockcat connect --tls --cacert (loads libssl and the CA, refused)",
     "{S} connect --tls --cacert {CA} 127.0.0.1 {P}"),
    ("ncat (plain)", "ncat 127.0.0.1 {P}"),
    ("ncat --ssl --ssl-verify --ssl-trustfile (refused)",
     "ncat --ssl --ssl-verify --ssl-trustfile {CA} 127.0.0.1 {P}"),
    ("socat TCP (plain)", "socat -u STDIN TCP:127.0.0.1:{P}"),
    ("socat OPENSSL cafile= (refused)",
     "socat -u STDIN OPENSSL:127.0.0.1:{P},cafile={CA}"),
    ("openssl s_client -CAfile (refused)",
     "openssl s_client -CAfile {CA} -connect 127.0.0.1:{P}"),
]
STARTUP_MINE = 2        # index of the sockcat TLS start compared
STARTUP_PEERS = (4, 6)  # ncat --ssl, socat OPENSSL
STARTUP_REF = 7


class Env:
    """The run's files and settings."""

    def __init__(self, sockcat, tmp):
        self.sockcat = sockcat
        self.tmp = tmp
        self.cert = os.path.join(tmp, "cert.pem")
        self.key = os.path.join(tmp, "key.pem")
        self.ca = os.path.join(tmp, "ca.pem")
        self.line = os.path.join(tmp, "line")
        with open(self.line, "wb") as f:
            f.write(b"x\n")

    def cmd(self, tool, role, port):
        return TOOLS[tool][role].format(S=self.sockcat, P=port, C=self.cert,
                                        K=self.key, CA=self.ca)


def make_certs(tmp):
    """A throwaway CA and a P-256 server certificate it signed, for
    CN=localhost with SAN DNS:localhost, IP:127.0.0.1."""
    ext = os.path.join(tmp, "ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                "basicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature\n"
                "extendedKeyUsage=serverAuth\n")
    j = lambda n: os.path.join(tmp, n)  # noqa: E731
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    for argv in (
            ["openssl", "req", "-x509"] + ec + ["-keyout", j("ca.key"),
             "-out", j("ca.pem"), "-days", "2", "-subj", "/CN=tlsbench CA"],
            ["openssl", "req"] + ec + ["-keyout", j("key.pem"), "-out",
             j("srv.csr"), "-subj", "/CN=localhost"],
            ["openssl", "x509", "-req", "-in", j("srv.csr"), "-CA",
             j("ca.pem"), "-CAkey", j("ca.key"), "-CAcreateserial", "-out",
             j("cert.pem"), "-days", "2", "-extfile", ext]):
        subprocess.run(argv, check=True, timeout=TMO, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)


# ---------------------------------------------------------------- bulk

DIRS = {
    "up": "client sends: {send_client} < file  ->  {recv_server} > out",
    "down": "server sends: {send_server} < file  ->  {recv_client} > out",
}


def bulk(env, tool, way, src, want=None):
    """One transfer of the file src one way; MB/s, or None when it did
    not end within the time-out or (want: its sha256) came out wrong."""
    port = B.free_port()
    dst = os.path.join(env.tmp, "out") if want else os.devnull
    size = os.path.getsize(src)
    devnull = open(os.devnull, "rb")
    idle_r = idle_w = None
    if way == "up":
        role_s, role_c = "recv_server", "send_client"
        server = env.cmd(tool, role_s, port) + " > " + dst
        client = "exec %s < %s" % (env.cmd(tool, role_c, port), src)
    else:
        role_s, role_c = "send_server", "recv_client"
        server = env.cmd(tool, role_s, port) + " < " + src
        client = "exec %s > %s" % (env.cmd(tool, role_c, port), dst)
    sin = cin = devnull
    if (tool, role_s) in IDLE:
        idle_r, idle_w = os.pipe()
        sin = idle_r
    try:
        secs = B.run_pair(server, client, (sin, subprocess.DEVNULL),
                          (cin, subprocess.DEVNULL), port, tmo=BULK_TMO)[0]
    finally:
        devnull.close()
        if idle_r is not None:
            os.close(idle_r)
            os.close(idle_w)
    if secs is None:
        print("  %s %s: did not end within %d s" % (tool, way, BULK_TMO),
              flush=True)
        return None
    if want:
        got = sha256(dst)
        n = os.path.getsize(dst)
        os.unlink(dst)
        if got != want:
            print("  %s %s: wrong: %d of %d bytes, sha256 %s" %
                  (tool, way, n, size, got[:16]), flush=True)
            return None
    cpu = sum(B.LAST_CPU) / (size / 2.0 ** 30)
    return size / secs / 1e6, cpu


def bulk_rows(env, tools, size_mib, repeat, lines):
    src = os.path.join(env.tmp, "file")
    chunk = os.urandom(1 << 20)
    with open(src, "wb") as f:
        for _ in range(size_mib):
            f.write(chunk)
    want = sha256(src)
    for way in DIRS:
        ceil = []
        # Integrity first, once per tool, on the real file.
        usable = [t for t in tools if bulk(env, t, way, src, want)]
        mbs = {t: [] for t in usable}
        cpu = {t: [] for t in usable}
        for _ in range(repeat):
            for t in usable:
                r = bulk(env, t, way, src)
                if r:
                    mbs[t].append(r[0])
                    cpu[t].append(r[1])
            c = crypto_ceiling()
            if c:
                ceil.append(c)
        table("TLS bulk %s, %d MiB: %s (MB/s)" % (way, size_mib, DIRS[way]),
              "MB/s", {t: B.median_row(mbs[t]) for t in usable}, True,
              tools, lines,
              extra={t: "CPU %.2f s a GiB (%.2f-%.2f)" %
                     B.median_row(cpu[t]) for t in usable if cpu[t]})
        cm = {t: statistics.median(cpu[t]) for t in usable if cpu[t]}
        cp = [cm[t] for t in PEERS if t in cm]
        if "sockcat" in cm and cp:
            lines.append("- CPU a GiB, server and client together: the "
                         "best peer's / sockcat's: %.2fx (above 1: "
                         "sockcat uses less)" % (min(cp) / cm["sockcat"]))
            print(lines[-1], flush=True)
        if ceil and mbs.get("sockcat"):
            c = statistics.median(ceil)
            lines += ["- ceiling: AES-256-GCM on one core (`openssl speed "
                      "-evp aes-256-gcm -bytes 16384`, one run a round): "
                      "%.0f MB/s (%.0f-%.0f); sockcat reaches %.0f%% of it"
                      % (c, min(ceil), max(ceil),
                         100 * statistics.median(mbs["sockcat"]) / c)]
            print(lines[-1], flush=True)
    os.unlink(src)
    shown = dict(S="sockcat", P="PORT", C="cert.pem", K="key.pem",
                 CA="ca.pem")
    lines += ["", "Bulk commands (server; client; stdin /dev/null unless "
              "marked):", ""]
    for t in tools:
        for way, (rs, rc) in (("up", ("recv_server", "send_client")),
                              ("down", ("send_server", "recv_client"))):
            lines.append("- %s %s: `%s%s`; `%s`" % (
                t, way, TOOLS[t][rs].format(**shown),
                " <idle pipe" if (t, rs) in IDLE else "",
                TOOLS[t][rc].format(**shown)))
    print("\n".join(lines[-2 * len(tools):]), flush=True)


def crypto_ceiling():
    """MB/s of AES-256-GCM on 16 KiB records, one core (the sender
    encrypts and the receiver decrypts, each on its own core at best)."""
    try:
        r = subprocess.run(["openssl", "speed", "-evp", "aes-256-gcm",
                            "-bytes", "16384", "-seconds", "1"],
                           capture_output=True, text=True, timeout=TMO)
    except subprocess.TimeoutExpired:
        return None
    for ln in r.stdout.splitlines():
        f = ln.split()
        if f and f[0] == "AES-256-GCM" and f[-1].endswith("k"):
            return float(f[-1][:-1]) * 1000 / 1e6
    return None


# ---------------------------------------------------------- handshakes

def py_client_ctx(env):
    ctx = ssl.create_default_context(cafile=env.ca)
    return ctx


def py_client(ctx, port):
    """One full handshake (a fresh context session each time: no
    resumption), "x\\n", our close_notify, and wait for the server to
    close.  True when the handshake and the send went through."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        t = ctx.wrap_socket(s, server_hostname="127.0.0.1")
        t.sendall(b"x\n")
        try:
            t.unwrap()          # sends close_notify, waits for the peer's
        except (ssl.SSLError, OSError):
            pass                # the server closed with a bare FIN
        return True
    except (ssl.SSLError, OSError):
        return False
    finally:
        s.close()


def handshake_round(env, tool, client, n, warm=3):
    """n sequential clients against tool's many-client server, each a
    full handshake, "x\\n" and a close; returns (per second, bad clients,
    lines that did not arrive), or None when the server did not listen.
    client: "own" (the tool's own client, a process each) or "python"."""
    port = B.free_port()
    out = os.path.join(env.tmp, "hs-out")
    fout = open(out, "wb")
    idle_r = idle_w = None
    sin = subprocess.DEVNULL
    if (tool, "many_server") in IDLE:
        idle_r, idle_w = os.pipe()
        sin = idle_r
    srv = subprocess.Popen(["sh", "-c", "exec " +
                            env.cmd(tool, "many_server", port)],
                           stdin=sin, stdout=fout, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    fout.close()
    try:
        if not B.wait_listening(port, srv):
            return None
        if client == "python":
            ctx = py_client_ctx(env)

            def one():
                return py_client(ctx, port)
        else:
            argv = shlex.split(env.cmd(tool, "hs_client", port))

            def one():
                with open(env.line, "rb") as fi:
                    try:
                        r = subprocess.run(argv, stdin=fi,
                                           stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL,
                                           timeout=20)
                    except subprocess.TimeoutExpired:
                        return False
                return r.returncode == 0
        for _ in range(warm):
            one()
        bad = 0
        cpu0 = tree_cpu(srv.pid)
        t0 = time.perf_counter()
        for _ in range(n):
            bad += not one()
        secs = time.perf_counter() - t0
        cpu = tree_cpu(srv.pid) - cpu0
        # socat's forked children may still be writing: wait for the
        # lines a little (not timed).
        end = time.time() + 5
        while time.time() < end:
            with open(out, "rb") as f:
                got = f.read().count(b"x\n")
            if got >= n + warm:
                break
            time.sleep(0.05)
        return n / secs, bad, n + warm - got, cpu / n * 1000
    finally:
        B.kill(srv)
        if idle_r is not None:
            os.close(idle_r)
            os.close(idle_w)
        os.unlink(out)


def tree_cpu(pid):
    """CPU seconds of a live process and of its children it has reaped
    (socat's forked ones): utime + stime + cutime + cstime, in clock
    ticks."""
    with open("/proc/%d/stat" % pid) as f:
        s = f.read()
    f = s[s.rindex(")") + 2:].split()
    return sum(int(x) for x in f[11:15]) / os.sysconf("SC_CLK_TCK")


def handshake_rows(env, tools, quick, repeat, lines):
    for client, n in (("own", 50 if quick else 200),
                      ("python", 100 if quick else 500)):
        res = {t: [] for t in tools}
        cpu = {t: [] for t in tools}
        bad = {t: 0 for t in tools}
        lost = {t: 0 for t in tools}
        for _ in range(max(3, repeat)):
            for t in tools:
                r = handshake_round(env, t, client, n)
                if r is None:
                    continue
                res[t].append(r[0])
                cpu[t].append(r[3])
                bad[t] += r[1]
                lost[t] += r[2]
        title = ("TLS handshakes: %d sequential clients, each its own "
                 "process (the tool's own client), a full handshake, "
                 "\"x\\n\" and a close (per second)" % n
                 if client == "own" else
                 "TLS handshakes: one python3 ssl client in a loop, %d "
                 "full handshakes, \"x\\n\", close_notify and wait for "
                 "the server's close (per second): only the server "
                 "differs" % n)
        table(title, "/s", {t: B.median_row(res[t]) for t in tools}, True,
              tools, lines,
              extra={t: "server CPU %.2f ms a client (%.2f-%.2f); "
                     "client exit != 0: %d, lines lost: %d" %
                     (B.median_row(cpu[t]) + (bad[t], lost[t]))
                     for t in tools if res[t]})
        cm = {t: statistics.median(cpu[t]) for t in tools if cpu[t]}
        cp = [cm[t] for t in PEERS if cm.get(t)]
        if cm.get("sockcat") and cp:
            lines.append("- server CPU a client: the best peer's / "
                         "sockcat's: %.2fx (above 1: sockcat uses less; "
                         "clock ticks of 10 ms over the whole loop)" %
                         (min(cp) / cm["sockcat"]))
            print(lines[-1], flush=True)
    lines += ["", "Servers: " + "; ".join(
        "%s: `%s`" % (t, TOOLS[t]["many_server"].format(
            S="sockcat", P="PORT", C="cert.pem", K="key.pem"))
        for t in tools) + ".  ncat's and s_server's stdin is an idle pipe."]
    print(lines[-1], flush=True)


# ------------------------------------------------------------- start-up

def startup_rows(env, tools, repeat, lines):
    port = B.free_port()        # nobody listens there
    have = [(lbl, c) for lbl, c in STARTUP
            if c.split()[0] in tools + ["{S}"] and
            shutil.which(c.split()[0].replace("{S}", env.sockcat))]
    times = {lbl: [] for lbl, _ in have}
    for _ in range(max(3, repeat)):
        for lbl, c in have:
            c = c.format(S=env.sockcat, P=port, CA=env.ca)
            times[lbl] += [x * 1000 for x in B.start_times(c, 40)]
    res = {lbl: B.median_row(times[lbl]) for lbl, _ in have}
    labels = [lbl for lbl, _ in have]
    lines += ["", "### start-up to exit against a closed port (ms; "
              "hyperfine -N, 40 runs a round, rounds interleaved)", "",
              "| command | median (min-max) |", "|---|---|"]
    for lbl in labels:
        lines.append("| %s | %s |" % (lbl, B.fmt(res[lbl], "ms")))
    mine = res.get(STARTUP[STARTUP_MINE][0])
    plain = res.get(STARTUP[0][0])
    peers = [res[STARTUP[i][0]][0] for i in STARTUP_PEERS
             if res.get(STARTUP[i][0])]
    ref = res.get(STARTUP[STARTUP_REF][0])
    notes = []
    if mine and plain:
        notes.append("sockcat's TLS start costs %.2f ms over its plain "
                     "start (%.2fx)" % (mine[0] - plain[0],
                                        mine[0] / plain[0]))
    if mine and peers:
        notes.append("sockcat --tls --cacert / best TLS peer start: "
                     "**%.2fx** (above 1: sockcat is faster)" %
                     (min(peers) / mine[0]))
    if mine and ref:
        notes.append("against openssl s_client: %.2fx" % (ref[0] / mine[0]))
    lines += [""] + ["- " + x for x in notes]
    print("\n".join(lines[-(len(labels) + len(notes) + 6):]), flush=True)


# ----------------------------------------------------------- negotiated

def probe_server(env, tool):
    """What tool's server settles on with python3's default client."""
    port = B.free_port()
    idle_r = idle_w = None
    sin = subprocess.DEVNULL
    if (tool, "recv_server") in IDLE:
        idle_r, idle_w = os.pipe()
        sin = idle_r
    srv = subprocess.Popen(["sh", "-c", "exec " +
                            env.cmd(tool, "recv_server", port)],
                           stdin=sin, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        if not B.wait_listening(port, srv):
            return "did not listen"
        ctx = py_client_ctx(env)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            with ctx.wrap_socket(s, server_hostname="127.0.0.1") as t:
                return "%s %s" % (t.version(), t.cipher()[0])
    except (ssl.SSLError, OSError) as e:
        return "error: %s" % e
    finally:
        B.kill(srv)
        if idle_r is not None:
            os.close(idle_r)
            os.close(idle_w)


def probe_client(env, tool):
    """What tool's client settles on with python3's default server."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(env.cert, env.key)
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    ls.settimeout(10)
    port = ls.getsockname()[1]
    seen = {}

    def serve():
        try:
            c, _ = ls.accept()
            c.settimeout(10)
            with ctx.wrap_socket(c, server_side=True) as t:
                seen["v"] = "%s %s" % (t.version(), t.cipher()[0])
                try:
                    while t.recv(4096):
                        pass
                    t.unwrap()
                except (ssl.SSLError, OSError):
                    pass
        except (ssl.SSLError, OSError) as e:
            seen["v"] = "error: %s" % e
    th = threading.Thread(target=serve, daemon=True)
    th.start()
    with open(env.line, "rb") as fi:
        try:
            subprocess.run(shlex.split(env.cmd(tool, "hs_client", port)),
                           stdin=fi, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=20)
        except subprocess.TimeoutExpired:
            pass
    th.join(15)
    ls.close()
    return seen.get("v", "nothing")


def negotiated_rows(env, tools, lines):
    lines += ["", "### negotiated (each side against python3's ssl)", "",
              "| tool | its server | its client |", "|---|---|---|"]
    for t in tools:
        lines.append("| %s | %s | %s |" % (t, probe_server(env, t),
                                          probe_client(env, t)))
    print("\n".join(lines[-(len(tools) + 4):]), flush=True)


# ---------------------------------------------------------------- table

def table(title, unit, results, higher_better, tools, lines, extra=None):
    """bench.py's table, with the ratio to the best of ncat and socat
    (the goal) and to openssl (a reference) apart."""
    lines += ["", "### " + title, ""]
    if extra:
        lines += ["| tool | median (min-max) | |", "|---|---|---|"]
    else:
        lines += ["| tool | median (min-max) |", "|---|---|"]
    for t in tools:
        row = "| %s | %s |" % (t, B.fmt(results.get(t), unit))
        if extra:
            row += " %s |" % extra.get(t, "")
        lines.append(row)
    mine = results.get("sockcat")

    def ratio(v):
        return mine[0] / v if higher_better else v / mine[0]
    peers = {t: results[t][0] for t in PEERS if results.get(t)}
    notes = []
    if mine and mine[0] > 0 and peers and min(peers.values()) > 0:
        best = (max if higher_better else min)(peers, key=peers.get)
        notes.append("sockcat / best peer (%s): **%.2fx** (above 1: "
                     "sockcat is better)" % (best, ratio(peers[best])))
    if mine and results.get(REF):
        notes.append("sockcat / openssl s_server+s_client: %.2fx" %
                     ratio(results[REF][0]))
    lines += [""] + ["- " + x for x in notes]
    print("\n".join(lines[-(len(tools) + 6 + len(notes)):]), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sockcat", default=os.path.join(HERE, "..", "sockcat"))
    ap.add_argument("--size", type=int, default=512, help="MiB")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--markdown")
    ap.add_argument("--only", help="comma-separated rows: negotiated, "
                    "bulk, handshakes, startup")
    ap.add_argument("--tools", help="comma-separated others to run beside "
                    "sockcat: ncat, socat, openssl (default: every "
                    "installed one)")
    a = ap.parse_args()
    only = set(a.only.split(",")) if a.only else None

    def want(row):
        return only is None or row in only
    sockcat = os.path.abspath(a.sockcat)
    if a.quick:
        a.size, a.repeat = 64, 1
    tools = ["sockcat"] + [t for t in TOOLS if t != "sockcat" and
                           shutil.which(t) and
                           (not a.tools or t in a.tools.split(","))]
    lines = ["- date: %s" % time.strftime("%Y-%m-%d %H:%M UTC",
                                          time.gmtime()),
             "- machine: %s, %d cores, %s; %s" % (
                 platform.machine(), os.cpu_count(), platform.release(),
                 ssl.OPENSSL_VERSION),
             "- sockcat: %s (sha256 %s..., modified %s)" % (
                 sockcat, sha256(sockcat)[:12],
                 time.strftime("%Y-%m-%d %H:%M UTC",
                               time.gmtime(os.path.getmtime(sockcat)))),
             "- tools: %s" % ", ".join(tools),
             "- bulk: %d MiB each way, %d runs each, tools interleaved" %
             (a.size, a.repeat),
             "- command: `python3 bench/tlsbench.py %s`" %
             " ".join(shlex.quote(x) for x in sys.argv[1:])]
    print("\n".join(lines), flush=True)
    tmp = tempfile.mkdtemp(prefix="sockcat-tlsbench-")
    try:
        make_certs(tmp)
        env = Env(sockcat, tmp)
        if want("negotiated"):
            negotiated_rows(env, tools, lines)
        if want("bulk"):
            bulk_rows(env, tools, a.size, a.repeat, lines)
        if want("handshakes"):
            handshake_rows(env, tools, a.quick, a.repeat, lines)
        if want("startup"):
            startup_rows(env, tools, a.repeat, lines)
    finally:
        shutil.rmtree(tmp)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
