#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Drive the MISP test server's admin interface: misp_admin.py URL PATH [JSON|@FILE].
Reads (GET) for /admin/requests, /admin/sightings, /admin/stats; every
other path is a POST (with {} when no JSON is given). @FILE reads the JSON
from a file (one argument may hold at most 128 KiB)."""
import json, sys, urllib.request

url, path = sys.argv[1], sys.argv[2]
get = path in ("/admin/requests", "/admin/sightings", "/admin/stats", "/admin/sightings-received")
arg = sys.argv[3] if len(sys.argv) > 3 else "{}"
if arg.startswith("@"):
    with open(arg[1:]) as f:
        arg = f.read()
data = None if get else arg.encode()
req = urllib.request.Request(url + path, data=data, method="GET" if get else "POST")
print(urllib.request.urlopen(req, timeout=10).read().decode())
