#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Live packets/s received by the XDP program on a veth pair: the empty
# XDP_DROP program vs vardkase (span mode, 200k indicators loaded). The
# sender (vk_pktgen, AF_PACKET) runs in a network namespace and sends out
# its end of the pair; the count is the program's run_cnt from the
# kernel's BPF statistics, the same measure for both programs.
set -u
BIN=$(readlink -f "$1") GEN=$(readlink -f "$2") EMPTY=$(readlink -f "$3") OUT=$4
NS=vk-bench IF=vkb0 PEER=vkb1 SECS=${SECS:-3}
PIN=/sys/fs/bpf/vardkase-bench
TMP=$(mktemp -d /tmp/vardkase-bench.XXXXXX)
PID=
[ "$(id -u)" = 0 ] || { echo "SKIP: live benchmark needs root"; exit 0; }

stats_was=$(sysctl -n kernel.bpf_stats_enabled)
# `ip link set xdp obj` makes iproute2's pin directory; leave none we made
tc_was=$([ -e /sys/fs/bpf/tc ] && echo 1)
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ip link set dev $IF xdp off 2>/dev/null
	"$BIN" detach --iface $IF --pin-dir $PIN --state-dir "$TMP" >/dev/null 2>&1
	ip link del $IF 2>/dev/null
	ip netns del $NS 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled="$stats_was"
	rm -rf "$TMP" "$PIN"
	if [ -z "$tc_was" ]; then
		rmdir /sys/fs/bpf/tc/globals /sys/fs/bpf/tc 2>/dev/null
		rm -f /sys/fs/bpf/ip /sys/fs/bpf/xdp
	fi
}
trap cleanup EXIT
cleanup 2>/dev/null
TMP=$(mktemp -d /tmp/vardkase-bench.XXXXXX)
ip netns add $NS
ip link add $IF type veth peer name $PEER
ip link set $PEER netns $NS
ip link set $IF up
ip -n $NS link set $PEER up
sysctl -qw kernel.bpf_stats_enabled=1

/usr/bin/python3 - "$TMP/ind.json" <<'PY'
import json, random, sys, uuid
random.seed(7)
a = []
for i in range(100000):
    a.append({"uuid": str(uuid.UUID(int=random.getrandbits(128), version=4)), "type": "ip-dst",
              "value": "%d.%d.%d.%d" % (random.randint(1, 126), random.randint(0, 255),
                                        random.randint(0, 255), random.randint(0, 255)),
              "to_ids": True})
    a.append({"uuid": str(uuid.UUID(int=random.getrandbits(128), version=4)), "type": "domain",
              "value": "".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(9)) + ".se",
              "to_ids": True})
json.dump({"response": {"Attribute": a}}, open(sys.argv[1], "w"))
PY

prog_id() { bpftool -j net show dev $IF | /usr/bin/python3 -c \
	"import json,sys; d=json.load(sys.stdin); print(d[0]['xdp'][0]['id'])"; }
run_cnt() { bpftool -j prog show id "$1" | /usr/bin/python3 -c \
	"import json,sys; print(json.load(sys.stdin).get('run_cnt', 0))"; }
measure() {	# measure MIX -> "pps sent_pps"
	local id c0 c1 out
	id=$(prog_id)
	c0=$(run_cnt "$id")
	out=$(ip netns exec $NS "$GEN" -i $PEER -s "$SECS" -m "$1")
	c1=$(run_cnt "$id")
	echo "$out" | /usr/bin/python3 -c "import json,sys; d=json.loads(sys.stdin.read()); \
		print('%.0f %.0f' % (($c1 - $c0) / d['seconds'], d['sent'] / d['seconds']))"
}

declare -A R
ip link set dev $IF xdp obj "$EMPTY" sec xdp || { echo "SKIP: cannot attach XDP to veth"; exit 0; }
for mix in tcp dns; do R[empty_$mix]=$(measure $mix); done
ip link set dev $IF xdp off
"$BIN" run --iface $IF --mode span --indicators "$TMP/ind.json" --pin-dir $PIN \
	--state-dir "$TMP" --socket "$TMP/dp.sock" >/dev/null 2>"$TMP/log" &
PID=$!
for _ in $(seq 100); do grep -q "running;" "$TMP/log" && break; sleep 0.1; done
for mix in tcp dns; do R[vk_$mix]=$(measure $mix); done

printf '\nlive, veth, %ss per run (packets/s received by the XDP program)\n' "$SECS"
printf '%-6s %14s %14s %8s\n' mix empty vardkase ratio
json='{'
for mix in tcp dns; do
	set -- ${R[empty_$mix]}; e=$1
	set -- ${R[vk_$mix]}; v=$1
	r=$(/usr/bin/python3 -c "print('%.2f' % ($v / $e if $e else 0))")
	printf '%-6s %14s %14s %8s\n' $mix "$e" "$v" "$r"
	json="$json\"$mix\": {\"empty_pps\": $e, \"vardkase_pps\": $v, \"ratio\": $r},"
done
echo "${json%,}}" > "$OUT"
echo "written: $OUT"
