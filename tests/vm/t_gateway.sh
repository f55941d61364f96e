#!/usr/bin/env bash
# t_gateway.sh (vm_gateway) - rpcdstmd with backend ip6tnl inside the VM
# (a Debian kernel with ip6_tunnel), our client rpcd (tun) and the
# graybox packet tools outside, on the lab bridge:
#
#   [c1] 2001:db8:1::10   [c2] 2001:db8:1::20   [v4] 203.0.113.10
#             \                  |                  /
#              +------ br0 [lab] ------ tap0 -- [VM] 2001:db8:1::1
#                                                    203.0.113.1
#
# Both directions (ping, exact bytes), the per-lease device and its
# settings, spoofed inner source and unknown client dropped, no binding
# answered by the kernel, dstmctl inside the VM, release removes the
# device, kill -9 and restart: devices taken over (same ifindex, traffic
# never stops), a stale one swept; SIGTERM removes them all.
. "$(dirname "$0")/../integration/lib.sh"
. "$TOP/tests/vm/vm.sh"

PORT=7547
PKT="python3 $TOP/tests/pkt.py"
IP=/usr/bin/ip		# busybox sh would run its own ip applet first
if ! why=$(vm_available); then
	ok "# SKIP no VM lab here: $why"
	finish
	exit
fi

vm_lab_up || { not_ok "lab namespace"; finish; exit 1; }
make_ns NS_C1 c1 && make_ns NS_C2 c2 && make_ns NS_V4 v4 ||
	{ not_ok "namespaces"; finish; exit 1; }
vm_port "$NS_C1" && vm_port "$NS_C2" && vm_port "$NS_V4"
ip -n "$NS_C1" -6 addr add 2001:db8:1::10/64 dev eth0 nodad
ip -n "$NS_C2" -6 addr add 2001:db8:1::20/64 dev eth0 nodad
ip -n "$NS_V4" addr add 203.0.113.10/24 dev eth0
ip -n "$NS_V4" route add default via 203.0.113.1
for ns in "$NS_C1" "$NS_C2"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.forwarding=0
done

if vm_boot gw; then
	ok "the VM booted (${VM_BOOT_S} ms, software emulation)"
else
	not_ok "the VM booted" "$(tail -n 5 "$VM_CONSOLE" 2>/dev/null)"
	finish
	exit 1
fi
vm_sh "$IP addr add 2001:db8:1::1/64 dev eth0 nodad &&
	$IP addr add 203.0.113.1/24 dev eth0"
check "the VM reaches c1 over the bridge" \
	wait_for 10 ip netns exec "$NS_C1" ping -6 -c1 -W1 2001:db8:1::1

vm_sh "mkdir -p /etc/dstm && printf '%s\n' '[server]' \
	'listen = 2001:db8:1::1' 'port = $PORT' 'state-dir = /var/lib/dstm' \
	'control-socket = /run/dstm/ctl.sock' 'pid-file = /run/rpcdstmd.pid' \
	'lease-time = 120' 'hold-time = 60' 'rpcbind = no' '[pool]' \
	'range = 198.51.100.0/24' 'exclude = 198.51.100.0' \
	'exclude = 198.51.100.255' '[clients]' 'allow = 2001:db8::/32' \
	'rate-limit = 0' '[gateway]' 'enable = yes' 'backend = ip6tnl' \
	>/etc/dstm/rpcdstmd.conf"
start_server() {
	vm_sh "rpcdstmd -d -v -u root -f /etc/dstm/rpcdstmd.conf >>/tmp/server.log 2>&1 & echo \$! >/tmp/server.pid"
	wait_for 30 vm_sh "test -S /run/dstm/ctl.sock && dstmctl -s /run/dstm/ctl.sock stats >/dev/null"
}
VCTL() { vm_sh dstmctl -s /run/dstm/ctl.sock "$@"; }
counter() { VCTL stats | awk -v k="$1" '$1 == k { print $2 }'; }
tnl_name() { local IFS=.; set -- $1; printf 'dti%02x%02x%02x%02x' "$1" "$2" "$3" "$4"; }

check "rpcdstmd with backend ip6tnl starts in the VM" start_server
expect_eq "dstmctl stats (in the VM): gateway.backend.ip6tnl" 1 \
	"$(counter gateway.backend.ip6tnl)"
check "the server loaded ip6_tunnel" vm_sh "lsmod | grep -q '^ip6_tunnel'"
check "the pool is an unreachable route" \
	vm_sh "$IP route show 198.51.100.0/24 | grep -q unreachable"

# --- our client outside: rpcd, backend tun ---
cat >"$T_TMP/rpcd1.conf" <<C
[client]
server = 2001:db8:1::1
port = $PORT
mode = always
control-socket = $T_TMP/rpcd1.sock
pid-file = $T_TMP/rpcd1.pid
backend = tun
C
bg_in "$NS_C1" "$T_TMP/rpcd1.log" "$BUILD/rpcd" -d -v -load -f "$T_TMP/rpcd1.conf"
RPID=$BG_PID
cli() { "$BUILD/dstmctl" -s "$T_TMP/rpcd1.sock" "$@"; }
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
bound() { [ "$(cli -j status 2>/dev/null | jget 'd["state"]')" = bound ]; }
check "rpcd (tun) in c1 is bound through the VM's server" wait_for 30 bound
L1=$(cli -j status | jget 'd["lease"]["address"]')
D1=$(tnl_name "$L1")
check "the VM has device $D1 for $L1: ip6tnl ipip6, remote c1, local TEP, encaplimit none" \
	vm_sh "$IP -d link show $D1 | grep -q 'ip6tnl ipip6 remote 2001:db8:1::10 local 2001:db8:1::1 .*encaplimit none'"
check "$D1 has the lease's MTU 1460" vm_sh "$IP link show $D1 | grep -q 'mtu 1460 '"
check "$L1/32 is routed into $D1" vm_sh "$IP route show $L1 | grep -q 'dev $D1'"
expect_eq "$D1 filters reverse paths strictly" 1 \
	"$(vm_sh cat /proc/sys/net/ipv4/conf/$D1/rp_filter)"
expect_eq "no ICMP redirects: send_redirects 0 on $D1 and in all" "0 0" \
	"$(vm_sh cat /proc/sys/net/ipv4/conf/$D1/send_redirects \
	/proc/sys/net/ipv4/conf/all/send_redirects | tr '\n' ' ' | sed 's/ $//')"
check "both directions: ping from c1 through the VM's kernel tunnel" \
	ip netns exec "$NS_C1" ping -c 3 -i 0.3 -W 3 203.0.113.10
check "c1 sees the dti0 route" bash -c "ip -n '$NS_C1' route show default | grep -q dti0"

# --- graybox: exact bytes, as gw_packets.sh does for tun and bpf ---
raw_open() { ip netns exec "$1" ss -Hwan | grep -q .; }
recv_v4() {
	ip netns exec "$NS_V4" $PKT recv4 "$1" 4 >"$T_TMP/got" & RCV=$!
	wait_for 3 raw_open "$NS_V4"
}
recv_v4 9001
sent=$(ip netns exec "$NS_C1" $PKT send4in6 2001:db8:1::1 "$L1" 203.0.113.10 9001 hello-v4)
wait $RCV
expect_eq "valid 4in6 is decapsulated and forwarded exactly (TTL-1)" \
	equal "$($PKT cmp "$($PKT forwarded "$sent")" "$(cat "$T_TMP/got")")"

L2=$(ip netns exec "$NS_C2" "$BUILD/tests/dstm_call" -s 2001:db8:1::1 -p $PORT \
	-b 2001:db8:1::20 alloc | sed -n 's/^status ok addr \([0-9.]*\) .*/\1/p')
D2=$(tnl_name "$L2")
check "a second client (dstm_call) gets $L2 and device $D2" \
	vm_sh "test -n '$L2' && $IP link show $D2 >/dev/null"
expect_eq "dstmctl stats: gateway.ip6tnl.devices" 2 "$(counter gateway.ip6tnl.devices)"
expect_eq "$D2 sends no ICMP redirects either" 0 \
	"$(vm_sh cat /proc/sys/net/ipv4/conf/$D2/send_redirects)"
# hairpin (RFC 7596 5.2, the only setting ip6tnl takes): the kernel
# forwards from $D1 to $D2, client 2 gets it from the TEP
ip netns exec "$NS_C2" $PKT recv4in6 9030 4 >"$T_TMP/got2" & RCV=$!
wait_for 3 raw_open "$NS_C2"
sent=$(ip netns exec "$NS_C1" $PKT send4in6 2001:db8:1::1 "$L1" "$L2" 9030 c1-to-c2)
wait $RCV
expect_eq "hairpin: c1's datagram to $L2 reaches c2 from the TEP, TTL-1" \
	"2001:db8:1::1 $($PKT forwarded "$sent")" "$(cat "$T_TMP/got2")"

rpf0=$(counter gateway.ip6tnl.rp_filter_drops)
recv_v4 9002
ip netns exec "$NS_C1" $PKT send4in6 2001:db8:1::1 "$L2" 203.0.113.10 9002 spoof >/dev/null
wait $RCV
expect_eq "spoofed inner source (c1 claims $L2) is not forwarded" timeout "$(cat "$T_TMP/got")"
check "it is counted as a reverse-path drop" \
	test "$(counter gateway.ip6tnl.rp_filter_drops)" -gt "$rpf0"

ip -n "$NS_C1" -6 addr add 2001:db8:1::99/64 dev eth0 nodad
recv_v4 9003
ip netns exec "$NS_C1" python3 -c "
import socket, sys
sys.path.insert(0, '$TOP/tests')
import pkt
p = pkt.ipv4_udp('$L1', '203.0.113.10', 9003, b'who')
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_IPIP)
s.bind(('2001:db8:1::99', 0))
s.sendto(p, ('2001:db8:1::1', 0))"
wait $RCV
expect_eq "unknown client (no device for its address) is not forwarded" \
	timeout "$(cat "$T_TMP/got")"
ip -n "$NS_C1" -6 addr del 2001:db8:1::99/64 dev eth0

ip netns exec "$NS_C2" $PKT recv4in6 9502 4 >"$T_TMP/got2" & R2=$!
wait_for 3 raw_open "$NS_C2"
s2=$(ip netns exec "$NS_V4" $PKT send4raw 203.0.113.10 "$L2" 9502 to-c2)
wait $R2
expect_eq "return traffic reaches client 2 from the TEP, exact" \
	"2001:db8:1::1 $($PKT forwarded "$s2")" "$(cat "$T_TMP/got2")"

check "no binding: the kernel answers host unreachable" \
	bash -c "ip netns exec '$NS_V4' ping -c 1 -W 3 198.51.100.200 | grep -q 'Host Unreachable'"

# --- dstmctl inside the VM ---
VCTL leases >"$T_TMP/leases"
check "dstmctl leases (in the VM) lists both leases" \
	bash -c "grep -q '$L1 ' '$T_TMP/leases' && grep -q '$L2 ' '$T_TMP/leases'"
check "per-lease counters come from the kernel's device" \
	bash -c "VM_SOCK='$VM_SOCK' python3 '$VM_DIR/vmsh.py' '$VM_SOCK' dstmctl -s /run/dstm/ctl.sock -j leases | python3 -c '
import json, sys
d = json.load(sys.stdin)
l = [x for x in (d if isinstance(d, list) else d[\"leases\"]) if x[\"address\"] == \"$L1\"][0]
sys.exit(0 if l[\"pkts_in\"] >= 4 and l[\"pkts_out\"] >= 3 else 1)'"

# --- release removes the device ---
cli release >/dev/null
check "rpcd released its lease" wait_for 10 bash -c "! '$BUILD/dstmctl' -s '$T_TMP/rpcd1.sock' -j status | grep -q '\"state\": *\"bound\"'"
check "release removes $D1 from the VM" wait_for 10 vm_sh "! $IP link show $D1 2>/dev/null"
check "and its route" vm_sh "! $IP route show $L1 | grep -q dev"
kill_pid "$RPID"

# --- kill -9, restart: devices taken over, a stale one swept ---
IFX=$(vm_sh "cat /sys/class/net/$D2/ifindex")
vm_sh "$IP -6 tunnel add dtic6336477 mode ipip6 local 2001:db8:1::1 remote 2001:db8:1::77 encaplimit none"
vm_sh "kill -9 \$(cat /tmp/server.pid)"
check "the server is gone" wait_for 10 vm_sh "! kill -0 \$(cat /tmp/server.pid) 2>/dev/null"
ip netns exec "$NS_C2" $PKT recv4in6 9503 4 >"$T_TMP/got3" & R3=$!
wait_for 3 raw_open "$NS_C2"
s3=$(ip netns exec "$NS_V4" $PKT send4raw 203.0.113.10 "$L2" 9503 while-down)
wait $R3
expect_eq "while the server is down the kernel still carries $L2" \
	"2001:db8:1::1 $($PKT forwarded "$s3")" "$(cat "$T_TMP/got3")"
check "restarted server" start_server
expect_eq "restart takes $D2 over (same ifindex)" "$IFX" \
	"$(vm_sh "cat /sys/class/net/$D2/ifindex")"
check "restart removes the stale device dtic6336477" \
	vm_sh "! $IP link show dtic6336477 2>/dev/null"
check "the log says what it took over and swept" vm_sh "grep -q '2 tunnels of a previous run taken over' /tmp/server.log && grep -q '1 stale tunnel removed' /tmp/server.log"
ip netns exec "$NS_C2" $PKT recv4in6 9504 4 >"$T_TMP/got4" & R4=$!
wait_for 3 raw_open "$NS_C2"
s4=$(ip netns exec "$NS_V4" $PKT send4raw 203.0.113.10 "$L2" 9504 after-restart)
wait $R4
expect_eq "traffic to $L2 after the restart" \
	"2001:db8:1::1 $($PKT forwarded "$s4")" "$(cat "$T_TMP/got4")"

# --- a clean stop takes everything away ---
vm_sh "kill \$(cat /tmp/server.pid)"
check "the server stops on SIGTERM" wait_for 20 vm_sh "! kill -0 \$(cat /tmp/server.pid) 2>/dev/null"
check "no dti device left" vm_sh "! $IP link | grep -q ' dti'"
check "no pool route left" vm_sh "! $IP route | grep -q 198.51.100"
check "no sanitizer or fatal line in the server log" \
	vm_sh "! grep -qi -e sanitizer -e fatal /tmp/server.log"
vm_sh "tail -n 5 /tmp/server.log" | sed 's/^/# /'
vm_stop
finish
