#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""make bench, agent part: a full sync of 1M generated attributes from the
MISP test server to a dataplane that acknowledges the generation (wall time,
the agent's CPU time and peak RSS), a delta of 10k attributes (the agent's
CPU time), and publish-to-matching latency with a running agent.

Usage: agent_bench.py BUILD_DIR OUT.json   (root: it attaches XDP to a veth)
"""
import json, os, random, resource, signal, socket, struct, subprocess, sys, tempfile, threading
import time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
N_FULL = int(os.environ.get("VK_BENCH_N", 1_000_000))
N_DELTA = 10_000
PAGE = 50_000
N_LAT = 8


def uid(i, tag):
    return "%08x-%04x-4000-8000-%012x" % (tag, (i >> 48) & 0xffff, i & 0xffffffffffff)


def attrs(n, tag, seed):
    r = random.Random(seed)
    out = []
    for i in range(n):
        if i % 2:
            v, t = "%d.%d.%d.%d" % (r.randint(1, 126), r.randint(0, 255), r.randint(0, 255),
                                    r.randint(1, 254)), "ip-dst"
        else:
            v, t = "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10)) + ".se", "domain"
        out.append({"uuid": uid(i, tag), "type": t, "value": v, "to_ids": True})
    return out


def send_from(ifname, src, stop):
    """Every 10 ms, an IPv4/UDP frame from src["ip"] out of ifname (the veth
    peer of the XDP interface)."""
    sk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sk.bind((ifname, 0))
    while not stop.is_set():
        if src["ip"]:
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 0, 0, 64, 17, 0,
                             socket.inet_aton(src["ip"]), socket.inet_aton("192.0.2.1"))
            csum = sum(struct.unpack("!10H", ip))
            csum = (csum & 0xffff) + (csum >> 16)
            ip = ip[:10] + struct.pack("!H", ~(csum + (csum >> 16)) & 0xffff) + ip[12:]
            frame = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip + \
                struct.pack("!HHHH", 40000, 9, 8, 0)
            sk.send(frame)
        time.sleep(0.01)
    sk.close()


def admin(path, body=None):
    data = json.dumps(body if body is not None else {}).encode()
    return json.loads(urllib.request.urlopen(urllib.request.Request(
        "http://127.0.0.1:18544" + path, data=data, method="POST"), timeout=600).read())


def run_agent(build, conf, perf=False):
    """Run the agent to completion: the wall time until the dataplane
    acknowledged the generation (from the agent's log, read as it is
    written) and until the agent exited (the set stored too), its CPU
    seconds and peak RSS, its log."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    cmd = [build + "/bin/vardkased", "--config", conf, "--once"]
    if perf and os.environ.get("VK_BENCH_PERF"):     # profile the agent: perf report afterwards
        cmd = ["perf", "record", "-g", "-o", os.environ["VK_BENCH_PERF"], "--"] + cmd + ["--no-sandbox"]
    p = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    log, acked = [], None
    for line in p.stderr:
        if acked is None and "acknowledged generation" in line:
            acked = time.monotonic() - t0
        log.append(line)
    p.wait()
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return acked or wall, wall, cpu, after.ru_maxrss / 1024.0, "".join(log)


def main():
    build, out = sys.argv[1], sys.argv[2]
    if os.geteuid():
        print("SKIP: the agent benchmark needs root (XDP on a veth)")
        return 0
    tmp = tempfile.mkdtemp(prefix="vardkase-agentbench.")
    procs = []
    subprocess.run(["ip", "link", "del", "vkab0"], stderr=subprocess.DEVNULL)
    subprocess.run("ip link add vkab0 type veth peer name vkab1 && ip link set vkab0 up && "
                   "ip link set vkab1 up", shell=True, check=True)
    try:
        subprocess.run([ROOT + "/tools/pki/make-pki.sh", tmp + "/pki"], check=True,
                       stdout=subprocess.DEVNULL)
        print("generating %d attributes..." % N_FULL, flush=True)
        with open(tmp + "/big.json", "w") as f:
            json.dump({"Event": {"uuid": uid(0, 0xe0), "info": "bench", "Attribute":
                                 attrs(N_FULL, 0xa0, 1)}}, f)
        pki = tmp + "/pki"
        srv = subprocess.Popen([sys.executable, ROOT + "/tools/misp/misp_server.py",
                                "--listen", "127.0.0.1:18543", "--admin", "127.0.0.1:18544",
                                "--ca", pki + "/ca.crt", "--cert", pki + "/server.crt",
                                "--key", pki + "/server.key", "--api-key", "benchkey",
                                "--events", tmp + "/big.json",
                                # MISP itself never compresses; the figures in
                                # docs/performance.md were taken with an Apache
                                # that does (mod_deflate), as here
                                "--gzip"], stdout=subprocess.PIPE, text=True)
        procs.append(srv)
        srv.stdout.readline()                 # the server's ready line
        dp = subprocess.Popen([build + "/bin/vardkase-xdp", "run", "--iface", "vkab0",
                               "--pin-dir", "/sys/fs/bpf/vardkase-agentbench",
                               "--state-dir", tmp + "/dp", "--socket", tmp + "/dp.sock",
                               "--sizes", "ids=1500000,v4=1048576,names=1048576"],
                              stdout=subprocess.DEVNULL, stderr=open(tmp + "/dp.log", "w"))
        procs.append(dp)
        for _ in range(300):
            if "running;" in open(tmp + "/dp.log").read():
                break
            time.sleep(0.1)
        open(tmp + "/api.key", "w").write("benchkey\n")
        conf = tmp + "/agent.conf"
        open(conf, "w").write(
            "[upstream]\nurl = https://localhost:18543\nca = %s/ca.crt\nclient_cert = %s/client.crt\n"
            "client_key = %s/client.key\napi_key_file = %s/api.key\npage_size = %d\n"
            "poll_interval = 5\njitter_percent = 0\noverlap = 2\n[agent]\nuser = root\nstate_dir = %s/state\n"
            "dataplane_socket = %s/dp.sock\n" % (pki, pki, pki, tmp, PAGE, tmp, tmp))
        # The first full sync also makes the Python server render ~550 MB
        # of JSON once; the timed one starts the agent from an empty state
        # again, against pages the server now holds, as a MISP that keeps
        # up would serve them.
        print("full sync of %d attributes, server rendering its pages..." % N_FULL, flush=True)
        _, cold_wall, _, _, log = run_agent(build, conf)
        if "acknowledged" not in log:
            print(log)
            raise SystemExit("full sync failed")
        subprocess.run(["rm", "-rf", tmp + "/state"], check=True)
        print("full sync of %d attributes, timed..." % N_FULL, flush=True)
        full_wall, stored_wall, full_cpu, rss, log = run_agent(build, conf, perf=True)
        if "acknowledged" not in log:
            print(log)
            raise SystemExit("full sync failed")
        if os.environ.get("VK_BENCH_VERBOSE"):
            print(log)
        # the agent's own log line gives a sync's wall and CPU time
        agent = subprocess.Popen([build + "/bin/vardkased", "--config", conf],
                                 stderr=open(tmp + "/agent.log", "w"))
        procs.append(agent)

        def next_sync(n):
            for _ in range(6000):
                lines = [l for l in open(tmp + "/agent.log") if "sync delta" in l]
                if len(lines) > n:
                    return lines[n]
                time.sleep(0.05)
            raise SystemExit("no delta sync")
        next_sync(0)
        print("delta of %d attributes..." % N_DELTA, flush=True)
        n = len([l for l in open(tmp + "/agent.log") if "sync delta" in l])
        admin("/admin/event", {"Event": {"uuid": uid(1, 0xe1), "info": "delta",
                                         "Attribute": attrs(N_DELTA, 0xb0, 2)}})
        agent.send_signal(signal.SIGHUP)
        line = next_sync(n)
        while "%d added" % N_DELTA not in line:   # a poll may have raced the publish
            n += 1
            line = next_sync(n)
        delta_wall = float(line.split(" pages, ")[1].split(" s ")[0])
        delta_cpu = float(line.split(", cpu ")[1].split(" s")[0])
        # Matching, literally: a packet from the published address crosses
        # the XDP interface every 10 ms, and the time is taken when the
        # dataplane's counter for the new attribute first moves.
        print("publish to match with a running agent (poll 5 s)...", flush=True)
        lat, src = [], {"ip": None}
        stop = threading.Event()
        threading.Thread(target=send_from, args=("vkab1", src, stop), daemon=True).start()
        for k in range(N_LAT):
            u = uid(k, 0xc0)
            src["ip"] = "198.18.%d.%d" % (k // 200, k % 200 + 1)
            t0 = time.monotonic()
            admin("/admin/event", {"Event": {"uuid": uid(10 + k, 0xe2), "info": "lat",
                   "Attribute": [{"uuid": u, "type": "ip-src", "value": src["ip"],
                                  "to_ids": True}]}})
            while time.monotonic() - t0 < 30:
                c = subprocess.run([build + "/bin/vardkase-xdp", "ctl", "--socket",
                                    tmp + "/dp.sock", "counters"], capture_output=True,
                                   text=True).stdout
                if u in c:
                    break
                time.sleep(0.02)
            lat.append(time.monotonic() - t0)
            time.sleep(random.Random(k).uniform(0, 5))   # publish at any point of the poll cycle
        stop.set()
        # the dataplane's own time for each one-indicator delta (its log)
        dp_delta = [float(l.split("(")[-1].split(" s with")[0]) for l in open(tmp + "/dp.log")
                    if "(delta): 1 added" in l and "s with the staged set" in l]
        res = {"full_attributes": N_FULL, "full_wall_seconds": round(full_wall, 2),
               "full_wall_seconds_stored": round(stored_wall, 2),
               "full_wall_seconds_server_rendering": round(cold_wall, 2),
               "full_agent_cpu_seconds": round(full_cpu, 2), "agent_peak_rss_mib": round(rss, 1),
               "delta_attributes": N_DELTA, "delta_wall_seconds": round(delta_wall, 3),
               "delta_agent_cpu_seconds": round(delta_cpu, 3),
               "publish_to_match_seconds": [round(x, 2) for x in lat], "poll_interval": 5,
               "dataplane_one_indicator_delta_seconds": dp_delta}
        print("\nagent, %d attributes, %d per page" % (N_FULL, PAGE))
        print("  full sync      wall %6.2f s to the dataplane's ack, %.2f s until stored;"
              " agent CPU %.2f s, peak RSS %.1f MiB" % (full_wall, stored_wall, full_cpu, rss))
        print("  (first full sync, the server rendering its pages: wall %.2f s)" % cold_wall)
        print("  delta %5d    wall %6.3f s   agent CPU %6.3f s" % (N_DELTA, delta_wall, delta_cpu))
        print("  publish->match %s s (poll interval 5 s; median %.2f, max %.2f)"
              % (", ".join("%.2f" % x for x in lat), sorted(lat)[len(lat) // 2], max(lat)))
        if dp_delta:
            print("  dataplane, one-indicator delta: %.3f-%.3f s (from the staged set to the"
                  " answer)" % (min(dp_delta), max(dp_delta)))
        os.makedirs(os.path.dirname(out), exist_ok=True)
        json.dump(res, open(out, "w"), indent=1)
        print("written:", out)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
            p.wait()
        if os.environ.get("VK_BENCH_VERBOSE"):
            for f in ("dp.log", "agent.log"):
                if os.path.exists(tmp + "/" + f):
                    print("---- %s\n%s" % (f, "".join(open(tmp + "/" + f).readlines()[-40:])))
        subprocess.run([build + "/bin/vardkase-xdp", "detach", "--iface", "vkab0", "--pin-dir",
                        "/sys/fs/bpf/vardkase-agentbench", "--state-dir", tmp + "/dp"],
                       stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "link", "del", "vkab0"], stderr=subprocess.DEVNULL)
        subprocess.run(["rm", "-rf", tmp])
    return 0


if __name__ == "__main__":
    sys.exit(main())
