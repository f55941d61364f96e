#!/usr/bin/env bash
# ip6tnl_host.sh - backend ip6tnl on this host, whose kernel may lack
# ip6_tunnel (the VM cases in tests/vm/ run it on a kernel that has it):
# rpcd -load, rpcdstmd and dstmgwd refuse to start with "kernel has no
# ip6_tunnel" and leave nothing behind; on-demand and a missing dti0 are
# refused with a clear message on any kernel.
. "$(dirname "$0")/lib.sh"

make_ns NS host || { not_ok "namespace"; finish; exit 1; }
ip -n "$NS" link add eth0 type veth peer name eth1
ip -n "$NS" link set eth0 up && ip -n "$NS" link set eth1 up
ip -n "$NS" -6 addr add 2001:db8:1::10/64 dev eth0 nodad
ip -n "$NS" -6 addr add 2001:db8:1::1/64 dev eth1 nodad
has_ip6tnl() { [ -e /sys/module/ip6_tunnel ] || modprobe -n -q ip6_tunnel 2>/dev/null; }

cat >"$T_TMP/rpcd.conf" <<C
[client]
server = 2001:db8:1::1
source = 2001:db8:1::10
backend = ip6tnl
control-socket = $T_TMP/rpcd.sock
pid-file = $T_TMP/rpcd.pid
C
# run_for NAME SECONDS cmd...: exit status and stderr of a daemon that
# must stop by itself
run_for() {
	local t=$2
	shift 2
	timeout "$t" ip netns exec "$NS" "$@" >"$T_TMP/out" 2>&1
}

run_for rpcd 10 "$BUILD/rpcd" -d -load -m ondemand -f "$T_TMP/rpcd.conf"
expect_eq "rpcd: backend ip6tnl with -m ondemand exits 2" 2 $?
check "rpcd says ip6tnl needs always mode" \
	grep -q "backend ip6tnl needs always mode" "$T_TMP/out"

run_for rpcd 10 "$BUILD/rpcd" -d -f "$T_TMP/rpcd.conf"
expect_eq "rpcd without -load and no dti0 exits 1" 1 $?
check "rpcd says dti0 must exist as an ip6tnl device" \
	grep -q "dti0 is not an ip6tnl device" "$T_TMP/out"

if has_ip6tnl; then
	ok "# SKIP this kernel has ip6_tunnel: the VM cases cover it"
	finish
	exit
fi

run_for rpcd 10 "$BUILD/rpcd" -d -load -f "$T_TMP/rpcd.conf"
expect_eq "rpcd -load with backend ip6tnl exits 1 here" 1 $?
check "rpcd says: kernel has no ip6_tunnel" \
	grep -q "cannot create dti0: kernel has no ip6_tunnel" "$T_TMP/out"
check "no dti0 left behind" bash -c "! ip -n '$NS' link show dti0 2>/dev/null"
check "no control socket left behind" test ! -e "$T_TMP/rpcd.sock"

cat >"$T_TMP/rpcdstmd.conf" <<C
[server]
listen = 2001:db8:1::1
port = 7560
state-dir = $T_TMP/state
control-socket = $T_TMP/ctl.sock
pid-file = $T_TMP/rpcdstmd.pid
rpcbind = no
[pool]
range = 198.51.100.0/24
[gateway]
enable = yes
backend = ip6tnl
C
run_for rpcdstmd 10 "$BUILD/rpcdstmd" -d -f "$T_TMP/rpcdstmd.conf"
rc=$?
check "rpcdstmd with backend ip6tnl refuses to start here (exit $rc)" \
	test "$rc" -ne 0 -a "$rc" -ne 124
check "rpcdstmd says: kernel has no ip6_tunnel" \
	grep -q "backend ip6tnl: kernel has no ip6_tunnel" "$T_TMP/out"
check "no unreachable pool route left behind" \
	bash -c "! ip -n '$NS' route show 198.51.100.0/24 | grep -q ."

cat >"$T_TMP/dstmgwd.conf" <<C
[gateway]
listen = 2001:db8:1::1
tep6 = 2001:db8:1::1
backend = ip6tnl
pool = 198.51.100.0/24
control-socket = $T_TMP/gw.sock
pid-file = $T_TMP/dstmgwd.pid
[servers]
allow = 2001:db8:1::10
C
run_for dstmgwd 10 "$BUILD/dstmgwd" -d -f "$T_TMP/dstmgwd.conf"
rc=$?
check "dstmgwd with backend ip6tnl refuses to start here (exit $rc)" \
	test "$rc" -ne 0 -a "$rc" -ne 124
check "dstmgwd says: kernel has no ip6_tunnel" \
	grep -q "backend ip6tnl: kernel has no ip6_tunnel" "$T_TMP/out"
finish
