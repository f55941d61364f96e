#!/usr/bin/env bash
# bpf_dataplane.sh - the BPF fast paths (kernel/kbpf.h) in the lab, held
# open by tests/tools/dstm_kbpf with fixed bindings and no userspace data
# plane behind them: what the fast path does not forward is punted into
# a TUN nobody reads, so "delivered" proves the kernel path did it.
#
#   c1 2001:db8:1::10: raw 4in6 sockets (a client without fast path)
#   c2 2001:db8:2::20: dstm_kbpf client, lease 198.51.100.8 on its dti0
#   gw: dstm_kbpf gw, TEP 2001:db8:1::1, pool 198.51.100.0/24 into dti0
#   bindings: .7 -> c1, .8 -> c2, .10 -> c1 expired 10 s ago
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lab.sh"

PKT="python3 $TOP/tests/pkt.py"
KPKT="python3 $TOP/tests/kbpf_pkt.py"
L1=198.51.100.7 L2=198.51.100.8 LX=198.51.100.10
V4=203.0.113.10

if ! "$BUILD/tests/dstm_kbpf" probe >"$T_TMP/probe" 2>&1; then
	not_ok "BPF usable here" "$(cat "$T_TMP/probe")"
	finish
	exit 1
fi
lab_up || { not_ok "lab up"; finish; exit 1; }
ok "lab namespaces up"

bg_in "$NS_GW" "$T_TMP/gw.log" "$BUILD/tests/dstm_kbpf" gw -t 2001:db8:1::1 \
	-i dti0 -u c1 -u c2 -m 1400 -o "$T_TMP/gw.stats" \
	-b "$L1=2001:db8:1::10" -b "$L2=2001:db8:2::20" \
	-b "$LX=2001:db8:1::10,exp=-10"
GPID=$BG_PID
wait_for 10 grep -q '^ready' "$T_TMP/gw.log"
check "gateway fast path loaded and attached" grep -q '^ready' "$T_TMP/gw.log"
ip -n "$NS_GW" link set dti0 mtu 65535
ip -n "$NS_GW" route add 198.51.100.0/24 dev dti0
ip netns exec "$NS_GW" sysctl -qw net.ipv4.conf.all.forwarding=1

# gw_stat NAME: a gateway counter, fresh (SIGUSR1 rewrites the file)
stat_of() {	# stat_of PID FILE NAME
	rm -f "$2"
	kill -USR1 "$1"
	wait_for 3 test -s "$2"
	awk -v k="$3" '$1 == k { print $2 }' "$2"
}
gw_stat() { stat_of "$GPID" "$T_TMP/gw.stats" "$1"; }

recv_v4() { ip netns exec "$NS_V4" $PKT recv4 "$1" 2 >"$T_TMP/got" & RPID=$!; }

# 1. a bound client's 4in6: decapsulated, TTL - 1, forwarded exactly
recv_v4 9001
sleep 0.2
sent=$(ip netns exec "$NS_C1" $PKT send4in6 2001:db8:1::1 $L1 $V4 9001 hello-bpf)
wait $RPID
expect_eq "4in6 from a bound client is forwarded exactly (TTL-1)" \
	equal "$($PKT cmp "$($PKT forwarded "$sent")" "$(cat "$T_TMP/got")")"
expect_eq "counted as fast-path forwarding" 1 "$(gw_stat fwd-up.pkts)"
expect_eq "and on the binding" 1 "$(gw_stat bind.0.pkts_up)"
expect_eq "binding bytes are the inner packet's" $((${#sent} / 2)) \
	"$(gw_stat bind.0.bytes_up)"

# 2. the reply comes back encapsulated to c1, TC = the inner TOS
down=$(gw_stat bind.0.pkts_down)
ip netns exec "$NS_C1" $KPKT sniff6 eth0 9501 3 >"$T_TMP/sniff" & SPID=$!
sleep 0.3
sent=$(ip netns exec "$NS_V4" $KPKT send4 $V4 $L1 9501 0xb9 100)
wait $SPID
read -r tc hl src dst inner <"$T_TMP/sniff"
expect_eq "reply encapsulated from the TEP to the client" \
	"2001:db8:1::1 2001:db8:1::10 64" "$src $dst $hl"
expect_eq "outer traffic class copied from the inner TOS (EF, ECT(1))" \
	b9 "$tc"
expect_eq "inner packet as forwarded (TTL-1)" \
	equal "$($PKT cmp "$($PKT forwarded "$sent")" "$inner")"
expect_eq "counted on the binding" $((down + 1)) "$(gw_stat bind.0.pkts_down)"

# 3. forged inner source: c1 claims c2's address
before=$(gw_stat spoofed-source.pkts)
recv_v4 9002
sleep 0.2
ip netns exec "$NS_C1" $PKT send4in6 2001:db8:1::1 $L2 $V4 9002 spoof >/dev/null
wait $RPID
expect_eq "forged inner source is not forwarded" timeout "$(cat "$T_TMP/got")"
expect_eq "forged inner source is counted" $((before + 1)) \
	"$(gw_stat spoofed-source.pkts)"

# 4. unknown client: an outer source without a binding
ip -n "$NS_C1" -6 addr add 2001:db8:1::99/64 dev eth0 nodad
before=$(gw_stat unknown-client.pkts)
recv_v4 9003
sleep 0.2
ip netns exec "$NS_C1" python3 -c "
import socket, sys
sys.path.insert(0, '$TOP/tests')
import pkt
p = pkt.ipv4_udp('$L1', '$V4', 9003, b'who')
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_IPIP)
s.bind(('2001:db8:1::99', 0))
s.sendto(p, ('2001:db8:1::1', 0))"
wait $RPID
expect_eq "unknown client is not forwarded" timeout "$(cat "$T_TMP/got")"
expect_eq "unknown client is counted" $((before + 1)) \
	"$(gw_stat unknown-client.pkts)"
ip -n "$NS_C1" -6 addr del 2001:db8:1::99/64 dev eth0

# 5. an expired binding is dropped by the gateway itself
before=$(gw_stat expired.pkts)
recv_v4 9004
sleep 0.2
ip netns exec "$NS_C1" $PKT send4in6 2001:db8:1::1 $LX $V4 9004 late >/dev/null
wait $RPID
expect_eq "expired binding is not forwarded" timeout "$(cat "$T_TMP/got")"
expect_eq "expired binding is counted" $((before + 1)) "$(gw_stat expired.pkts)"

# 6. too big for the tunnel (MTU 1400 here, below the links' 1500) with
# DF: punted into the TUN, not forwarded
before=$(gw_stat punt-too-big.pkts)
fwd=$(gw_stat fwd-down.pkts)
ip netns exec "$NS_C1" $KPKT sniff6 eth0 9505 2 >"$T_TMP/sniff" & SPID=$!
sleep 0.3
ip netns exec "$NS_V4" $KPKT send4 $V4 $L1 9505 0 1420 >/dev/null
wait $SPID
expect_eq "a 1420-byte DF packet does not reach the client" timeout \
	"$(cat "$T_TMP/sniff")"
expect_eq "it was punted as too big" $((before + 1)) \
	"$(gw_stat punt-too-big.pkts)"
expect_eq "the fast path did not forward it" "$fwd" "$(gw_stat fwd-down.pkts)"
ip netns exec "$NS_C1" $KPKT sniff6 eth0 9506 3 >"$T_TMP/sniff" & SPID=$!
sleep 0.3
ip netns exec "$NS_V4" $KPKT send4 $V4 $L1 9506 0 1400 >/dev/null
wait $SPID
check "a 1400-byte packet (the tunnel MTU) is forwarded" \
	grep -q '^00 64 2001:db8:1::1 2001:db8:1::10 ' "$T_TMP/sniff"

# 7. both fast paths: c2 runs the client programs on its own dti0
bg_in "$NS_C2" "$T_TMP/c2.log" "$BUILD/tests/dstm_kbpf" client \
	-s 2001:db8:2::20 -t 2001:db8:1::1 -i dti0 -u eth0 -l $L2 \
	-o "$T_TMP/c2.stats"
CPID=$BG_PID
wait_for 10 grep -q '^ready' "$T_TMP/c2.log"
check "client fast path loaded and attached" grep -q '^ready' "$T_TMP/c2.log"
ip -n "$NS_C2" link set dti0 mtu 1400
ip -n "$NS_C2" addr add $L2/32 dev dti0
ip -n "$NS_C2" route add 203.0.113.0/24 dev dti0 src $L2
cl_stat() { stat_of "$CPID" "$T_TMP/c2.stats" "$1"; }
check "ping through both fast paths" \
	ip netns exec "$NS_C2" ping -c 3 -i 0.2 -W 2 $V4
expect_eq "client encapsulated the echo requests" 3 "$(cl_stat fwd-up.pkts)"
expect_eq "client decapsulated the replies" 3 "$(cl_stat fwd-down.pkts)"
bg_in "$NS_V4" "$T_TMP/xfer.log" python3 "$TOP/tests/tcpxfer.py" server $V4 7000 20
XPID=$BG_PID
wait_for 5 bash -c "ip netns exec '$NS_V4' ss -Htln 'sport = :7000' | grep -q ."
ip netns exec "$NS_C2" python3 "$TOP/tests/tcpxfer.py" client $V4 7000 20000000 20 \
	>"$T_TMP/xfer.sent"
wait "$XPID"
sum_sent=$(awk '{ print $4 }' "$T_TMP/xfer.sent")
check "20 MB over TCP (GSO) through both fast paths arrive intact, from the lease" \
	grep -q "^from $L2 bytes 20000000 sha256 $sum_sent" "$T_TMP/xfer.log"
# 4in6 to c2 from another source than the TEP
before=$(cl_stat not-from-tep.pkts)
ip netns exec "$NS_C1" $PKT send4in6 2001:db8:2::20 $V4 $L2 9010 forged >/dev/null
wait_for 3 test "$(cl_stat not-from-tep.pkts)" = $((before + 1))
expect_eq "client drops 4in6 that is not from the TEP" $((before + 1)) \
	"$(cl_stat not-from-tep.pkts)"

kill_pid "$CPID"
gw_stat fwd-up.pkts >/dev/null
echo "# gateway counters: $(awk '$2 != 0 && $1 !~ /bytes/ { printf "%s=%s ", $1, $2 }' "$T_TMP/gw.stats")"
kill_pid "$GPID"
check "the gateway's hooks are gone after exit" \
	bash -c "! tc -n '$NS_GW' filter show dev c1 ingress | grep -q bpf"
finish
