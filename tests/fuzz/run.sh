#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run every fuzzer on a seed corpus made from ../shared (captures, MISP
# responses) when it is there, with the given libFuzzer limit. A crashing
# input is kept in the fuzzers' build directory.
set -eu
dir=$1 shared=$2; shift 2
pass=0 fail=0
for f in packet misp pcap http page state conf wl events verdict ipc console dpanswer; do
	corpus=$(mktemp -d /tmp/vk-fuzz-$f.XXXXXX)
	case $f in
	http) printf 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}' > "$corpus/plain"
	      printf 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Result-Count: 4\r\n\r\n2\r\n{}\r\n0\r\n\r\n' > "$corpus/chunked"
	      { printf 'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n'; printf '{"response":[]}' | gzip -c; } > "$corpus/gzip" ;;
	# one IPv4 /32 with one attribute, one domain with two (vk_state.h)
	state) /usr/bin/python3 -c 'import struct,sys
def attr(t, u, v): return struct.pack("<BB", t, len(u)) + u + struct.pack("<H", len(v)) + v
e1 = struct.pack("<IBBHBBH", 1, 1, 32, 0, 0, 4, 0) + bytes([10, 1, 2, 3]) + struct.pack("<I", 1) + attr(2, b"A" * 16, b"10.1.2.3")
e2 = struct.pack("<IBBHBBH", 3, 5, 0, 0, 0, 0, 7) + b"evil.se" + struct.pack("<I", 2) + attr(5, b"aaaaaaaa-0000-4000-8000-000000000001", b"evil.se") + attr(5, b"B" * 16, b"evil.se")
sys.stdout.buffer.write(b"VKSTATE2" + struct.pack("<QQ", 7, 2) + e1 + e2)' > "$corpus/seed" ;;
	conf) [ -f rootfs/etc/vardkase/vardkase.conf ] && cp rootfs/etc/vardkase/vardkase.conf "$corpus/" ;;
	wl) [ -d "$shared/fixtures/misp/upstream/warninglists" ] &&
		find "$shared/fixtures/misp/upstream/warninglists" -name '*.json' -size -64k |
		head -50 | while read -r w; do cp "$w" "$corpus/"; done ;;
	events) [ -d "$shared/fixtures/misp/captured" ] &&
		find "$shared/fixtures/misp/captured" -name 'evmeta*.json' -exec cp {} "$corpus/" \; ;;
	verdict) printf 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 47\r\n\r\n{"saved": true, "success": "2 sightings added."}' > "$corpus/saved"
	         printf 'HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 2\r\n\r\n{}' > "$corpus/405" ;;
	# Request{update{generation 2 (a delta), add[{uuid, IP_DST, 192.0.2.7}], remove_uuid}}
	ipc) /usr/bin/python3 -c 'import sys
def v(n):
    out = b""
    while True:
        b = n & 0x7f; n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n: return out
def ld(f, b): return v(f << 3 | 2) + v(len(b)) + b
ind = ld(1, b"aaaaaaaa-0000-4000-8000-000000000001") + v(2 << 3) + v(2) + ld(3, b"192.0.2.7")
upd = v(1 << 3) + v(2) + ld(3, ind) + ld(4, b"bbbbbbbb-0000-4000-8000-000000000001")
sys.stdout.buffer.write(ld(1, upd))' > "$corpus/update" ;;
	# Request{status}, Request{sightings{since_s 3600, limit 10}}, Request{indicator{"evil.se"}}
	console) printf '\012\000' > "$corpus/status"
		 printf '\022\005\010\220\034\050\012' > "$corpus/sightings"
		 printf '\032\011\012\007evil.se' > "$corpus/indicator" ;;
	# Response{event{uuid, "evil.se", dns_qname, 10.1.2.3 -> 10.0.0.53, name}} and
	# Response{counters{counter{uuid, "evil.se", 5}, instance}}
	dpanswer) /usr/bin/python3 -c 'import sys
def v(n):
    out = b""
    while True:
        b = n & 0x7f; n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n: return out
def ld(f, b): return v(f << 3 | 2) + v(len(b)) + b
u = b"aaaaaaaa-0000-4000-8000-000000000001"
ev = v(1 << 3) + v(1795359900 * 10**9) + ld(2, u) + ld(3, b"evil.se") + ld(4, b"dns_qname") + \
     ld(5, b"10.1.2.3") + ld(6, b"10.0.0.53") + v(7 << 3) + v(17) + ld(11, b"www.evil.se")
open(sys.argv[1] + "/event", "wb").write(ld(4, ev))
c = ld(1, ld(1, u) + ld(2, b"evil.se") + v(3 << 3) + v(5)) + ld(2, b"boot/1")
open(sys.argv[1] + "/counters", "wb").write(ld(3, c))' "$corpus" ;;
	misp|page) [ -d "$shared/fixtures/misp" ] &&
		find "$shared/fixtures/misp" -name '*.json' -size -200k -exec cp {} "$corpus/" \; ;;
	pcap) [ -d "$shared/pcaps" ] &&
		find "$shared/pcaps" \( -name '*.pcap' -o -name '*.pcapng' \) -size -64k |
		head -200 | while read -r p; do cp "$p" "$corpus/$(echo "$p" | md5sum | cut -c1-12)"; done ;;
	esac
	if "$dir/fuzz_$f" "$@" -rss_limit_mb=2048 -artifact_prefix="$dir/" "$corpus" >"$corpus.log" 2>&1; then
		pass=$((pass + 1)); echo "ok   fuzz_$f ($(grep -o 'Done [0-9]* runs' "$corpus.log" || echo done))"
	else
		fail=$((fail + 1)); echo "FAIL fuzz_$f"; tail -30 "$corpus.log"
	fi
	rm -rf "$corpus" "$corpus.log"
done
echo "fuzz: $pass passed, $fail failed"
[ $fail = 0 ]
