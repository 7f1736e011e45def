#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Send one DNS query inside a GRE or ERSPAN (type II) tunnel, over a raw
IPPROTO_GRE socket: the kernel writes the outer IPv4 header, so this
needs no ip_gre module (kernels built without it still carry the packet
across the box as it would cross a real network).

Usage: send_tunnelled.py gre|erspan OUTER_DST INNER_SRC INNER_DST QNAME ID
(the outer source is the route's; ID is the GRE key or the ERSPAN session)
"""
import socket, struct, sys

def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def query(qname):
    q = b''.join(bytes([len(l)]) + l.encode() for l in qname.split('.')) + b'\0'
    return struct.pack('!HHHHHH', 0x4242, 0x0100, 1, 0, 0, 0) + q + struct.pack('!HH', 1, 1)

def ipv4_udp(src, dst, sport, dport, payload):
    udp = struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
    return hdr + udp

def main():
    kind, odst, isrc, idst, qname, tid = sys.argv[1:7]
    tid = int(tid)
    inner = ipv4_udp(isrc, idst, 40053, 53, query(qname))
    if kind == 'gre':
        gre = struct.pack('!HHI', 0x2000, 0x0800, tid) + inner      # K: the key
    elif kind == 'erspan':
        frame = b'\x02\0\0\0\0\x02' + b'\x02\0\0\0\0\x01' + b'\x08\x00' + inner
        # S: a sequence number; ERSPAN II: version 1, VLAN 0, the session
        gre = struct.pack('!HHI', 0x1000, 0x88be, 1) + \
            struct.pack('!II', 1 << 28 | (tid & 0x3ff), 0) + frame
    else:
        sys.exit(f'send_tunnelled.py: {kind}: gre or erspan')
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_GRE)
    s.sendto(gre, (odst, 0))

if __name__ == '__main__':
    main()
