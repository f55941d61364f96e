#!/usr/bin/env bash
# t_b4.sh (vm_b4) - rpcd in mode b4 with backend ip6tnl inside the VM,
# the stub AFTR (tests/dslite_stub.py) outside:
#
#   [VM] 2001:db8:1::10 -- tap0 -- br0 [lab] -- [aftr] 2001:db8:1::1
#
# dti0 is a kernel ip6tnl device with the AFTR as remote, 192.0.0.2 peer
# 192.0.0.1 and the default route; ping through it is answered by the
# stub, which checks the outer and inner addresses; stopping rpcd removes
# dti0.
. "$(dirname "$0")/../integration/lib.sh"
. "$TOP/tests/vm/vm.sh"

IP=/usr/bin/ip
if ! why=$(vm_available); then
	ok "# SKIP no VM lab here: $why"
	finish
	exit
fi

vm_lab_up || { not_ok "lab namespace"; finish; exit 1; }
make_ns NS_AFTR aftr || { not_ok "namespace"; finish; exit 1; }
vm_port "$NS_AFTR"
ip -n "$NS_AFTR" -6 addr add 2001:db8:1::1/64 dev eth0 nodad
PKT_READY=$T_TMP/aftr.ready bg_in "$NS_AFTR" "$T_TMP/aftr.err" python3 \
	"$TOP/tests/dslite_stub.py" aftr "$T_TMP/aftr.log" 2001:db8:1::10 \
	2001:db8:1::1 192.0.0.2
check "the stub AFTR is up" wait_for 5 test -e "$T_TMP/aftr.ready"

if vm_boot b4; then
	ok "the VM booted (${VM_BOOT_S} ms, software emulation)"
else
	not_ok "the VM booted" "$(tail -n 5 "$VM_CONSOLE" 2>/dev/null)"
	finish
	exit 1
fi
vm_sh "$IP addr add 2001:db8:1::10/64 dev eth0 nodad"
check "the VM reaches the AFTR" \
	wait_for 10 vm_sh "ping -6 -c1 -W1 2001:db8:1::1 >/dev/null"
vm_sh "mkdir -p /etc/dstm && printf '%s\n' '[client]' 'mode = b4' \
	'aftr = 2001:db8:1::1' 'backend = ip6tnl' \
	'control-socket = /run/dstm/rpcd.sock' 'pid-file = /run/rpcd.pid' \
	>/etc/dstm/rpcd.conf"
# the initramfs has no user dstm (see t_client.sh)
vm_sh "rpcd -d -v -u root -load -f /etc/dstm/rpcd.conf >>/tmp/rpcd.log 2>&1 & echo \$! >/tmp/rpcd.pid"
check "rpcd (b4, ip6tnl) in the VM is bound" \
	wait_for 30 vm_sh "dstmctl -s /run/dstm/rpcd.sock status | grep -q bound"
check "dti0 is an ip6tnl device: ipip6, remote the AFTR, local our source" \
	vm_sh "$IP -d link show dti0 | grep -q 'ip6tnl ipip6 remote 2001:db8:1::1 local 2001:db8:1::10 '"
check "dti0 carries 192.0.0.2 with peer 192.0.0.1, MTU 1460, up" \
	vm_sh "$IP -4 addr show dti0 | grep -q 'inet 192.0.0.2 peer 192.0.0.1/32' && $IP link show dti0 | grep -q 'UP.* mtu 1460 '"
check "the IPv4 default route is dti0" \
	vm_sh "$IP -4 route show default | grep -q 'dev dti0'"
check "ping from the VM through its kernel tunnel to the stub AFTR" \
	vm_sh "ping -c 3 -W 3 203.0.113.1 >/dev/null"
expect_eq "the AFTR saw 3 echoes from 192.0.0.2, outer 2001:db8:1::10 -> ::1" 3 \
	"$(grep -c '^ok 2001:db8:1::10 2001:db8:1::1 192.0.0.2 203.0.113.1$' "$T_TMP/aftr.log")"
check "dstmctl status in the VM: mode b4, tunnel.backend.ip6tnl 1" \
	vm_sh "dstmctl -s /run/dstm/rpcd.sock status | grep -q 'b4 mode' && dstmctl -s /run/dstm/rpcd.sock status | grep -qE 'tunnel.backend.ip6tnl +1'"
vm_sh "kill \$(cat /tmp/rpcd.pid)"
check "rpcd stops on SIGTERM" wait_for 20 vm_sh "! kill -0 \$(cat /tmp/rpcd.pid) 2>/dev/null"
check "stopping rpcd removes dti0" vm_sh "! $IP link show dti0 2>/dev/null"
vm_sh "tail -n 4 /tmp/rpcd.log" | sed 's/^/# /'
vm_stop
finish
