#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""MISP url indicators against real HTTP requests.

For every Ethernet capture of ../shared/pcaps with HTTP requests in its
truth file, each request's URL as tshark gives it (http.request.full_uri)
becomes a `url` indicator; `vardkase-xdp replay` must report each one
(matched_on http_url) at the request's frame or a later one of the same
capture, and nothing that is no request's URL. A URL the box does not
enforce (https, over 253 bytes normalised, not ASCII) is counted apart.
"""
import json, os, subprocess, sys, uuid
from manifest import ethernet
from collections import Counter

binary, root = sys.argv[1], sys.argv[2]


def truth_urls(tsv):
    """(frame, URL) of each request but CONNECT (an authority, no URL)."""
    out, method = [], {}
    with open(tsv) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) == 4 and p[1] == "http" and p[0].isdigit():
                if p[2] == "method":
                    method[int(p[0])] = p[3]
                if p[2] == "url":
                    out.append((int(p[0]), p[3]))
    return [(fr, u, method.get(fr, "")) for fr, u in out if method.get(fr) != "CONNECT"]


# the methods kernel/lib/http.h knows a request by (as tests/pcap/truth_oracle.py)
METHODS = ("GET", "PUT", "POST", "HEAD", "DELETE", "OPTIONS", "PATCH")


def frame_request(path, fr, cache={}):
    """(IPv4 total length, URL) of the request a frame starts, read here
    with scapy: http:// + Host + the target (up to its first space)."""
    from scapy.all import rdpcap, IP, TCP
    if path not in cache:
        cache.clear()
        cache[path] = rdpcap(path)
    x = cache[path][fr - 1]
    iplen = x[IP].len if IP in x else None
    if TCP not in x:
        return iplen, None
    b = bytes(x[TCP].payload)
    line, _, rest = b.partition(b"\r\n")
    parts = line.split(b" ")
    host = None
    for h in rest.split(b"\r\n"):
        if h[:5].lower() == b"host:":
            host = h[5:].strip()
            break
    if len(parts) < 3 or host is None:
        return iplen, None
    return iplen, "http://" + (host + parts[1]).decode("latin-1")


def main():
    files = fails = checked = refused = 0
    excused = Counter()
    for rel in sorted(ethernet(root)):
        path = os.path.join(root, rel)
        tsv = path + ".truth.tsv"
        if not os.path.exists(tsv):
            continue
        urls = truth_urls(tsv)
        if not urls:
            continue
        files += 1
        ids = {}
        attrs = []
        for fr, u, m in urls:
            if u not in ids:
                ids[u] = str(uuid.uuid5(uuid.NAMESPACE_URL, u))
                attrs.append({"uuid": ids[u], "type": "url", "value": u, "to_ids": True})
        ind = "/tmp/vk-url-ind.json"
        with open(ind, "w") as f:
            json.dump({"response": {"Attribute": attrs}}, f)
        r = subprocess.run([binary, "replay", "--indicators", ind, "--pcap", path],
                           capture_output=True, text=True, timeout=300)
        not_taken = set()
        for line in r.stderr.splitlines():
            if "refused" in line:
                not_taken |= {u for u, i in ids.items() if i in line}
        got = Counter()
        for line in r.stdout.splitlines():
            d = json.loads(line)
            if d.get("matched_on") == "http_url":
                got[(d["frame"], d["attribute_uuid"])] += 1
        missing = []
        for fr, u, m in urls:
            if u in not_taken:
                refused += 1
                continue
            if m not in METHODS:
                excused[f"method {m}: not read as HTTP"] += 1
                continue
            checked += 1
            # at tshark's frame, or the nearest: tshark names the frame
            # that ends the request (a body after it), the box the one
            # that completed its request line and Host
            cands = [k for k in got if k[1] == ids[u] and got[k]]
            k = min(cands, key=lambda k: abs(k[0] - fr)) if cands else None
            if k is None:
                missing.append((fr, u))
            else:
                got[k] -= 1
        # an indicator of another URL than the request's: a match of the
        # URL without its query (the indicator has none) is a right one
        by_id = {i: u for u, i in ids.items()}
        extra = []
        for k, n in got.items():
            if n <= 0:
                continue
            _, req = frame_request(path, k[0])
            if req is not None and by_id[k[1]] in (req, req.split("?")[0]):
                # the frame does start that request (or one of the
                # indicator's path with a query): tshark lists it not
                excused["requests tshark does not list (its URL read here from the frame)"] += n
                continue
            extra.append(k)
        for m in list(missing):
            iplen, _ = frame_request(path, m[0])
            if iplen == 0:
                excused["a sender's offload capture (IP length 0)"] += 1
                missing.remove(m)
        if missing or extra:
            fails += 1
            print(f"FAIL {rel}: {len(missing)} missing {missing[:3]} {len(extra)} extra {extra[:3]}")
    for why, n in sorted(excused.items()):
        print(f"  exception: {n} {why}")
    print(f"urls: {files} captures, {checked} request URLs checked, {refused} not enforced"
          f" (https, too long, not ASCII), {fails} captures differ")
    return 1 if fails else 0


sys.exit(main())
