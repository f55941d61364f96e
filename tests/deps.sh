#!/usr/bin/env bash
# tests/deps.sh - install the Debian packages dstm needs to build, test and
# demo (make deps).  Idempotent: installs only what is missing.
set -eu
PKGS="build-essential pkg-config libtirpc-dev rpcsvc-proto rpcbind
libnl-3-dev libnl-route-3-dev check iproute2 iputils-ping python3 procps
clang libclang-rt-14-dev man-db llvm libbpf-dev bpftool ethtool
libcap2-bin qemu-system-x86 busybox-static cpio libseccomp-dev nftables"
# the user the daemons run as after start-up (make install creates it
# too); the tests run them as it
if ! getent passwd dstm >/dev/null; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: no user dstm; run as root (or with sudo)" >&2
		exit 1
	fi
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin --comment "dstm daemons" dstm
	echo "deps: created the system user dstm"
fi
missing=()
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing ${missing[*]}; run as root (or with sudo)" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# wait for another apt or dpkg run instead of failing at once
APT="apt-get -o DPkg::Lock::Timeout=300"
$APT update -qq
$APT install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
