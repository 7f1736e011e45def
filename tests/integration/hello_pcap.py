#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""hello_pcap.py OUT.pcap SNI SRC DST DPORT: this Python's own TLS
ClientHello for SNI (made by its ssl module into a memory BIO, sent
nowhere) written as one TCP segment SRC -> DST:DPORT in a capture, so
`vardkase-xdp replay --hellos` can say its JA3 and JA4 before the same
client connects for real."""
import ssl, sys
from scapy.all import Ether, IP, TCP, wrpcap

out, sni, src, dst, dport = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
c = ssl.create_default_context()
c.check_hostname = False
c.verify_mode = ssl.CERT_NONE
inc, outb = ssl.MemoryBIO(), ssl.MemoryBIO()
o = c.wrap_bio(inc, outb, server_hostname=sni)
try:
    o.do_handshake()
except ssl.SSLWantReadError:
    pass
hello = outb.read()
wrpcap(out, [Ether() / IP(src=src, dst=dst) / TCP(sport=40000, dport=dport, flags="PA", seq=1) / hello])
