#!/usr/bin/env bash
# t_client.sh (vm_client) - rpcd with backend ip6tnl inside the VM, our
# gateway (rpcdstmd, co-located, backend tun) outside:
#
#   [VM] 2001:db8:1::10 -- tap0 -- br0 [lab] --+-- [gw] 2001:db8:1::1
#                                              |        203.0.113.1
#                                              +-- [v4] 203.0.113.10
#
# rpcd -load loads ip6_tunnel and makes dti0 a kernel ip6tnl device
# (local = its source, remote = the TEP once leased), with the address,
# peer and default route as the tun backend has them; ping and the
# counters; dstmctl status in the VM; release takes the address away;
# stopping rpcd removes dti0.
. "$(dirname "$0")/../integration/lib.sh"
. "$TOP/tests/vm/vm.sh"

PORT=7548
IP=/usr/bin/ip
if ! why=$(vm_available); then
	ok "# SKIP no VM lab here: $why"
	finish
	exit
fi

vm_lab_up || { not_ok "lab namespace"; finish; exit 1; }
make_ns NS_GW gw && make_ns NS_V4 v4 || { not_ok "namespaces"; finish; exit 1; }
vm_port "$NS_GW" && vm_port "$NS_V4"
ip -n "$NS_GW" -6 addr add 2001:db8:1::1/64 dev eth0 nodad
ip -n "$NS_GW" addr add 203.0.113.1/24 dev eth0
ip -n "$NS_V4" addr add 203.0.113.10/24 dev eth0
ip -n "$NS_V4" route add default via 203.0.113.1
# the gateway's link checksums on transmit, as a NIC does (tests/lab.sh)
ip netns exec "$NS_GW" ethtool -K eth0 tx off >/dev/null 2>&1

CONF=$T_TMP/rpcdstmd.conf
cat >"$CONF" <<C
[server]
listen = 2001:db8:1::1
port = $PORT
state-dir = $T_TMP/state
control-socket = $T_TMP/ctl.sock
pid-file = $T_TMP/rpcdstmd.pid
lease-time = 120
rpcbind = no
[pool]
range = 198.51.100.0/24
exclude = 198.51.100.0
[clients]
allow = 2001:db8::/32
[gateway]
enable = yes
backend = tun
C
bg_in "$NS_GW" "$T_TMP/server.log" "$BUILD/rpcdstmd" -d -v -f "$CONF"
SPID=$BG_PID
check "rpcdstmd (tun) outside is up" wait_for 5 port_open "$NS_GW" $PORT
counter() { "$BUILD/dstmctl" -s "$T_TMP/ctl.sock" stats | awk -v k="$1" '$1 == k { print $2 }'; }

if vm_boot client; then
	ok "the VM booted (${VM_BOOT_S} ms, software emulation)"
else
	not_ok "the VM booted" "$(tail -n 5 "$VM_CONSOLE" 2>/dev/null)"
	finish
	exit 1
fi
vm_sh "$IP addr add 2001:db8:1::10/64 dev eth0 nodad"
check "the VM reaches the gateway" \
	wait_for 10 vm_sh "ping -6 -c1 -W1 2001:db8:1::1 >/dev/null"
check "ip6_tunnel is not loaded before rpcd" vm_sh "! lsmod | grep -q '^ip6_tunnel'"

vm_sh "mkdir -p /etc/dstm && printf '%s\n' '[client]' \
	'server = 2001:db8:1::1' 'port = $PORT' 'mode = always' \
	'backend = ip6tnl' 'control-socket = /run/dstm/rpcd.sock' \
	'pid-file = /run/rpcd.pid' 'key-file = /tmp/rpcd.key' \
	>/etc/dstm/rpcd.conf"
# the initramfs has no user dstm: the daemons keep root here (-u root);
# dropping privileges is tested on the host (privileges.sh)
vm_sh "rpcd -d -v -u root -load -f /etc/dstm/rpcd.conf >>/tmp/rpcd.log 2>&1 & echo \$! >/tmp/rpcd.pid"
VCLI() { vm_sh dstmctl -s /run/dstm/rpcd.sock "$@"; }
check "rpcd (ip6tnl) in the VM is bound" \
	wait_for 30 vm_sh "dstmctl -s /run/dstm/rpcd.sock status | grep -q bound"
L=$("$BUILD/dstmctl" -s "$T_TMP/ctl.sock" leases | awk '$3 == "2001:db8:1::10" { print $1 }')
check "the gateway leased an address to the VM ($L)" test -n "$L"
check "rpcd -load loaded ip6_tunnel" vm_sh "lsmod | grep -q '^ip6_tunnel'"
check "dti0 is an ip6tnl device: ipip6, remote the TEP, local our source, encaplimit none" \
	vm_sh "$IP -d link show dti0 | grep -q 'ip6tnl ipip6 remote 2001:db8:1::1 local 2001:db8:1::10 .*encaplimit none'"
check "dti0 has the lease's MTU 1460 and is up" \
	vm_sh "$IP link show dti0 | grep -q 'UP.* mtu 1460 '"
check "dti0 carries $L with peer 192.0.0.1" \
	vm_sh "$IP -4 addr show dti0 | grep -q 'inet $L peer 192.0.0.1/32'"
check "the IPv4 default route is dti0" \
	vm_sh "$IP -4 route show default | grep -q 'dev dti0'"
check "ping from the VM through its kernel tunnel and our gateway" \
	vm_sh "ping -c 3 -W 3 203.0.113.10 >/dev/null"
check "a 1428-byte IPv4 packet (1400-byte ping) crosses the tunnel" \
	vm_sh "ping -c 1 -s 1400 -W 3 203.0.113.10 >/dev/null"
check "the gateway decapsulated them" test "$(counter gateway.decap.packets)" -ge 4
VCLI status >"$T_TMP/status"
check "dstmctl status in the VM: tunnel.backend.ip6tnl 1" \
	grep -qE 'tunnel.backend.ip6tnl +1' "$T_TMP/status"
check "dstmctl status in the VM: the device's counters" \
	bash -c "awk '\$1 == \"tunnel.tx.packets\" && \$2 >= 4 { f = 1 } END { exit !f }' '$T_TMP/status'"

VCLI release >/dev/null
check "release takes $L off dti0" \
	wait_for 10 vm_sh "! $IP -4 addr show dti0 | grep -q inet"
check "and the gateway's binding" wait_for 5 test "$(counter gateway.bindings)" = 0
check "dti0 is down without a lease" vm_sh "! $IP link show dti0 | grep -q ',UP'"

vm_sh "kill \$(cat /tmp/rpcd.pid)"
check "rpcd stops on SIGTERM" wait_for 20 vm_sh "! kill -0 \$(cat /tmp/rpcd.pid) 2>/dev/null"
check "stopping rpcd removes dti0" vm_sh "! $IP link show dti0 2>/dev/null"
vm_sh "tail -n 4 /tmp/rpcd.log" | sed 's/^/# /'
vm_stop
kill_pid "$SPID"
finish
