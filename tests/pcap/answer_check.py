#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""DNS answers against real captures. In every Ethernet capture of
../shared/pcaps, the UDP responses from port 53 are read here with scapy
(not the box's parser): the question's name, and the A/AAAA records of
the answer section on the chain of CNAMEs from it with a TTL over 0.
Every such name becomes a `hostname` indicator, and `vardkase-xdp replay`
must report a `dns_answer` match (that name, that destination) only for
a packet to an address an earlier response gave for the name, and at
least one for every (address, name) that a later packet goes to. Packets
in tunnels are left out of the second test (their outer header is not the
one matched)."""
import json, os, subprocess, sys, uuid
from manifest import ethernet

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import PcapReader, IP, IPv6, UDP, DNS  # noqa: E402

binary, root = sys.argv[1], sys.argv[2]


def name(b):
    return (b.decode("latin-1") if isinstance(b, bytes) else str(b)).rstrip(".").lower()


def read(path):
    """[(frame, name, {address})] of the responses, and [(frame, dst)] of
    the packets not in a tunnel."""
    resp, pkts = [], []
    with PcapReader(path) as rd:
        for i, x in enumerate(rd, 1):
            ips = [l for l in x.layers() if l in (IP, IPv6)]
            ip = x[IP] if IP in x else x[IPv6] if IPv6 in x else None
            if ip is None:
                continue
            if len(ips) == 1:
                pkts.append((i, ip.dst))
            if UDP not in x or x[UDP].sport != 53 or DNS not in x:
                continue
            d = x[DNS]
            if not d.qr or d.opcode or d.rcode or d.qdcount != 1 or not d.qd:
                continue
            q = name(d.qd[0].qname if hasattr(d.qd, "__getitem__") else d.qd.qname)
            chain, addrs = [q], set()
            for k in range(d.ancount):
                try:
                    rr = d.an[k]
                except Exception:
                    break
                owner = name(rr.rrname)
                if owner not in chain or rr.rclass != 1:
                    continue
                if rr.type == 5 and len(chain) < 9:
                    chain.append(name(rr.rdata))
                elif rr.type in (1, 28) and rr.ttl:
                    addrs.add(str(rr.rdata))
            if addrs:
                resp.append((i, q, addrs))
    return resp, pkts


def main():
    files = fails = matches = recall = 0
    crowded = [0]
    for rel in sorted(ethernet(root)):
        path = os.path.join(root, rel)
        try:
            resp, pkts = read(path)
        except Exception as e:		# a capture scapy cannot read
            print(f"  note: {rel}: not read here: {e}")
            continue
        names = {q for _, q, _ in resp if "." in q and len(q) < 250}
        if not names:
            continue
        files += 1
        attrs = [{"uuid": str(uuid.uuid5(uuid.NAMESPACE_DNS, n)), "type": "hostname", "value": n,
                  "to_ids": True} for n in sorted(names)]
        ind = "/tmp/vk-answer-ind.json"
        with open(ind, "w") as f:
            json.dump({"response": {"Attribute": attrs}}, f)
        r = subprocess.run([binary, "replay", "--indicators", ind, "--pcap", path],
                           capture_output=True, text=True, timeout=300)
        got, bad = set(), []
        for line in r.stdout.splitlines():
            d = json.loads(line)
            if d.get("matched_on") != "dns_answer":
                continue
            matches += 1
            got.add((d["dst"], d.get("name")))
            if not any(fr < d["frame"] and q == d.get("name") and d["dst"] in a
                       for fr, q, a in resp):
                bad.append((d["frame"], d["dst"], d.get("name")))
        first = {}
        for fr, q, addrs in resp:
            for a in addrs:
                first[(a, q)] = min(first.get((a, q), fr), fr)
        want = {k for k, fr in first.items() if any(i > fr and dst == k[0] for i, dst in pkts)}
        per_addr = {}
        for (a, q) in first:
            per_addr.setdefault(a, set()).add(q)
        missed = []
        for k in sorted(want - got):
            if len(per_addr[k[0]]) > 4:
                # more names than a set of vk_derived holds (4) give one
                # address (a CDN's): the one that ends first is pushed
                # out, counted (derived_full)
                crowded[0] += 1
            else:
                missed.append(k)
        recall += len(want)
        if bad or missed:
            fails += 1
            print(f"FAIL {rel}: {len(bad)} dns_answer matches no earlier answer gave: {bad[:3]};"
                  f" {len(missed)} answered addresses a later packet went to, not matched:"
                  f" {missed[:3]}")
    if crowded[0]:
        print(f"  exception: {crowded[0]} (address, name) of an address more than 4 names gave")
    print(f"dns answers: {files} captures with answered names, {matches} dns_answer matches,"
          f" each to an address an earlier answer gave for its name; {recall} (address, name)"
          f" a later packet went to, each matched; {fails} captures differ")
    return 1 if fails else 0


sys.exit(main())
