#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# netns + veth integration (the xdp-tools test_runner pattern): the real
# daemon attaches the real XDP program to a veth whose peer lives in a
# namespace; real ping, DNS and TCP traffic; counters and events checked;
# restart keeps counters; detach leaves nothing. Cleans up on any exit.
set -u
BIN=$(readlink -f "$1")
HERE=$(dirname "$(readlink -f "$0")")
NS=vk-test-peer
IF=vkt0
PIN=/sys/fs/bpf/vardkase-test
STATE=$(mktemp -d /tmp/vardkase-test.XXXXXX)
PASS=0 FAIL=0 PID=

skip() { echo "SKIP: $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "netns tests need root"
ip netns add vk-probe 2>/dev/null && ip netns del vk-probe || skip "cannot create network namespaces"

cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	"$BIN" detach --iface $IF --pin-dir $PIN --state-dir "$STATE" >/dev/null 2>&1
	ip link del $IF 2>/dev/null
	ip netns del $NS 2>/dev/null
	rm -rf "$PIN"
}
trap 'cleanup; [ -n "${KEEP:-}" ] || rm -rf "$STATE"' EXIT

check() {	# check NAME COMMAND...
	local name=$1; shift
	if "$@"; then PASS=$((PASS + 1)); echo "ok   $name"
	else FAIL=$((FAIL + 1)); echo "FAIL $name"; fi
}

cleanup
ip netns add $NS
ip -n $NS link set lo up
veth() {
	ip link add $IF type veth peer name vkt1 &&
	ip link set vkt1 netns $NS &&
	ip addr add 10.77.0.1/24 dev $IF &&
	ip link set $IF up &&
	ip -n $NS addr add 10.77.0.2/24 dev vkt1 &&
	ip -n $NS addr add 10.77.0.9/24 dev vkt1 &&
	ip -n $NS link set vkt1 up &&
	ip addr add fd77::1/64 dev $IF nodad &&
	ip -n $NS addr add fd77::2/64 dev vkt1 nodad
}
# An 802.1Q-tagged (id 100) UDP frame from 10.78.0.2, written raw on the
# peer with AF_PACKET: the tag is in the frame (no VLAN device or 8021q
# module needed, no offload moving the tag out of the data).
send_tagged() {
	ip netns exec $NS /usr/bin/python3 - <<'PY'
import socket, struct
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
udp = struct.pack('!HHHH', 40000, 9999, 12, 0) + b'vlan'
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 socket.inet_aton('10.78.0.2'), socket.inet_aton('10.78.0.1'))
ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
frame = b'\xff' * 6 + b'\x02\x00\x00\x00\x00\x02' + struct.pack('!HH', 0x8100, 100) + \
        struct.pack('!H', 0x0800) + ip + udp
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('vkt1', 0))
for _ in range(2):
    s.send(frame)
PY
}
veth

cat > "$STATE/ind.json" <<'JSON'
{"response":{"Attribute":[
{"uuid":"aaaaaaaa-0000-4000-8000-000000000001","type":"ip-src","value":"10.77.0.2","to_ids":true,"deleted":false},
{"uuid":"aaaaaaaa-0000-4000-8000-000000000002","type":"domain","value":"evil.se","to_ids":true,"deleted":false},
{"uuid":"aaaaaaaa-0000-4000-8000-000000000003","type":"ip-dst|port","value":"10.77.0.1|8080","to_ids":true,"deleted":false},
{"uuid":"aaaaaaaa-0000-4000-8000-000000000004","type":"ip-src","value":"FD77:0::2","to_ids":true,"deleted":false},
{"uuid":"aaaaaaaa-0000-4000-8000-000000000005","type":"ip-src","value":"10.78.0.0/24","to_ids":true,"deleted":false},
{"uuid":"aaaaaaaa-0000-4000-8000-000000000006","type":"domain","value":"evil-sni.se","to_ids":true,"deleted":false},
{"uuid":"aaaaaaaa-0000-4000-8000-000000000007","type":"hostname","value":"www.evil-http.se","to_ids":true,"deleted":false}
]}}
JSON

start() {
	local runs
	runs=$(grep -c "running;" "$STATE/daemon.log" 2>/dev/null)
	"$BIN" run --iface $IF --indicators "$STATE/ind.json" --pin-dir $PIN \
		--state-dir "$STATE" --socket "$STATE/dp.sock" --sizes ids=4096,v4=4096,names=4096 \
		--idle-timeout 3 --print-matches >>"$STATE/events.jsonl" 2>>"$STATE/daemon.log" &
	PID=$!
	for _ in $(seq 100); do
		[ "$(grep -c "running;" "$STATE/daemon.log" 2>/dev/null)" -gt "${runs:-0}" ] &&
			[ -e $PIN/link_$IF ] && return 0
		kill -0 $PID 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
count() {	# matches of one attribute uuid, from the pinned counters
	"$BIN" stats --pin-dir $PIN --state-dir "$STATE" |
		/usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(sum(c['matches'] for c in d['counters'] if c['attribute_uuid']=='$1'))"
}

ctl() { "$BIN" ctl --socket "$STATE/dp.sock" "$@"; }
ccount() {	# matches of one attribute uuid, from the running daemon
	ctl counters "$1" | /usr/bin/python3 -c "import json,sys; print(sum(c['matches'] for c in json.load(sys.stdin).get('counters', [])))"
}
jget() { /usr/bin/python3 -c "import json,sys; d=json.loads(sys.stdin.readline()); print(d$1)"; }

# The control socket (protobuf-c over SOCK_SEQPACKET), driven by `ctl`.
ipc_tests() {
	local gen
	check "socket: stats name the interface" \
		sh -c "\"$BIN\" ctl --socket \"$STATE/dp.sock\" stats | grep -q '\"interfaces\":\[\"$IF\"\]'"
	gen=$(ctl stats | jget "['generation']")
	ctl events --count 1 > "$STATE/sub.jsonl" &
	local sub=$!
	sleep 0.3
	ip netns exec $NS ping -c 1 -W 1 10.77.0.1 >/dev/null
	wait $sub
	check "socket: a subscriber receives the match event" \
		grep -q '"attribute_uuid":\["aaaaaaaa-0000-4000-8000-000000000001"\]' "$STATE/sub.jsonl"
	cat > "$STATE/bad.json" <<'JSON'
{"response":{"Attribute":[
{"uuid":"bbbbbbbb-0000-4000-8000-000000000001","type":"domain","value":"other.se","to_ids":true},
{"uuid":"bbbbbbbb-0000-4000-8000-000000000002","type":"ip-dst","value":"10.0.0.0/4","to_ids":true}
]}}
JSON
	if ctl update --generation $((gen + 1)) --full "$STATE/bad.json" > "$STATE/ack.json" 2>&1
	then echo "ctl took a bad value" >> "$STATE/ack.json"; fi
	check "socket: ctl refuses a value that does not normalise, with the reason" \
		grep -q 'bbbbbbbb-0000-4000-8000-000000000002.*shorter than /8' "$STATE/ack.json"
	check "socket: a refused message changes nothing" \
		test "$(ctl stats | jget "['generation']")" = "$gen"
	printf 'garbage\377\377\377' > "$STATE/raw.bin"
	check "socket: an undecodable message is refused" \
		sh -c "\"$BIN\" ctl --socket \"$STATE/dp.sock\" send-raw \"$STATE/raw.bin\" | grep -q 'not a valid Request'"
	# Keys arrive normalised; the dataplane checks them and parses no value
	local name why bad=""
	mkdir -p "$STATE/keys"
	while IFS="$(printf '\t')" read -r name why; do
		"$BIN" ctl --socket "$STATE/dp.sock" send-raw "$STATE/keys/$name.bin" \
			| grep -q "$why" || bad="$bad $name"
	done < <(/usr/bin/python3 "$HERE/dpmsg.py" $((gen + 1)) "$STATE/keys")
	check "socket: bad binary keys are refused with their reason (${bad:-all 12})" \
		test -z "$bad"
	check "socket: refused keys change nothing" \
		test "$(ctl stats | jget "['generation']")" = "$gen"
	check "socket: the same encoder's good keys are taken" \
		sh -c "\"$BIN\" ctl --socket \"$STATE/dp.sock\" send-raw \"$STATE/keys/good.bin\" | grep -q '\"ok\":true'"
	ctl update --generation $((gen + 2)) --remove dddddddd-0000-4000-8000-000000000001 >/dev/null
	gen=$(ctl stats | jget "['generation']")
	check "socket: a generation past the limit is refused (one past it would wrap)" \
		sh -c "\"$BIN\" ctl --socket \"$STATE/dp.sock\" update --generation 18446744073709551615 --full \"$STATE/ind.json\" | grep -q 'out of range'"
	check "socket: a stale generation is refused" \
		sh -c "\"$BIN\" ctl --socket \"$STATE/dp.sock\" update --generation $gen --full \"$STATE/ind.json\" | grep -q stale"
	# Limits: staging (ids=4096 here: at most 8192 staged attributes), and
	# 20 silent connections, once enough to lock the agent out of all 16
	/usr/bin/python3 -c 'import json; print(json.dumps({"response": {"Attribute": [{"uuid": "ffffffff-0000-4000-8000-%012d" % i, "type": "domain", "value": "n%d.staged.example" % i, "to_ids": True} for i in range(10000)]}}))' > "$STATE/big.json"
	ctl update --generation $((gen + 1)) --full --chunk 2000 "$STATE/big.json" > "$STATE/acks.json"
	check "socket: staging past twice the id capacity is refused, the update dropped" \
		sh -c "grep -q 'passes 8192 attributes' '$STATE/acks.json' &&
		       [ \"\$('$BIN' ctl --socket '$STATE/dp.sock' stats | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[\"generation\"])')\" = '$gen' ]"
	/usr/bin/python3 - "$STATE/dp.sock" > "$STATE/idle.txt" <<'PY' &
import socket, sys, time
cs = []
for _ in range(20):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    c.connect(sys.argv[1])
    cs.append(c)
print("connected", flush=True)
time.sleep(6)       # past --idle-timeout 3: the daemon closes them
closed = 0
for c in cs:
    c.settimeout(0.5)
    try:
        closed += c.recv(10) == b""
    except (socket.timeout, OSError):
        pass
print("closed", closed)
PY
	local idle=$!
	# the silent ones connected (python may start slowly), then a second:
	# only a connection silent that long gives way to a new one
	for _ in $(seq 100); do grep -q connected "$STATE/idle.txt" && break; sleep 0.1; done
	sleep 1.2
	check "socket: 20 silent connections do not lock a client out" \
		sh -c "\"$BIN\" ctl --socket \"$STATE/dp.sock\" stats | grep -q generation"
	wait $idle
	check "socket: silent connections are closed after --idle-timeout" \
		grep -qx "closed 20" "$STATE/idle.txt"
	cat > "$STATE/next.json" <<'JSON'
{"response":{"Attribute":[
{"uuid":"aaaaaaaa-0000-4000-8000-000000000001","type":"ip-src","value":"10.77.0.2","to_ids":true},
{"uuid":"bbbbbbbb-0000-4000-8000-000000000001","type":"domain","value":"other.se","to_ids":true},
{"uuid":"bbbbbbbb-0000-4000-8000-000000000003","type":"hostname","value":"host.example.org","to_ids":true}
]}}
JSON
	ctl update --generation $((gen + 2)) --full --chunk 1 "$STATE/next.json" > "$STATE/acks.json"
	check "socket: a chunked full update is staged, then applied" \
		sh -c "grep -c '\"pending\":true' \"$STATE/acks.json\" | grep -qx 2 &&
		       tail -1 \"$STATE/acks.json\" | grep -q '\"indicators\":3'"
	ip netns exec $NS dig @10.77.0.1 www.other.se +tries=1 +time=1 >/dev/null 2>&1
	ip netns exec $NS dig @10.77.0.1 www.evil.se +tries=1 +time=1 >/dev/null 2>&1
	sleep 0.3
	check "socket: the new domain matches" \
		sh -c "\"$BIN\" ctl --socket \"$STATE/dp.sock\" counters bbbbbbbb-0000-4000-8000-000000000001 | grep -q '\"matches\": *[1-9]'"
	check "socket: the replaced domain no longer matches (only the first query did)" \
		test "$(grep -c '"name":"www.evil.se"' "$STATE/events.jsonl")" = 1
	ctl update --generation $((gen + 3)) --remove bbbbbbbb-0000-4000-8000-000000000003 > "$STATE/ack.json"
	check "socket: a delta removes by attribute uuid" \
		grep -q '"indicators":2' "$STATE/ack.json"
	# A delta shares the entries it leaves alone with the live set and
	# copies the ones it touches: an attribute onto a live key, an edit,
	# one of two attributes of a key removed.
	local before
	before=$(ccount aaaaaaaa-0000-4000-8000-000000000001)
	cat > "$STATE/d4.json" <<'JSON'
{"response":{"Attribute":[
{"uuid":"cccccccc-0000-4000-8000-000000000001","type":"ip-src","value":"10.77.0.2","to_ids":true},
{"uuid":"bbbbbbbb-0000-4000-8000-000000000001","type":"domain","value":"third.se","to_ids":true}
]}}
JSON
	ctl update --generation $((gen + 4)) "$STATE/d4.json" > "$STATE/ack.json"
	local after
	after=$(ccount cccccccc-0000-4000-8000-000000000001)
	check "socket: a delta adding an attribute to a live key keeps its counter" \
		sh -c "[ $before -ge 1 ] && [ '$after' = $before ]"
	check "socket: a delta edit replaces the value" \
		sh -c "\"$BIN\" ctl --socket \"$STATE/dp.sock\" counters bbbbbbbb-0000-4000-8000-000000000001 | grep -q third.se"
	ctl update --generation $((gen + 5)) --remove aaaaaaaa-0000-4000-8000-000000000001 > "$STATE/ack.json"
	ip netns exec $NS ping -c 2 -i 0.2 -W 1 10.77.0.1 >/dev/null
	check "socket: removing one of two attributes of a key keeps it matching" \
		test "$(ccount cccccccc-0000-4000-8000-000000000001)" -ge $((before + 2))
	check "socket: ... and the removed attribute is gone" \
		test "$(ccount aaaaaaaa-0000-4000-8000-000000000001)" = 0
}

check "daemon attaches" start
ip netns exec $NS ping -c 3 -i 0.2 -W 1 10.77.0.1 >/dev/null
ip netns exec $NS dig @10.77.0.1 www.evil.se +tries=1 +time=1 >/dev/null 2>&1
ip netns exec $NS nc -z -w 1 10.77.0.1 8080 >/dev/null 2>&1
ip netns exec $NS ping -6 -c 2 -i 0.2 -W 1 fd77::1 >/dev/null
# Clients that send a name in their first segment, each to a listener on
# the host that only accepts: what crosses the veth is what is matched.
# From 10.77.0.9, no indicator: 10.77.0.2's events are rate-limited per
# host, and the subscriber check below needs one.
from_peer() {	# from_peer PORT COMMAND...: COMMAND in the peer, against 10.77.0.1:PORT
	local port=$1 lpid; shift
	/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.1", int(sys.argv[1]))); s.listen(); s.settimeout(5); c, _ = s.accept(); time.sleep(1)' "$port" &
	lpid=$!
	sleep 0.3
	ip netns exec $NS "$@" >/dev/null 2>&1
	wait $lpid 2>/dev/null
}
# a real TLS client (Python's OpenSSL) to a port that is not 443
from_peer 8443 /usr/bin/python3 -c 'import socket, ssl
c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
s = socket.create_connection(("10.77.0.1", 8443), timeout=1, source_address=("10.77.0.9", 0))
try: c.wrap_socket(s, server_hostname="WWW.Evil-SNI.se")
except Exception: pass'
# a real ClientHello (Python's OpenSSL, through memory BIOs) sent in two
# segments cut inside the SNI: XDP hands them up, the slow path reads it
from_peer 8444 /usr/bin/python3 -c 'import socket, ssl, time
c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
i, o = ssl.MemoryBIO(), ssl.MemoryBIO()
t = c.wrap_bio(i, o, server_hostname="split.evil-sni.se")
try: t.do_handshake()
except ssl.SSLWantReadError: pass
h = o.read(); at = h.find(b"split.evil-sni.se") + 3
s = socket.create_connection(("10.77.0.1", 8444), timeout=1, source_address=("10.77.0.9", 0))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.sendall(h[:at]); time.sleep(0.2); s.sendall(h[at:]); time.sleep(0.3)'
# QUIC client Initials (versions 1 and 2), the hello over two datagrams
ip netns exec $NS "$(dirname "$BIN")/vk-quic-hello" -s 10.77.0.9 10.77.0.1 443 quic.evil-sni.se
ip netns exec $NS "$(dirname "$BIN")/vk-quic-hello" -2 -s 10.77.0.9 10.77.0.1 4433 quic2.evil-sni.se
# an HTTP request (Python's http.client) on port 8081, the port in Host
from_peer 8081 /usr/bin/python3 -c 'import http.client
c = http.client.HTTPConnection("10.77.0.1", 8081, timeout=1, source_address=("10.77.0.9", 0))
try:
    c.request("GET", "/index.html", headers={"Host": "WWW.evil-http.se:8081"}); c.getresponse()
except Exception: pass'
# DNS over TCP, as dig sends it
from_peer 53 dig +tcp -b 10.77.0.9 @10.77.0.1 tcp.evil.se +tries=1 +time=1
send_tagged
sleep 0.5
check "ping from an indicator address is counted" test "$(count aaaaaaaa-0000-4000-8000-000000000001)" -ge 3
check "DNS query for a subdomain matches the domain" \
	grep -q '"attribute_uuid":"aaaaaaaa-0000-4000-8000-000000000002".*"name":"www.evil.se"' "$STATE/events.jsonl"
check "an HTTP request on port 8081 matches its Host (port and case dropped) against a hostname" \
	grep -q '"attribute_uuid":"aaaaaaaa-0000-4000-8000-000000000007".*"matched_on":"http_host".*"name":"www.evil-http.se"' "$STATE/events.jsonl"
check "a DNS query over TCP (dig +tcp) matches the domain" \
	grep -q '"attribute_uuid":"aaaaaaaa-0000-4000-8000-000000000002".*"matched_on":"dns_tcp".*"proto":6.*"name":"tcp.evil.se"' "$STATE/events.jsonl"
check "a QUIC v1 Initial's SNI (the hello over two datagrams) matches" \
	grep -q '"attribute_uuid":"aaaaaaaa-0000-4000-8000-000000000006".*"matched_on":"quic_sni".*"proto":17.*"dport":443.*"name":"quic.evil-sni.se"' "$STATE/events.jsonl"
check "a QUIC v2 Initial's SNI on port 4433 matches" \
	grep -q '"attribute_uuid":"aaaaaaaa-0000-4000-8000-000000000006".*"matched_on":"quic_sni".*"dport":4433.*"name":"quic2.evil-sni.se"' "$STATE/events.jsonl"
check "a ClientHello split over two segments inside its SNI matches, reassembled" \
	grep -q '"attribute_uuid":"aaaaaaaa-0000-4000-8000-000000000006".*"matched_on":"tls_sni".*"dport":8444.*"name":"split.evil-sni.se".*"reassembled":true' "$STATE/events.jsonl"
check "a TLS ClientHello on port 8443 matches its SNI (lowercased) against a domain" \
	grep -q '"attribute_uuid":"aaaaaaaa-0000-4000-8000-000000000006".*"matched_on":"tls_sni".*"name":"www.evil-sni.se"' "$STATE/events.jsonl"
check "TCP connect to an ip|port matches" \
	grep -q '"attribute_uuid":"aaaaaaaa-0000-4000-8000-000000000003"' "$STATE/events.jsonl"
check "IPv6 from an indicator address matches" \
	grep -q '"attribute_uuid":"aaaaaaaa-0000-4000-8000-000000000004".*"src":"fd77::2"' "$STATE/events.jsonl"
check "a VLAN-tagged frame matches a prefix and reports the tag" \
	grep -q '"attribute_uuid":"aaaaaaaa-0000-4000-8000-000000000005".*"vlan":\[100\]' "$STATE/events.jsonl"
before=$(count aaaaaaaa-0000-4000-8000-000000000001)
kill "$PID"; wait "$PID" 2>/dev/null; PID=
ip netns exec $NS ping -c 2 -i 0.2 -W 1 10.77.0.1 >/dev/null
check "matching goes on while the daemon is down" \
	test "$(count aaaaaaaa-0000-4000-8000-000000000001)" -ge $((before + 2))
check "daemon restarts on the pinned state" start
ip netns exec $NS ping -c 2 -i 0.2 -W 1 10.77.0.1 >/dev/null
check "counters survive the restart" \
	test "$(count aaaaaaaa-0000-4000-8000-000000000001)" -ge $((before + 4))
check "restart logs the re-used state" grep -q "re-using pinned maps" "$STATE/daemon.log"
check "the running daemon is sandboxed (CAP_BPF, CAP_NET_ADMIN, seccomp)" \
	grep -q "sandbox: capabilities CAP_BPF and CAP_NET_ADMIN only" "$STATE/daemon.log"
before=$(count aaaaaaaa-0000-4000-8000-000000000001)
ip link del $IF
veth || echo "veth: could not recreate the pair"

reattached() { grep -q "re-attaching" "$STATE/daemon.log" && ip link show $IF | grep -q xdp; }
for _ in $(seq 50); do reattached && break; sleep 0.1; done
check "an interface that comes back is re-attached" reattached
ip netns exec $NS ping -c 2 -i 0.2 -W 1 10.77.0.1 >/dev/null
check "matching resumes on the returned interface" \
	test "$(count aaaaaaaa-0000-4000-8000-000000000001)" -ge $((before + 2))
ipc_tests

# A domain|ip attribute has two keys: the dataplane answers one counter
# for it, the sum of both (two rows once read as a restart upstream)
g=$(ctl stats | jget "['generation']")
cat > "$STATE/dip.json" <<'JSON'
{"response":{"Attribute":[
{"uuid":"dddddddd-0000-4000-8000-000000000001","type":"domain|ip","value":"dip.se|10.77.0.1","to_ids":true}
]}}
JSON
ctl update --generation $((g + 1)) "$STATE/dip.json" >/dev/null
ip netns exec $NS ping -c 2 -i 0.2 -W 1 10.77.0.1 >/dev/null
ip netns exec $NS dig @10.77.0.1 www.dip.se +tries=1 +time=1 >/dev/null 2>&1
sleep 0.3
DIP=dddddddd-0000-4000-8000-000000000001
# rows of the uuid in the all-counters answer, and their sum; the per-key
# sum from the pinned maps
rows=$(ctl counters | /usr/bin/python3 -c "import json,sys; c=[x['matches'] for x in json.load(sys.stdin)['counters'] if x['attribute_uuid']=='$DIP']; print(len(c), sum(c))")
keys=$(count $DIP)
check "a domain|ip attribute is one counter row, the sum of its two keys" \
	sh -c "[ '$rows' = '1 $keys' ] && [ '$keys' -ge 4 ]"
check "... asked by name, too" \
	test "$(ctl counters $DIP $DIP | /usr/bin/python3 -c 'import json,sys; c=json.load(sys.stdin)["counters"]; print(len(c), c[0]["matches"])')" = "1 $keys"

# More matched attributes than one counters answer holds (3000 on one
# address): the answer says "more", the next ones start after its last
# uuid, and together they hold each attribute once (before paging the
# rest were left out of the agent's totals)
g=$(ctl stats | jget "['generation']")
/usr/bin/python3 -c 'import json; print(json.dumps({"response": {"Attribute": [{"uuid": "eeeeeeee-0000-4000-8000-%012d" % i, "type": "ip-dst", "value": "10.77.0.1", "to_ids": True} for i in range(3000)]}}))' > "$STATE/many.json"
ctl update --generation $((g + 1)) "$STATE/many.json" >/dev/null
ip netns exec $NS ping -c 2 -i 0.2 -W 1 10.77.0.1 >/dev/null
sleep 0.3
pages() {	# every page of the counters answer -> "pages first_more uuids distinct ours"
	/usr/bin/python3 - "$BIN" "$STATE/dp.sock" <<'PY'
import json, subprocess, sys
after, seen, pages, first_more = None, [], 0, False
while True:
    cmd = [sys.argv[1], "ctl", "--socket", sys.argv[2], "counters"] + (["--after", after] if after else [])
    d = json.loads(subprocess.run(cmd, capture_output=True, text=True).stdout)
    pages += 1
    first_more = first_more or (pages == 1 and d.get("more", False))
    seen += [c["attribute_uuid"] for c in d["counters"]]
    if not d.get("more") or not d["counters"] or pages > 20:
        break
    after = d["counters"][-1]["attribute_uuid"]
print(pages, first_more, len(seen), len(set(seen)), sum(1 for u in seen if u.startswith("eeeeeeee")))
PY
}
read -r np more nseen ndist ours <<EOF
$(pages)
EOF
check "counters of 3000 matched attributes come in pages, each attribute once" \
	sh -c "[ $np -ge 2 ] && [ $more = True ] && [ $nseen = $ndist ] && [ $ours = 3000 ]"

# The state file lags the pinned maps (it could not be written, or kill -9
# came mid-apply): a restart comes back matching, from an empty set
inst=$(ctl stats | jget "['instance']")
cp "$STATE/ids.state" "$STATE/ids.state.old"
g=$(ctl stats | jget "['generation']")
ctl update --generation $((g + 1)) --remove $DIP >/dev/null
kill -9 "$PID"; wait "$PID" 2>/dev/null; PID=
cp "$STATE/ids.state.old" "$STATE/ids.state"
check "a state file that lags the maps: the daemon still starts" start
check "... says so in one line" grep -q "starting with an empty set" "$STATE/daemon.log"
check "... with new counters (a new instance)" \
	sh -c "[ \"\$('$BIN' ctl --socket '$STATE/dp.sock' stats | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[\"instance\"])')\" != '$inst' ]"
ip netns exec $NS ping -c 2 -i 0.2 -W 1 10.77.0.1 >/dev/null
check "... and matches again" test "$(ccount aaaaaaaa-0000-4000-8000-000000000001)" -ge 2
kill -9 "$PID"; wait "$PID" 2>/dev/null; PID=
printf 'garbage' > "$STATE/ids.state"
check "a corrupt state file: the daemon still starts" start
kill "$PID"; wait "$PID" 2>/dev/null; PID=
check "detach succeeds" "$BIN" detach --iface $IF --pin-dir $PIN --state-dir "$STATE"
check "detach leaves no XDP program" sh -c "! ip link show $IF | grep -q xdp"
check "detach leaves no pinned state" test ! -e $PIN
echo "netns: $PASS passed, $FAIL failed"
[ $FAIL = 0 ]
