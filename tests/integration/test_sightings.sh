#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Sightings end to end, on the demo lab: `make demo` run headless (its
# outcome checked), then the console, privacy, kill -9 durability with a
# batch in flight, an upstream outage, and console permissions. Cleans up
# on any exit (make demo-stop on this lab).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# The whole run sees stock Debian 12's /etc/hosts, gai.conf and
# nsswitch.conf (the demo's upstream is "localhost": two addresses there),
# whatever this machine has.
if [ -z "${VK_DEBIAN_ETC:-}" ]; then
	VK_DEBIAN_ETC=1 exec "$ROOT/tests/integration/debian_etc.sh" "$0" "$@"
fi
BIN=$ROOT/build/bin
T=$(mktemp -d /tmp/vardkase-sightings.XXXXXX)
export VK_LAB_DIR=$T/lab VK_LAB_NS=vkst VK_LAB_PORT=8543 VK_LAB_SOURCE=test-box-42
ADMIN=http://127.0.0.1:8544
PASS=0 FAIL=0
EV1=6b1f3c2a-5d4e-4f60-9a71-0c2d3e4f5a01
A_DOMAIN=6b1f3c2a-5d4e-4f60-9a71-0c2d3e4f5a11 A_HOST=6b1f3c2a-5d4e-4f60-9a71-0c2d3e4f5a12
A_IP=6b1f3c2a-5d4e-4f60-9a71-0c2d3e4f5a13 A_PORT=6b1f3c2a-5d4e-4f60-9a71-0c2d3e4f5b11
A_V6=6b1f3c2a-5d4e-4f60-9a71-0c2d3e4f5b12 A_DIP=6b1f3c2a-5d4e-4f60-9a71-0c2d3e4f5b14
A_RED=6b1f3c2a-5d4e-4f60-9a71-0c2d3e4f5c11

skip() { echo "SKIP: $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root (XDP, namespaces)"
ip netns add vkst-probe 2>/dev/null && ip netns del vkst-probe || skip "no network namespaces"
id nobody >/dev/null 2>&1 || skip "no user 'nobody' for the permission check"

trap '"$ROOT/tools/demo/lab.sh" down >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
check() {
	local name=$1; shift
	if "$@"; then PASS=$((PASS + 1)); echo "ok   $name"
	else FAIL=$((FAIL + 1)); echo "FAIL $name"; fi
}
admin() { /usr/bin/python3 "$ROOT/tests/integration/misp_admin.py" $ADMIN "$@"; }
vctl() { "$BIN/vardkasectl" --socket "$VK_LAB_DIR/run/agent.sock" "$@"; }
inl() { ip netns exec vkst-lan "$@"; }
py() { /usr/bin/python3 -c "$@"; }
# the platform's sightings of one attribute (uuid) -> count
on_platform() { admin /admin/sightings | py "import json,sys; print(sum(1 for s in json.load(sys.stdin) if s['attribute_uuid'] == '$1'))"; }
local_count() {	# local_count HOST VALUE -> the console's count for that aggregate
	vctl --json sightings --host "$1" --indicator "$2" |
		py "import json,sys; print(sum(s['count'] for s in json.load(sys.stdin)))"
}
dp_matches() { "$BIN/vardkase-xdp" ctl --socket "$VK_LAB_DIR/run/dataplane.sock" counters "$1" |
	py "import json,sys; c=json.load(sys.stdin)['counters']; print(c[0]['matches'] if c else 0)"; }
agent_matches() { vctl --json indicator "$1" | py "import json,sys; print(json.load(sys.stdin)[0]['matches'])"; }
wait_until() {	# wait_until SECONDS CMD...
	local t=$1; shift
	for _ in $(seq $((t * 10))); do "$@" && return 0; sleep 0.1; done
	return 1
}
agent_pid() { cat "$VK_LAB_DIR/run/agent.pid"; }
start_agent() {
	"$BIN/vardkased" --config "$VK_LAB_DIR/vardkase.conf" >>"$VK_LAB_DIR/log/agent.log" 2>&1 &
	echo $! >"$VK_LAB_DIR/run/agent.pid"
	wait_until 20 test -S "$VK_LAB_DIR/run/agent.sock"
}
spool() { sqlite3 "$VK_LAB_DIR/state/sightings.db" "$1"; }

# ---- make demo, headless -------------------------------------------------
make -s -C "$ROOT" demo >"$T/demo.out" 2>&1
check "make demo completes" test $? = 0
check "make demo prints a progress line per step" sh -c "[ \$(grep -c '^\[[1-8]/8\]' '$T/demo.out') = 8 ]"
check "make demo leaves instructions and the lab running" grep -q "make demo-stop" "$T/demo.out"

# ---- the console ---------------------------------------------------------
check "DNS for an indicator's subdomain: one sighting, right host and event" \
	sh -c "vctl() { '$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' \"\$@\"; }; vctl --json sightings --host 10.77.0.2 --indicator secure-login-kommun.example | /usr/bin/python3 -c \"
import json,sys; s=[x for x in json.load(sys.stdin) if x['matched_on']=='dns_qname']; assert len(s)==1, s; s=s[0]
assert s['count']==1 and s['event_uuid']=='$EV1' and s['name']=='www.secure-login-kommun.example', s
assert s['tlp']=='tlp:green' and s['event_info'].startswith('Credential phishing'), s\""
check "the connection after that lookup, to the answer's address: a dns_answer sighting naming the name" \
	sh -c "'$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' --json sightings --host 10.77.0.2 --indicator secure-login-kommun.example | /usr/bin/python3 -c \"
import json,sys; s=[x for x in json.load(sys.stdin) if x['matched_on']=='dns_answer']; assert len(s)==1, s; s=s[0]
assert s['name']=='www.secure-login-kommun.example' and s['remote']=='203.0.113.66' and s['event_uuid']=='$EV1', s\""
check "a TLS ClientHello's SNI under an indicator domain: host 10.77.0.3, matched on tls_sni" \
	sh -c "'$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' --json sightings --host 10.77.0.3 --indicator secure-login-kommun.example | /usr/bin/python3 -c \"
import json,sys; s=json.load(sys.stdin); assert len(s)==1, s; s=s[0]
assert s['matched_on']=='tls_sni' and s['name']=='portal.secure-login-kommun.example' and s['remote']=='198.51.100.2', s\""
check "a QUIC Initial's SNI under an indicator domain: host fd77::3, matched on quic_sni" \
	sh -c "'$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' --json sightings --host fd77::3 --indicator secure-login-kommun.example | /usr/bin/python3 -c \"
import json,sys; s=json.load(sys.stdin); assert len(s)==1, s; s=s[0]
assert s['matched_on']=='quic_sni' and s['name']=='meet.secure-login-kommun.example' and s['remote']=='2001:db8:bad::66', s\""
check "TCP to an ip|port indicator: host 10.77.0.3" \
	sh -c "[ \$(VK_LAB_DIR='$VK_LAB_DIR' '$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' --json sightings --host 10.77.0.3 --indicator '203.0.113.80|8080' | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') = 1 ]"
check "IPv6 TCP to an indicator: host fd77::2" \
	sh -c "'$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' --json sightings --host fd77::2 | grep -q '2001:db8:bad::66'"
check "clean traffic makes no sighting" \
	sh -c "! '$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' --json sightings | grep -qE 'example.org|\"remote\": \"198.51.100.2\", \"indicator\": \"203'"
check "status: dataplane attached on lan0 and wan0" \
	sh -c "'$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' --json status | /usr/bin/python3 -c \"
import json,sys; s=json.load(sys.stdin); assert s['dataplane_attached'] and s['interfaces']==['lan0','wan0'], s
assert s['indicators_by_type']['ip-dst']==3 and s['cert_days_left']>700 and s['last_sync_result'].startswith('sync'), s\""
check "indicator: an enforced value names its event" \
	sh -c "'$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' indicator cdn.bankid-verify.example | grep -q 'ENFORCED'"
check "indicator: a name under a domain indicator finds that domain" \
	sh -c "'$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' indicator a.b.secure-login-kommun.example | grep -q '^secure-login-kommun.example: ENFORCED'"
check "indicator: an address inside an enforced prefix finds the prefix" \
	sh -c "'$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' indicator 192.0.2.130 | grep -q '^192.0.2.128/25: ENFORCED'"
check "indicator: the address half of a domain|ip finds it" \
	sh -c "'$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' indicator 203.0.113.90 | grep -q '^update-service.example|203.0.113.90: ENFORCED'"
check "indicator: an address finds the ip|port indicators on it" \
	sh -c "'$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' indicator 203.0.113.80 | grep -q '^203.0.113.80|8080: ENFORCED'"
long=$(printf 'a.%.0s' $(seq 500))x
check "indicator: a 500-label value is answered (by index, bounded)" \
	sh -c "'$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' indicator '$long' | grep -q 'unknown'"
check "indicator: a value over 1024 characters is refused with the reason" \
	sh -c "'$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' indicator '$long$long$long' 2>&1 | grep -q 'longer than 1024'"
check "sync: syncs now and prints the result" \
	sh -c "'$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' sync | grep -q '^ok: sync delta'"
check "indicator: a value a delta saw with to_ids off says so" \
	sh -c "'$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' indicator old-campaign.example | grep -q 'not enforced: not to_ids'"
check "a bad --since is refused with a clear error" \
	sh -c "'$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' sightings --since soon 2>&1 | grep -q 'wants 90s, 15m'"
check "... and so is one that overflows (2^64 days)" \
	sh -c "'$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' sightings --since 18446744073709551615d 2>&1 | grep -q 'wants 90s, 15m'"
vctl --json sightings --follow --host 10.77.0.2 >"$T/follow.jsonl" 2>/dev/null &
FOLLOW=$!
sleep 0.5
inl nc -z -w 1 -s 10.77.0.2 203.0.113.80 8080	# a host and indicator new together
check "sightings --follow prints a line for the new aggregate, nothing else" \
	wait_until 10 sh -c "grep -q '\"indicator\":\"203.0.113.80|8080\"' '$T/follow.jsonl' && ! grep -qv '\"local\":\"10.77.0.2\"' '$T/follow.jsonl'"
kill $FOLLOW 2>/dev/null; wait $FOLLOW 2>/dev/null

# ---- what reached the platform --------------------------------------------
for a in $A_DOMAIN $A_HOST $A_IP $A_PORT $A_V6; do
	check "platform holds exactly one sighting of $a" sh -c "[ \$(/usr/bin/python3 '$ROOT/tests/integration/misp_admin.py' $ADMIN /admin/sightings | /usr/bin/python3 -c \"import json,sys; print(sum(1 for s in json.load(sys.stdin) if s['attribute_uuid']=='$a'))\") = 1 ]"
done
check "a tlp:red indicator matched locally" sh -c "'$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' --json sightings | grep -q sync.red-relay.example"
check "... and its sighting stayed on the box" test "$(on_platform $A_RED)" = 0
check "upstream sightings: type 0, the pseudonym, date = first seen" \
	sh -c "/usr/bin/python3 '$ROOT/tests/integration/misp_admin.py' $ADMIN /admin/sightings | /usr/bin/python3 -c \"
import json,sys,time; s=json.load(sys.stdin)
assert all(x['type']=='0' and x['source']=='test-box-42' and abs(int(x['date_sighting'])-time.time())<600 for x in s), s\""
check "privacy: no internal address in any request the platform received" \
	sh -c "! /usr/bin/python3 '$ROOT/tests/integration/misp_admin.py' $ADMIN /admin/requests | grep -qE '10\.77\.|fd77:'"

# ---- tunnels across the box: VXLAN and GRE ---------------------------------
# The LAN hosts send DNS queries through a VXLAN (VNI 42), a GRE tunnel
# (key 9) and an ERSPAN session to the internet side: on the box's wire only the outer packets
# pass, and what is inside must be sighted: the inner host is the local
# host, the tunnel the sighting's outer. (Static neighbours: no far end.)
tunnel_sighting() {	# tunnel_sighting HOST NAME ENCAP OUTER_SRC TUNNEL_ID
	vctl --json sightings --host "$1" --indicator secure-login-kommun.example | py "
import json,sys; s=json.load(sys.stdin); assert len(s)==1, s; s=s[0]; o=s.get('outer', {})
assert s['matched_on']=='dns_qname' and s['name']=='$2', s
assert o.get('encap')=='$3' and o.get('src')=='$4' and o.get('dst')=='198.51.100.2', s
assert o.get('tunnel_id')==$5, s"
}
if inl ip link add vx42 type vxlan id 42 local 10.77.0.2 remote 198.51.100.2 dstport 4789 2>/dev/null; then
	inl ip addr add 10.88.0.2/24 dev vx42
	inl ip link set vx42 up
	inl ip neigh add 10.88.0.1 lladdr 02:00:00:00:88:01 dev vx42
	inl dig +tries=1 +time=1 -b 10.88.0.2 @10.88.0.1 vx.secure-login-kommun.example >/dev/null
	check "a DNS query inside a VXLAN across the box: sighted for the inner host, the tunnel outer" \
		wait_until 15 tunnel_sighting 10.88.0.2 vx.secure-login-kommun.example vxlan 10.77.0.2 42 2>/dev/null
	tunnel_sighting 10.88.0.2 vx.secure-login-kommun.example vxlan 10.77.0.2 42 || true
else
	echo "SKIP vxlan: this kernel has no vxlan module"
fi
# GRE and ERSPAN from a raw socket: no ip_gre module needed
inl /usr/bin/python3 "$ROOT/tests/integration/send_tunnelled.py" gre 198.51.100.2 10.89.0.2 10.89.0.1 \
	gre.secure-login-kommun.example 9
check "... and inside GRE (key 9)" \
	wait_until 15 tunnel_sighting 10.89.0.2 gre.secure-login-kommun.example gre 10.77.0.2 9 2>/dev/null
tunnel_sighting 10.89.0.2 gre.secure-login-kommun.example gre 10.77.0.2 9 || true
inl /usr/bin/python3 "$ROOT/tests/integration/send_tunnelled.py" erspan 198.51.100.2 10.89.0.3 10.89.0.1 \
	span.secure-login-kommun.example 300
check "... and in an ERSPAN (type II) session 300" \
	wait_until 15 tunnel_sighting 10.89.0.3 span.secure-login-kommun.example erspan 10.77.0.2 300 2>/dev/null
tunnel_sighting 10.89.0.3 span.secure-login-kommun.example erspan 10.77.0.2 300 || true

# ---- TLS fingerprints: a JA3 and a JA4 (ja4-plus object) ------------------
# This Python's own ClientHello (its ssl module), fingerprinted by replay;
# the platform gets an event with its JA3 and JA4; the same client then
# connects from the LAN with a name no indicator has: sighted on both.
fp_sighting() {	# fp_sighting MATCHED_ON VALUE
	vctl --json sightings --host 10.77.0.3 --indicator "$2" | py "
import json,sys; s=json.load(sys.stdin); assert len(s)==1, s; s=s[0]
assert s['matched_on']=='$1' and s['name']=='$2' and s['remote']=='198.51.100.2', s"
}
/usr/bin/python3 "$ROOT/tests/integration/hello_pcap.py" "$T/hello.pcap" fp-check.example.org \
	10.77.0.3 198.51.100.2 80
echo '{"response":[]}' >"$T/none.json"
"$BIN/vardkase-xdp" replay --indicators "$T/none.json" --hellos --pcap "$T/hello.pcap" 2>/dev/null |
	py "import json,sys; h=json.loads(sys.stdin.readline())['hello']; print(h['ja3'], h['ja4'])" >"$T/fp"
read -r JA3 JA4 <"$T/fp"
check "replay --hellos fingerprints this Python's ClientHello" test -n "${JA4:-}"
admin /admin/event "{\"Event\": {\"uuid\": \"6b1f3c2a-5d4e-4f60-9a71-0c2d3e4f5e01\",
 \"info\": \"client fingerprints\", \"Tag\": [{\"name\": \"tlp:green\"}],
 \"Attribute\": [{\"uuid\": \"6b1f3c2a-5d4e-4f60-9a71-0c2d3e4f5e11\", \"type\": \"ja3-fingerprint-md5\",
  \"value\": \"$JA3\", \"to_ids\": true}],
 \"Object\": [{\"name\": \"ja4-plus\", \"Attribute\": [
  {\"uuid\": \"6b1f3c2a-5d4e-4f60-9a71-0c2d3e4f5e12\", \"type\": \"text\", \"object_relation\": \"ja4-fingerprint\",
   \"value\": \"$JA4\", \"to_ids\": true},
  {\"uuid\": \"6b1f3c2a-5d4e-4f60-9a71-0c2d3e4f5e13\", \"type\": \"text\", \"object_relation\": \"ja4-type\",
   \"value\": \"JA4\", \"to_ids\": false}]}]}}" >/dev/null
vctl sync >/dev/null
inl /usr/bin/python3 -c 'import socket, ssl
c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
s = socket.create_connection(("198.51.100.2", 80), timeout=1, source_address=("10.77.0.3", 0))
try: c.wrap_socket(s, server_hostname="fp-check.example.org")
except Exception: pass' 2>/dev/null
check "a ClientHello with the JA3 of an indicator: sighted, matched on ja3" \
	wait_until 15 fp_sighting ja3 "$JA3" 2>/dev/null
fp_sighting ja3 "$JA3" || true
check "... and on the JA4 of a ja4-plus object's ja4-fingerprint" \
	wait_until 15 fp_sighting ja4 "$JA4" 2>/dev/null
fp_sighting ja4 "$JA4" || true

# ---- a MISP url against a plain HTTP request --------------------------------
url_sighting() {
	vctl --json sightings --host 10.77.0.2 | py "
import json,sys; s=[x for x in json.load(sys.stdin) if x['matched_on']=='http_url']
assert len(s)==1 and s[0]['name']=='files.example.net/dl/Invoice.exe' and s[0]['remote']=='198.51.100.2', s"
}
admin /admin/event '{"Event": {"uuid": "6b1f3c2a-5d4e-4f60-9a71-0c2d3e4f5f01", "info": "malware download",
 "Tag": [{"name": "tlp:green"}], "Attribute": [{"uuid": "6b1f3c2a-5d4e-4f60-9a71-0c2d3e4f5f11",
 "type": "url", "value": "http://files.example.net/dl/Invoice.exe", "to_ids": true}]}}' >/dev/null
vctl sync >/dev/null
inl /usr/bin/python3 -c 'import http.client
c = http.client.HTTPConnection("198.51.100.2", 80, timeout=2, source_address=("10.77.0.2", 0))
try:
    c.request("GET", "/dl/./Invoice.exe?id=7", headers={"Host": "Files.Example.NET"}); c.getresponse().read()
except Exception: pass' 2>/dev/null
check "an HTTP request for a MISP url (its query aside, normalised): sighted, matched on http_url" \
	wait_until 15 url_sighting 2>/dev/null
url_sighting || true

# ---- console permissions ---------------------------------------------------
check "a user outside the operator group is refused" \
	sh -c "runuser -u nobody -- '$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' status 2>&1 | grep -q 'permission denied'"

# ---- kill -9 while sightings flow and a batch is in flight ----------------
admin /admin/fault '{"kind": "latency", "count": 1, "seconds": 4}' >/dev/null
nreq() { admin /admin/requests | py "import json,sys; print(sum(1 for r in json.load(sys.stdin) if 'bulkSave' in r['path']))"; }
before=$(nreq)
inl nc -z -w 1 -s 10.77.0.2 203.0.113.90 80	# a new indicator: a new upstream sighting
check "a new upstream batch is in flight" wait_until 10 sh -c "[ \$(/usr/bin/python3 '$ROOT/tests/integration/misp_admin.py' $ADMIN /admin/requests | /usr/bin/python3 -c \"import json,sys; print(sum(1 for r in json.load(sys.stdin) if 'bulkSave' in r['path']))\") -gt $before ]"
kill -9 "$(agent_pid)"
# the dataplane keeps matching while the agent is down
for _ in $(seq 15); do inl nc -z -w 1 -s 10.77.0.3 203.0.113.66 80; done
sleep 4	# the in-flight request completes on the platform
start_agent
check "after restart the in-flight sighting arrives: held once" \
	wait_until 30 sh -c "[ \$(/usr/bin/python3 '$ROOT/tests/integration/misp_admin.py' $ADMIN /admin/sightings | grep -o '$A_DIP' | wc -l) = 1 ]"
check "... it was sent again and the platform skipped the copy" \
	wait_until 20 sh -c "[ \$(sqlite3 '$VK_LAB_DIR/state/sightings.db' 'SELECT count(*) FROM spool WHERE sent = 0') = 0 ]"
resent=$(spool "SELECT uuid FROM spool WHERE attribute_uuid = '$A_DIP'")
check "... received twice (before and after the crash), saved once" \
	sh -c "[ \$(/usr/bin/python3 '$ROOT/tests/integration/misp_admin.py' $ADMIN /admin/sightings-received | grep -o '$resent' | wc -l) = 2 ]"
check "matches counted while the agent was down: totals equal the dataplane's" \
	wait_until 15 sh -c "[ \"\$('$BIN/vardkase-xdp' ctl --socket '$VK_LAB_DIR/run/dataplane.sock' counters $A_IP | /usr/bin/python3 -c \"import json,sys; print(json.load(sys.stdin)['counters'][0]['matches'])\")\" = \"\$('$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' --json indicator 203.0.113.66 | /usr/bin/python3 -c \"import json,sys; print(json.load(sys.stdin)[0]['matches'])\")\" ]"
echo "     (dataplane $(dp_matches $A_IP), agent $(agent_matches 203.0.113.66) matches of 203.0.113.66)"
check "every spooled sighting is on the platform, each uuid once" sh -c "
	spool=\$(sqlite3 '$VK_LAB_DIR/state/sightings.db' 'SELECT uuid FROM spool ORDER BY uuid')
	plat=\$(/usr/bin/python3 '$ROOT/tests/integration/misp_admin.py' $ADMIN /admin/sightings | /usr/bin/python3 -c 'import json,sys; print(chr(10).join(sorted(s[\"uuid\"] for s in json.load(sys.stdin))))')
	[ \"\$spool\" = \"\$plat\" ]"

# ---- upstream outage -------------------------------------------------------
kill "$(cat "$VK_LAB_DIR/run/misp.pid")"; wait "$(cat "$VK_LAB_DIR/run/misp.pid")" 2>/dev/null
vctl fp "$(vctl --json sightings --indicator cdn.bankid-verify.example | py 'import json,sys; print(json.load(sys.stdin)[0]["id"])')" >/dev/null
check "platform down: the false-positive sighting waits in the spool" \
	wait_until 10 sh -c "'$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' --json status | /usr/bin/python3 -c \"import json,sys; s=json.load(sys.stdin); assert s['spool_depth']==1 and s['upstream_error'], s\""
check "a false positive stops matching at once" \
	sh -c "! '$BIN/vardkase-xdp' ctl --socket '$VK_LAB_DIR/run/dataplane.sock' counters $A_HOST | grep -q $A_HOST"
/usr/bin/python3 "$ROOT/tools/misp/misp_server.py" --listen 127.0.0.1:8543 --admin 127.0.0.1:8544 \
	--ca "$VK_LAB_DIR/pki/ca.crt" --cert "$VK_LAB_DIR/pki/server.crt" --key "$VK_LAB_DIR/pki/server.key" \
	--api-key-file "$VK_LAB_DIR/api.key" --sightings-file "$VK_LAB_DIR/run/platform-sightings.json" \
	--events "$ROOT/tools/demo/events" >>"$VK_LAB_DIR/log/misp.log" 2>&1 &
echo $! >"$VK_LAB_DIR/run/misp.pid"
check "platform back: the spool drains (back-off at most 10 s here)" \
	wait_until 40 sh -c "[ \$(sqlite3 '$VK_LAB_DIR/state/sightings.db' 'SELECT count(*) FROM spool WHERE sent = 0') = 0 ]"
check "... the false positive arrived once, as type 1" \
	sh -c "/usr/bin/python3 '$ROOT/tests/integration/misp_admin.py' $ADMIN /admin/sightings | /usr/bin/python3 -c \"
import json,sys; s=[x for x in json.load(sys.stdin) if x['attribute_uuid']=='$A_HOST']
assert sorted(x['type'] for x in s)==['0','1'], s\""

# ---- the platform pauses uploads (429): the pause is waited out whole -----
nbulk() { admin /admin/requests | py "import json,sys; print(sum(1 for r in json.load(sys.stdin) if 'bulkSave' in r['path']))"; }
admin /admin/fault '{"kind": "429", "count": 1, "seconds": 60}' >/dev/null
b0=$(nbulk)
inl nc -z -w 1 -s 10.77.0.3 192.0.2.130 80	# an indicator not yet sighted: a new batch
wait_until 10 sh -c "[ \$(/usr/bin/python3 '$ROOT/tests/integration/misp_admin.py' $ADMIN /admin/requests | /usr/bin/python3 -c \"import json,sys; print(sum(1 for r in json.load(sys.stdin) if 'bulkSave' in r['path']))\") -gt $b0 ]"
sleep 12	# the counters kick the sender every 5 s
check "upload answered 429 (60 s): no second try within 12 s, counters polls or not" \
	test "$(nbulk)" = $((b0 + 1))
check "... the sighting waits in the spool" \
	test "$(spool "SELECT count(*) FROM spool WHERE sent = 0")" = 1

# ---- an event deleted on the platform (HTTP 405) does not block the spool -
# the ransomware event goes; a new event's sighting is spooled after its
# batch; the platform comes back without it
admin /admin/event '{"Event": {"uuid": "6b1f3c2a-5d4e-4f60-9a71-0c2d3e4f5d01", "info": "late event",
 "Tag": [{"name": "tlp:green"}], "Attribute": [{"uuid": "6b1f3c2a-5d4e-4f60-9a71-0c2d3e4f5d11",
 "type": "ip-dst", "value": "203.0.113.99", "to_ids": true}]}}' >/dev/null
vctl sync >/dev/null
kill "$(cat "$VK_LAB_DIR/run/misp.pid")"; wait "$(cat "$VK_LAB_DIR/run/misp.pid")" 2>/dev/null
inl nc -z -w 1 -s 10.77.0.2 203.0.113.99 80
check "two batches wait: the deleted event's first, then the new event's" \
	wait_until 10 sh -c "[ \$(sqlite3 '$VK_LAB_DIR/state/sightings.db' 'SELECT count(*) FROM spool WHERE sent = 0') = 2 ]"
/usr/bin/python3 -c 'import json; print(json.dumps({"Event": {"uuid": "6b1f3c2a-5d4e-4f60-9a71-0c2d3e4f5d01", "info": "late event", "Tag": [{"name": "tlp:green"}], "Attribute": [{"uuid": "6b1f3c2a-5d4e-4f60-9a71-0c2d3e4f5d11", "type": "ip-dst", "value": "203.0.113.99", "to_ids": True}]}}))' >"$T/late.json"
/usr/bin/python3 "$ROOT/tools/misp/misp_server.py" --listen 127.0.0.1:8543 --admin 127.0.0.1:8544 \
	--ca "$VK_LAB_DIR/pki/ca.crt" --cert "$VK_LAB_DIR/pki/server.crt" --key "$VK_LAB_DIR/pki/server.key" \
	--api-key-file "$VK_LAB_DIR/api.key" --sightings-file "$VK_LAB_DIR/run/platform-sightings.json" \
	--events "$ROOT/tools/demo/events/phishing.json" "$ROOT/tools/demo/events/intrusion-red.json" \
	"$T/late.json" >>"$VK_LAB_DIR/log/misp.log" 2>&1 &
echo $! >"$VK_LAB_DIR/run/misp.pid"
check "the deleted event's sightings are set aside (HTTP 405), the next batch arrives" \
	wait_until 120 sh -c "/usr/bin/python3 '$ROOT/tests/integration/misp_admin.py' $ADMIN /admin/sightings | grep -q 6b1f3c2a-5d4e-4f60-9a71-0c2d3e4f5d11"
check "... status counts the set-aside sighting, nothing else waits" \
	wait_until 10 sh -c "'$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' --json status | /usr/bin/python3 -c \"import json,sys; s=json.load(sys.stdin); assert s['spool_set_aside']==1 and s['spool_depth']==0, s\""

# ---- a sighting whose event info and tags pass one message -------------
/usr/bin/python3 -c 'import json; print(json.dumps({"Event": {"uuid": "6b1f3c2a-5d4e-4f60-9a71-0c2d3e4f5e01", "info": "long report " + "x" * 200000, "Tag": [{"name": "tlp:green"}] + [{"name": "tag-%02d-%s" % (i, "y" * 100)} for i in range(40)], "Attribute": [{"uuid": "6b1f3c2a-5d4e-4f60-9a71-0c2d3e4f5e11", "type": "ip-dst", "value": "203.0.113.111", "to_ids": True}]}}))' >"$T/big.json"
admin /admin/event "@$T/big.json" >/dev/null
vctl sync >/dev/null
inl nc -z -w 1 -s 10.77.0.2 203.0.113.111 80
wait_until 10 sh -c "sqlite3 '$VK_LAB_DIR/state/sightings.db' \"SELECT count(*) FROM sighting WHERE value = '203.0.113.111'\" | grep -qx 1"
check "a sighting of an event with 200 kB of info is shown, not '(no sightings)'" \
	sh -c "'$BIN/vardkasectl' --socket '$VK_LAB_DIR/run/agent.sock' sightings --indicator 203.0.113.111 | grep -q '203.0.113.111'"

# ---- vardkasectl sync during a platform rate limit asks nothing ----------
admin /admin/rate-limit '{"limit": 1, "window": 900}' >/dev/null
vctl sync >/dev/null 2>&1; vctl sync >/dev/null 2>&1	# the limit is reached, then a 429
nrest() { admin /admin/requests | py "import json,sys; print(sum(1 for r in json.load(sys.stdin) if 'restSearch' in r['path']))"; }
r0=$(nrest)
for _ in $(seq 10); do vctl sync >"$T/sync429.out" 2>&1; done
check "10 x vardkasectl sync during a 429: no request reaches the platform" test "$(nrest)" = "$r0"
check "... and each says why" grep -q "429" "$T/sync429.out"
check "the agent survived it all (sandboxed, no SIGSYS)" kill -0 "$(agent_pid)"

"$ROOT/tools/demo/lab.sh" down >/dev/null 2>&1
check "make demo-stop leaves no namespace behind" sh -c "! ip netns list | grep -q vkst-"
echo "sightings: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
