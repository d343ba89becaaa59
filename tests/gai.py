#!/usr/bin/env python3
"""Print what getaddrinfo(3) returns, the way `sockcat resolve` does, as
the reference the resolve tests compare with.

usage: gai.py HOST PORT [--family F] [--type T] [--proto N] [--flags N]
HOST '' means None (the wildcard, with AI_PASSIVE); PORT '' means None.
"""
import socket
import sys

FAMILIES = {socket.AF_INET: "inet", socket.AF_INET6: "inet6"}
TYPES = {socket.SOCK_STREAM: "stream", socket.SOCK_DGRAM: "dgram",
         socket.SOCK_RAW: "raw", socket.SOCK_SEQPACKET: "seqpacket"}


def protocols():
    names = {}
    with open("/etc/protocols") as f:
        for line in f:
            fields = line.split("#")[0].split()
            if len(fields) >= 2 and int(fields[1]) not in names:
                names[int(fields[1])] = fields[0]
    return names


def main():
    host, port = sys.argv[1], sys.argv[2]
    opts = dict(zip(sys.argv[3::2], sys.argv[4::2]))
    flags = int(opts.get("--flags", "0"))
    if host == "":
        host = None
        flags |= socket.AI_PASSIVE
    res = socket.getaddrinfo(host, port or None,
                             int(opts.get("--family", "0")),
                             int(opts.get("--type", "0")),
                             int(opts.get("--proto", "0")), flags)
    protos = protocols()
    for fam, typ, proto, _canon, sa in res:
        addr = sa[0]
        if fam == socket.AF_INET6 and sa[3]:
            addr += "%" + socket.if_indextoname(sa[3])
        print(FAMILIES[fam], TYPES[typ], protos.get(proto, str(proto)),
              addr, sa[1])


main()
