#!/usr/bin/env bash
# t_standalone.sh (vm_standalone) - dstmgwd with backend ip6tnl inside
# the VM, fed by the gateway program from outside (dstm_gwcall in c1
# speaks as the server): SYNC makes and sweeps devices (survivors keep
# their ifindex), a binding past its expiry loses its route and a renewal
# brings it back, kill -9 and restart keep the devices until the next
# SYNC, SIGTERM removes them all.
. "$(dirname "$0")/../integration/lib.sh"
. "$TOP/tests/vm/vm.sh"

PORT=7546
IP=/usr/bin/ip
if ! why=$(vm_available); then
	ok "# SKIP no VM lab here: $why"
	finish
	exit
fi
vm_lab_up || { not_ok "lab namespace"; finish; exit 1; }
make_ns NS_C1 c1 || { not_ok "namespaces"; finish; exit 1; }
vm_port "$NS_C1"
ip -n "$NS_C1" -6 addr add 2001:db8:1::10/64 dev eth0 nodad
if vm_boot gwd; then
	ok "the VM booted (${VM_BOOT_S} ms, software emulation)"
else
	not_ok "the VM booted" "$(tail -n 5 "$VM_CONSOLE" 2>/dev/null)"
	finish
	exit 1
fi
vm_sh "$IP addr add 2001:db8:1::1/64 dev eth0 nodad"
vm_sh "mkdir -p /etc/dstm && printf '%s\n' '[gateway]' \
	'listen = 2001:db8:1::1' 'tep6 = 2001:db8:1::1' 'backend = ip6tnl' \
	'pool = 198.51.100.0/24' 'control-socket = /run/dstm/gw.sock' \
	'pid-file = /run/dstmgwd.pid' '[servers]' 'allow = 2001:db8:1::10' \
	>/etc/dstm/dstmgwd.conf"
start_gwd() {
	vm_sh "dstmgwd -d -v -u root -f /etc/dstm/dstmgwd.conf >>/tmp/gwd.log 2>&1 & echo \$! >/tmp/gwd.pid"
	wait_for 30 vm_sh "dstmctl -s /run/dstm/gw.sock stats >/dev/null"
}
GW() { ip netns exec "$NS_C1" "$BUILD/tests/dstm_gwcall" -s 2001:db8:1::1 -p $PORT "$@"; }
counter() { vm_sh dstmctl -s /run/dstm/gw.sock stats | awk -v k="$1" '$1 == k { print $2 }'; }
ifx() { vm_sh "cat /sys/class/net/$1/ifindex 2>/dev/null"; }
has() { vm_sh "$IP link show $1 >/dev/null 2>&1"; }
routed() { vm_sh "$IP route show $1 | grep -q 'dev $2'"; }
gone() { ! has "$1"; }
unrouted() { ! vm_sh "$IP route show $1 | grep -q dev"; }

check "dstmgwd with backend ip6tnl starts in the VM" start_gwd
check "the server's port answers" wait_for 10 GW null
expect_eq "SYNC of two bindings" ok "$(GW sync 10 198.51.100.5/2001:db8:1::20 \
	198.51.100.6/2001:db8:1::21 | awk '{ print $2 }')"
check "dtic6336405 routes 198.51.100.5" routed 198.51.100.5 dtic6336405
check "dtic6336406 routes 198.51.100.6" routed 198.51.100.6 dtic6336406
I5=$(ifx dtic6336405)
GW sync 11 198.51.100.5/2001:db8:1::20 >/dev/null
check "a SYNC without 198.51.100.6 removes its device" wait_for 5 gone dtic6336406
expect_eq "the survivor keeps its device (ifindex)" "$I5" "$(ifx dtic6336405)"

GW bind 198.51.100.7 2001:db8:1::22 12 3 >/dev/null
check "BIND with a 3 s expiry: device and route" routed 198.51.100.7 dtic6336407
check "past its expiry the route is withdrawn" wait_for 10 unrouted 198.51.100.7
check "the device stays" has dtic6336407
check "gateway.ip6tnl.expired counts it" test "$(counter gateway.ip6tnl.expired)" -ge 1
GW bind 198.51.100.7 2001:db8:1::22 13 >/dev/null
check "a renewal routes it again" routed 198.51.100.7 dtic6336407

vm_sh "kill -9 \$(cat /tmp/gwd.pid)"
check "dstmgwd is gone" wait_for 10 vm_sh "! kill -0 \$(cat /tmp/gwd.pid) 2>/dev/null"
check "restarted dstmgwd" start_gwd
check "until the server's SYNC the devices stay (dtic6336407)" has dtic6336407
expect_eq "and keep their ifindex" "$I5" "$(ifx dtic6336405)"
GW sync 14 198.51.100.5/2001:db8:1::20 >/dev/null
check "the SYNC after the restart sweeps what it does not bind" \
	wait_for 5 gone dtic6336407
expect_eq "and keeps what it binds" "$I5" "$(ifx dtic6336405)"
expect_eq "gateway.ip6tnl.devices" 1 "$(counter gateway.ip6tnl.devices)"

GW bind 198.51.100.8 2001:db8:1::20 15 >/dev/null
check "a second address for one client gets no device (one per pair of end points)" \
	gone dtic6336408
check "the log says why" vm_sh "grep -q '2001:db8:1::20 already has a tunnel' /tmp/gwd.log"
expect_eq "and the gateway does not hold it" 1 "$(counter gateway.bindings)"

vm_sh "kill \$(cat /tmp/gwd.pid)"
check "dstmgwd stops on SIGTERM" wait_for 20 vm_sh "! kill -0 \$(cat /tmp/gwd.pid) 2>/dev/null"
check "no dti device left" vm_sh "! $IP link | grep -q ' dti'"
check "no pool route left" vm_sh "! $IP route | grep -q 198.51.100"
vm_sh "tail -n 4 /tmp/gwd.log" | sed 's/^/# /'
vm_stop
finish
