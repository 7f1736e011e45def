#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""The demo lab's "internet" resolver: answers every A query with one
address and every AAAA query with another, so LAN hosts can resolve and
then connect. Standard library only; a lab tool, not the product."""
import socket, struct, sys


def answer(q, a4, a6):
    if len(q) < 17:
        return None
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    if flags & 0x8000 or qd != 1:
        return None
    i = 12
    while i < len(q) and q[i]:
        i += 1 + q[i]
    if i + 5 > len(q):
        return None
    qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
    question = q[12:i + 5]
    rdata = {1: socket.inet_pton(socket.AF_INET, a4), 28: socket.inet_pton(socket.AF_INET6, a6)}
    if qtype not in rdata:
        return struct.pack("!HHHHHH", qid, 0x8180, 1, 0, 0, 0) + question
    rr = b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 60, len(rdata[qtype])) + rdata[qtype]
    return struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + rr


def main():
    listen, a4, a6 = sys.argv[1], sys.argv[2], sys.argv[3]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((listen, 53))
    while True:
        q, peer = s.recvfrom(2048)
        r = answer(q, a4, a6)
        if r:
            s.sendto(r, peer)


if __name__ == "__main__":
    main()
