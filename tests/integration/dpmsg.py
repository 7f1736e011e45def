#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Hand-made dataplane Requests with bad binary keys (test_runner.sh).

  dpmsg.py GENERATION DIR   writes one Request per case to DIR/NAME.bin and
                            prints "NAME<TAB>the reason the ack must give"

The dataplane parses no value text, so these are the keys a broken or
hostile client could send: each must be refused with its reason.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz"))
from seeds import indicator, key, update  # noqa: E402  (one encoder for tests and seeds)

U = b"dddddddd-0000-4000-8000-000000000001"
V4, V6, V4PORT, DOMAIN, HOST = 1, 2, 3, 5, 6
IP_DST, IP_DST_PORT, T_DOMAIN, T_DOMAIN_IP = 2, 4, 5, 7

CASES = {
    # /4: broader than the parsers take
    "broad": (IP_DST, b"10.0.0.0/4", [key(V4, 4, addr=bytes(4))], "is not normalised"),
    # bits past the prefix
    "hostbits": (IP_DST, b"10.1.0.0/8", [key(V4, 8, addr=bytes([10, 1, 0, 0]))],
                 "is not normalised"),
    "addrlen": (IP_DST, b"10.1.2.3", [key(V4, 32, addr=bytes([10, 1, 2, 3, 4]))],
                "address key out of bounds"),
    "noport": (IP_DST_PORT, b"10.1.2.3|0", [key(V4PORT, 32, addr=bytes([10, 1, 2, 3]))],
               "is not normalised"),
    "upper": (T_DOMAIN, b"Evil.se", [key(DOMAIN, name=b"Evil.se")], "is not normalised"),
    "label": (T_DOMAIN, b"evil..se", [key(DOMAIN, name=b"evil..se")], "is not normalised"),
    "kind": (T_DOMAIN, b"10.1.2.3", [key(V4, 32, addr=bytes([10, 1, 2, 3]))],
             "keys do not fit the type"),
    "half": (T_DOMAIN_IP, b"evil.se|10.1.2.3", [key(DOMAIN, name=b"evil.se")],
             "keys do not fit the type"),
    "nokey": (T_DOMAIN, b"evil.se", [], "one key, or two"),
    "unknown": (T_DOMAIN, b"evil.se", [key(200, name=b"evil.se")], "unknown kind"),
    "longvalue": (T_DOMAIN, b"x" * 1024, [key(DOMAIN, name=b"evil.se")], "longer than 1023"),
    "v6name": (T_DOMAIN, b"evil.se", [key(HOST, plen=128, name=b"evil.se")],
               "name key out of bounds"),
}


def main():
    gen, out = int(sys.argv[1]), sys.argv[2]
    for name, (typ, value, keys, why) in CASES.items():
        msg = update(gen, [indicator(U, typ, value, keys)], full=True)
        with open(os.path.join(out, name + ".bin"), "wb") as f:
            f.write(msg)
        print("%s\t%s" % (name, why))
    # the same encoder's good message, so a refusal above is the key's fault
    good = indicator(U, T_DOMAIN_IP, b"evil.se|10.1.2.3",
                     [key(DOMAIN, name=b"evil.se"), key(V4, 32, addr=bytes([10, 1, 2, 3]))])
    with open(os.path.join(out, "good.bin"), "wb") as f:
        f.write(update(gen, [good], full=False))


if __name__ == "__main__":
    main()
