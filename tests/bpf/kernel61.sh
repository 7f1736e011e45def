#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The BPF unit tests on the kernel the box runs: Debian 12's own 6.1 LTS
# kernel (linux-image-amd64), booted under qemu (TCG: no KVM needed) with a
# busybox initramfs that holds test_bpf and the libraries ldd lists. The
# verdict is read from the serial console. This machine's newer verifier
# accepts programs that 6.1 refuses (docs/architecture.md, "Verifier
# patterns for 6.1"), so only this run proves the object loads on the box.
#
# Usage: kernel61.sh BUILD/tests/test_bpf BUILD/tests/verify_stats OBJ.bpf.o
# verify_stats prints the verifier's instruction count for the object on
# 6.1 (the headroom under its 1M limit) before the unit tests run.
# The kernel package is fetched from Debian once and kept in
# $VK_KERNEL_CACHE (default /var/cache/vardkase-test).
set -eu
usage="usage: kernel61.sh TEST_BPF VERIFY_STATS OBJ.bpf.o"
bin=$(readlink -f "${1:?$usage}")
vstats=$(readlink -f "${2:?$usage}")
obj=$(readlink -f "${3:?$usage}")
cache=${VK_KERNEL_CACHE:-/var/cache/vardkase-test}
timeout_s=${VK_QEMU_TIMEOUT:-600}

for t in qemu-system-x86_64 busybox cpio dpkg-deb apt-get; do
	command -v "$t" >/dev/null || { echo "FAIL: kernel61: $t missing (run 'make deps')"; exit 1; }
done
busybox=$(command -v busybox)
# busybox-static's binary; a dynamic busybox would need its libraries too
file_out=$(ldd "$busybox" 2>&1 || true)
case "$file_out" in *"not a dynamic"*|*"statically"*) ;; *)
	echo "FAIL: kernel61: $busybox is not static (install busybox-static)"; exit 1;; esac

mkdir -p "$cache"
# The kernel linux-image-amd64 points at: the one a box installs today.
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-6/{print $2; exit}')
if [ -z "$pkg" ]; then
	apt-get update -qq
	pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-6/{print $2; exit}')
fi
case "$pkg" in linux-image-6.1.*) ;; *)
	echo "FAIL: kernel61: linux-image-amd64 depends on '$pkg', not a 6.1 kernel"; exit 1;; esac
kver=${pkg#linux-image-}
vmlinuz="$cache/vmlinuz-$kver"
if [ ! -s "$vmlinuz" ]; then
	echo "kernel61: fetching $pkg from Debian"
	dl=$(mktemp -d)
	(cd "$dl" && chmod 755 . && apt-get download -qq "$pkg" 2>/dev/null) ||
		{ rm -rf "$dl"; echo "FAIL: kernel61: apt-get download $pkg failed"; exit 1; }
	dpkg-deb -x "$dl"/*.deb "$dl/x"
	cp "$dl/x/boot/vmlinuz-$kver" "$vmlinuz.tmp" && mv "$vmlinuz.tmp" "$vmlinuz"
	rm -rf "$dl"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp}
cp "$busybox" "$root/bin/busybox"
cp "$bin" "$root/test_bpf"
cp "$vstats" "$root/verify_stats"
cp "$obj" "$root/vardkase.bpf.o"
# every library, at the path the dynamic loader looks for it
ldd "$bin" "$vstats" | awk '/=> \//{print $3} /^\t\/.*ld-linux/{print $1}' | sort -u | while read -r lib; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
cat > "$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t bpf bpf /sys/fs/bpf 2>/dev/null
/bin/busybox mount -t tmpfs tmp /tmp
echo "kernel61: verifying vardkase.bpf.o on $(/bin/busybox uname -r)"
/verify_stats /vardkase.bpf.o
/test_bpf
echo "VK_TEST_BPF_RC=$?"
/bin/busybox poweroff -f
EOF
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.gz"

log="$work/console.log"
echo "kernel61: booting $kver under qemu (TCG)"
start=$(date +%s)
rc=0
timeout "$timeout_s" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1024 \
	-nographic -no-reboot -nic none \
	-kernel "$vmlinuz" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet loglevel=3" > "$log" 2>&1 || rc=$?
tr -d '\r' < "$log" | grep -v '^\s*$' | sed 's/^/  | /' | tail -n 60
# the verifier's count and every failure, however long the output above
tr -d '\r' < "$log" | grep -a 'verifier: .*processed' | sed 's/^.*verifier:/kernel61: verifier:/'
tr -d '\r' < "$log" | grep -a -E '^\[ +(FAILED|ERROR) +\]|\[ +LINE +\]' | sed 's/^/kernel61: /'
tr -d '\r' < "$log" | grep -a -E -B3 'libbpf: .*(fail|error)|vardkase: error' | head -40 |
	sed 's/^/kernel61: /'

res=$(tr -d '\r' < "$log" | sed -n 's/.*VK_TEST_BPF_RC=\([0-9]*\).*/\1/p' | tail -1)
if [ -z "$res" ]; then
	echo "FAIL: kernel61: no result from the guest (qemu exit $rc after $(( $(date +%s) - start )) s)"
	exit 1
fi
if [ "$res" != 0 ]; then
	echo "FAIL: kernel61: test_bpf exited $res on $kver"
	exit 1
fi
echo "ok   kernel61: the BPF unit tests pass on $kver ($(( $(date +%s) - start )) s)"
