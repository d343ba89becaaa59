#!/usr/bin/env python3
"""Check sockcat --json output against the man page's schema: every line
of FILE (stderr of a session) must be one JSON object whose "event" is
known and whose members have the types the schema gives; prints the
events seen, one a line, and exits 1 at the first line that is not so.

usage: json-events.py FILE
"""
import json
import sys

STR, INT, NUM, BOOL = str, int, (int, float), bool

# event: (required members, optional members)
WHERE = {"address": STR, "port": INT, "path": STR}
SCHEMA = {
    "listening": ({}, WHERE),
    "connection": ({}, WHERE),
    "connected": ({}, dict(WHERE, via_proxy=BOOL)),
    "attempt": ({}, WHERE),
    "attempt_failed": ({"message": STR}, dict(WHERE, errno=STR)),
    "closed": ({"bytes_sent": INT, "bytes_received": INT},
               dict(WHERE, seconds=NUM, dropped_after=NUM, message=STR,
                    errno=STR)),
    "totals": ({"bytes_sent": INT},
               {"bytes_received": INT, "seconds": NUM, "all": BOOL,
                "datagrams": INT}),
    "idle": ({"seconds": NUM}, {}),
    "tls": ({"tls_version": STR, "cipher": STR, "peer_subject": STR,
             "alpn": STR}, dict(WHERE, issuer=STR, expires=STR)),
    "tls_pin": ({"pin": STR}, {}),
    "proxy": ({"scheme": STR}, WHERE),
    "retry": ({"try": INT, "delay": NUM}, {}),
    "datagram": ({"bytes": INT}, dict(WHERE, ignored=BOOL)),
    "command_ended": ({"pid": INT, "status": INT}, {}),
    "accept_wait": ({"message": STR}, {"errno": STR}),
    "refused": ({}, dict(WHERE, bytes=INT)),
    "unrouted": ({}, {"label": STR}),
    "error": ({"message": STR}, {"errno": STR}),
    "warning": ({"message": STR}, {"errno": STR}),
}


def fail(n, line, why):
    print("json-events.py: line %d: %s: %r" % (n, why, line))
    sys.exit(1)


def main():
    with open(sys.argv[1], "rb") as f:
        lines = f.read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for n, raw in enumerate(lines, 1):
        try:
            line = raw.decode("utf-8")
            obj = json.loads(line)
        except (UnicodeDecodeError, ValueError) as e:
            fail(n, raw, "not JSON (%s)" % e)
        if not isinstance(obj, dict) or not isinstance(obj.get("event"), str):
            fail(n, raw, "not an object with an event")
        ev = obj["event"]
        if ev not in SCHEMA:
            fail(n, raw, "unknown event")
        need, may = SCHEMA[ev]
        for k, t in need.items():
            if k not in obj:
                fail(n, raw, "no %s" % k)
        for k, v in obj.items():
            if k == "event":
                continue
            t = need.get(k, may.get(k))
            if t is None:
                fail(n, raw, "unknown member %s" % k)
            if isinstance(v, bool) and t is not BOOL:
                fail(n, raw, "%s is a boolean" % k)
            if not isinstance(v, t):
                fail(n, raw, "%s of a wrong type" % k)
        if "port" in obj and "address" not in obj:
            fail(n, raw, "a port without an address")
        print(ev)


main()
