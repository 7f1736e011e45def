#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Test oracle for `vardkase-xdp replay` against ../shared/pcaps.

For every Ethernet capture with a truth file: the DNS names of the truth
files become hostname indicators; a frame must match, on exactly these
names, the questions a receiver reads: a DNS message over UDP to port 53
(or each length-prefixed message of a TCP segment to port 53, up to 8),
(not tunnelled; a whole datagram or a first fragment), QR = 0, opcode
QUERY, NOTIFY or UPDATE, its first four questions as scapy (an independent
decoder, which follows compression pointers) reads them, those that are
indicators. The box's documented bounds (docs/architecture.md) are applied:
8 VLAN tags, pointers within the first 512 bytes, 8 per name; a question
past them, and the ones after it, are not expected.

The TLS SNIs of the truth files become hostname indicators too. tshark
reports a ClientHello once, at the frame that completes it, and leaves
retransmissions out; the box reads each segment alone. So a frame must
match on a capture's SNI (tshark's value) when scapy (the same
independent decoder) finds, in that frame, a TCP segment not tunnelled
whose payload (as long as the IP length says) starts with a handshake
record holding a ClientHello, and in it the name as a server_name is
written (its type and length before it), ending within the segment and
the first 2048 bytes of the payload (the box's bound,
docs/architecture.md): the hello's first segment when it is split, and
every retransmission. A ClientHello the box cannot read in one segment
(its SNI later, or past the 2048 bytes) goes to its slow path, which
reassembles the flow's first bytes and reads the name at the frame that
completes the hello: there tshark reports it too. So a frame must also
match on the SNI tshark reports in it unless that name was expected in
an earlier frame of the same flow (its first segment held it).

QUIC: tshark decrypts a client's Initial packets and reports the SNI of
the ClientHello in their CRYPTO frames at the frame that completes it; so
does the box's slow path. A frame must match on the QUIC SNI tshark
reports there when it is a UDP datagram a receiver reads (not tunnelled)
starting with a long header of version 1, 2 or a draft 29-32; and may
match on it again at a copy of that Initial (its connection ID) under
another address pair (tshark follows the connection ID; to the box two
address pairs are two flows).
Names are checked per kind: dns_qname, dns_tcp, tls_sni, quic_sni, http_host.

The HTTP Hosts of the truth files too: a frame must match on the Host of
a TCP segment (not tunnelled, as long as the IP length says) that starts
an HTTP/1.x request (a method, a request line ending in HTTP/1.0 or 1.1),
its first header line named Host (no case), the value without white
space and port, when the value ends within the segment and its first
2048 bytes and before the headers end.

Usage: truth_oracle.py VARDKASE_XDP PCAP_ROOT [MAX_CAPTURES]
Prints 'N passed, N failed' and exits non-zero on any failure.
"""
import json, os, re, subprocess, sys, tempfile, uuid
from manifest import ethernet
import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import PcapReader, Ether, Dot1Q, IP, IPv6, TCP, UDP, DNS, DNSQR, conf  # noqa
from scapy.layers.inet6 import IPv6ExtHdrFragment
from scapy.layers.l2 import GRE
from scapy.layers.ppp import PPPoE, PPP
from scapy.contrib.mpls import MPLS
try:
    from scapy.layers.l2 import Dot1AD
except ImportError:
    Dot1AD = Dot1Q
conf.dot15d4_protocol = None

CHUNK = 100

LABEL = re.compile(r'^[a-z0-9_-]{1,63}$')

def norm(name):
    n = name.strip().lower()
    if n.endswith('.'):
        n = n[:-1]
    if not n or len(n) > 253:
        return None
    labels = n.split('.')
    if len(labels) < 2 or not all(LABEL.match(l) for l in labels):
        return None
    return n

def truth(path):
    """({frame: [DNS query names]}, {the capture's TLS SNIs}, {its HTTP
    Hosts, without their ports}, {frame: {TLS SNIs tshark reports there}},
    {frame: the flow it starts}, {frame: {QUIC SNIs tshark reports there}}).
    A capture
    with DNS over TCP gets every frame a row (tshark reports a message at
    the segment that completes it; the box reads the question in the
    first): the oracle then reads every frame."""
    rows, snis, hosts, tcp, sni_at, flows, quic_at = {}, set(), set(), False, {}, {}, {}
    with open(path, encoding='utf-8', errors='replace') as f:
        next(f, None)
        for line in f:
            p = line.rstrip('\n').split('\t')
            if len(p) != 4:
                continue
            if p[1] == 'dns' and p[2] == 'query':
                rows.setdefault(int(p[0]), []).append(p[3])
            elif p[1] == 'tls' and p[2] == 'sni':
                snis.add(p[3])
                sni_at.setdefault(int(p[0]), set()).add(p[3])
            elif p[1] == 'quic' and p[2] == 'sni':
                snis.add(p[3])
                quic_at.setdefault(int(p[0]), set()).add(p[3])
            elif p[1] == 'ip' and p[2] == 'flow':
                flows.setdefault(int(p[0]), p[3])
            elif p[1] == 'dns' and p[2] == 'transport' and p[3] == 'tcp':
                tcp = True
            elif p[1] == 'http' and p[2] == 'host':
                hosts.add(p[3].split(':')[0] if not p[3].startswith('[') else p[3])
    if tcp:
        last = max(rows) if rows else 0
        for fr in range(1, last + 1):   # a first segment comes before the last
            rows.setdefault(fr, [])
    return rows, snis, hosts, sni_at, flows, quic_at

def ip_ok(l):
    """Is l an IP layer a receiver reads: a whole datagram or a first
    fragment?"""
    if isinstance(l, IP):
        return not (l.frag or l.ihl is None or l.ihl < 5)
    if isinstance(l, IPv6):
        f = l.getlayer(IPv6ExtHdrFragment)
        return f is None or not f.offset
    return False

def skip_tags(l, limit=8):
    """l after its VLAN tags (at most limit), or None."""
    depth = 0
    while isinstance(l, (Dot1Q, Dot1AD)):
        depth += 1
        l = l.payload
    return None if depth > limit else l

def after_ip(l):
    """The layer after IP (and IPv6's extension headers)."""
    u = l.payload
    while u is not None and u.__class__.__name__.startswith('IPv6ExtHdr'):
        u = u.payload
    return u

def tunnel_inner(l):
    """When the IP packet l is a tunnel the box opens (docs/architecture.md,
    "Tunnels"): the layer inside it (Ether, MPLS, IP, IPv6), else None.
    scapy decodes GRE, Geneve, VXLAN, MPLS and PPPoE; ERSPAN and VXLAN
    with flags it does not know it leaves raw: those are taken apart
    here by their RFCs and vendors' specifications."""
    u = after_ip(l)
    if isinstance(u, (IP, IPv6)):                   # IP in IP, 6in4, 4in6
        return u
    if isinstance(u, GRE):
        if u.routing_present or u.version:
            return None
        if u.proto in (0x88be, 0x22eb):             # ERSPAN
            b = bytes(u.payload)
            if u.proto == 0x88be and not u.seqnum_present:
                return Ether(b)                     # type I: no header
            if len(b) < 12:
                return None
            if u.proto == 0x88be:
                return Ether(b[8:])
            return Ether(b[12 + 8 * (b[11] & 1):])
        if u.proto in (0x0800, 0x86dd, 0x6558, 0x8847, 0x8848):
            return u.payload
        return None
    if isinstance(u, UDP) and u.dport in (4789, 8472, 4790, 6081):
        b = bytes(u.payload)
        if len(b) < 8:
            return None
        if u.dport == 6081:
            if b[0] >> 6:
                return None
            at = 8 + (b[0] & 0x3f) * 4
            proto = b[2] << 8 | b[3]
            inner = {0x6558: Ether, 0x0800: IP, 0x86dd: IPv6}.get(proto)
            return inner(b[at:]) if inner else None
        if not b[0] & 0x08:
            return None
        if u.dport == 4790:
            nxt = b[3] if b[0] & 0x04 else 3
            inner = {1: IP, 2: IPv6, 3: Ether, 5: MPLS}.get(nxt)
            return inner(b[8:]) if inner else None
        return Ether(b[8:])
    return None

def l3(raw):
    """The IP layer a receiver reads (<= 8 VLAN tags, a whole datagram or
    a first fragment), inside every tunnel the box opens (up to 4), or
    None."""
    try:
        pkt = Ether(raw)
    except Exception:
        return None
    l = skip_tags(pkt.payload)
    for _ in range(5):
        if isinstance(l, PPPoE):
            l = l.payload.payload if isinstance(l.payload, PPP) else None
        labels = 0
        while isinstance(l, MPLS) and labels < 8:
            labels += 1
            if not l.s:
                l = l.payload
                continue
            b = bytes(l.payload)        # what the bottom label carries
            if not b:
                return None
            nib = b[0] >> 4
            l = IP(b) if nib == 4 else IPv6(b) if nib == 6 else \
                skip_tags(Ether(b[4:] if nib == 0 else b))
        if isinstance(l, Ether):
            l = skip_tags(l.payload)
            continue
        if not ip_ok(l):
            return None
        inner = tunnel_inner(l)
        if inner is None:
            return l
        if isinstance(inner, Ether):
            inner = skip_tags(inner.payload)
        l = inner
    return None

def tls_snis(raw, snis):
    """The SNIs of snis (tshark's) the box reads in this frame (above)."""
    l = l3(raw)
    if l is None:
        return []
    t = l.getlayer(TCP)
    if t is None or (t.underlayer is not l and
                     not t.underlayer.__class__.__name__.startswith('IPv6ExtHdr')):
        return []
    pay = bytes(t.payload)
    if isinstance(l, IP):               # a receiver drops a length that lies
        end = l.len - l.ihl * 4 - t.dataofs * 4
        if end < 0:
            return []
        pay = pay[:end]                 # bytes past it are padding
    if len(pay) < 50 or pay[0] != 0x16 or pay[1] != 3 or pay[5] != 1:
        return []
    out = []
    for n in snis:
        b = n.encode('utf-8', 'replace')
        at = pay.find(b'\x00' + len(b).to_bytes(2, 'big') + b)
        if at >= 0 and at + 3 + len(b) <= 2048:
            out.append(n)
    return out

def wire_ends(raw_dns, pos):
    """The end in place of the name at pos (after its root or its first
    pointer), or None past the box's bounds: 8 pointers, targets after
    the header and inside the first 512 bytes."""
    n, end, limit = 0, None, min(len(raw_dns), 512)
    while True:
        if pos >= limit:
            return None
        b = raw_dns[pos]
        if b == 0:
            return end if end is not None else pos + 1
        if b & 0xc0 == 0xc0:
            if pos + 1 >= limit:
                return None
            to = (b & 0x3f) << 8 | raw_dns[pos + 1]
            if end is None:
                end = pos + 2
            n += 1
            if n > 8 or to < 12 or to >= limit:
                return None
            pos = to
        elif b > 63:
            return None
        else:
            pos += 1 + b

METHODS = (b'GET ', b'PUT ', b'POST ', b'HEAD ', b'DELETE ', b'OPTIONS ', b'CONNECT ',
           b'PATCH ')

def tcp_payload(raw):
    """The payload of a TCP segment a receiver reads in this frame (not
    tunnelled; as long as the IP length says), or None."""
    l = l3(raw)
    if l is None:
        return None
    t = l.getlayer(TCP)
    if t is None or (t.underlayer is not l and
                     not t.underlayer.__class__.__name__.startswith('IPv6ExtHdr')):
        return None
    pay = bytes(t.payload)
    if isinstance(l, IP):
        end = l.len - l.ihl * 4 - t.dataofs * 4
        if end < 0:
            return None
        pay = pay[:end]
    return pay

def quic_initial(raw):
    """Does this frame hold a UDP datagram a receiver reads (not
    tunnelled, a whole one) that starts with a QUIC long header of
    version 1, 2 or a draft 29-32? (tshark also decrypts older drafts;
    the box does not: an exception.)"""
    l = l3(raw)
    u = l.getlayer(UDP) if l is not None else None
    if u is None or u.underlayer is not l or getattr(l, 'flags', 0) & 1:
        return False
    pay = bytes(u.payload)
    return len(pay) >= 5 and pay[0] & 0xc0 == 0xc0 and \
        (pay[1:5] in (b'\x00\x00\x00\x01', b'\x6b\x33\x43\xcf') or
         (pay[1:4] == b'\xff\x00\x00' and 0x1d <= pay[4] <= 0x20))

def quic_dcid(raw):
    """The Destination Connection ID of the QUIC long header in this
    frame's datagram (quic_initial is true)."""
    pay = bytes(l3(raw).getlayer(UDP).payload)
    return pay[6:6 + pay[5]]

def tcp_tuple(raw):
    """(source, destination, their ports) of the TCP segment in this
    frame, or None."""
    l = l3(raw)
    t = l.getlayer(TCP) if l is not None else None
    return None if t is None else (l.src, l.dst, t.sport, t.dport)

def http_hosts(raw):
    """The Host the box reads in this frame (above), as a list."""
    pay = tcp_payload(raw)
    if not pay or not pay.startswith(METHODS):
        return []
    pay = pay[:2048]
    nl = pay.find(b'\n')
    if nl < 0 or not re.search(rb'HTTP/1\.[01]\r?$', pay[:nl]):
        return []
    pos = nl + 1
    while True:
        e = pay.find(b'\n', pos)
        line = pay[pos:] if e < 0 else pay[pos:e]
        if line in (b'', b'\r') and e >= 0:
            return []                   # the end of the headers
        if line[:5].lower() == b'host:':
            v = line[5:].lstrip(b' \t')
            m = re.match(rb'[^\r\n: \t]*', v)
            if m.end() == len(v) and e < 0:
                return []               # the value may go on
            return [m.group().decode('utf-8', 'replace')] if m.group() else []
        if e < 0:
            return []
        pos = e + 1

def message_questions(raw_dns):
    """The question names the box reads in one DNS message (its bytes in
    this frame): a query, up to 4 questions within the box's bounds."""
    if len(raw_dns) < 12:
        return []
    if (raw_dns[2] & 0x80) or ((raw_dns[2] >> 3) & 0xf) not in (0, 4, 5):
        return []
    try:
        q, qs = DNS(raw_dns).qd, []
        if isinstance(q, list):         # newer scapy: a list of DNSQR
            qs = [x.qname.decode('utf-8', 'replace') for x in q]
        while q is not None and isinstance(q, DNSQR):   # 2.5: a chain
            qs.append(q.qname.decode('utf-8', 'replace'))
            q = q.payload if isinstance(q.payload, DNSQR) else None
    except Exception:
        return []
    names, pos = [], 12
    for q in qs[:4]:
        end = wire_ends(raw_dns, pos)
        if end is None or end > len(raw_dns):
            break
        names.append(q)
        pos = end + 4
    return names

def dns53_questions(raw):
    """(kind, the question names a receiver reads in this frame (see
    above)), the names [] when the frame is no DNS message the box reads.
    Over TCP (RFC 7766, kind dns_tcp), the segment's messages after their
    two-byte lengths, up to 8, the last as far as the segment holds it."""
    l = l3(raw)
    if l is None:
        return 'dns_qname', []
    u = l.payload
    while u is not None and not isinstance(u, (UDP, TCP)) and hasattr(u, 'payload') and \
            u.__class__.__name__.startswith('IPv6ExtHdr'):
        u = u.payload
    if isinstance(u, UDP) and u.dport == 53:
        return 'dns_qname', message_questions(bytes(u.payload))
    if not isinstance(u, TCP) or u.dport != 53:
        return 'dns_qname', []
    pay = bytes(u.payload)
    if isinstance(l, IP):
        pay = pay[:max(0, l.len - l.ihl * 4 - u.dataofs * 4)]
    names = []
    for _ in range(8):
        if len(pay) < 14:
            break
        n = pay[0] << 8 | pay[1]
        if n < 12:
            break
        names += message_questions(pay[2:2 + n])
        pay = pay[2 + n:]
    return 'dns_tcp', names

def frames(path):
    out = []
    try:
        with PcapReader(path) as r:
            for p in r:
                out.append(bytes(p))
    except Exception:
        pass
    return out

def main():
    binary, root = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    caps = ethernet(root)
    if not caps:
        print('SKIP: no Ethernet captures in manifest')
        return 0
    names, truths = set(), {}
    for c in caps:
        t = truth(os.path.join(root, c) + '.truth.tsv') if os.path.exists(
            os.path.join(root, c) + '.truth.tsv') else ({}, set(), set(), {}, {}, {})
        truths[c] = t
        for q in [q for qs in t[0].values() for q in qs] + sorted(t[1]) + sorted(t[2]):
            n = norm(q)
            if n:
                names.add(n)
    attrs = [{"uuid": str(uuid.uuid5(uuid.NAMESPACE_DNS, n)), "type": "hostname",
              "value": n, "to_ids": True, "deleted": False} for n in sorted(names)]
    ind = tempfile.NamedTemporaryFile('w', suffix='.json', delete=False)
    json.dump({"response": {"Attribute": attrs}}, ind)
    ind.close()
    passed = failed = 0
    kinds = {'dns_qname': 0, 'dns_tcp': 0, 'tls_sni': 0, 'quic_sni': 0, 'http_host': 0,
             'slow': 0}
    if limit:
        caps = caps[:limit]
    # one replay process per chunk: the program and indicators load once
    got, exits = {c: {} for c in caps}, {}
    for i in range(0, len(caps), CHUNK):
        chunk = caps[i:i + CHUNK]
        args = [binary, 'replay', '--indicators', ind.name]
        for c in chunk:
            args += ['--pcap', os.path.join(root, c)]
        p = subprocess.run(args, capture_output=True, text=True, timeout=600)
        for line in p.stdout.splitlines():
            o = json.loads(line)
            if o.get('matched_on') in ('dns_qname', 'dns_tcp', 'tls_sni', 'quic_sni',
                                       'http_host'):
                got[os.path.relpath(o['pcap'], root)].setdefault(o['frame'], set()).add(
                    (o['matched_on'], o['name']))
        for c in chunk:
            exits[c] = (p.returncode, p.stderr.strip()[-300:])
    for c in caps:
        t = truths[c]
        dns, snis, hosts, sni_at, flows, quic_at = t
        raw = frames(os.path.join(root, c)) if dns or snis or hosts or got[c] else []
        expect = {}
        for fr in dns:
            if fr - 1 >= len(raw):
                continue
            kind, qs = dns53_questions(raw[fr - 1])
            want = {(kind, n) for n in {norm(q) for q in qs} & names}
            if want:
                expect[fr] = want
        keys = [n.encode('utf-8', 'replace') for n in snis]
        for fr, r in enumerate(raw, 1):
            if not any(k in r for k in keys):   # scapy only where a name is
                continue
            want = {('tls_sni', n) for n in {norm(q) for q in tls_snis(r, snis)} & names}
            if want:
                expect.setdefault(fr, set()).update(want)
        for fr in sorted(sni_at):       # the slow path: at the completing frame
            if fr - 1 >= len(raw) or not tcp_payload(raw[fr - 1]):
                continue                # tunnelled, or no segment a receiver reads
            flow = tcp_tuple(raw[fr - 1])
            for n in {norm(q) for q in sni_at[fr]} & names:
                if ('tls_sni', n) in expect.get(fr, set()):
                    continue
                if any(('tls_sni', n) in w and tcp_tuple(raw[e - 1]) == flow
                       for e, w in expect.items() if e < fr):
                    continue            # its first segment held it, or an
                                        # earlier hello (a HelloRetryRequest's)
                expect.setdefault(fr, set()).add(('tls_sni', n))
                kinds['slow'] += 1
        dcids = {}
        for fr in sorted(quic_at):
            if fr - 1 >= len(raw) or not quic_initial(raw[fr - 1]):
                continue
            for n in {norm(q) for q in quic_at[fr]} & names:
                expect.setdefault(fr, set()).add(('quic_sni', n))
                dcids[quic_dcid(raw[fr - 1])] = n
        # tshark knows a connection by its connection ID, the box by its
        # addresses: the same Initial seen twice under two address pairs
        # (a NAT's two sides on one mirror) is two flows to the box
        for fr, got_n in got[c].items():
            if fr in expect or fr - 1 >= len(raw) or not quic_initial(raw[fr - 1]):
                continue
            n = dcids.get(quic_dcid(raw[fr - 1]))
            if n and ('quic_sni', n) in got_n:
                expect[fr] = {('quic_sni', n)}
        for fr, r in enumerate(raw, 1):  # a request tshark did not finish counts too
            if b' HTTP/1.' not in r:
                continue
            want = {('http_host', n) for n in {norm(q) for q in http_hosts(r)} & names}
            if want:
                expect.setdefault(fr, set()).update(want)
        for want in expect.values():
            for kind, _ in want:
                kinds[kind] += 1
        problems = []
        if exits[c][0] != 0:
            problems.append(f'exit {exits[c][0]}: {exits[c][1]}')
        for fr, n in expect.items():
            if got[c].get(fr) != n:
                problems.append(f'frame {fr}: expected a match on {sorted(n)}, got '
                                f'{sorted(got[c].get(fr, []))}')
        for fr, n in got[c].items():
            if fr not in expect:
                problems.append(f'frame {fr}: unexpected match on {sorted(n)}')
        if problems:
            failed += 1
            print(f'FAIL {c}: ' + '; '.join(problems[:5]))
        else:
            passed += 1
    os.unlink(ind.name)
    print(f'pcap-replay: {passed} passed, {failed} failed (expected and checked: '
          f'{kinds["dns_qname"]} DNS question, {kinds["dns_tcp"]} DNS over TCP, '
          f'{kinds["tls_sni"]} SNI ({kinds["slow"]} reassembled), {kinds["quic_sni"]} QUIC SNI '
          f'and {kinds["http_host"]} HTTP Host matches)')
    return 1 if failed else 0

if __name__ == '__main__':
    sys.exit(main())
