#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""make bench-names: of the ClientHellos tshark finds in the Ethernet
captures of ../shared/pcaps (their truth files: `tls sni`, `quic sni`),
the share whose name `vardkase-xdp replay` reports, at that frame or
before it in the same capture, with every such name as an indicator.
Prints the shares for TLS and QUIC and the captures with misses.

Usage: name_share.py VARDKASE_XDP PCAP_ROOT [OUT.json]
"""
import json, os, subprocess, sys, tempfile, uuid


def main():
    binary, root = sys.argv[1], sys.argv[2]
    out = sys.argv[3] if len(sys.argv) > 3 else None
    if not os.path.exists(os.path.join(root, 'manifest.tsv')):
        print('SKIP: %s not found (the captures live in ../shared beside the clone)' % root)
        return 0
    caps, hellos, names = [], {}, set()
    with open(os.path.join(root, 'manifest.tsv')) as f:
        head = f.readline().rstrip('\n').split('\t')
        for line in f:
            row = dict(zip(head, line.rstrip('\n').split('\t')))
            t = os.path.join(root, row['file']) + '.truth.tsv'
            if row.get('linktype') != 'ether' or not os.path.exists(t):
                continue
            hs = []
            with open(t, encoding='utf-8', errors='replace') as tf:
                for ln in tf:
                    p = ln.rstrip('\n').split('\t')
                    if len(p) == 4 and p[1] in ('tls', 'quic') and p[2] == 'sni':
                        n = p[3].strip().lower().rstrip('.')
                        if n.count('.') >= 1:
                            hs.append((int(p[0]), p[1], n))
                            names.add(n)
            if hs:
                caps.append(row['file'])
                hellos[row['file']] = hs
    attrs = [{"uuid": str(uuid.uuid5(uuid.NAMESPACE_DNS, n)), "type": "hostname", "value": n,
              "to_ids": True} for n in sorted(names)]
    ind = tempfile.NamedTemporaryFile('w', suffix='.json', delete=False)
    json.dump({"response": {"Attribute": attrs}}, ind)
    ind.close()
    got = {c: [] for c in caps}
    for i in range(0, len(caps), 100):
        args = [binary, 'replay', '--indicators', ind.name]
        for c in caps[i:i + 100]:
            args += ['--pcap', os.path.join(root, c)]
        p = subprocess.run(args, capture_output=True, text=True, timeout=900)
        for line in p.stdout.splitlines():
            o = json.loads(line)
            if o.get('matched_on') in ('tls_sni', 'quic_sni'):
                got[os.path.relpath(o['pcap'], root)].append((o['frame'], o['name']))
    os.unlink(ind.name)
    tot = {'tls': 0, 'quic': 0}
    seen = {'tls': 0, 'quic': 0}
    missed = {}
    for c in caps:
        for fr, kind, n in hellos[c]:
            tot[kind] += 1
            if any(f <= fr and m == n for f, m in got[c]):
                seen[kind] += 1
            else:
                missed[c] = missed.get(c, 0) + 1
    res = {k: {'hellos': tot[k], 'read': seen[k],
               'share': round(seen[k] / tot[k], 4) if tot[k] else None} for k in tot}
    for k in ('tls', 'quic'):
        print('%-4s: %d of %d ClientHellos tshark reports had their name read (%.1f %%)'
              % (k, seen[k], tot[k], 100.0 * seen[k] / max(tot[k], 1)))
    for c, n in sorted(missed.items(), key=lambda x: -x[1]):
        print('  missed %3d in %s' % (n, c))
    if out:
        with open(out, 'w') as f:
            json.dump({'names': res, 'missed': missed}, f)
    return 0


if __name__ == '__main__':
    sys.exit(main())
