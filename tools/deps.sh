#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Take a fresh Debian 12 (bookworm) machine to a working vardkase build.
# Idempotent: installs only what is missing. Everything comes from bookworm;
# docs/operations.md says why no backports package is needed yet.
set -eu

PKGS="
 build-essential make pkg-config git
 clang llvm lld libclang-rt-14-dev
 libbpf-dev bpftool libelf-dev zlib1g-dev linux-libc-dev
 libnl-3-dev libnl-route-3-dev
 protobuf-c-compiler libprotobuf-c-dev
 libmbedtls-dev libjansson-dev libsqlite3-dev sqlite3 libseccomp-dev zlib1g-dev
 libcmocka-dev libinih-dev libhttp-parser-dev libpcap-dev libidn2-dev libyajl-dev
 libpsl-dev publicsuffix
 iproute2 iputils-ping dnsutils netcat-openbsd procps python3-scapy openssl
 qemu-system-x86 busybox-static cpio systemd
"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "deps: all $(echo $PKGS | wc -w) packages present"
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing:$missing" >&2
	echo "deps: run as root (or: sudo make deps)" >&2
	exit 1
fi

echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
echo "deps: done"
