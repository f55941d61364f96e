#!/usr/bin/env bash
# gw_packets.sh - graybox packet tests of the co-located gateway (Jool's
# graybox style): the lab's clients send crafted 4in6 packets, the IPv4
# host receives them, and the reverse; packets are compared byte for byte,
# the only bytes allowed to differ being the TTL and the IPv4 header
# checksum, which `pkt.py forwarded` computes (one router hop).
# BACKENDS: tun bpf
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lab.sh"

PKT="python3 $TOP/tests/pkt.py"
PORT=7547
lab_up || { not_ok "lab up"; finish; exit 1; }
ok "lab namespaces up"
CONF=$T_TMP/rpcdstmd.conf
lab_server_conf "$CONF" $PORT
LOG=$T_TMP/server.log
bg_in "$NS_GW" "$LOG" "$BUILD/rpcdstmd" -d -v -f "$CONF"
SPID=$BG_PID
wait_for 5 port_open "$NS_GW" $PORT
check "rpcdstmd with co-located gateway is up" port_open "$NS_GW" $PORT
CTL() { "$BUILD/dstmctl" -s "$T_TMP/ctl.sock" "$@"; }
# listen NS OUT pkt.py-receiver-args...: run a receiver in NS, its answer
# into OUT, its PID in $RPID; back once its socket is open
listen() {
	local ns=$1 out=$2
	shift 2
	rm -f "$T_TMP/ready"
	PKT_READY=$T_TMP/ready ip netns exec "$ns" $PKT "$@" >"$out" &
	RPID=$!
	wait_for 5 test -e "$T_TMP/ready"
}
counter() { CTL stats | awk -v k="$1" '$1 == k { print $2 }'; }

lease_of() {	# lease_of NS SRC6: alloc from NS, print the address
	ip netns exec "$1" "$BUILD/tests/dstm_call" -s 2001:db8:1::1 -p $PORT \
		-b "$2" alloc | sed -n 's/^status ok addr \([0-9.]*\) .*/\1/p'
}
L1=$(lease_of "$NS_C1" 2001:db8:1::10)
L2=$(lease_of "$NS_C2" 2001:db8:2::20)
if [ -n "$L1" ] && [ -n "$L2" ] && [ "$L1" != "$L2" ]; then
	ok "two clients leased $L1 and $L2"
else
	not_ok "two clients leased" "L1=$L1 L2=$L2"
fi
check "the gateway holds two bindings" test "$(counter gateway.bindings)" = 2
expect_eq "the $BACKEND backend runs" 1 "$(counter gateway.backend.$BACKEND)"

# 1. valid: inner source = lease, outer source = the lease's client
recv_v4() { listen "$NS_V4" "$T_TMP/got" recv4 "$1" 3; }
recv_v4 9001
sent=$(ip netns exec "$NS_C1" $PKT send4in6 2001:db8:1::1 "$L1" 203.0.113.10 9001 hello-v4)
wait $RPID
want=$($PKT forwarded "$sent")
expect_eq "valid 4in6 is decapsulated and forwarded exactly (TTL-1)" \
	"equal" "$($PKT cmp "$want" "$(cat "$T_TMP/got")")"

# 1b. a tunnel packet larger than the client's link: the client's kernel
# fragments the IPv6 packet, the gateway's kernel reassembles it (the bpf
# program passes fragments on to it: punt-ext-header) and the tun path
# decapsulates the whole; the IPv4 host gets it (in IPv4 fragments, DF
# being clear) exactly as sent, TTL-1
reasm() { ip netns exec "$NS_GW" awk '$1 == "Ip6ReasmOKs" { print $2 }' /proc/net/snmp6; }
punts=$(counter gateway.bpf.punt_ext_header)
reasm_before=$(reasm)
listen "$NS_V4" "$T_TMP/got" recv4 9011 3
sent=$(ip netns exec "$NS_C1" $PKT send4in6 2001:db8:1::1 "$L1" 203.0.113.10 9011 big size=4000 df=0)
wait $RPID
expect_eq "a 4000-byte inner packet in IPv6 fragments is reassembled and forwarded exactly" \
	"equal" "$($PKT cmp "$($PKT forwarded "$sent")" "$(cat "$T_TMP/got")")"
expect_eq "the gateway's kernel reassembled it (Ip6ReasmOKs + 1)" \
	"$((reasm_before + 1))" "$(reasm)"
if [ "$BACKEND" = bpf ]; then
	check "bpf: the kernel path let the fragments through (punt-ext-header)" \
		test "$(counter gateway.bpf.punt_ext_header)" -gt "$punts"
fi

# 2. spoofed inner source: c1 claims c2's address
before=$(counter gateway.drop.spoofed_source)
recv_v4 9002
ip netns exec "$NS_C1" $PKT send4in6 2001:db8:1::1 "$L2" 203.0.113.10 9002 spoof >/dev/null
wait $RPID
expect_eq "spoofed inner source is not forwarded" "timeout" "$(cat "$T_TMP/got")"
expect_eq "spoofed inner source is counted" "$((before + 1))" "$(counter gateway.drop.spoofed_source)"

# 3. unknown outer source: an IPv6 address without a lease
ip -n "$NS_C1" -6 addr add 2001:db8:1::99/64 dev eth0 nodad
before=$(counter gateway.drop.unknown_client)
recv_v4 9003
ip netns exec "$NS_C1" python3 -c "
import socket, sys
sys.path.insert(0, '$TOP/tests')
import pkt
p = pkt.ipv4_udp('$L1', '203.0.113.10', 9003, b'who')
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_IPIP)
s.bind(('2001:db8:1::99', 0))
s.sendto(p, ('2001:db8:1::1', 0))"
wait $RPID
expect_eq "unknown outer source is not forwarded" "timeout" "$(cat "$T_TMP/got")"
expect_eq "unknown outer source is counted" "$((before + 1))" "$(counter gateway.drop.unknown_client)"
ip -n "$NS_C1" -6 addr del 2001:db8:1::99/64 dev eth0

# 3b. inner destinations a client may never reach: loopback, multicast,
# limited broadcast, the tunnel's own IPv4 end; dropped and counted (the
# kernel would otherwise take them as the gateway's own or route them)
before=$(counter gateway.drop.bad_destination)
dbefore=$(counter gateway.decap.packets)
for dst in 127.0.0.1 224.0.0.1 255.255.255.255 192.0.0.1; do
	ip netns exec "$NS_C1" $PKT send4in6 2001:db8:1::1 "$L1" $dst 9010 martian >/dev/null
done
wait_for 2 bash -c "[ \"\$('$BUILD/dstmctl' -s '$T_TMP/ctl.sock' stats | awk '\$1 == \"gateway.drop.bad_destination\" { print \$2 }')\" = $((before + 4)) ]"
expect_eq "inner loopback, multicast, broadcast and 192.0.0.1 dropped as bad-destination" \
	"$((before + 4))" "$(counter gateway.drop.bad_destination)"
expect_eq "... none of them decapsulated" "$dbefore" "$(counter gateway.decap.packets)"
expect_eq "no ICMP redirects from the gateway (all and dti0)" "0 0" \
	"$(ip netns exec "$NS_GW" cat /proc/sys/net/ipv4/conf/all/send_redirects) $(ip netns exec "$NS_GW" cat /proc/sys/net/ipv4/conf/dti0/send_redirects)"

# 3c. the gateway host's own addresses, any interface's: written into the
# TUN, a packet to one would be the kernel's to deliver to the host's
# sockets.  A listener on the uplink address 203.0.113.1 hears nothing;
# the packet is dropped as bad-destination (bpf: the FIB says "not
# forwarded", the program punts, the slow path drops)
listen "$NS_GW" "$T_TMP/gwl" recv4udp 9020 2
before=$(counter gateway.drop.bad_destination)
dbefore=$(counter gateway.decap.packets)
ip netns exec "$NS_C1" $PKT send4in6 2001:db8:1::1 "$L1" 203.0.113.1 9020 to-the-gateway >/dev/null
wait $RPID
expect_eq "a listener on the gateway's 203.0.113.1 hears nothing from a client" \
	"timeout" "$(cat "$T_TMP/gwl")"
expect_eq "inner destination 203.0.113.1 (the gateway's uplink) dropped as bad-destination" \
	"$((before + 1))" "$(counter gateway.drop.bad_destination)"
expect_eq "... and not decapsulated" "$dbefore" "$(counter gateway.decap.packets)"
listen "$NS_GW" "$T_TMP/gwl" recv4udp 9020 3
ip netns exec "$NS_V4" $PKT send4 203.0.113.1 9020 from-v4
wait $RPID
expect_eq "(the listener does hear the IPv4 host)" "203.0.113.10 from-v4" \
	"$(cat "$T_TMP/gwl")"
# an address added while the gateway runs is refused once netlink has
# told it (polled: one packet per try), and allowed again once removed
send_new() {
	ip netns exec "$NS_C1" $PKT send4in6 2001:db8:1::1 "$L1" 203.0.113.99 9021 new >/dev/null
	[ "$(counter "$1")" -gt "$2" ]
}
ip -n "$NS_GW" addr add 203.0.113.99/32 dev lo
before=$(counter gateway.drop.bad_destination)
check "an address added on lo at run time (203.0.113.99) is refused" \
	wait_for 3 send_new gateway.drop.bad_destination "$before"
listen "$NS_GW" "$T_TMP/gwl" recv4udp 9021 1
ip netns exec "$NS_C1" $PKT send4in6 2001:db8:1::1 "$L1" 203.0.113.99 9021 new >/dev/null
wait $RPID
expect_eq "... and its listener hears nothing" "timeout" "$(cat "$T_TMP/gwl")"
ip -n "$NS_GW" addr del 203.0.113.99/32 dev lo
dbefore=$(counter gateway.decap.packets)
check "... decapsulated again once the address is removed" \
	wait_for 3 send_new gateway.decap.packets "$dbefore"

# 4. return path: the v4 host answers both clients; each gets its own
for n in 1 2; do
	ns=NS_C$n
	listen "${!ns}" "$T_TMP/got$n" recv4in6 950$n 3
	eval "R$n=\$RPID"
done
s1=$(ip netns exec "$NS_V4" $PKT send4raw 203.0.113.10 "$L1" 9501 to-c1)
s2=$(ip netns exec "$NS_V4" $PKT send4raw 203.0.113.10 "$L2" 9502 to-c2)
wait "$R1" "$R2"
expect_eq "return traffic reaches client 1 from the TEP, exact" \
	"2001:db8:1::1 $($PKT forwarded "$s1")" "$(cat "$T_TMP/got1")"
expect_eq "return traffic reaches client 2 from the TEP, exact" \
	"2001:db8:1::1 $($PKT forwarded "$s2")" "$(cat "$T_TMP/got2")"

# 4b. hairpinning (RFC 7596 5.2): client 1 to client 2's leased address
# through the TEP.  hairpin = yes (the default): turned around at the
# gateway (bpf: punted to the slow path, which does it), client 2 gets
# it from the TEP, one router hop; counted as gateway.hairpin
hp=$(counter gateway.hairpin)
punts=$(counter gateway.bpf.punt_hairpin)
listen "$NS_C2" "$T_TMP/got2" recv4in6 9030 3
sent=$(ip netns exec "$NS_C1" $PKT send4in6 2001:db8:1::1 "$L1" "$L2" 9030 c1-to-c2)
wait $RPID
expect_eq "hairpin yes: client 1's datagram to $L2 reaches client 2 from the TEP, TTL-1" \
	"2001:db8:1::1 $($PKT forwarded "$sent")" "$(cat "$T_TMP/got2")"
expect_eq "hairpin yes: counted (gateway.hairpin)" "$((hp + 1))" "$(counter gateway.hairpin)"
if [ "$BACKEND" = bpf ]; then
	expect_eq "bpf: the kernel path punted it (punt-hairpin)" \
		"$((punts + 1))" "$(counter gateway.bpf.punt_hairpin)"
fi
# hairpin = no, by reload: in force at once, dropped and counted
printf 'hairpin = no\n' >>"$CONF"
expect_eq "reload says hairpin = no is in force" 1 \
	"$(CTL reload | grep -c 'hairpin = no in force')"
before=$(counter gateway.drop.hairpin)
punts=$(counter gateway.bpf.punt_hairpin)
listen "$NS_C2" "$T_TMP/got2" recv4in6 9031 2
ip netns exec "$NS_C1" $PKT send4in6 2001:db8:1::1 "$L1" "$L2" 9031 c1-to-c2-no >/dev/null
wait $RPID
expect_eq "hairpin no: client 2 gets nothing" "timeout" "$(cat "$T_TMP/got2")"
expect_eq "hairpin no: dropped and counted (gateway.drop.hairpin)" \
	"$((before + 1))" "$(counter gateway.drop.hairpin)"
expect_eq "hairpin no: gateway.hairpin unchanged" "$((hp + 1))" "$(counter gateway.hairpin)"
if [ "$BACKEND" = bpf ]; then
	expect_eq "bpf: dropped in the kernel, not punted" \
		"$punts" "$(counter gateway.bpf.punt_hairpin)"
	# what the kernel path punts for another reason (TTL 1) meets the
	# slow path's refusal
	ip netns exec "$NS_C1" $PKT send4in6 2001:db8:1::1 "$L1" "$L2" 9031 ttl1 1 >/dev/null
	check "bpf: a punted packet (TTL 1) is refused by the slow path too" \
		wait_for 2 test "$(counter gateway.drop.hairpin)" = "$((before + 2))"
fi
# the IPv4 host still reaches client 2: only client to client is refused
listen "$NS_C2" "$T_TMP/got2" recv4in6 9032 3
ip netns exec "$NS_V4" $PKT send4raw 203.0.113.10 "$L2" 9032 v4-to-c2 >/dev/null
wait $RPID
check "hairpin no: the IPv4 host still reaches client 2" \
	test "$(cat "$T_TMP/got2")" != timeout
sed -i '/^hairpin = no$/d' "$CONF"
expect_eq "reload back: hairpin = yes in force" 1 \
	"$(CTL reload | grep -c 'hairpin = yes in force')"

# 5. no binding: traffic to a free pool address is dropped, host
# unreachable is sent back, from the gateway's own address on the IPv4
# side (icmp-source auto: the source of its route back to the sender),
# not from tep4 192.0.0.1, which RFC 6890 has not globally reachable
before=$(counter gateway.drop.no_binding)
listen "$NS_V4" "$T_TMP/icmp" recv4icmp 3
ip netns exec "$NS_V4" $PKT send4raw 203.0.113.10 198.51.100.200 9600 nobody >/dev/null
wait $RPID
wait_for 3 test "$(counter gateway.drop.no_binding)" -gt "$before"
check "traffic to an unbound pool address is dropped and counted" \
	test "$(counter gateway.drop.no_binding)" -gt "$before"
check "ICMP host unreachable sent for it" test "$(counter gateway.icmp.sent)" -ge 1
expect_eq "host unreachable reaches the IPv4 host from 203.0.113.1 (icmp-source auto)" \
	"203.0.113.1 3 1 0 203.0.113.10 198.51.100.200" "$(cat "$T_TMP/icmp")"

# 5b. DF set and too big for the tunnel (inner MTU 1460): frag-needed
# with the tunnel's MTU, from the same address, so PMTUD works
listen "$NS_V4" "$T_TMP/icmp" recv4icmp 3
ip netns exec "$NS_V4" $PKT send4raw 203.0.113.10 "$L1" 9601 too-big size=1480 >/dev/null
wait $RPID
expect_eq "frag-needed (MTU 1460) reaches the IPv4 host from 203.0.113.1" \
	"203.0.113.1 3 4 1460 203.0.113.10 $L1" "$(cat "$T_TMP/icmp")"

# 6. release removes the binding at once
ip netns exec "$NS_C2" "$BUILD/tests/dstm_call" -s 2001:db8:1::1 -p $PORT \
	-b 2001:db8:2::20 release "$L2" >/dev/null
expect_eq "release removes the binding" "1" "$(counter gateway.bindings)"
recv_v4 9004
ip netns exec "$NS_C2" $PKT send4in6 2001:db8:1::1 "$L2" 203.0.113.10 9004 after-release >/dev/null
wait $RPID
expect_eq "no traffic after release" "timeout" "$(cat "$T_TMP/got")"

# 7. revoke
CTL revoke "$L1" >/dev/null
expect_eq "revoke removes the binding" "0" "$(counter gateway.bindings)"

# 8. per-lease counters appear in dstmctl leases
L3=$(lease_of "$NS_C1" 2001:db8:1::10)
ip netns exec "$NS_C1" $PKT send4in6 2001:db8:1::1 "$L3" 203.0.113.10 9005 count-me >/dev/null
wait_for 3 bash -c "'$BUILD/dstmctl' -s '$T_TMP/ctl.sock' -j leases | grep -q '\"pkts_in\":1'"
check "per-lease packet counters in dstmctl -j leases" \
	bash -c "'$BUILD/dstmctl' -s '$T_TMP/ctl.sock' -j leases | grep -q '\"pkts_in\":1'"

# reload with a larger pool: the new range is routed into the gateway
sed -i 's|^range = 198.51.100.0/24|range = 198.51.100.0/24\nrange = 192.0.2.0/24|' "$CONF"
CTL reload >/dev/null
check "reload: the added range is routed into the gateway's TUN" \
	bash -c "ip -n '$NS_GW' route show 192.0.2.0/24 | grep -q 'dev dti0'"
check "reload: the old range is still routed" \
	bash -c "ip -n '$NS_GW' route show 198.51.100.0/24 | grep -q 'dev dti0'"

if [ "$BACKEND" = bpf ]; then
	# the fast path carried the valid packets, in both directions
	check "bpf: the kernel decapsulated (gateway.bpf.fwd_up > 0)" \
		test "$(counter gateway.bpf.fwd_up)" -gt 0
	check "bpf: the kernel encapsulated (gateway.bpf.fwd_down > 0)" \
		test "$(counter gateway.bpf.fwd_down)" -gt 0
fi
# restart after a crash: bindings come back from the journal, and the
# bpf backend takes over the tc programs the dead server left attached
kill_pid "$SPID" KILL
bg_in "$NS_GW" "$LOG" "$BUILD/rpcdstmd" -d -v -f "$CONF"
SPID=$BG_PID
wait_for 5 port_open "$NS_GW" $PORT
expect_eq "restarted server restores the binding" "1" "$(counter gateway.bindings)"
recv_v4 9006
sent=$(ip netns exec "$NS_C1" $PKT send4in6 2001:db8:1::1 "$L3" 203.0.113.10 9006 again)
wait $RPID
expect_eq "traffic flows after a server restart" "equal" \
	"$($PKT cmp "$($PKT forwarded "$sent")" "$(cat "$T_TMP/got")")"
expect_eq "one tc filter per hook after the crash and restart" \
	"$([ "$BACKEND" = bpf ] && echo 1 || echo 0)" \
	"$(ip netns exec "$NS_GW" tc filter show dev c1 ingress | grep -c 'bpf.*direct-action')"
if [ "$(cat "$T_TMP/got")" = timeout ]; then
	echo "# after restart:"; ip -n "$NS_GW" route | sed 's/^/#   /'
	ip -n "$NS_GW" link | sed 's/^/#   /'; tail -5 "$LOG" | sed 's/^/#   /'
	CTL stats | grep -E "decap|drop" | grep -v " 0$" | sed 's/^/#   /'
fi
kill_pid "$SPID"
check "no tc programs left on the gateway's interfaces" \
	bash -c "! ip netns exec '$NS_GW' tc filter show dev c1 ingress 2>/dev/null | grep -q bpf"
check "no sanitizer reports in the server log" bash -c "! grep -q Sanitizer '$LOG'"
finish
