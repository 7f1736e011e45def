#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Seed inputs for the fuzzers whose inputs are binary (run.sh).

  seeds.py state|ipc|dpanswer|tls DIR   writes the seeds of that fuzzer to DIR
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


def key(kind, plen=0, port=0, addr=b"", name=b""):
    """Key{kind, plen, port, addr, name} (dataplane.proto), zero fields left out."""
    out = v(1 << 3) + v(kind)
    if plen:
        out += v(2 << 3) + v(plen)
    if port:
        out += v(3 << 3) + v(port)
    if addr:
        out += ld(4, addr)
    if name:
        out += ld(5, name)
    return out


def indicator(uuid, typ, value, keys):
    return ld(1, uuid) + v(2 << 3) + v(typ) + ld(3, value) + b"".join(ld(4, k) for k in keys)


def update(gen, adds, removes=(), full=False):
    return ld(1, v(1 << 3) + v(gen) + (v(2 << 3) + v(1) if full else b"") +
              b"".join(ld(3, a) for a in adds) + b"".join(ld(4, r) for r in removes))


def ipc():
    """Request{update}: a delta adding an IP_DST and a DOMAIN_IP, removing a uuid."""
    a = indicator(U, 2, b"192.0.2.7", [key(1, 32, addr=bytes([192, 0, 2, 7]))])
    b = indicator(b"cccccccc-0000-4000-8000-000000000001", 7, b"evil.se|2001:db8::1",
                  [key(5, name=b"evil.se"), key(2, 128, addr=bytes.fromhex("20010db8" + "0" * 23 + "1"))])
    return {"update": update(2, [a, b], [b"bbbbbbbb-0000-4000-8000-000000000001"])}


def dpanswer():
    """Response{event{...}} and Response{counters{counter{...}, instance}}."""
    ev = v(1 << 3) + v(1795359900 * 10 ** 9) + ld(2, U) + ld(3, b"evil.se") + \
        ld(4, b"dns_qname") + ld(5, b"10.1.2.3") + ld(6, b"10.0.0.53") + v(7 << 3) + v(17) + \
        ld(11, b"www.evil.se")
    c = ld(1, ld(1, U) + ld(2, b"evil.se") + v(3 << 3) + v(5)) + ld(2, b"boot/1")
    return {"event": ld(4, ev), "counters": ld(3, c)}


def tls():
    """ClientHello records (a TCP payload): the SNI first, and after a
    1216-byte key share as Chrome sends it."""
    def hello(exts):
        body = b"\x03\x03" + bytes(range(32)) + b"\x20" + bytes(32) + \
            struct.pack(">H", 4) + b"\x13\x01\x13\x02" + b"\x01\x00"
        ext = b"".join(struct.pack(">HH", t, len(d)) + d for t, d in exts)
        body += struct.pack(">H", len(ext)) + ext
        hs = b"\x01" + struct.pack(">I", len(body))[1:] + body
        return b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs

    name = b"www.evil.se"
    sni = (0, struct.pack(">HBH", len(name) + 3, 0, len(name)) + name)
    versions = (0x2b, b"\x02\x03\x04")
    return {"sni-first": hello([sni, versions]),
            "sni-late": hello([(0x0a0a, b""), (0x33, bytes(1216)), sni, versions]),
            "http": b"GET /x HTTP/1.1\r\nUser-Agent: x\r\nHost: www.evil.se:8080\r\n\r\n"}


def slow():
    """Segment runs for fuzz_slow (its header: flow, flags, offset, length):
    the late-SNI hello in two segments, in order and the other way round."""
    h = tls()["sni-late"]

    def seg(flow, off, data, flags=0):
        return struct.pack(">BBHH", flow, flags, off, len(data)) + data
    a, b = h[:700], h[700:]
    return {"in-order": seg(0, 0, a, 1) + seg(0, 700, b),
            "reversed": seg(1, 700, b) + seg(1, 0, a, 1),
            "repeated": seg(2, 0, a, 1) + seg(2, 0, a, 1) + seg(2, 700, b) + seg(2, 700, b)}


def main():
    for name, data in {"state": state, "ipc": ipc, "dpanswer": dpanswer,
                       "tls": tls, "slow": slow}[sys.argv[1]]().items():
        with open("%s/%s" % (sys.argv[2], name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
