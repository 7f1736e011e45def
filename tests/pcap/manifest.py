# SPDX-License-Identifier: GPL-2.0-only
"""The captures of ../shared/pcaps, from its manifest (one reader for the
pcap checks)."""
import os


def ethernet(root):
    """The Ethernet captures (paths under root), in manifest order."""
    caps = []
    with open(os.path.join(root, "manifest.tsv")) as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(head, line.rstrip("\n").split("\t")))
            if row.get("linktype") == "ether":
                caps.append(row["file"])
    return caps
