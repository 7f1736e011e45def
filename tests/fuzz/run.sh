#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run every fuzzer on a seed corpus made from ../shared (captures, MISP
# responses) when it is there, with the given libFuzzer limit. A crashing
# input is kept in the fuzzers' build directory.
set -eu
dir=$1 shared=$2; shift 2
pass=0 fail=0
# FUZZERS: the harnesses, from tests/build.mk (the one list)
for f in ${FUZZERS:?set by make fuzz and make test-fuzz}; do
	corpus=$(mktemp -d /tmp/vk-fuzz-$f.XXXXXX)
	case $f in
	http) printf 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}' > "$corpus/plain"
	      printf 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Result-Count: 4\r\n\r\n2\r\n{}\r\n0\r\n\r\n' > "$corpus/chunked"
	      { printf 'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n'; printf '{"response":[]}' | gzip -c; } > "$corpus/gzip" ;;
	state|ipc|dpanswer|tls|slow)	# binary inputs: tests/fuzz/seeds.py
		/usr/bin/python3 "$(dirname "$0")/seeds.py" "$f" "$corpus" ;;
	url) printf 'HTTP://Evil.Example.:80/a/../b/./c?x=%%7e%%2f#f' > "$corpus/url"
	     printf '/a/%%2E%%2e/b?q\000evil.example:8080' > "$corpus/request"
	     printf 'http://u:p@[2001:DB8::1]:81/' > "$corpus/v6" ;;
	quic) printf '\001a ClientHello, sealed' > "$corpus/seal"	# sealed, opened again
	      printf '\000\300\000\000\000\001\010\203\224\310\360\076\121\127\010\000\000\100\050' > "$corpus/header" ;;
	conf) [ -f rootfs/etc/vardkase/vardkase.conf ] && cp rootfs/etc/vardkase/vardkase.conf "$corpus/" ;;
	wl) [ -d "$shared/fixtures/misp/upstream/warninglists" ] &&
		find "$shared/fixtures/misp/upstream/warninglists" -name '*.json' -size -64k |
		head -50 | while read -r w; do cp "$w" "$corpus/"; done ;;
	events) [ -d "$shared/fixtures/misp/captured" ] &&
		find "$shared/fixtures/misp/captured" -name 'evmeta*.json' -exec cp {} "$corpus/" \; ;;
	verdict) printf 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 47\r\n\r\n{"saved": true, "success": "2 sightings added."}' > "$corpus/saved"
	         printf 'HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 2\r\n\r\n{}' > "$corpus/405" ;;
	# Request{status}, Request{sightings{since_s 3600, limit 10}}, Request{indicator{"evil.se"}}
	console) printf '\012\000' > "$corpus/status"
		 printf '\022\005\010\220\034\050\012' > "$corpus/sightings"
		 printf '\032\011\012\007evil.se' > "$corpus/indicator" ;;
	misp|page) [ -d "$shared/fixtures/misp" ] &&
		find "$shared/fixtures/misp" -name '*.json' -size -200k -exec cp {} "$corpus/" \; ;;
	packet) [ -d "$shared/pcaps" ] &&	# frames of the tunnelled captures
		/usr/bin/python3 - "$shared/pcaps" "$corpus" <<-'EOF'
		import os, struct, sys
		root, out = sys.argv[1], sys.argv[2]
		n = 0
		for d, _, fs in os.walk(root):
		    for f in fs:
		        if not f.endswith('.pcap') or not any(k in f.lower() or k in d.lower() for k in
		                ('gre', 'vxlan', 'geneve', 'erspan', 'mpls', 'pppoe', 'encap', 'tunnel')):
		            continue
		        b = open(os.path.join(d, f), 'rb').read()
		        if b[:4] not in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
		            continue
		        at, k = 24, 0
		        while at + 16 <= len(b) and k < 20:
		            incl = struct.unpack_from('<I', b, at + 8)[0]
		            open(os.path.join(out, f'{n}'), 'wb').write(b[at + 16:at + 16 + incl])
		            at, k, n = at + 16 + incl, k + 1, n + 1
		EOF
		;;
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
