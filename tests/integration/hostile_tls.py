#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Hostile TLS peers, for the agent's deadlines (test_agent.sh).

  hostile_tls.py drip LISTEN TARGET  a proxy to the real server that passes
                                     the server's bytes on one a second
  hostile_tls.py alerts LISTEN       answers a ClientHello with TLS warning
                                     alerts (user_canceled), one every 50 ms,
                                     without end

LISTEN and TARGET are host:port. Neither needs a certificate: anyone on the
path between the box and the platform can do this.
"""
import socket
import sys
import threading
import time


def addr(s):
    h, p = s.rsplit(":", 1)
    return h, int(p)


def drip(c, target):
    s = socket.create_connection(target)

    def up():
        while True:
            b = c.recv(65536)
            if not b:
                break
            s.sendall(b)
    threading.Thread(target=up, daemon=True).start()
    while True:
        b = s.recv(65536)
        if not b:
            break
        for x in b:
            c.sendall(bytes([x]))
            time.sleep(1)


def alerts(c, _):
    c.recv(65536)
    while True:
        c.sendall(b"\x15\x03\x03\x00\x02\x01\x5a")    # alert, TLS 1.2, warning, 90
        time.sleep(0.05)


def serve(c, fn, target):
    try:
        fn(c, target)
    except OSError:
        pass
    finally:
        c.close()


def main():
    mode, listen = sys.argv[1], addr(sys.argv[2])
    target = addr(sys.argv[3]) if len(sys.argv) > 3 else None
    fn = {"drip": drip, "alerts": alerts}[mode]
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(listen)
    ls.listen(16)
    print("hostile %s on %s:%d" % (mode, listen[0], listen[1]), flush=True)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c, fn, target), daemon=True).start()


if __name__ == "__main__":
    main()
