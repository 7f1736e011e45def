#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""A MISP REST API test platform for vardkase's tests and demo.

It answers like a live MISP 2.5.1 (the shapes, headers, error forms and
quirks listed in docs/operations.md, "The MISP test platform"), over HTTPS with mutual TLS
(a client certificate is required) and API keys, serving events loaded from
MISP event JSON files ({"Event": {...}}).

A loopback-only admin interface (plain HTTP) publishes, edits and deletes at
runtime, injects faults and reports what the platform received:

  POST /admin/event                 body {"Event": ...}      add or replace
  POST /admin/publish/<event id>                             publish (now)
  POST /admin/attribute/<uuid>      body {field: value}      edit (unpublishes)
  POST /admin/delete/<uuid>                                  soft delete (unpublishes)
  POST /admin/hard-delete/<uuid>                             gone, no trace
  POST /admin/delete-event/<uuid>                            the event is gone (its
        attributes too); bulkSaveSightings for it answers 405
  POST /admin/fault                 body {"kind": K, "count": N, "seconds": S, "skip": M}
        K: latency | 500 | 429 | 403html (a proxy's page) | reset | truncate | oversize |
           endless (full pages of new uuids, without end) | none
        (the M requests before the fault go through: a fault mid-pull)
  POST /admin/warninglist           body {"values": [...]}   enforceWarninglist

Decaying models (--decay-model ID:FILE, misp-decaying-models JSON, the
Polynomial formula) give includeDecayScore / excludeDecayed answers.
  GET  /admin/requests              every API request seen (path, headers, body)
  GET  /admin/sightings             sightings the platform holds
  GET  /admin/sightings-received    every sighting uuid sent (resends too)
  GET  /admin/stats                 counts

Standard library only: it is a tool, not the product.
"""
import argparse, gzip, json, os, socket, ssl, struct, sys, threading, time, uuid as uuidlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

AUTH_FAILED = {"name": "Authentication failed. Please make sure you pass the API key of an API "
               "enabled user along in the Authorization header.",
               "message": "Authentication failed. Please make sure you pass the API key of an API "
               "enabled user along in the Authorization header."}
GET_NO_PARAMS = {"name": "Either specify the search terms in the url, or POST a json with the "
                 "filter parameters.", "message": "Either specify the search terms in the url, or "
                 "POST a json with the filter parameters."}
RATE_LIMITED = {"name": "Rate limit exceeded.", "message": "Rate limit exceeded."}
ATTR_FIELDS = ("id", "event_id", "object_id", "object_relation", "category", "type", "to_ids",
               "uuid", "timestamp", "distribution", "sharing_group_id", "comment", "deleted",
               "disable_correlation", "first_seen", "last_seen", "value")


def truthy(v):
    return v in (True, 1, "1", "true", "True")


def as_list(v):
    return v if isinstance(v, list) else [v]


def since(v):
    """MISP's 'last': '1d', '12h', '30m', '45s' or seconds."""
    s = str(v)
    mult = {"d": 86400, "h": 3600, "m": 60, "s": 1}.get(s[-1:], None)
    return int(time.time()) - (int(s[:-1]) * mult if mult else int(s))


class RawJSON:
    """A response body already serialised."""
    def __init__(self, text):
        self.text = text


class Store:
    def __init__(self):
        self.lock = threading.RLock()
        self.events = {}          # id -> event dict (without Attribute)
        self.attrs = {}           # uuid -> attribute dict (with "_event")
        self.next_event = 1
        self.next_attr = 1
        self.warninglist = set()
        self.fault = {"kind": "none", "count": 0, "seconds": 0}
        self.requests = []
        self.sightings = {}       # sighting uuid -> sighting
        self.received = []        # every sighting uuid sent, resends included
        self.sightings_file = None
        self.rate = {"limit": 0, "window": 900, "hits": []}
        self.models = {}          # id -> decaying model (Polynomial)
        self.by_event = {}        # event id -> {uuid: attribute}
        self.version = 0          # bumped by every change; keys the caches
        self.cache = {}           # (filters, version) -> matching attributes
        self.pages = {}           # (filters, version, limit, page, gzip) -> answer

    def save_sightings(self):
        """What the platform holds survives a restart of the server (the
        outage tests stop and start it)."""
        if self.sightings_file:
            tmp = self.sightings_file + ".tmp"
            with open(tmp, "w") as f:
                json.dump({"sightings": self.sightings, "received": self.received}, f)
            os.replace(tmp, self.sightings_file)

    def load_event(self, doc, publish=True):
        ev = doc.get("Event", doc)
        with self.lock:
            old = [e for e in self.events.values() if e["uuid"] == ev.get("uuid")]
            eid = old[0]["id"] if old else str(self.next_event)
            if not old:
                self.next_event += 1
            now = str(int(time.time()))
            e = {"id": eid, "uuid": ev.get("uuid") or str(uuidlib.uuid4()),
                 "info": ev.get("info", ""), "threat_level_id": str(ev.get("threat_level_id", "4")),
                 "date": ev.get("date", time.strftime("%Y-%m-%d")), "org_id": "1", "orgc_id": "2",
                 "distribution": str(ev.get("distribution", "3")), "published": publish,
                 "publish_timestamp": now if publish else "0", "timestamp": now,
                 "Tag": [{"id": str(i + 1), "name": t["name"], "colour": t.get("colour", "#ffffff"),
                          "numerical_value": None} for i, t in enumerate(ev.get("Tag", []))]}
            self.events[eid] = e
            self.version += 1
            attrs = list(ev.get("Attribute", []))
            for o in ev.get("Object", []) or []:
                attrs += o.get("Attribute", [])
            for a in attrs:
                self.add_attr(e, a)
            return e

    def add_attr(self, e, a):
        u = a.get("uuid") or str(uuidlib.uuid4())
        old = self.attrs.get(u)
        x = {"id": old["id"] if old else str(self.next_attr), "event_id": e["id"],
             "object_id": str(a.get("object_id", "0")), "object_relation": a.get("object_relation"),
             "category": a.get("category", "Network activity"), "type": a["type"],
             "to_ids": truthy(a.get("to_ids", False)), "uuid": u,
             "timestamp": str(a.get("timestamp", int(time.time()))),
             "distribution": str(a.get("distribution", "5")), "sharing_group_id": "0",
             "comment": a.get("comment", ""), "deleted": truthy(a.get("deleted", False)),
             "disable_correlation": False, "first_seen": None, "last_seen": None,
             "value": a["value"], "_event": e["id"],
             "_tags": [t["name"] for t in a.get("Tag", [])]}
        if not old:
            self.next_attr += 1
        else:
            self.by_event.get(old["_event"], {}).pop(u, None)
        self.attrs[u] = x
        self.by_event.setdefault(e["id"], {})[u] = x

    def hard_delete(self, u):
        x = self.attrs.pop(u)
        self.by_event.get(x["_event"], {}).pop(u, None)
        self.version += 1

    def touch(self, x):
        """An edit bumps the attribute timestamp and unpublishes its event."""
        x["timestamp"] = str(int(time.time()))
        self.events[x["_event"]]["published"] = False
        self.version += 1

    def search(self, f, limit=0, page=1):
        """Matching attributes in the database's order (event by event),
        rendered; one page of them when limit is set. As MISP 2.5.1 does,
        the warninglists (enforceWarninglist) are applied to the page
        after the limit, so a page that is not the last may be short:
        returns (rows, skipped). The match list is cached per filter set
        until the data changes, so paging a large set costs one scan."""
        key = (json.dumps({k: v for k, v in f.items() if k not in ("limit", "page")},
                          sort_keys=True), self.version)
        with self.lock:
            rows = self.cache.get(key)
            if rows is None:
                rows = self.match(f)
                self.cache = {key: rows}
            if limit:
                rows = rows[(page - 1) * limit: page * limit]
            kept = rows
            if truthy(f.get("enforceWarninglist")):
                kept = [x for x in rows if x["value"] not in self.warninglist]
            return [json.dumps(self.render(x, f)) for x in kept], len(rows) - len(kept)

    def cached_page(self, f, limit, page, gz, build):
        """A restSearch answer (count, body, encoding), built once per
        filter set, page and data version: a client paging through 1M
        attributes again (the benchmark's second full sync, a box's daily
        resync) is served from memory, so what is measured is the client.
        Filters relative to now ('last') also key on the second."""
        key = (json.dumps(f, sort_keys=True), self.version, limit, page, gz,
               int(time.time()) if "last" in f else 0)
        with self.lock:
            hit = self.pages.get(key)
            if hit:
                return hit
        hit = build()
        with self.lock:
            if len(self.pages) >= 256 or any(k[1] != self.version for k in self.pages):
                self.pages = {}
            self.pages[key] = hit
        return hit

    def match(self, f):
        def want(x):
            e = self.events[x["_event"]]
            d = f.get("deleted", 0)
            dl = [truthy(v) for v in as_list(d)]
            if x["deleted"] not in dl:
                return False
            if "type" in f and x["type"] not in as_list(f["type"]):
                return False
            if "category" in f and x["category"] not in as_list(f["category"]):
                return False
            if "to_ids" in f and x["to_ids"] != truthy(f["to_ids"]):
                return False
            if truthy(f.get("published")) and not e["published"]:
                return False
            if "eventid" in f and x["_event"] not in [str(v) for v in as_list(f["eventid"])]:
                return False
            if "value" in f and x["value"] not in as_list(f["value"]):
                return False
            if "timestamp" in f and int(x["timestamp"]) < int(f["timestamp"]):
                return False
            if "publish_timestamp" in f and int(e["publish_timestamp"]) < int(f["publish_timestamp"]):
                return False
            if "last" in f and int(e["publish_timestamp"]) < since(f["last"]):
                return False
            tags = set(x["_tags"]) | {t["name"] for t in e["Tag"]}
            t = f.get("tags")
            if isinstance(t, dict):
                if tags & set(as_list(t.get("NOT", []))):
                    return False
                if t.get("OR") and not tags & set(as_list(t["OR"])):
                    return False
            elif t is not None and not tags & set(as_list(t)):
                return False
            if truthy(f.get("excludeDecayed")) and any(d["decayed"] for d in self.decay(x, f)):
                return False
            return True
        # a delta asks for recently published events: scan only those
        cut = [int(f["publish_timestamp"])] if "publish_timestamp" in f else []
        cut += [since(f["last"])] if "last" in f else []
        pool = self.attrs.values()
        if cut:
            pool = [x for e in self.events.values() if int(e["publish_timestamp"]) >= max(cut)
                    for x in self.by_event.get(e["id"], {}).values()]
        return sorted((x for x in pool if want(x)), key=lambda x: (int(x["_event"]), int(x["id"])))

    def render(self, x, f):
        e = self.events[x["_event"]]
        r = {k: x[k] for k in ATTR_FIELDS}
        if truthy(f.get("includeEventUuid")):
            r["event_uuid"] = e["uuid"]
        r["Event"] = {"org_id": e["org_id"], "distribution": e["distribution"],
                      "publish_timestamp": e["publish_timestamp"], "id": e["id"],
                      "info": e["info"], "orgc_id": e["orgc_id"], "uuid": e["uuid"]}
        tags = [{"id": str(i + 100), "name": n, "colour": "#ffffff", "numerical_value": None}
                for i, n in enumerate(x["_tags"])]
        if truthy(f.get("includeEventTags")):
            tags += [dict(t, inherited=1) for t in e["Tag"]]
        if tags:
            r["Tag"] = tags
        if truthy(f.get("includeDecayScore")):
            r["decay_score"] = self.decay(x, f)
        return r

    def decay(self, x, f):
        """MISP's Polynomial model: base * (1 - (t / lifetime) ^ (1 / speed)),
        t and lifetime in days; decayed when the score is at or under the
        threshold (modelOverrides may change it)."""
        ids = [str(i) for i in as_list(f.get("decayingModel", list(self.models)))]
        over = f.get("modelOverrides") or {}
        out = []
        for mid in ids:
            m = self.models.get(mid)
            if not m or x["type"] not in m.get("attribute_types", [x["type"]]):
                continue
            p = dict(m["parameters"], **{k: v for k, v in over.items() if k != "base_score_config"})
            t = max(0.0, (time.time() - int(x["timestamp"])) / 86400.0)
            base = float(p.get("default_base_score", 80))
            ratio = min(1.0, t / float(p["lifetime"])) ** (1.0 / float(p["decay_speed"]))
            score = max(0.0, base * (1 - ratio))
            out.append({"score": round(score, 2), "base_score": base,
                        "decayed": score <= float(p["threshold"]),
                        "DecayingModel": {"id": mid, "name": m.get("name", "")}})
        return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Apache"
    sys_version = ""

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("misp-server: " + fmt % args + "\n")

    # ---- plumbing ----
    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def wants_gzip(self):
        """MISP 2.5.1 never compresses (Content-Length, even with
        Accept-Encoding: gzip); --gzip plays an Apache with mod_deflate."""
        return self.server.gzip and "gzip" in (self.headers.get("Accept-Encoding") or "")

    def encode(self, obj):
        """The body as sent: (bytes, Content-Encoding or None)."""
        data = obj.text.encode() if isinstance(obj, RawJSON) else json.dumps(obj).encode()
        if self.wants_gzip() and len(data) > 1024:
            return gzip.compress(data, compresslevel=1), "gzip"
        return data, None

    def send_json(self, status, obj, extra=None):
        data, enc = self.encode(obj)
        self.send_bytes(status, data, enc, extra)

    def send_bytes(self, status, data, enc, extra=None):
        self.send_response(status)
        if not self.server.admin:   # every API answer repeats its session cookie
            c = "CAKEPHP=%s; expires=%s; Max-Age=3600; path=/; secure; HttpOnly; SameSite=Lax" % (
                uuidlib.uuid4().hex[:26], time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                                        time.gmtime(time.time() + 3600)))
            for _ in range(3):
                self.send_header("Set-Cookie", c)
        self.send_header("Content-Type", "application/json")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        if enc:
            self.send_header("Content-Encoding", enc)
        if len(data) > 65536:      # large answers are chunked, as Apache does
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(data), 32768):
                part = data[i:i + 32768]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    def error(self, status, obj, extra=None):
        self.send_json(status, dict(obj, url=self.path), extra)

    def take_fault(self):
        st = self.server.store
        with st.lock:
            if st.fault.get("skip", 0) > 0:     # the first requests go through
                st.fault["skip"] -= 1
                return {"kind": "none", "count": 0, "seconds": 0}
            f = dict(st.fault)
            if f["kind"] != "none":
                st.fault["count"] -= 1
                if st.fault["count"] <= 0:
                    st.fault = {"kind": "none", "count": 0, "seconds": 0}
        return f

    # ---- API ----
    def do_GET(self):
        if self.server.admin:
            return self.admin_get()
        if not self.authorised():
            return
        if self.path.startswith("/servers/getVersion"):
            return self.send_json(200, {"version": "2.5.1", "pymisp_recommended_version": "2.5.1",
                                        "perm_sync": False, "perm_sighting": True,
                                        "perm_galaxy_editor": False, "request_encoding": ["gzip"],
                                        "filter_sightings": True})
        return self.error(400, GET_NO_PARAMS)

    def authorised(self):
        st = self.server.store
        raw = b""
        if self.command == "POST":
            raw = self.body()
        self.raw = raw
        with st.lock:
            st.requests.append({"path": self.path, "method": self.command,
                                "headers": dict(self.headers), "body": raw.decode("utf-8", "replace"),
                                "peer_cert": (self.connection.getpeercert() or {}).get("subject") is not None})
        if self.headers.get("Authorization") not in self.server.keys:
            self.error(403, AUTH_FAILED)
            return False
        # MISP 2.5.1: a fixed window per user that attributes/restSearch and
        # events/restSearch count together; Reset is the seconds left of it
        rl = st.rate
        if rl["limit"] and "/restSearch" in self.path:
            with st.lock:
                now = time.time()
                if not rl.get("start") or now - rl["start"] >= rl["window"]:
                    rl["start"], rl["hits"] = now, []
                rl["hits"].append(now)
                left = int(rl["window"] - (now - rl["start"])) + 1
                if len(rl["hits"]) > rl["limit"]:
                    self.error(429, RATE_LIMITED, {"X-Rate-Limit-Limit": str(rl["limit"]),
                                                   "X-Rate-Limit-Remaining": "0",
                                                   "X-Rate-Limit-Reset": str(left)})
                    return False
        return True

    def do_POST(self):
        if self.server.admin:
            return self.admin_post()
        if not self.authorised():
            return
        if self.path.startswith("/attributes/restSearch"):
            return self.rest_search()
        if self.path.startswith("/sightings/bulkSaveSightings"):
            return self.bulk_sightings()
        if self.path.startswith("/events/restSearch"):
            return self.event_search()
        return self.error(404, {"name": "Not Found", "message": "Not Found"})

    def rest_search(self):
        f = {}
        # without the JSON content type MISP ignores the body's filters
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() == "application/json":
            try:
                f = json.loads(self.raw or b"{}")
            except ValueError:
                return self.error(400, {"name": "Invalid JSON", "message": "Invalid JSON"})
        fault = self.take_fault()
        k = fault["kind"]
        if k == "latency":
            time.sleep(float(fault["seconds"]))
        elif k == "500":
            return self.error(500, {"name": "An Internal Error Has Occurred.",
                                    "message": "An Internal Error Has Occurred."})
        elif k == "429":
            return self.error(429, RATE_LIMITED, {"X-Rate-Limit-Limit": "2",
                                                  "X-Rate-Limit-Remaining": "0",
                                                  "X-Rate-Limit-Reset": str(int(fault["seconds"] or 2))})
        elif k == "403html":
            return self.proxy_403()
        limit, page = int(f.get("limit") or 0), int(f.get("page") or 1)
        if k == "endless":
            return self.endless(f, limit, page)

        def build():
            rows, skipped = self.server.store.search(f, limit, page)
            doc = RawJSON('{"response": {"Attribute": [' + ",".join(rows) + "]}}")
            # as captured from 2.5.1: X-Result-Count is the rows sent + 1,
            # on every page (the empty page past the end says 1)
            count = (len(rows) + 1, skipped)
            if k == "none":     # the cache keeps only the bytes sent
                return (count, None) + self.encode(doc)
            return count, doc, None, None
        if k == "none":
            count, doc, data, enc = self.server.store.cached_page(f, limit, page,
                                                                  self.wants_gzip(), build)
        else:
            count, doc, data, enc = build()
        hdr = {"X-Result-Count": str(count[0]), "X-Export-Module-Used": "json",
               "X-Response-Format": "json", "X-Skipped-Elements-Count": str(count[1])}
        if k == "reset":
            return self.reset_mid_body(doc)
        if k == "truncate":
            data = doc.text.encode()[:-7]
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if k == "oversize":
            return self.oversize()
        self.send_bytes(200, data, enc, hdr) if data is not None else self.send_json(200, doc, hdr)

    def endless(self, f, limit, page):
        """A broken or hostile platform: every page full, of new uuids (a
        copy of the first attribute with another uuid and address)."""
        first, _ = self.server.store.search(dict(f), 1, 1)
        if not first or not limit:
            return self.error(500, {"name": "endless: no attribute to copy", "message": ""})
        t, rows = json.loads(first[0]), []
        for i in range(limit):
            n = page * limit + i
            t.update(uuid="eeeeeeee-%04x-4eee-8eee-%012x" % ((n >> 48) & 0xffff, n & 0xffffffffffff),
                     id=str(10 ** 8 + n), type="ip-dst", to_ids=True,
                     value="10.%d.%d.%d" % ((n >> 16) & 255, (n >> 8) & 255, n & 255))
            rows.append(json.dumps(t))
        return self.send_json(200, RawJSON('{"response": {"Attribute": [' + ",".join(rows) + "]}}"),
                              {"X-Result-Count": str(limit + 1), "X-Skipped-Elements-Count": "0"})

    def proxy_403(self):
        """What a proxy or web filter in front of MISP answers: HTML."""
        data = b"<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1>" \
               b"<p>Access denied by policy.</p></body></html>"
        self.send_response(403)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def reset_mid_body(self, doc):
        data = doc.text.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data) + 1000))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        # linger 0: the close sends a TCP reset, as a dying server would
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def oversize(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b'{"id":"1","type":"ip-dst","value":"192.0.2.1"},' * 1000
        try:
            head = b'{"response":{"Attribute":['
            self.wfile.write(b"%x\r\n%s\r\n" % (len(head), head))
            for _ in range(20000):   # ~1 GB if nobody stops reading
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            pass
        self.close_connection = True

    def bulk_sightings(self):
        """As measured on MISP 2.5.1: a uuid it already holds is skipped;
        one item without every key and nothing is saved; the answer is
        {"saved": bool, "success": "N sightings added."}."""
        fault = self.take_fault()
        if fault["kind"] == "latency":    # the batch is "in flight" meanwhile
            time.sleep(float(fault["seconds"]))
        if fault["kind"] == "500":
            return self.error(500, {"name": "An Internal Error Has Occurred.",
                                    "message": "An Internal Error Has Occurred."})
        if fault["kind"] == "reset":
            return self.reset_mid_body(RawJSON('{"saved": true, "success": "1 sightings added."}'))
        if fault["kind"] == "429":
            return self.error(429, RATE_LIMITED, {"X-Rate-Limit-Limit": "2",
                                                  "X-Rate-Limit-Remaining": "0",
                                                  "X-Rate-Limit-Reset": str(int(fault["seconds"] or 2))})
        if fault["kind"] == "403html":
            return self.proxy_403()
        try:
            items = json.loads(self.raw)
            assert isinstance(items, list)
        except (ValueError, AssertionError):
            return self.error(400, {"name": "Invalid JSON", "message": "Invalid JSON"})
        st = self.server.store
        ev = self.path.rstrip("/").rsplit("/", 1)[-1]
        with st.lock:
            known = any(e["uuid"] == ev or e["id"] == ev for e in st.events.values())
        if not known:   # deleted, or not visible to this user (captured: s1)
            for s in items:
                if isinstance(s, dict):
                    st.received.append(s.get("uuid"))
            msg = "Event not found or not accessible by this user."
            return self.error(405, {"name": msg, "message": msg})
        # a sighting without a source is saved with none
        need = ("uuid", "attribute_uuid", "date_sighting", "type")
        saved = 0
        with st.lock:
            for s in items:
                st.received.append(s.get("uuid"))
            if all(isinstance(s, dict) and all(k in s for k in need) for s in items):
                for s in items:
                    if s["uuid"] not in st.sightings and s["attribute_uuid"] in st.attrs:
                        st.sightings[s["uuid"]] = dict(s, event=ev, source=s.get("source", ""))
                        saved += 1
            st.save_sightings()
        self.send_json(200, {"saved": saved > 0,
                             "success": "%d sightings added." % saved if saved
                             else "No sightings added."})

    def event_search(self):
        """events/restSearch with metadata: 1, by uuid or eventid."""
        try:
            f = json.loads(self.raw or b"{}")
        except ValueError:
            return self.error(400, {"name": "Invalid JSON", "message": "Invalid JSON"})
        want = {str(u) for u in as_list(f.get("uuid", []))}
        ids = {str(i) for i in as_list(f.get("eventid", []))}
        out = []
        with self.server.store.lock:
            for e in self.server.store.events.values():
                if (want or ids) and e["uuid"] not in want and e["id"] not in ids:
                    continue
                ev = {k: e[k] for k in ("id", "orgc_id", "org_id", "date", "threat_level_id",
                                        "info", "published", "uuid", "timestamp",
                                        "distribution", "publish_timestamp")}
                ev.update({"analysis": "2", "sharing_group_id": "0", "Tag": e["Tag"]})
                out.append({"Event": ev})
        self.send_json(200, {"response": out})

    # ---- admin ----
    def admin_get(self):
        st = self.server.store
        with st.lock:
            if self.path == "/admin/requests":
                return self.send_json(200, st.requests)
            if self.path == "/admin/sightings":
                return self.send_json(200, list(st.sightings.values()))
            if self.path == "/admin/sightings-received":
                return self.send_json(200, st.received)
            if self.path == "/admin/stats":
                return self.send_json(200, {"events": len(st.events), "attributes": len(st.attrs),
                                            "requests": len(st.requests)})
        self.send_json(404, {"error": "no such admin path"})

    def admin_post(self):
        st = self.server.store
        try:
            body = json.loads(self.body() or b"{}")
        except ValueError:
            return self.send_json(400, {"error": "invalid JSON"})
        p = self.path.split("/")
        with st.lock:
            if self.path == "/admin/event":
                e = st.load_event(body, publish=truthy(body.get("publish", True)))
                return self.send_json(200, {"id": e["id"], "uuid": e["uuid"]})
            if len(p) == 4 and p[2] == "publish" and p[3] in st.events:
                e = st.events[p[3]]
                e["published"] = True
                e["publish_timestamp"] = str(int(time.time()))
                st.version += 1
                return self.send_json(200, {"published": e["id"]})
            if len(p) == 4 and p[2] in ("attribute", "delete", "hard-delete") and p[3] in st.attrs:
                x = st.attrs[p[3]]
                if p[2] == "hard-delete":
                    st.hard_delete(p[3])
                    return self.send_json(200, {"hard_deleted": p[3]})
                if p[2] == "delete":
                    x["deleted"] = True
                else:
                    for k, v in body.items():
                        if k in ("to_ids", "deleted"):
                            v = truthy(v)
                        if k in ATTR_FIELDS and k not in ("id", "uuid", "event_id"):
                            x[k] = v
                st.touch(x)
                return self.send_json(200, {k: x[k] for k in ATTR_FIELDS})
            if len(p) == 4 and p[2] == "delete-event":
                hit = [e for e in st.events.values() if e["uuid"] == p[3] or e["id"] == p[3]]
                if hit:
                    e = hit[0]
                    for u in list(st.by_event.get(e["id"], {})):
                        st.hard_delete(u)
                    del st.events[e["id"]]
                    st.version += 1
                    return self.send_json(200, {"deleted_event": e["uuid"]})
            if self.path == "/admin/fault":
                st.fault = {"kind": body.get("kind", "none"), "count": int(body.get("count", 1)),
                            "seconds": float(body.get("seconds", 0)),
                            "skip": int(body.get("skip", 0))}
                return self.send_json(200, st.fault)
            if self.path == "/admin/warninglist":
                st.warninglist = set(body.get("values", []))
                st.version += 1
                return self.send_json(200, {"values": len(st.warninglist)})
            if self.path == "/admin/rate-limit":
                st.rate = {"limit": int(body.get("limit", 0)), "window": int(body.get("window", 900)),
                           "hits": [], "start": 0}
                return self.send_json(200, {"limit": st.rate["limit"]})
        self.send_json(404, {"error": "no such admin path or object"})


def serve(addr, store, keys, ctx, admin, verbose, gz=False):
    host, port = addr.rsplit(":", 1)
    srv = ThreadingHTTPServer((host.strip("[]"), int(port)), Handler)
    srv.daemon_threads = True
    srv.store, srv.keys, srv.admin, srv.verbose, srv.gzip = store, keys, admin, verbose, gz
    if ctx:
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listen", default="127.0.0.1:8443")
    ap.add_argument("--admin", default="127.0.0.1:8444", help="loopback only")
    ap.add_argument("--ca", required=True, help="CA that client certificates must chain to")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--api-key", action="append", default=[], help="an accepted API key")
    ap.add_argument("--api-key-file", help="file with one accepted API key per line")
    ap.add_argument("--events", nargs="*", default=[], help="MISP event JSON files or directories")
    ap.add_argument("--decay-model", action="append", default=[], metavar="ID:FILE",
                    help="a misp-decaying-models JSON file served under this model id")
    ap.add_argument("--sightings-file", help="keep received sightings here across restarts")
    ap.add_argument("--gzip", action="store_true",
                    help="compress answers when asked (MISP 2.5.1 itself never does)")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    if a.admin.rsplit(":", 1)[0].strip("[]") not in ("127.0.0.1", "::1", "localhost"):
        sys.exit("misp-server: --admin must be a loopback address")
    keys = set(a.api_key)
    if a.api_key_file:
        keys |= {l.strip() for l in open(a.api_key_file) if l.strip()}
    if not keys:
        sys.exit("misp-server: give at least one --api-key or --api-key-file")
    store = Store()
    files = []
    for p in a.events:
        files += [os.path.join(p, f) for f in sorted(os.listdir(p)) if f.endswith(".json")] \
            if os.path.isdir(p) else [p]
    for f in files:
        store.load_event(json.load(open(f)))
    if a.sightings_file:
        store.sightings_file = a.sightings_file
        if os.path.exists(a.sightings_file):
            d = json.load(open(a.sightings_file))
            store.sightings, store.received = d["sightings"], d["received"]
    for spec in a.decay_model:
        mid, path = spec.split(":", 1)
        store.models[mid] = json.load(open(path))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(a.cert, a.key)
    ctx.load_verify_locations(a.ca)
    ctx.verify_mode = ssl.CERT_REQUIRED   # mutual TLS: no certificate, no service
    serve(a.listen, store, keys, ctx, False, a.verbose, a.gzip)
    serve(a.admin, store, keys, None, True, a.verbose)
    print("misp-server: %d events, %d attributes; https://%s (mTLS), admin http://%s"
          % (len(store.events), len(store.attrs), a.listen, a.admin), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
