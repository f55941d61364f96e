#!/usr/bin/env bash
# tests/vm/initramfs.sh KERNELDIR OUT - the VM lab's initramfs: busybox
# (static), iproute2's ip (busybox ip cannot make ip6tnl devices), our
# daemons and test tools with the libraries ldd lists, the modules of
# KERNELDIR, and tests/vm/init.  Rebuilt whenever called: it takes a
# second or two, and the binaries change between runs.
set -eu
kdir=$1
out=$2
BUILD=${BUILD:-build}
BB=${BUSYBOX:-/bin/busybox}
here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d /tmp/dstm-initramfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,var/lib,lib,usr/bin,usr/sbin}
cp "$BB" "$root/bin/busybox"
for a in $("$BB" --list); do
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done
ln -sf ../bin/busybox "$root/sbin/modprobe"	# the kernel's request_module
cp -a "$kdir/lib/modules" "$root/lib/"
# programs, and every library they load (ldd's absolute paths)
progs=("$(command -v ip)")
for p in rpcdstmd rpcd dstmctl dstmgwd; do progs+=("$BUILD/$p"); done
for p in "$BUILD"/tests/dstm_call "$BUILD"/tests/dstm_gwcall "$BUILD"/tests/dstm_gwbench; do
	[ -x "$p" ] && progs+=("$p")
done
for p in "${progs[@]}"; do
	cp "$p" "$root/usr/bin/"
	ldd "$p" | awk '/=> \//{print $3} /^\t\/lib/{print $1}'
done | sort -u | while read -r lib; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
# ip finds its own tables; libtirpc needs netconfig
cp /etc/netconfig "$root/etc/"
[ -d /usr/lib/x86_64-linux-gnu ] || true
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"
cp "$here/init" "$root/init"
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
