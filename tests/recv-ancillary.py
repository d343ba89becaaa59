#!/usr/bin/env python3
"""A UDP receiver that reports what the IP header said: one datagram
received with IP_RECVTTL and IP_RECVTOS (IPv6: IPV6_RECVHOPLIMIT and
IPV6_RECVTCLASS), printed as 'ttl=N tos=N data=...'.  A python3 stand-in:
no packaged tool prints a datagram's TTL and TOS on its own.

usage: recv-ancillary.py --listen PORTFILE [--six | --join GROUP]
"""
import argparse
import os
import socket
import struct

IP_RECVTTL = 12
IP_RECVTOS = 13
IP_TTL = 2
IP_TOS = 1
IPV6_RECVHOPLIMIT = 51
IPV6_HOPLIMIT = 52
IPV6_RECVTCLASS = 66
IPV6_TCLASS = 67


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--six", action="store_true")
    ap.add_argument("--join", help="an IPv4 group to join and bind")
    a = ap.parse_args()
    fam = socket.AF_INET6 if a.six else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if a.six:
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1)
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVTCLASS, 1)
        s.bind(("::1", 0))
    else:
        s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
        s.setsockopt(socket.IPPROTO_IP, IP_RECVTOS, 1)
        s.bind((a.join or "127.0.0.1", 0))
        if a.join:
            mreq = socket.inet_aton(a.join) + socket.inet_aton("0.0.0.0")
            s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    tmp = a.listen + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(tmp, a.listen)
    s.settimeout(10)
    data, anc, _, _ = s.recvmsg(65536, 256)
    ttl = tos = -1
    for level, kind, val in anc:
        if level == socket.IPPROTO_IP and kind == IP_TTL:
            ttl = struct.unpack("i", val[:4])[0]
        elif level == socket.IPPROTO_IP and kind == IP_TOS:
            tos = val[0]
        elif level == socket.IPPROTO_IPV6 and kind == IPV6_HOPLIMIT:
            ttl = struct.unpack("i", val[:4])[0]
        elif level == socket.IPPROTO_IPV6 and kind == IPV6_TCLASS:
            tos = struct.unpack("i", val[:4])[0]
    print("ttl=%d tos=%d data=%s" % (ttl, tos, data.decode(errors="replace").strip()), flush=True)


if __name__ == "__main__":
    main()
