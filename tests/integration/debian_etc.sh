#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Run a command with a stock Debian 12 /etc/hosts, /etc/gai.conf and
# /etc/nsswitch.conf, bind-mounted in a private mount namespace: what a
# user's machine has, whatever this one has. With them, "localhost" (and
# any name with an A and an AAAA record) resolves to two addresses, and
# glibc's getaddrinfo then sorts them (RFC 3484) after asking the kernel
# for its own addresses over rtnetlink, which the agent's sandbox must allow.
#
# Usage: debian_etc.sh [--hosts-extra 'LINE'] COMMAND [ARG...]
# The files are netbase's /etc/hosts (written by its postinst), libc-bin's
# gai.conf (nothing but comments) and libc-bin's nsswitch.conf.
set -eu
extra=""
if [ "${1:-}" = --hosts-extra ]; then extra=$2; shift 2; fi
[ $# -gt 0 ] || { echo "usage: debian_etc.sh [--hosts-extra LINE] COMMAND..." >&2; exit 2; }
d=$(mktemp -d /tmp/vardkase-etc.XXXXXX)
trap 'rm -rf "$d"' EXIT
cat > "$d/hosts" <<'EOF'
127.0.0.1	localhost
::1		localhost ip6-localhost ip6-loopback
ff02::1		ip6-allnodes
ff02::2		ip6-allrouters
EOF
[ -z "$extra" ] || printf '%b\n' "$extra" >> "$d/hosts"
cat > "$d/gai.conf" <<'EOF'
# Configuration for getaddrinfo(3): Debian's default has every line commented
# out, so glibc's built-in RFC 3484 rules apply.
EOF
cat > "$d/nsswitch.conf" <<'EOF'
passwd:         files
group:          files
shadow:         files
gshadow:        files

hosts:          files dns
networks:       files

protocols:      db files
services:       db files
ethers:         db files
rpc:            db files

netgroup:       nis
EOF
for f in hosts gai.conf nsswitch.conf; do [ -e "/etc/$f" ] || touch "/etc/$f"; done
# not exec: the trap removes the files when the command is done
unshare --mount --propagation private /bin/bash -c '
	d=$1; shift
	for f in hosts gai.conf nsswitch.conf; do mount --bind "$d/$f" "/etc/$f"; done
	exec "$@"' debian-etc "$d" "$@"
