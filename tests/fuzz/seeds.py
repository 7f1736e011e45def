#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Seed inputs for the fuzzers whose inputs are binary (run.sh).

  seeds.py state|ipc|dpanswer DIR   writes the seeds of that fuzzer to DIR
"""
import struct
import sys


def v(n):
    """A protobuf varint."""
    out = b""
    while True:
        b = n & 0x7f
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def ld(field, b):
    """A length-delimited protobuf field."""
    return v(field << 3 | 2) + v(len(b)) + b


U = b"aaaaaaaa-0000-4000-8000-000000000001"


def state():
    """ids.state (vk_state.h): an IPv4 /32 with one attribute, a domain with two."""
    def attr(t, u, val):
        return struct.pack("<BB", t, len(u)) + u + struct.pack("<H", len(val)) + val
    e1 = struct.pack("<IBBHBBH", 1, 1, 32, 0, 0, 4, 0) + bytes([10, 1, 2, 3]) + \
        struct.pack("<I", 1) + attr(2, b"A" * 16, b"10.1.2.3")
    e2 = struct.pack("<IBBHBBH", 3, 5, 0, 0, 0, 0, 7) + b"evil.se" + struct.pack("<I", 2) + \
        attr(5, U, b"evil.se") + attr(5, b"B" * 16, b"evil.se")
    return {"seed": b"VKSTATE2" + struct.pack("<QQ", 7, 2) + e1 + e2}


def ipc():
    """Request{update{generation 2 (a delta), add[{uuid, IP_DST, 192.0.2.7}], remove_uuid}}."""
    ind = ld(1, U) + v(2 << 3) + v(2) + ld(3, b"192.0.2.7")
    upd = v(1 << 3) + v(2) + ld(3, ind) + ld(4, b"bbbbbbbb-0000-4000-8000-000000000001")
    return {"update": ld(1, upd)}


def dpanswer():
    """Response{event{...}} and Response{counters{counter{...}, instance}}."""
    ev = v(1 << 3) + v(1795359900 * 10 ** 9) + ld(2, U) + ld(3, b"evil.se") + \
        ld(4, b"dns_qname") + ld(5, b"10.1.2.3") + ld(6, b"10.0.0.53") + v(7 << 3) + v(17) + \
        ld(11, b"www.evil.se")
    c = ld(1, ld(1, U) + ld(2, b"evil.se") + v(3 << 3) + v(5)) + ld(2, b"boot/1")
    return {"event": ld(4, ev), "counters": ld(3, c)}


def main():
    for name, data in {"state": state, "ipc": ipc, "dpanswer": dpanswer}[sys.argv[1]]().items():
        with open("%s/%s" % (sys.argv[2], name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
