#!/usr/bin/env bash
# tests/deps.sh - install the Debian packages dstm needs to build, test and
# demo (make deps).  Idempotent: installs only what is missing.
#   tests/deps.sh          everything
#   tests/deps.sh dslite   only the DS-lite lab's servers (make demo-dslite)
# The DS-lite lab runs bind9, kea-dhcp6 and radvd in network namespaces
# with its own config files; the services these packages bring are left
# stopped and disabled on the host (see keep_services_off below).
set -eu
PKGS="build-essential pkg-config libtirpc-dev rpcsvc-proto rpcbind
libnl-3-dev libnl-route-3-dev check iproute2 iputils-ping python3 procps
clang libclang-rt-14-dev man-db llvm libbpf-dev bpftool ethtool
libcap2-bin qemu-system-x86 busybox-static cpio libseccomp-dev nftables"
# package:its systemd unit
LAB_PKGS="bind9:named kea-dhcp6-server:kea-dhcp6-server radvd:radvd
bind9-dnsutils:"
if [ "${1:-}" = dslite ]; then
	PKGS=""
elif [ $# -gt 0 ]; then
	echo "usage: tests/deps.sh [dslite]" >&2
	exit 2
fi
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
installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"
}
missing=()
lab_new=()	# the lab's packages installed by this run: their units
for p in $PKGS; do
	installed "$p" || missing+=("$p")
done
for pu in $LAB_PKGS; do
	installed "${pu%%:*}" && continue
	missing+=("${pu%%:*}")
	[ -n "${pu#*:}" ] && lab_new+=("${pu#*:}")
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
# keep_services_off: the lab's packages must not leave a DNS server, a
# DHCPv6 server or router advertisements running on the host.  During
# the install a policy-rc.d (if the host has none) makes invoke-rc.d in
# their postinst scripts not start them; afterwards their units are
# stopped (with systemd running) and disabled (systemctl edits the
# symlinks also when systemd is not PID 1, as in a container).  Only
# the units of packages this run installed: a bind9 the host already
# had is left as it was.
POLICY=/usr/sbin/policy-rc.d
own_policy=no
if [ ${#lab_new[@]} -gt 0 ] && [ ! -e $POLICY ]; then
	printf '#!/bin/sh\n# tests/deps.sh: no service starts during its install\nexit 101\n' >$POLICY
	chmod 755 $POLICY
	own_policy=yes
fi
keep_services_off() {
	[ $own_policy = yes ] && rm -f $POLICY
	[ ${#lab_new[@]} -gt 0 ] && command -v systemctl >/dev/null || return 0
	if [ -d /run/systemd/system ]; then
		systemctl stop "${lab_new[@]}" >/dev/null 2>&1 || true
	fi
	systemctl disable "${lab_new[@]}" >/dev/null 2>&1 || true
	echo "deps: services ${lab_new[*]} left stopped and disabled"
}
trap keep_services_off EXIT
$APT update -qq
$APT install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
