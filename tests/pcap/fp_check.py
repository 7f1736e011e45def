#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""The fingerprints the slow path makes, against other implementations.

For every Ethernet capture of ../shared/pcaps whose truth file has JA3
rows (tshark 4.0's tls.handshake.ja3, TLS and QUIC), `vardkase-xdp replay
--hellos` must give each (frame, JA3) tshark gives; for the JA4 test
captures (FoxIO's ja4 repository) each (client, port, JA4) its Rust and
Python implementations give. Known exceptions are listed with the reason.
"""
import json, os, re, subprocess, sys
from manifest import ethernet
from collections import Counter

binary, root = sys.argv[1], sys.argv[2]
EMPTY = '{"response":[]}'


def replay(path, tmp):
    out = subprocess.run([binary, "replay", "--indicators", tmp, "--hellos", "--pcap", path],
                         capture_output=True, text=True, timeout=300)
    hellos = []
    for line in out.stdout.splitlines():
        d = json.loads(line)
        if "hello" in d:
            hellos.append(d["hello"])
    return hellos


# QUIC versions the slow path opens (lib/vk_quic.c): v1, v2, drafts 29-32
QUIC_OPENED = {0x00000001, 0x6b3343cf} | {0xff000000 + d for d in range(29, 33)}


def truth_ja3(tsv):
    """(frame, JA3) tshark gives; the frames of QUIC versions the box does
    not open; the frames with a ClientHello."""
    got, skip, hello = Counter(), {}, []
    with open(tsv) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) != 4 or not p[0].isdigit():
                continue
            fr = int(p[0])
            if p[1] in ("tls", "quic") and p[2] == "ja3":
                got[(fr, p[3])] += 1
            if p[1] in ("tls", "quic") and p[2] == "client_hello":
                hello.append(fr)
            if p[1] == "quic" and p[2] == "version" and int(p[3], 16) not in QUIC_OPENED:
                skip[fr] = f"QUIC version {p[3]} is not opened"
    return got, skip, hello


def tuple_of(frame):
    """A frame's (src, sport, dst, dport), the IPv4 total length, from scapy."""
    from scapy.all import IP, IPv6, TCP, UDP
    ip = frame[IP] if IP in frame else frame[IPv6] if IPv6 in frame else None
    l4 = frame[TCP] if TCP in frame else frame[UDP] if UDP in frame else None
    if ip is None or l4 is None:
        return None, None
    return (ip.src, l4.sport, ip.dst, l4.dport), getattr(ip, "len", None)


def rust_ja4(snap):
    """(src, port, ja4) of each stream of a ja4-rust .snap file."""
    out, cur = Counter(), {}
    for line in open(snap):
        m = re.match(r"^(- |  )([a-z0-9_]+): (.*)$", line.rstrip("\n"))
        if not m:
            continue
        if m.group(1) == "- ":
            if cur.get("ja4"):
                out[(cur["src"], int(cur["src_port"]), cur["ja4"])] += 1
            cur = {}
        cur[m.group(2)] = m.group(3).strip("'\"")
    if cur.get("ja4"):
        out[(cur["src"], int(cur["src_port"]), cur["ja4"])] += 1
    return out


def python_ja4(js):
    out = Counter()
    for s in json.load(open(js)):
        for k, v in s.items():
            if k == "JA4" or re.fullmatch(r"JA4\.\d+", k):
                out[(s["src"], int(s["srcport"]), v)] += 1
    return out


def main():
    tmp = "/tmp/vk-fp-empty.json"
    with open(tmp, "w") as f:
        f.write(EMPTY)
    eth = ethernet(root)
    fails = checked3 = checked4 = files = 0
    excused = Counter()
    excused4 = 0
    for rel in sorted(eth):
        path = os.path.join(root, rel)
        tsv = path + ".truth.tsv"
        snap, pyj = path + ".ja4-rust.expected.snap", path + ".ja4-python.expected.json"
        want3, skip, hello_frames = truth_ja3(tsv) if os.path.exists(tsv) else (Counter(), {}, [])
        want4 = Counter()
        if os.path.exists(snap):
            want4 = rust_ja4(snap)
        if not want3 and not want4:
            continue
        files += 1
        hellos = replay(path, tmp)
        frames, again = {}, {}
        if want3 - Counter((h["frame"], h["ja3"]) for h in hellos if h["ja3"]) or \
                want4 - Counter((h["src"], h["sport"], h["ja4"]) for h in hellos if h["ja4"]):
            from scapy.all import rdpcap
            pk = rdpcap(path)
            frames = {i + 1: pk[i] for i in range(len(pk))}
            # a flow's later hellos: after a HelloRetryRequest (TCP), a
            # retransmitted Initial (QUIC); the box reads a flow's first
            seen = set()
            for fr in sorted(set(hello_frames)):
                t, _ = tuple_of(frames[fr]) if fr in frames else (None, None)
                if t in seen:
                    again[fr] = t
                seen.add(t)
        got3 = Counter((h["frame"], h["ja3"]) for h in hellos if h["ja3"])
        got4 = Counter((h["src"], h["sport"], h["ja4"]) for h in hellos if h["ja4"])
        miss3, extra3 = want3 - got3, got3 - want3
        for k in list(miss3):
            f = frames.get(k[0])
            t, iplen = tuple_of(f) if f is not None else (None, None)
            if k[0] in skip:
                excused[skip[k[0]]] += miss3.pop(k)
            elif iplen == 0 or (f is not None and len(bytes(f)) > 3500):
                # taken on the sender before its NIC segmented it (IP
                # length 0, or over replay's one-page frame): no
                # receiver takes such a frame, and XDP never sees one
                excused["a sender's offload capture (IP length 0 or a 64 kB frame)"] += \
                    miss3.pop(k)
            elif k[0] in again:
                excused["a later hello of a flow (HelloRetryRequest, retransmitted Initial)"] += \
                    miss3.pop(k)
        # the same hello at another frame: tshark names the frame its own
        # reassembly completed at (in order), the box the frame that
        # completed it (the last piece to come)
        for k in list(miss3):
            other = [e for e in extra3 if e[1] == k[1]]
            if other:
                extra3[other[0]] -= 1
                extra3 = +extra3
                excused["at another frame of the same flow"] += miss3.pop(k)
        # one Initial under two address pairs (a NAT's both sides in the
        # capture): two flows to the box, one connection to tshark
        for k in list(extra3):
            if any(fr < k[0] <= fr + 2 and v == k[1] for (fr, v) in got3 if (fr, v) != k):
                excused["one QUIC Initial seen on both sides of a NAT"] += extra3.pop(k)
        miss4 = want4 - got4
        if os.path.exists(pyj):
            # the Python implementation agrees with the Rust one where both speak
            for k in python_ja4(pyj):
                if k[2] and k not in got4 and k not in miss4:
                    miss4[k] += 1
        again_c = {(t[0], t[1]) for t in again.values()}
        for k in list(miss4):
            if (k[0], k[1]) in again_c:
                # FoxIO gives a flow's last hello, the box its first
                excused4 += miss4.pop(k)
        checked3 += sum(want3.values())
        checked4 += sum(want4.values())
        if miss3 or extra3 or miss4:
            fails += 1
            print(f"FAIL {rel}: ja3 missing {sorted(miss3)[:4]} extra {sorted(extra3)[:4]}"
                  f" ja4 missing {sorted(miss4)[:4]}")
    for why, n in sorted(excused.items()):
        print(f"  exception: {n} JA3 {why}")
    if excused4:
        print(f"  exception: {excused4} JA4 of a flow's later hello (FoxIO gives the last)")
    print(f"fingerprints: {files} captures, {checked3} JA3 (tshark) and {checked4} JA4"
          f" (FoxIO) checked, {fails} captures differ")
    return 1 if fails else 0


sys.exit(main())
