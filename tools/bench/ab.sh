#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make bench-ab: the XDP program as it was at BASE (a git revision; by
# default the commit before issue 11's name readers) against this tree's,
# side by side in one session: xdp_ab on the path of a miss, then PAIRS
# runs of each xdp_bench alternating, and a table of the ratios (median of
# each workload). BASE's tree is built in BUILD/ab-base (a git worktree).
set -eu
build=$1 base=$2 pairs=${3:-3}
if ! git rev-parse --verify -q "$base^{commit}" >/dev/null; then
	echo "SKIP: bench-ab: $base is no commit here (a clone without history?)"
	exit 0
fi
wt=$build/ab-base
if [ ! -d "$wt" ] || [ "$(git -C "$wt" rev-parse HEAD 2>/dev/null)" != "$(git rev-parse "$base^{commit}")" ]; then
	git worktree remove --force "$wt" 2>/dev/null || rm -rf "$wt"
	git worktree add -q --detach "$wt" "$base"
fi
echo "bench-ab: building $base in $wt"
make -s -C "$wt" build/tools/xdp_bench build/kernel/vardkase.bpf.o >/dev/null
echo "bench-ab: the path of a miss, empty maps (before = $base)"
"$build/tools/xdp_ab" "$wt/build/kernel/vardkase.bpf.o" "$build/kernel/vardkase.bpf.o"
out=$build/bench/ab
mkdir -p "$out"
i=1
while [ $i -le "$pairs" ]; do
	echo "bench-ab: pair $i of $pairs"
	"$wt/build/tools/xdp_bench" "$out/before$i.json" >/dev/null
	"$build/tools/xdp_bench" "$out/after$i.json" >/dev/null
	i=$((i + 1))
done
/usr/bin/python3 - "$out" "$pairs" <<'PY'
import json, statistics, sys
out, n = sys.argv[1], int(sys.argv[2])
b = [json.load(open('%s/before%d.json' % (out, i)))['workloads'] for i in range(1, n + 1)]
a = [json.load(open('%s/after%d.json' % (out, i)))['workloads'] for i in range(1, n + 1)]
print('%-9s %-28s %-28s %s' % ('workload', 'before (ratio to empty)', 'after', 'change'))
for w in a[0]:
    x = [r[w]['ratio'] for r in b if w in r]
    y = [r[w]['ratio'] for r in a]
    mx, my = (statistics.median(x) if x else None), statistics.median(y)
    print('%-9s %-28s %-28s %s' % (w, ' '.join('%.2f' % v for v in x) or '-',
          ' '.join('%.2f' % v for v in y),
          '%+.0f %%' % ((my / mx - 1) * 100) if mx else 'new'))
PY
