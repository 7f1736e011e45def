#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vardkased end to end: the MISP test server (mutual TLS) in its own network
# namespace, the real XDP dataplane on a veth to a LAN namespace, the agent
# between them. Publish, delete, to_ids off, warninglists, server faults,
# TLS failures, a restart without network. Cleans up on any exit.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$ROOT/build/bin SHARED=${SHARED:-$ROOT/../shared}
NSM=vk3-misp NSL=vk3-lan IFT=vk3t0 IFM=vk3m0
PIN=/sys/fs/bpf/vardkase-agent-test
T=$(mktemp -d /tmp/vardkase-agent.XXXXXX)
PASS=0 FAIL=0 DPID= APID=
ADMIN=http://127.0.0.1:8444

skip() { echo "SKIP: $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root (XDP, namespaces)"
ip netns add vk3-probe 2>/dev/null && ip netns del vk3-probe || skip "no network namespaces"

cleanup() {
	[ -n "$APID" ] && kill "$APID" 2>/dev/null
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
	ip netns pids $NSM 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns pids $NSL 2>/dev/null | xargs -r kill 2>/dev/null
	for p in $APID $DPID; do wait "$p" 2>/dev/null; done
	"$BIN/vardkase-xdp" detach --iface $IFT --pin-dir $PIN --state-dir "$T/dp" >/dev/null 2>&1
	umount "$T/small" 2>/dev/null
	ip link del $IFT 2>/dev/null; ip link del $IFM 2>/dev/null
	ip netns del $NSM 2>/dev/null; ip netns del $NSL 2>/dev/null
	rm -rf "$PIN"
}
trap 'cleanup; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
check() {
	local name=$1; shift
	if "$@"; then PASS=$((PASS + 1)); echo "ok   $name"
	else FAIL=$((FAIL + 1)); echo "FAIL $name"; fi
}
admin() { ip netns exec $NSM /usr/bin/python3 "$ROOT/tests/integration/misp_admin.py" $ADMIN "$@"; }
ctl() { "$BIN/vardkase-xdp" ctl --socket "$T/dp.sock" "$@"; }
matches() {	# matches UUID -> count held by the dataplane (0 if not loaded)
	ctl counters "$1" | /usr/bin/python3 -c \
		"import json,sys; c=json.load(sys.stdin)['counters']; print(c[0]['matches'] if c else 0)"
}
loaded() { ctl counters "$1" | grep -q "$1"; }
syncs() { grep -cE "sync (full|delta)" "$T/agent.log"; }
sync_now() {	# SIGHUP the agent, wait for its next sync line (ok or failed)
	local n; n=$(syncs)
	kill -HUP "$APID"
	for _ in $(seq 100); do [ "$(syncs)" -gt "$n" ] && return 0; sleep 0.1; done
	return 1
}
lastsync() { grep -E "sync (full|delta)" "$T/agent.log" | tail -1; }

cleanup 2>/dev/null
"$ROOT/tools/pki/make-pki.sh" "$T/pki" >/dev/null || { echo "FAIL pki"; exit 1; }
ip netns add $NSM; ip netns add $NSL
ip link add $IFM type veth peer name vk3m1; ip link set vk3m1 netns $NSM
ip addr add 10.99.0.2/24 dev $IFM; ip link set $IFM up
ip -n $NSM addr add 10.99.0.1/24 dev vk3m1; ip -n $NSM link set vk3m1 up; ip -n $NSM link set lo up
ip link add $IFT type veth peer name vk3t1; ip link set vk3t1 netns $NSL
ip addr add 10.77.1.1/24 dev $IFT; ip link set $IFT up
ip -n $NSL addr add 10.77.1.2/24 dev vk3t1; ip -n $NSL addr add 10.77.1.3/24 dev vk3t1
ip -n $NSL link set vk3t1 up

mkdir -p "$T/events" "$T/wl"
cat > "$T/events/lab.json" <<'JSON'
{"Event": {"uuid": "11111111-aaaa-4aaa-8aaa-000000000000", "info": "vardkase lab event",
 "threat_level_id": "1", "Tag": [{"name": "tlp:green"}], "Attribute": [
 {"uuid": "11111111-aaaa-4aaa-8aaa-000000000001", "type": "ip-src", "value": "10.77.1.2", "to_ids": true, "category": "Network activity"},
 {"uuid": "11111111-aaaa-4aaa-8aaa-000000000002", "type": "domain", "value": "evil-lab.se", "to_ids": true},
 {"uuid": "11111111-aaaa-4aaa-8aaa-000000000003", "type": "hostname", "value": "warn.example.org", "to_ids": true},
 {"uuid": "11111111-aaaa-4aaa-8aaa-000000000004", "type": "ip-dst", "value": "10.0.0.0/4", "to_ids": true},
 {"uuid": "11111111-aaaa-4aaa-8aaa-000000000005", "type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e", "to_ids": true},
 {"uuid": "11111111-aaaa-4aaa-8aaa-000000000006", "type": "domain", "value": "srv-warn.example.net", "to_ids": true},
 {"uuid": "11111111-aaaa-4aaa-8aaa-000000000007", "type": "ip-src", "value": "10.77.1.4", "to_ids": true, "timestamp": "1500000000"},
 {"uuid": "11111111-aaaa-4aaa-8aaa-000000000008", "type": "ip-src", "value": "10.77.1.5", "to_ids": true}
]}}
JSON
cat > "$T/model.json" <<'JSON'
{"name": "lab NIDS model", "formula": "Polynomial", "attribute_types": ["ip-src", "ip-dst", "domain", "hostname"],
 "parameters": {"lifetime": 120, "decay_speed": 2, "threshold": 30, "default_base_score": 80}}
JSON
cat > "$T/wl/lab.json" <<'JSON'
{"name": "lab hostnames", "type": "hostname", "description": "test", "version": 1,
 "list": ["warn.example.org"], "matching_attributes": ["hostname", "domain"]}
JSON
EVENTS="$T/events/lab.json"
[ -f "$SHARED/fixtures/misp/upstream/misp/tests__event.json" ] &&
	EVENTS="$EVENTS $SHARED/fixtures/misp/upstream/misp/tests__event.json"
echo testkey-0123456789 > "$T/api.key"
ip netns exec $NSM /usr/bin/python3 "$ROOT/tools/misp/misp_server.py" --listen 10.99.0.1:8443 \
	--admin 127.0.0.1:8444 --ca "$T/pki/ca.crt" --cert "$T/pki/server.crt" \
	--key "$T/pki/server.key" --api-key testkey-0123456789 --events $EVENTS \
	--decay-model "3:$T/model.json" >"$T/misp.log" 2>&1 &
ip netns exec $NSM /usr/bin/python3 "$ROOT/tools/misp/misp_server.py" --listen 10.99.0.1:8445 \
	--admin 127.0.0.1:8446 --ca "$T/pki/ca.crt" --cert "$T/pki/server-wrongname.crt" \
	--key "$T/pki/server-wrongname.key" --api-key testkey-0123456789 >"$T/misp2.log" 2>&1 &
for _ in $(seq 50); do grep -q "mTLS" "$T/misp.log" && break; sleep 0.1; done
admin /admin/warninglist '{"values": ["srv-warn.example.net"]}' >/dev/null

conf() {	# conf NAME [key=value ...] -> $T/NAME.conf
	local f="$T/$1.conf"; shift
	{
		echo "[upstream]"
		echo "url = ${URL:-https://misp.lab:8443}"
		[ -n "${NOADDR:-}" ] || echo "address = 10.99.0.1"
		echo "ca = ${CA:-$T/pki/ca.crt}"
		[ -n "${NOCERT:-}" ] || { echo "client_cert = ${CERT:-$T/pki/client.crt}";
					  echo "client_key = ${KEY:-$T/pki/client.key}"; }
		echo "api_key_file = ${APIKEY:-$T/api.key}"
		echo "poll_interval = 3600"
		echo "page_size = ${PAGE:-3}"
		echo "read_timeout = ${READ:-2}"
		echo "connect_timeout = 2"
		echo "max_response_mb = ${MAXMB:-16}"
		[ -z "${TOTAL:-}" ] || echo "total_timeout = $TOTAL"
		[ -z "${MAXPULL:-}" ] || echo "max_pull_attributes = $MAXPULL"
		echo "[indicators]"
		echo "warninglists = $T/wl"
		echo "decaying_model = 3"
		echo "[agent]"
		echo "state_dir = $T/${STATE:-state}"
		echo "dataplane_socket = $T/dp.sock"
		echo "console_socket = ${CSOCK:-$T/agent.sock}"
		# root, as every process here; the end of this file checks a real user
		echo "user = ${AUSER:-root}"
	} > "$f"
}
start_dp() {
	local runs
	runs=$(grep -c "running;" "$T/dp.log" 2>/dev/null)
	"$BIN/vardkase-xdp" run --iface $IFT --pin-dir $PIN --state-dir "$T/dp" \
		--socket "$T/dp.sock" >>"$T/events.jsonl" 2>>"$T/dp.log" &
	DPID=$!
	for _ in $(seq 100); do
		[ "$(grep -c "running;" "$T/dp.log")" -gt "${runs:-0}" ] && return 0
		sleep 0.1
	done
	return 1
}
start_agent() {
	"$BIN/vardkased" --config "$T/main.conf" >>"$T/agent.log" 2>&1 &
	APID=$!
	for _ in $(seq 100); do grep -qE "sync (full|delta)" "$T/agent.log" && return 0; sleep 0.1; done
	return 1
}
ping_from() { ip netns exec $NSL ping -c 2 -i 0.2 -W 1 -I "$1" 10.77.1.1 >/dev/null 2>&1; }
A1=11111111-aaaa-4aaa-8aaa-000000000001 A2=11111111-aaaa-4aaa-8aaa-000000000002
A3=11111111-aaaa-4aaa-8aaa-000000000003 A6=11111111-aaaa-4aaa-8aaa-000000000006
B1=22222222-bbbb-4bbb-8bbb-000000000001

conf main
check "config check passes" "$BIN/vardkased" --config "$T/main.conf" --check-config
CERT=$T/pki/client-expired.crt KEY=$T/pki/client-expired.key conf cexp
check "config check: an expired client certificate is an error" \
	sh -c "! '$BIN/vardkased' --config '$T/cexp.conf' --check-config 2>'$T/cexp.out' && grep -q 'expired 1 days ago' '$T/cexp.out'"
CERT=$T/pki/client-future.crt KEY=$T/pki/client-future.key conf cfut
check "config check: a not yet valid client certificate is an error" \
	sh -c "! '$BIN/vardkased' --config '$T/cfut.conf' --check-config 2>'$T/cfut.out' && grep -q 'not valid before' '$T/cfut.out'"
CERT=$T/pki/client-soon.crt KEY=$T/pki/client-soon.key conf csoon
check "config check: fewer than 30 days left is a warning" \
	sh -c "'$BIN/vardkased' --config '$T/csoon.conf' --check-config 2>'$T/csoon.out' && grep -qE 'expires in [0-9]+ days' '$T/csoon.out'"
printf '[upstream]\nurl = https://x\npoll_interval = 1\n' > "$T/bad.conf"
check "a bad config names the line and key" \
	sh -c "'$BIN/vardkased' --config '$T/bad.conf' --check-config 2>&1 | grep -q 'bad.conf:3: \[upstream\] poll_interval'"
check "dataplane starts" start_dp
check "agent starts and syncs in full" start_agent
check "the sync line counts refusals by reason" \
	sh -c "lastsync() { grep -E 'sync (full|delta)' '$T/agent.log' | tail -1; }; lastsync | grep -q 'shorter than /8' && lastsync | grep -q 'local warninglist'"
check "the dataplane acknowledged the agent's generation" grep -q "dataplane acknowledged generation" "$T/agent.log"
check "an enforced indicator is loaded" loaded $A1
check "a decayed indicator is not" sh -c "! '$BIN/vardkase-xdp' ctl --socket '$T/dp.sock' counters 11111111-aaaa-4aaa-8aaa-000000000007 | grep -q 000000000007"
check "the sync line counts decayed ones" grep -q "1 decayed" "$T/agent.log"
check "a locally warninglisted one is not" sh -c "! '$BIN/vardkase-xdp' ctl --socket '$T/dp.sock' counters $A3 | grep -q $A3"
check "a server-side warninglisted one is not" sh -c "! '$BIN/vardkase-xdp' ctl --socket '$T/dp.sock' counters $A6 | grep -q $A6"
# MISP filters its warninglists after the page limit: page 2 (3 rows) came
# back with 2, and the pull once stopped there, dropping everything after
check "an attribute after a page MISP shortened (warninglist) is enforced" \
	loaded 11111111-aaaa-4aaa-8aaa-000000000008
ping_from 10.77.1.2
check "traffic from the indicator address matches" test "$(matches $A1)" -ge 2

# a newly published indicator matches after the next poll
EB=$(admin /admin/event '{"Event": {"uuid": "22222222-bbbb-4bbb-8bbb-000000000000", "info": "new",
 "Attribute": [{"uuid": "'$B1'", "type": "ip-src", "value": "10.77.1.3", "to_ids": true}]}}' |
	/usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['id'])")
t0=$(date +%s.%N)
sync_now
ping_from 10.77.1.3
check "a newly published indicator matches after one poll" test "$(matches $B1)" -ge 2
echo "     (publish to match: $(awk "BEGIN{print $(date +%s.%N) - $t0}") s with an immediate poll)"

# soft delete: the event is unpublished until republished; then it goes
admin /admin/delete/$B1 >/dev/null
sync_now
check "a deleted indicator keeps matching while its event is unpublished" loaded $B1
admin /admin/publish/$EB >/dev/null
sync_now
check "a deleted indicator stops matching once republished" sh -c "! '$BIN/vardkase-xdp' ctl --socket '$T/dp.sock' counters $B1 | grep -q $B1"
admin /admin/attribute/$A1 '{"to_ids": false}' >/dev/null
admin /admin/publish/1 >/dev/null
sync_now
check "an indicator turned to_ids false stops matching" sh -c "! '$BIN/vardkase-xdp' ctl --socket '$T/dp.sock' counters $A1 | grep -q $A1"

# server faults: the previous set stays in force, the agent recovers
for f in 500 truncate reset; do
	admin /admin/fault '{"kind": "'$f'", "count": 1}' >/dev/null
	sync_now
	check "fault $f: the sync fails and says so" sh -c "grep -E 'sync (full|delta)' '$T/agent.log' | tail -1 | grep -q 'failed'"
	check "fault $f: the previous set stays" loaded $A2
done
admin /admin/fault '{"kind": "429", "count": 1, "seconds": 7}' >/dev/null
sync_now
check "fault 429: X-Rate-Limit-Reset is honoured" sh -c "grep -E 'sync' '$T/agent.log' | tail -1 | grep -q 'next try in 8 s'"
kill -HUP "$APID"	# a manual sync inside the pause asks MISP nothing
sleep 0.5
check "fault 429: a sync asked for meanwhile is not sent" \
	sh -c "tail -1 '$T/agent.log' | grep -q 'not asking MISP now: it answered HTTP 429'"
sleep 8		# the pause MISP asked for
admin /admin/fault '{"kind": "403html", "count": 1}' >/dev/null
sync_now
check "a proxy's HTML 403 is not blamed on the API key" \
	sh -c "grep -E 'sync' '$T/agent.log' | tail -1 | grep -q 'in front of MISP' && ! grep -E 'sync' '$T/agent.log' | tail -1 | grep -q 'refused the API key'"
admin /admin/fault '{"kind": "latency", "count": 1, "seconds": 3}' >/dev/null
sync_now
check "fault latency: a read timeout, not a hang" sh -c "grep -E 'sync' '$T/agent.log' | tail -1 | grep -q 'timed out'"
sync_now
check "the agent recovers when the server does" sh -c "grep -E 'sync (full|delta)' '$T/agent.log' | tail -1 | grep -qv failed"
check "every restSearch carried Content-Type: application/json" sh -c \
	"ip netns exec $NSM /usr/bin/python3 '$ROOT/tests/integration/misp_admin.py' $ADMIN /admin/requests | /usr/bin/python3 -c \
	'import json,sys; r=[x for x in json.load(sys.stdin) if x[\"path\"].startswith(\"/attributes\")]; sys.exit(0 if r and all(x[\"headers\"].get(\"Content-Type\")==\"application/json\" for x in r) else 1)'"

# A full pull streams its pages to the dataplane as they come: one that
# fails on page 2 leaves the dataplane's generation and set as they were
gen() { "$BIN/vardkase-xdp" ctl --socket "$T/dp.sock" stats | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])'; }
STATE=state-stream conf stream
G0=$(gen)
admin /admin/fault '{"kind": "reset", "count": 1, "skip": 1}' >/dev/null
"$BIN/vardkased" --config "$T/stream.conf" --once >"$T/stream.log" 2>&1
check "a full pull failing on page 2 says so" grep -q "sync full failed" "$T/stream.log"
check "... and the dataplane applied none of its pages" sh -c "[ '$(gen)' = '$G0' ] && [ -n '$G0' ]"
check "... and the previous set stays" loaded $A2
"$BIN/vardkased" --config "$T/stream.conf" --once >"$T/stream.log" 2>&1
check "a full pull of several pages is streamed and acknowledged" \
	grep -q "acknowledged generation .* (full, streamed)" "$T/stream.log"
check "... and the streamed set matches" loaded $A2

# A sandboxed full sync of a few hundred attributes: sorting them for the
# store makes glibc's qsort ask sysinfo, which the sandbox once killed
admin /admin/event "$(/usr/bin/python3 -c 'import json; print(json.dumps({"Event": {"uuid": "33333333-cccc-4ccc-8ccc-000000000000", "info": "many", "Attribute": [{"uuid": "33333333-cccc-4ccc-8ccc-%012d" % i, "type": "ip-dst", "value": "10.55.%d.%d" % (i // 250, i % 250 + 1), "to_ids": True} for i in range(1, 601)]}}))')" >/dev/null
PAGE=200 STATE=state-many conf many
"$BIN/vardkased" --config "$T/many.conf" --once >"$T/many.log" 2>&1
echo "exit $?" >>"$T/many.log"
check "a sandboxed full sync of 600 more attributes completes" \
	sh -c "grep -q 'acknowledged generation' '$T/many.log' && grep -qx 'exit 0' '$T/many.log'"
check "... and stores them all" grep -q "sync full: 6[0-9][0-9] added" "$T/many.log"

# Stock Debian name resolution: with Debian's /etc/hosts, gai.conf and
# nsswitch.conf and a name with an IPv4 and an IPv6 address, glibc sorts the
# two, asking the kernel for its addresses over rtnetlink; the sandbox
# killed the agent for that socket on every stock Debian machine
NOADDR=1 PAGE=5000 READ=10 STATE=state-debian conf debian
# fd99::1 leads nowhere (no answer, not a refusal): the agent must go on to
# the IPv4 address, as a browser does, instead of giving up
# (on-link: neighbour discovery for fd99::1 goes unanswered)
ip -6 route add fd99::/64 dev $IFM 2>/dev/null
"$ROOT/tests/integration/debian_etc.sh" --hosts-extra "10.99.0.1\tmisp.lab\nfd99::1\tmisp.lab" \
	"$BIN/vardkased" --config "$T/debian.conf" --once >"$T/debian.log" 2>&1
echo "exit $?" >>"$T/debian.log"
check "Debian's /etc files, a dual-stack name: the sandboxed agent syncs" \
	sh -c "grep -q 'acknowledged generation' '$T/debian.log' && grep -qx 'exit 0' '$T/debian.log'"
ip -6 route del fd99::/64 dev $IFM 2>/dev/null

# An edit unpublishes its event until it is republished; a full sync in
# between must keep the event's last published attributes, and a deleted
# event's go
admin /admin/event '{"Event": {"uuid": "55555555-eeee-4eee-8eee-000000000000", "info": "edited",
 "Attribute": [{"uuid": "55555555-eeee-4eee-8eee-000000000001", "type": "ip-src", "value": "10.77.1.6", "to_ids": true},
 {"uuid": "55555555-eeee-4eee-8eee-000000000002", "type": "domain", "value": "edit-lab.se", "to_ids": true}]}}' >/dev/null
admin /admin/event '{"Event": {"uuid": "55555555-eeee-4eee-8eee-100000000000", "info": "deleted",
 "Attribute": [{"uuid": "55555555-eeee-4eee-8eee-100000000001", "type": "ip-src", "value": "10.77.1.7", "to_ids": true}]}}' >/dev/null
PAGE=5000 STATE=state-edit conf edit
"$BIN/vardkased" --config "$T/edit.conf" --once >"$T/edit.log" 2>&1
admin /admin/attribute/55555555-eeee-4eee-8eee-000000000001 '{"comment": "being edited"}' >/dev/null
admin /admin/delete-event/55555555-eeee-4eee-8eee-100000000000 >/dev/null
sqlite3 "$T/state-edit/agent.db" "DELETE FROM meta WHERE key = 'last_full'"	# the next is full
"$BIN/vardkased" --config "$T/edit.conf" --once >"$T/edit2.log" 2>&1
check "a full sync while an event is edited (unpublished) keeps its attributes" \
	sh -c "grep -q 'sync full' '$T/edit2.log' && grep -q '2 attributes of 1 unpublished' '$T/edit2.log'"
check "... enforced" sh -c "'$BIN/vardkase-xdp' ctl --socket '$T/dp.sock' counters 55555555-eeee-4eee-8eee-000000000002 | grep -q 000000000002"
check "... and a deleted event's attributes go" \
	sh -c "! '$BIN/vardkase-xdp' ctl --socket '$T/dp.sock' counters 55555555-eeee-4eee-8eee-100000000001 | grep -q 100000000001"
admin /admin/hard-delete/55555555-eeee-4eee-8eee-000000000002 >/dev/null
EB2=$(admin /admin/event '{"Event": {"uuid": "55555555-eeee-4eee-8eee-000000000000", "info": "edited",
 "Attribute": [{"uuid": "55555555-eeee-4eee-8eee-000000000001", "type": "ip-src", "value": "10.77.1.6", "to_ids": true}]}}' |
	/usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['id'])")
sqlite3 "$T/state-edit/agent.db" "DELETE FROM meta WHERE key = 'last_full'"
"$BIN/vardkased" --config "$T/edit.conf" --once >"$T/edit3.log" 2>&1
check "republished without an attribute: that one goes" \
	sh -c "! '$BIN/vardkase-xdp' ctl --socket '$T/dp.sock' counters 55555555-eeee-4eee-8eee-000000000002 | grep -q 000000000002"

# A full answer that removes most of the set is applied (lost access is
# real) and said loudly: here the box is told to enforce ip-src only, so
# the domains and the rest leave
cp "$T/edit.conf" "$T/narrow.conf"
sed -i 's/^\[indicators\]$/[indicators]\ntypes = ip-src/' "$T/narrow.conf"
sqlite3 "$T/state-edit/agent.db" "DELETE FROM meta WHERE key = 'last_full'"
"$BIN/vardkased" --config "$T/narrow.conf" --once >"$T/narrow.log" 2>&1
check "a full sync that removes most of the set says so loudly" \
	grep -q "error: WARNING: this full sync removed .* over removal_warn_percent = 50" "$T/narrow.log"

# A full state filesystem (a flood of sightings, anything) must not stop
# new indicators: a running agent whose database refuses a delta enforces
# it all the same
mkdir -p "$T/small"
if mount -t tmpfs -o size=8m vk3-small "$T/small"; then
	PAGE=5000 STATE=small/state CSOCK=$T/small-agent.sock conf small
	small_run() {	# small_run LOG N VALUE: start the agent, publish indicator N, sync
		"$BIN/vardkased" --config "$T/small.conf" >"$T/$1" 2>&1 &
		SPID=$!
		for _ in $(seq 100); do grep -qE "sync (full|delta)" "$T/$1" && break; sleep 0.1; done
		[ -e "$T/small/fill" ] || dd if=/dev/zero of="$T/small/fill" bs=64k 2>/dev/null
		admin /admin/event '{"Event": {"uuid": "66666666-ffff-4fff-8fff-0000000000'"$2"'0", "info": "disk full",
		 "Attribute": [{"uuid": "66666666-ffff-4fff-8fff-0000000000'"$2"'1", "type": "ip-src", "value": "'"$3"'", "to_ids": true}]}}' >/dev/null
		kill -HUP $SPID
		for _ in $(seq 100); do [ "$(grep -cE "sync (full|delta)" "$T/$1")" -ge 2 ] && break; sleep 0.1; done
	}
	small_run small.log 0 10.77.1.8
	check "a full state filesystem: a new indicator is enforced all the same" \
		sh -c "grep -q 'refused the change (disk full?)' '$T/small.log' && '$BIN/vardkase-xdp' ctl --socket '$T/dp.sock' counters 66666666-ffff-4fff-8fff-000000000001 | grep -q 000000000001"
	kill $SPID; wait $SPID 2>/dev/null
	# restarted on the full filesystem, it comes up (its reserve is
	# released) and enforces what is published next
	small_run small2.log 1 10.77.1.9
	check "restarted on the full filesystem: it comes up and enforces a new indicator" \
		sh -c "grep -q 'released the agent.s reserve' '$T/small2.log' && '$BIN/vardkase-xdp' ctl --socket '$T/dp.sock' counters 66666666-ffff-4fff-8fff-000000000011 | grep -q 000000000011"
	kill $SPID; wait $SPID 2>/dev/null
	umount "$T/small"
else
	echo "SKIP: no tmpfs for the full-disk check"
fi

# oversize answers are cut at the configured limit
kill "$APID"; wait "$APID" 2>/dev/null; APID=
MAXMB=1 conf main
start_agent >/dev/null
admin /admin/fault '{"kind": "oversize", "count": 1}' >/dev/null
sync_now
# the fault goes to the next pull, which may be the start's own sync
# still running when it was set, or the one sync_now asked for
check "fault oversize: refused at max_response_mb" sh -c "grep -E 'sync' '$T/agent.log' | grep -q 'larger than the limit'"

# restart without network: the persisted set is back in the dataplane
kill "$APID"; wait "$APID" 2>/dev/null; APID=
kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=
"$BIN/vardkase-xdp" detach --iface $IFT --pin-dir $PIN --state-dir "$T/dp" >/dev/null 2>&1
start_dp
check "the fresh dataplane starts empty" sh -c "! '$BIN/vardkase-xdp' ctl --socket '$T/dp.sock' counters $A2 | grep -q $A2"
ip link set $IFM down
MAXMB=16 conf main
"$BIN/vardkased" --config "$T/main.conf" >>"$T/agent.log" 2>&1 &
APID=$!
for _ in $(seq 50); do loaded $A2 && break; sleep 0.1; done
check "restart without network: the persisted set matches again" loaded $A2
ip link set $IFM up

# Long values: 2500 domains of ~250 characters. 2000 of them per message
# once passed the 160 KiB message cap, and neither the stream nor the
# push reached the dataplane while the log said they were enforced
/usr/bin/python3 -c 'import json; print(json.dumps({"Event": {"uuid": "44444444-dddd-4ddd-8ddd-000000000000", "info": "long", "Attribute": [{"uuid": "44444444-dddd-4ddd-8ddd-%012d" % i, "type": "domain", "value": "%s.%s.%s.l%06d.se" % ("a" * 60, "b" * 60, "c" * 60, i), "to_ids": True} for i in range(1, 2501)]}}))' > "$T/long.json"
admin /admin/event "@$T/long.json" >/dev/null
PAGE=3000 STATE=state-long conf long
"$BIN/vardkased" --config "$T/long.conf" --once >"$T/long.log" 2>&1
echo "exit $?" >>"$T/long.log"
check "2500 long values reach the dataplane (chunks sized by bytes)" \
	sh -c "grep -q 'acknowledged generation' '$T/long.log' && grep -qx 'exit 0' '$T/long.log'"
check "... and match" loaded 44444444-dddd-4ddd-8ddd-000000002500

# TLS failures, each with its own message (one pull each, no sandbox needed)
tls() {	# tls NAME PATTERN -> run --once with the current overrides
	conf "$1"
	sed -i "s|^state_dir = .*|state_dir = $T/state-$1|" "$T/$1.conf"
	"$BIN/vardkased" --config "$T/$1.conf" --once >"$T/$1.log" 2>&1
	check "TLS: $1" grep -q "$2" "$T/$1.log"
}
CA=$T/pki/other-ca.crt tls unknown-ca "not from the pinned CA"
URL=https://misp.lab:8445 tls wrong-name "for another name"
CERT=$T/pki/client-expired.crt KEY=$T/pki/client-expired.key tls expired "certificate expired"
CERT=$T/pki/client-other.crt KEY=$T/pki/client-other.key tls foreign-client "unknown CA (our client"
NOCERT=1 tls no-client-cert "demanded a client certificate"
echo wrong-key > "$T/bad.key"
APIKEY=$T/bad.key tls bad-api-key "refused the API key (HTTP 403)"
# Deadlines: a peer on the path (no certificate needed) that sends a byte
# a second, or TLS warning alerts without end, held the agent for more than
# 10 minutes with total_timeout = 20, and SIGTERM waited meanwhile
ip netns exec $NSM /usr/bin/python3 "$ROOT/tests/integration/hostile_tls.py" drip \
	10.99.0.1:8447 10.99.0.1:8443 >"$T/hostile-drip.log" 2>&1 &
ip netns exec $NSM /usr/bin/python3 "$ROOT/tests/integration/hostile_tls.py" alerts \
	10.99.0.1:8448 >"$T/hostile-alerts.log" 2>&1 &
for _ in $(seq 50); do
	grep -q hostile "$T/hostile-drip.log" && grep -q hostile "$T/hostile-alerts.log" && break
	sleep 0.1
done
hostile() {	# hostile NAME PORT: one pull with total_timeout = 4 -> "took N" in NAME.log
	local t0
	URL=https://misp.lab:$2 TOTAL=4 conf "$1"
	sed -i "s|^state_dir = .*|state_dir = $T/state-$1|" "$T/$1.conf"
	t0=$(date +%s)
	timeout 30 "$BIN/vardkased" --config "$T/$1.conf" --once >"$T/$1.log" 2>&1
	echo "took $(($(date +%s) - t0))" >>"$T/$1.log"
}
took() { sed -n 's/^took //p' "$T/$1.log"; }
hostile drip 8447
check "a server sending a byte a second: the pull ends at total_timeout (4 s)" \
	sh -c "grep -q 'timed out' '$T/drip.log' && [ $(took drip) -le 8 ]"
hostile alerts 8448
check "TLS warning alerts without end: the pull ends at total_timeout (4 s)" \
	sh -c "grep -q 'timed out' '$T/alerts.log' && [ $(took alerts) -le 8 ]"
# SIGTERM in the middle of a stuck handshake (total_timeout 300)
URL=https://misp.lab:8447 conf dripterm
sed -i "s|^state_dir = .*|state_dir = $T/state-dripterm|" "$T/dripterm.conf"
"$BIN/vardkased" --config "$T/dripterm.conf" >"$T/dripterm.log" 2>&1 &
XPID=$!
sleep 2
kill -TERM $XPID
for _ in $(seq 30); do kill -0 $XPID 2>/dev/null || break; sleep 0.1; done
check "SIGTERM during a stuck TLS handshake: the agent exits within 3 s" \
	sh -c "! kill -0 $XPID 2>/dev/null && grep -q 'stopped (the agent is stopping)' '$T/dripterm.log'"
kill -9 $XPID 2>/dev/null; wait $XPID 2>/dev/null

# A platform answering full pages of new uuids without end: the pull stops
# at max_pull_attributes (the agent once reached 1.1 GB in 300 s, silent)
admin /admin/fault '{"kind": "endless", "count": 1000000}' >/dev/null
PAGE=500 MAXPULL=12000 conf endless
sed -i "s|^state_dir = .*|state_dir = $T/state-endless|" "$T/endless.conf"
timeout 60 "$BIN/vardkased" --config "$T/endless.conf" --once >"$T/endless.log" 2>&1
admin /admin/fault '{"kind": "none"}' >/dev/null
check "full pages without end: the pull stops at max_pull_attributes, nothing applied" \
	sh -c "grep -q 'passed max_pull_attributes' '$T/endless.log' && ! grep -q 'acknowledged' '$T/endless.log'"
check "... and it logged its progress on the way" grep -q "pull under way: page 20" "$T/endless.log"
# the dataplane ran without --print-matches all along: its stdout (the
# journal, on a box) holds no match and no internal address
check "the dataplane's stdout holds no match events (no --print-matches)" \
	sh -c "! grep -q 'attribute_uuid' '$T/events.jsonl' && ! grep -q '10.77.1.2' '$T/events.jsonl'"

# Started as root by hand, the agent becomes [agent] user before it writes
# a file (it once stayed root: root's files, and /etc writable)
AUSER=vk-nosuchuser conf nouser
sed -i "s|^state_dir = .*|state_dir = $T/state-nouser|" "$T/nouser.conf"
check "started as root, a user that does not exist: it refuses and says how to fix it" \
	sh -c "! timeout 20 '$BIN/vardkased' --config '$T/nouser.conf' --once 2>'$T/nouser.out' && grep -q \"user 'vk-nosuchuser' does not exist\" '$T/nouser.out' && [ ! -e '$T/state-nouser/agent.db' ]"
if getent passwd nobody >/dev/null && getent group nogroup >/dev/null; then
	# what the unit's Group= and directories give the agent's user: a
	# path to the dataplane's socket, and its group
	chmod 711 "$T"
	chgrp nogroup "$T/dp.sock"
	AUSER=nobody CSOCK=$T/run-nobody/agent.sock PAGE=1000 conf nobody
	sed -i "s|^state_dir = .*|state_dir = $T/state-nobody|" "$T/nobody.conf"
	"$BIN/vardkased" --config "$T/nobody.conf" >"$T/nobody.log" 2>&1 &
	XPID=$!
	for _ in $(seq 300); do grep -q "dataplane acknowledged" "$T/nobody.log" && break; sleep 0.1; done
	for _ in $(seq 50); do [ -S "$T/run-nobody/agent.sock" ] && break; sleep 0.1; done
	check "started as root with user = nobody: it runs as nobody (uid, gid, no other group)" \
		sh -c "grep -q 'running as nobody' '$T/nobody.log' && grep -qE '^Uid:\s+65534\s+65534\s+65534\s+65534$' /proc/$XPID/status && grep -qE '^Gid:\s+65534\s+65534\s+65534\s+65534$' /proc/$XPID/status && grep -qE '^Groups:\s*65534\s*$' /proc/$XPID/status"
	check "... syncs and feeds the dataplane through its socket's group" \
		grep -q "dataplane acknowledged" "$T/nobody.log"
	check "... and every file it made is nobody's (state, sightings, console socket)" \
		sh -c "[ -e '$T/state-nobody/agent.db' ] && [ -e '$T/state-nobody/sightings.db' ] && [ -z \"\$(find '$T/state-nobody' '$T/run-nobody' ! -user nobody)\" ]"
	kill -TERM $XPID 2>/dev/null; wait $XPID 2>/dev/null
	AUSER=nobody conf tmpstate
	sed -i "s|^state_dir = .*|state_dir = /tmp|" "$T/tmpstate.conf"
	check "... but a state_dir anyone may write to (/tmp) is refused, not given away" \
		sh -c "! timeout 20 '$BIN/vardkased' --config '$T/tmpstate.conf' --once 2>'$T/tmpstate.out' && grep -q 'not given to nobody' '$T/tmpstate.out' && [ \"\$(stat -c %U /tmp)\" = root ]"
	chgrp root "$T/dp.sock"
	chmod 700 "$T"
else
	echo "SKIP: no user nobody / group nogroup: the drop from root is not checked"
fi
echo "agent: $PASS passed, $FAIL failed"
[ $FAIL = 0 ]
