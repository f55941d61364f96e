#!/usr/bin/env bash
# tests/vm/kernel.sh - a Debian kernel for the VM lab, cached under
# $BUILD/vm/linux-VERSION: vmlinuz and the few modules the lab loads
# (ip6_tunnel and the virtio NIC's), with busybox depmod's modules.dep.
# Only Debian's archive is used (apt-get download).  Prints the cache
# directory; a second run finds it and does nothing.
#   kernel.sh [VERSION]   default: the one linux-image-amd64 depends on
set -eu
BUILD=${BUILD:-build}
BB=${BUSYBOX:-/bin/busybox}
ver=${1:-}
if [ -z "$ver" ]; then
	# the cached one, else ask apt which one linux-image-amd64 wants
	ver=$(ls -d "$BUILD"/vm/linux-*/.done 2>/dev/null | head -n 1 |
	    sed 's|.*/linux-\(.*\)/.done|\1|')
fi
if [ -z "$ver" ]; then
	ver=$(apt-cache depends linux-image-amd64 2>/dev/null |
	    sed -n 's/.*Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -n 1)
	if [ -z "$ver" ]; then
		apt-get update -qq >/dev/null 2>&1 || true
		ver=$(apt-cache depends linux-image-amd64 2>/dev/null |
		    sed -n 's/.*Depends: linux-image-\([0-9].*-amd64\)$/\1/p' |
		    head -n 1)
	fi
fi
[ -n "$ver" ] || { echo "kernel.sh: no linux-image-amd64 in apt" >&2; exit 1; }
dir=$BUILD/vm/linux-$ver
if [ -e "$dir/.done" ]; then
	echo "$dir"
	exit 0
fi
rm -rf "$dir" && mkdir -p "$dir"
dl=$(mktemp -d /tmp/dstm-vmkernel.XXXXXX)
trap 'rm -rf "$dl"' EXIT
# _apt cannot write to a private temp directory: download as root
(cd "$dl" && apt-get download -o APT::Sandbox::User=root \
    "linux-image-$ver" >/dev/null)
mods="net/ipv6/ip6_tunnel.ko net/ipv6/tunnel6.ko net/core/failover.ko
drivers/net/virtio_net.ko drivers/net/net_failover.ko
drivers/virtio/virtio.ko drivers/virtio/virtio_ring.ko
drivers/virtio/virtio_pci.ko drivers/virtio/virtio_pci_legacy_dev.ko
drivers/virtio/virtio_pci_modern_dev.ko"
want=("./boot/vmlinuz-$ver" "./lib/modules/$ver/modules.order"
    "./lib/modules/$ver/modules.builtin")
for m in $mods; do want+=("./lib/modules/$ver/kernel/$m"); done
dpkg-deb --fsys-tarfile "$dl"/linux-image-"$ver"_*.deb |
    tar -x -C "$dir" "${want[@]}"
"$BB" depmod -b "$dir" "$ver"
touch "$dir/.done"
echo "$dir"
