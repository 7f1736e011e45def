#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Test oracle for `vardkase-xdp replay` against ../shared/pcaps.

For every Ethernet capture with a truth file: the DNS names of the truth
files become hostname indicators; a frame must match (on its query name)
exactly when its truth has a `dns query` row AND the frame itself is a
plain DNS query over UDP to port 53 (not tunnelled, not a fragment) whose
first question is that name. The second part is decided with scapy, an
independent decoder; the name comes from tshark's truth.

Usage: truth_oracle.py VARDKASE_XDP PCAP_ROOT [MAX_CAPTURES]
Prints 'N passed, N failed' and exits non-zero on any failure.
"""
import json, os, re, subprocess, sys, tempfile, uuid
import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import PcapReader, Ether, Dot1Q, IP, IPv6, UDP, DNS, conf  # noqa
from scapy.layers.inet6 import IPv6ExtHdrFragment
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
    rows = {}
    with open(path, encoding='utf-8', errors='replace') as f:
        next(f, None)
        for line in f:
            p = line.rstrip('\n').split('\t')
            if len(p) == 4 and p[1] == 'dns' and p[2] == 'query':
                rows.setdefault(int(p[0]), []).append(p[3])
    return rows

def plain_udp53_query(raw):
    """True if the frame is Ethernet [+VLANs] + IP/IPv6 (no fragment) + UDP
    to 53 carrying a DNS query (QR=0, opcode 0) directly."""
    try:
        pkt = Ether(raw)
    except Exception:
        return False
    l = pkt.payload
    depth = 0
    while isinstance(l, (Dot1Q, Dot1AD)):
        depth += 1
        l = l.payload
    if depth > 3:
        return False
    if isinstance(l, IP):
        if l.flags.MF or l.frag:
            return False
        if l.ihl is None or l.ihl < 5:
            return False
    elif isinstance(l, IPv6):
        if l.haslayer(IPv6ExtHdrFragment):
            return False
    else:
        return False
    u = l.payload
    while u is not None and not isinstance(u, UDP) and hasattr(u, 'payload') and \
            u.__class__.__name__.startswith('IPv6ExtHdr'):
        u = u.payload
    if not isinstance(u, UDP) or u.dport != 53:
        return False
    raw_dns = bytes(u.payload)
    if len(raw_dns) < 12:
        return False
    if (raw_dns[2] & 0x80) or ((raw_dns[2] >> 3) & 0xf):
        return False
    # the contract refuses compression pointers in a question name
    i = 12
    while i < len(raw_dns) and raw_dns[i]:
        if raw_dns[i] & 0xc0:
            return False
        i += 1 + raw_dns[i]
    return True

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
    caps = []
    with open(os.path.join(root, 'manifest.tsv')) as f:
        head = f.readline().rstrip('\n').split('\t')
        for line in f:
            row = dict(zip(head, line.rstrip('\n').split('\t')))
            if row.get('linktype') == 'ether':
                caps.append(row['file'])
    if not caps:
        print('SKIP: no Ethernet captures in manifest')
        return 0
    names, truths = set(), {}
    for c in caps:
        t = truth(os.path.join(root, c) + '.truth.tsv') if os.path.exists(
            os.path.join(root, c) + '.truth.tsv') else {}
        truths[c] = t
        for qs in t.values():
            for q in qs:
                n = norm(q)
                if n:
                    names.add(n)
    attrs = [{"uuid": str(uuid.uuid5(uuid.NAMESPACE_DNS, n)), "type": "hostname",
              "value": n, "to_ids": True, "deleted": False} for n in sorted(names)]
    ind = tempfile.NamedTemporaryFile('w', suffix='.json', delete=False)
    json.dump({"response": {"Attribute": attrs}}, ind)
    ind.close()
    passed = failed = 0
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
            if o.get('matched_on') == 'dns_qname':
                got[os.path.relpath(o['pcap'], root)][o['frame']] = o['name']
        for c in chunk:
            exits[c] = (p.returncode, p.stderr.strip()[-300:])
    for c in caps:
        t = truths[c]
        raw = frames(os.path.join(root, c)) if t else []
        expect = {}
        for fr, qs in t.items():
            n = norm(qs[0])
            if n and fr - 1 < len(raw) and plain_udp53_query(raw[fr - 1]):
                expect[fr] = n
        problems = []
        if exits[c][0] != 0:
            problems.append(f'exit {exits[c][0]}: {exits[c][1]}')
        for fr, n in expect.items():
            if got[c].get(fr) != n:
                problems.append(f'frame {fr}: expected a match on {n}, got {got[c].get(fr)}')
        for fr, n in got[c].items():
            if fr not in expect:
                problems.append(f'frame {fr}: unexpected match on {n}')
        if problems:
            failed += 1
            print(f'FAIL {c}: ' + '; '.join(problems[:5]))
        else:
            passed += 1
    os.unlink(ind.name)
    print(f'pcap-replay: {passed} passed, {failed} failed')
    return 1 if failed else 0

if __name__ == '__main__':
    sys.exit(main())
