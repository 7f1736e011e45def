#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Replay every Ethernet capture of ../shared/pcaps against its truth.
set -eu
bin=$1 root=$2
if [ ! -f "$root/manifest.tsv" ]; then
	echo "SKIP: $root not found (the captures live in ../shared beside the clone)"
	exit 0
fi
if ! /usr/bin/python3 -c 'import scapy' 2>/dev/null; then
	echo "SKIP: python3-scapy missing (make deps installs it)"
	exit 0
fi
/usr/bin/python3 "$(dirname "$0")/truth_oracle.py" "$bin" "$root"
# JA3 and JA4 against tshark and FoxIO's implementations
/usr/bin/python3 "$(dirname "$0")/fp_check.py" "$bin" "$root"
# MISP url indicators against the requests tshark lists
/usr/bin/python3 "$(dirname "$0")/url_check.py" "$bin" "$root"
# DNS answers: derived matches against the responses scapy reads
exec /usr/bin/python3 "$(dirname "$0")/answer_check.py" "$bin" "$root"
