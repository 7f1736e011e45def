#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench, sightings part 2: the console's `sightings` query on a store of
# VK_BENCH_ROWS (default 10M) rows, through the real path: vardkasectl ->
# unix socket -> vardkased -> SQLite -> protobuf back. Newest 100 with a
# filter; target <= 100 ms.
# usage: sight_query.sh BIN_DIR DIR   (DIR from sight_bench: agent.db + sightings.db)
set -eu
BIN=$1 D=$(realpath "$2") N=${VK_BENCH_ROWS:-10000000}
now=$(date +%s)
echo "sightings store: generating $N rows (90 days, 5000 hosts, 1000 indicators)..."
t0=$(date +%s.%N)
sqlite3 "$D/sightings.db" <<SQL
PRAGMA synchronous=OFF;
DROP INDEX IF EXISTS sighting_key; DROP INDEX IF EXISTS sighting_last;
DROP INDEX IF EXISTS sighting_local; DROP INDEX IF EXISTS sighting_value;
DROP INDEX IF EXISTS sighting_event;
DELETE FROM sighting;
INSERT INTO sighting (attribute_uuid, event_uuid, type, value, indicator, local, remote, bucket,
                      first_seen, last_seen, count, matched_on, name)
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $N)
SELECT printf('%08x-bbbb-4bbb-8bbb-%012x', i % 1000, i % 1000),
       printf('%08x-bbbb-4bbb-8bbb-%012x', 100000 + i % 20, 100000 + i % 20), 2,
       printf('203.0.%d.%d', (i % 1000) / 250, (i % 1000) % 250 + 1),
       printf('203.0.%d.%d', (i % 1000) / 250, (i % 1000) % 250 + 1),
       printf('10.1.%d.%d', (i % 5000) / 250, (i % 5000) % 250 + 1), '198.51.100.2',
       $now - i * 7776000 / $N, $now - i * 7776000 / $N, $now - i * 7776000 / $N + 30,
       1 + i % 17, 'dst', ''
FROM c;
SQL
t1=$(date +%s.%N)
printf '  %d rows written in %.1f s; %s MiB\n' "$N" "$(awk "BEGIN{print $t1 - $t0}")" \
	"$(( $(stat -c %s "$D/sightings.db") >> 20 ))"
echo "x" >"$D/api.key"; openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=x -days 1 \
	-keyout "$D/ca.key" -out "$D/ca.crt" 2>/dev/null
cat >"$D/bench.conf" <<CONF
[upstream]
url = https://127.0.0.1:9
ca = $D/ca.crt
api_key_file = $D/api.key
poll_interval = 86400
connect_timeout = 1
[agent]
user = root
state_dir = $D
dataplane_socket = $D/no-dataplane.sock
console_socket = $D/agent.sock
[report]
mode = off
CONF
t0=$(date +%s.%N)
"$BIN/vardkased" --config "$D/bench.conf" >"$D/agent.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for _ in $(seq 3000); do [ -S "$D/agent.sock" ] && break; sleep 0.1; done
t1=$(date +%s.%N)
printf '  the agent opened it (and built the indexes) in %.1f s\n' "$(awk "BEGIN{print $t1 - $t0}")"
q() {	# q LABEL ARGS...: median of 7 runs, in ms
	local label=$1; shift
	local t=() rows
	"$BIN/vardkasectl" --socket "$D/agent.sock" --json sightings "$@" >/dev/null	# warm
	for _ in 1 2 3 4 5 6 7; do
		local a b
		a=$(date +%s%N)
		rows=$("$BIN/vardkasectl" --socket "$D/agent.sock" --json sightings "$@" | grep -c '"id"')
		b=$(date +%s%N)
		t+=($(( (b - a) / 1000 )))
	done
	local med
	med=$(printf '%s\n' "${t[@]}" | sort -n | sed -n 4p)
	printf '  %-44s %3d rows  %7.1f ms (median of 7, vardkasectl included)\n' "$label" "$rows" \
		"$(awk "BEGIN{print $med / 1000}")"
	echo "$med" >>"$D/query_us"
}
rm -f "$D/query_us"
echo "console query, newest 100 (target <= 100 ms):"
q "--host 10.1.3.7" --host 10.1.3.7 --limit 100
q "--indicator 203.0.2.9" --indicator 203.0.2.9 --limit 100
q "--event 000186a3-bbbb-4bbb-8bbb-0000000186a3" --event 000186a3-bbbb-4bbb-8bbb-0000000186a3 --limit 100
q "--since 1h" --since 1h --limit 100
q "(no filter)" --limit 100
q "--host 10.1.3.7 --since 7d" --host 10.1.3.7 --since 7d --limit 100
worst=$(sort -n "$D/query_us" | tail -1)
printf 'sightings query: worst median %.1f ms on %d rows (target <= 100 ms)\n' \
	"$(awk "BEGIN{print $worst / 1000}")" "$N"
