#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The shipped units as installed. systemd may not run here, so the test
# does what systemd would: the users and groups the units name, their
# runtime and state directories with the owners and modes the units give
# (read from the unit files, rooted under a scratch directory), the
# shipped config's socket paths moved there. Then the dataplane as root,
# the agent as its unit's user and groups, and vardkasectl as an operator
# (only in vardkase-op) and as someone else. Also systemd-analyze verify
# and security --offline on both units. Cleans up on any exit.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$ROOT/build/bin UNITS=$ROOT/rootfs/lib/systemd/system CONF=$ROOT/rootfs/etc/vardkase/vardkase.conf
PASS=0 FAIL=0 DPID= APID= MADE_USERS= MADE_GROUPS=
IF=vku0 PIN=/sys/fs/bpf/vardkase-units-test

skip() { echo "SKIP: $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root (users, XDP)"
command -v systemd-analyze >/dev/null || skip "no systemd-analyze"
command -v setpriv >/dev/null || skip "no setpriv (util-linux)"
T=$(mktemp -d /tmp/vardkase-units.XXXXXX)
chmod 755 "$T"

cleanup() {
	[ -n "$APID" ] && kill "$APID" 2>/dev/null
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
	for p in $APID $DPID; do wait "$p" 2>/dev/null; done
	"$BIN/vardkase-xdp" detach --iface $IF --pin-dir $PIN --state-dir "$T/run/vardkase" >/dev/null 2>&1
	ip link del $IF 2>/dev/null
	rm -rf "$PIN"
	for u in $MADE_USERS; do userdel "$u" 2>/dev/null; done
	for g in $MADE_GROUPS; do groupdel "$g" 2>/dev/null; done
}
trap 'cleanup; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
check() {
	local name=$1; shift
	if "$@"; then PASS=$((PASS + 1)); echo "ok   $name"
	else FAIL=$((FAIL + 1)); echo "FAIL $name"; fi
}
key() { sed -n "s/^$2=//p" "$UNITS/$1" | head -1; }	# key UNIT KEY
group() { getent group "$1" >/dev/null || { groupadd -r "$1" && MADE_GROUPS="$MADE_GROUPS $1"; }; }
user() {	# user NAME PRIMARY [SUPPLEMENTARY]
	getent passwd "$1" >/dev/null && return 0
	useradd -r -M -d /nonexistent -s /usr/sbin/nologin -g "$2" ${3:+-G "$3"} "$1" &&
		MADE_USERS="$MADE_USERS $1"
}

# ---- the unit files ----------------------------------------------------------
for u in vardkased vardkase-xdp; do
	sed "s|/usr/sbin/|$BIN/|" "$UNITS/$u.service" > "$T/$u.service"
done
check "systemd-analyze verify accepts both units" \
	systemd-analyze verify "$T/vardkased.service" "$T/vardkase-xdp.service"
score=$(systemd-analyze security --offline=yes "$T/vardkased.service" 2>/dev/null |
	sed -n 's/.*Overall exposure level for vardkased.service: \([0-9.]*\).*/\1/p')
check "the agent's unit scores 3.5 or better (systemd-analyze security: $score)" \
	awk "BEGIN { exit !(\"$score\" != \"\" && $score <= 3.5) }"
check "both units have a MemoryMax" \
	sh -c "grep -q '^MemoryMax=' '$UNITS/vardkased.service' && grep -q '^MemoryMax=' '$UNITS/vardkase-xdp.service'"

# ---- users, groups and directories as systemd makes them --------------------
AU=$(key vardkased.service User) AG=$(key vardkased.service Group)
OPG=$(sed -n 's/^operator_group = //p' "$CONF")
DG=$(key vardkase-xdp.service Group)
group "$AG"; group "$DG"; group "$OPG"
user "$AU" "$AG" "$DG"
user vk-test-operator "$OPG"
user vk-test-outsider nogroup
# RuntimeDirectory= is owned by the unit's User (root when none) and Group
mkrun() {	# mkrun UNIT OWNER GROUP
	local d m
	d=$(key "$1" RuntimeDirectory) m=$(key "$1" RuntimeDirectoryMode)
	[ -n "$d" ] || return 0
	install -d -o "$2" -g "$3" -m "${m:-0755}" "$T/run/$d"
}
mkdir -p "$T/run"
mkrun vardkase-xdp.service root "$DG"
mkrun vardkased.service "$AU" "$AG"
install -d -o "$AU" -g "$AG" -m "$(key vardkased.service StateDirectoryMode)" \
	"$T/lib/$(key vardkased.service StateDirectory)"
# the shipped config, its /run and /var/lib paths moved under $T
"$ROOT/tools/pki/make-pki.sh" "$T/pki" >/dev/null
chmod 644 "$T/pki/"*
echo testkey > "$T/api.key"; chmod 644 "$T/api.key"
sed -e "s|/run/|$T/run/|g" -e "s|/var/lib/|$T/lib/|g" \
    -e "s|^url = .*|url = https://127.0.0.1:9|" -e "s|^ca = .*|ca = $T/pki/ca.crt|" \
    -e "s|^client_cert = .*|client_cert = $T/pki/client.crt|" \
    -e "s|^client_key = .*|client_key = $T/pki/client.key|" \
    -e "s|^api_key_file = .*|api_key_file = $T/api.key|" "$CONF" > "$T/vardkase.conf"
chmod 644 "$T/vardkase.conf"
DSOCK=$(sed -n 's/^dataplane_socket = //p' "$T/vardkase.conf")
CSOCK=$(sed -n 's/^console_socket = //p' "$T/vardkase.conf")

# ---- the processes, as their units run them ---------------------------------
ip link add $IF type veth peer name vku1 && ip link set $IF up && ip link set vku1 up
"$BIN/vardkase-xdp" run --iface $IF --pin-dir $PIN --state-dir "$(dirname "$DSOCK")" \
	--socket "$DSOCK" >"$T/dp.out" 2>"$T/dp.log" &
DPID=$!
for _ in $(seq 100); do [ -S "$DSOCK" ] && break; sleep 0.1; done
chgrp "$DG" "$DSOCK" 2>/dev/null	# as Group= makes it
setpriv --reuid="$AU" --regid="$AG" --groups="$(key vardkased.service SupplementaryGroups | tr ' ' ,)" \
	--inh-caps=-all -- "$BIN/vardkased" --config "$T/vardkase.conf" >"$T/agent.log" 2>&1 &
APID=$!
for _ in $(seq 100); do [ -S "$CSOCK" ] && break; sleep 0.1; done
check "the agent, as its unit's user, creates its console socket" test -S "$CSOCK"
check "... and keeps running" kill -0 "$APID"
op() { runuser -u vk-test-operator -- "$BIN/vardkasectl" --socket "$CSOCK" "$@"; }
check "an operator (only in $OPG) reads the status" op status
attached() {	# the agent polls the dataplane every 5 s
	op --json status | /usr/bin/python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["dataplane_attached"] else 1)'
}
for _ in $(seq 120); do attached && break; sleep 0.1; done
check "... which shows the agent reached the dataplane's socket" attached
check "an operator cannot reach the dataplane's socket" \
	sh -c "! runuser -u vk-test-operator -- '$BIN/vardkase-xdp' ctl --socket '$DSOCK' stats >/dev/null 2>&1"
runuser -u vk-test-outsider -- "$BIN/vardkasectl" --socket "$CSOCK" status >"$T/out.txt" 2>&1
check "someone else is refused, and told which group opens it" \
	grep -q "permission denied .*members of group $OPG" "$T/out.txt"
echo "units: $PASS passed, $FAIL failed"
[ $FAIL = 0 ]
