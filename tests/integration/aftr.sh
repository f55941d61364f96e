#!/usr/bin/env bash
# aftr.sh - the co-located gateway as a DS-lite AFTR (RFC 6333 6) beside
# its DSTM role, with synthetic B4s (tests/b4.py, raw sockets) in the two
# client namespaces, both using the inner source 192.0.0.2:
#   two B4s with the same private source get different public addr:port
#   pairs and their replies come back to the right B4 (UDP, ICMP echo);
#   hairpinning between them through the public addresses;
#   forged tunnel sources (not in allow; another B4's address from the
#   wrong link) dropped and counted, changing nothing;
#   a DSTM lease's traffic beside, on the same gateway;
#   IPv4 fragments both ways (followed by the NAT, not reassembled);
#   an ICMP error about a B4's packet translated back (RFC 5508);
#   TCP: a SYN answered, the mapping's states (RFC 5382);
#   per-B4 port-block exhaustion refused and counted;
#   a third address of c1's /56 refused by the per-prefix block limit;
#   the port-block log records; dstmctl aftr with -j;
#   mappings expiring after the (short) test timeouts, blocks released.
# BACKENDS: tun bpf
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lab.sh"

B4="python3 $TOP/tests/b4.py"
PKT="python3 $TOP/tests/pkt.py"
PORT=7549
TEP=2001:db8:1::1
A6=2001:db8:1::b4	# B4 A, on c1's link
B6=2001:db8:2::b4	# B4 B, on c2's link
C6=2001:db8:1::b5	# B4 C, on c1's link: the port exhaustion
V4=203.0.113.10
lab_up || { not_ok "lab up"; finish; exit 1; }
# deprecated (preferred_lft 0): the B4s bind them, and the kernel never
# picks them as the source of the DSTM client's own packets
ip -n "$NS_C1" -6 addr add $A6/64 dev eth0 nodad preferred_lft 0
ip -n "$NS_C1" -6 addr add $C6/64 dev eth0 nodad preferred_lft 0
ip -n "$NS_C2" -6 addr add $B6/64 dev eth0 nodad preferred_lft 0
ok "lab namespaces up, B4 addresses on the client links"

CONF=$T_TMP/rpcdstmd.conf
# blocks of 64 ports, one per B4: the 65th mapping of a B4 is refused;
# two per /56 (A and C share c1's); short timeouts so that the test sees
# them expire
lab_server_conf "$CONF" $PORT \
	"" "[aftr]" "enable = yes" \
	"allow = 2001:db8:1::b0/124" "allow = 2001:db8:2::b0/124" \
	"pool = 192.0.2.1-192.0.2.2" "port-block-size = 64" \
	"max-port-blocks-per-b4 = 1" "max-port-blocks-per-prefix = 2" \
	"udp-timeout = 20s" "icmp-timeout = 20s" \
	"tcp-transitory-timeout = 20s"
LOG=$T_TMP/server.log
bg_in "$NS_GW" "$LOG" "$BUILD/rpcdstmd" -d -v -f "$CONF"
wait_for 5 port_open "$NS_GW" $PORT
check "rpcdstmd with the co-located gateway and the AFTR is up" \
	port_open "$NS_GW" $PORT
CTL() { "$BUILD/dstmctl" -s "$T_TMP/ctl.sock" "$@"; }
counter() { CTL stats | awk -v k="$1" '$1 == k { print $2 }'; }
expect_eq "the $BACKEND backend runs" 1 "$(counter gateway.backend.$BACKEND)"
check "the AFTR pool is routed into the TUN" bash -c \
	"ip -n '$NS_GW' route show dev dti0 | grep -q '^192\.0\.2\.2 '"

# listen NS OUT cmd...: a receiver in NS, its output into OUT, its PID
# in $RPID; back once its socket is open
listen() {
	local ns=$1 out=$2
	shift 2
	rm -f "$T_TMP/ready"
	PKT_READY=$T_TMP/ready ip netns exec "$ns" "$@" >"$out" &
	RPID=$!
	wait_for 5 test -e "$T_TMP/ready"
}

# ---- 1. two B4s, the same inner source 192.0.0.2:5555 ----
# the IPv4 host sees two public addr:port pairs and answers each; the
# answers come back to their own B4, translated back
listen "$NS_V4" "$T_TMP/v4" $B4 v4echo 9100 2 5
V=$RPID
listen "$NS_C1" "$T_TMP/ra" $B4 recv $A6 5
RA=$RPID
listen "$NS_C2" "$T_TMP/rb" $B4 recv $B6 5
RB=$RPID
ip netns exec "$NS_C1" $B4 udp $TEP $A6 192.0.0.2 5555 $V4 9100 from-a >/dev/null
ip netns exec "$NS_C2" $B4 udp $TEP $B6 192.0.0.2 5555 $V4 9100 from-b >/dev/null
wait $V $RA $RB
PA=$(awk '$2 == "from-a" { print $1 }' "$T_TMP/v4")
PB=$(awk '$2 == "from-b" { print $1 }' "$T_TMP/v4")
case $PA in 192.0.2.[12]:*) ok "B4 A's datagram reached the IPv4 host from $PA" ;;
*) not_ok "B4 A's datagram reached the IPv4 host from the pool" "$(cat "$T_TMP/v4")" ;; esac
case $PB in 192.0.2.[12]:*) ok "B4 B's datagram reached the IPv4 host from $PB" ;;
*) not_ok "B4 B's datagram reached the IPv4 host from the pool" "$(cat "$T_TMP/v4")" ;; esac
check "two B4s with the same private source: two public addr:port pairs" \
	test -n "$PA" -a -n "$PB" -a "$PA" != "$PB"
expect_eq "B4 A gets the answer to its datagram, from the AFTR, checksums right" \
	"$TEP udp $V4:9100 192.0.0.2:5555 re:from-a ok" "$(cat "$T_TMP/ra")"
expect_eq "B4 B gets the answer to its datagram, from the AFTR, checksums right" \
	"$TEP udp $V4:9100 192.0.0.2:5555 re:from-b ok" "$(cat "$T_TMP/rb")"

# ICMP echo, the same identifier from both
listen "$NS_C1" "$T_TMP/ra" $B4 recv $A6 5
RA=$RPID
listen "$NS_C2" "$T_TMP/rb" $B4 recv $B6 5
RB=$RPID
ip netns exec "$NS_C1" $B4 ping $TEP $A6 192.0.0.2 $V4 119 >/dev/null
ip netns exec "$NS_C2" $B4 ping $TEP $B6 192.0.0.2 $V4 119 >/dev/null
wait $RA $RB
expect_eq "B4 A's echo request is answered (identifier 119 restored)" \
	"$TEP icmp $V4 192.0.0.2 0 119 ok" "$(cat "$T_TMP/ra")"
expect_eq "B4 B's echo request is answered (identifier 119 restored)" \
	"$TEP icmp $V4 192.0.0.2 0 119 ok" "$(cat "$T_TMP/rb")"

# ---- 2. hairpinning: A to B's public addr:port ----
listen "$NS_C2" "$T_TMP/rb" $B4 recv $B6 5
ip netns exec "$NS_C1" $B4 udp $TEP $A6 192.0.0.2 5555 "${PB%:*}" "${PB#*:}" hairpin >/dev/null
wait $RPID
expect_eq "hairpin: B4 A reaches B4 B through B's public address, seen from A's" \
	"$TEP udp $PA 192.0.0.2:5555 hairpin ok" "$(cat "$T_TMP/rb")"

# ---- 2b. IPv4 fragments both ways: B4 A sends a 2500-byte datagram in
# three fragments; the IPv4 host answers with 3000 bytes, which its
# kernel fragments and the AFTR fragments again to fit the tunnel ----
listen "$NS_V4" "$T_TMP/v4" $B4 v4echo 9106 1 5
V=$RPID
listen "$NS_C1" "$T_TMP/ra" $B4 recv $A6 5
RA=$RPID
ip netns exec "$NS_C1" $B4 udp $TEP $A6 192.0.0.2 5557 $V4 9106 big-frag frag=2500 >/dev/null
wait $V $RA
case $(cat "$T_TMP/v4") in "${PA%:*}:"*" big-frag (2472 bytes)")
	ok "a B4's datagram in fragments reaches the IPv4 host whole, from A's public address" ;;
*) not_ok "a B4's datagram in fragments reaches the IPv4 host whole" "$(cat "$T_TMP/v4")" ;; esac
expect_eq "the 3000-byte answer in fragments reaches B4 A whole, checksums right" \
	"$TEP udp $V4:9106 192.0.0.2:5557 re:big-frag (3000 bytes) ok" "$(cat "$T_TMP/ra")"

# ---- 2c. an ICMP error about a B4's packet (RFC 5508): TTL 1, the
# gateway's kernel answers time exceeded to the public address, and the
# AFTR hands it to the B4 with the quoted packet translated back ----
listen "$NS_C1" "$T_TMP/ra" $B4 recv $A6 5
ip netns exec "$NS_C1" $B4 udp $TEP $A6 192.0.0.2 5558 $V4 9107 ttl-one ttl=1 >/dev/null
wait $RPID
expect_eq "time exceeded for a B4's TTL-1 datagram reaches it, quoting 192.0.0.2:5558" \
	"$TEP icmp 203.0.113.1 192.0.0.2 11 0 ok quote 192.0.0.2:5558 ok" \
	"$(cat "$T_TMP/ra")"

# ---- 2d. TCP: the IPv4 host's kernel answers B4 A's SYN (so the
# translated checksum held), the mapping is established after the
# SYN-ACK and the B4's ACK, transitory after the B4's RST ----
listen "$NS_V4" /dev/null $B4 v4listen 9108 30
LP=$RPID
listen "$NS_C1" "$T_TMP/ra" $B4 recv $A6 5
ip netns exec "$NS_C1" $B4 tcp $TEP $A6 192.0.0.2 5600 $V4 9108 S >/dev/null
wait $RPID
expect_eq "B4 A's SYN is answered by the IPv4 host: the SYN-ACK back, checksums right" \
	"$TEP tcp $V4:9108 192.0.0.2:5600 SA ok" "$(cat "$T_TMP/ra")"
tcp_state() {
	CTL -j aftr sessions | python3 -c "
import json, sys
for s in json.load(sys.stdin)['sessions']:
    if s['b4'] == sys.argv[1] and s['protocol'] == 'tcp' and s['inside_port'] == 5600:
        print(s['state'])" $A6
}
# the SYN-ACK alone moves nothing (inbound packets never refresh a
# mapping); the B4's ACK after it does
ip netns exec "$NS_C1" $B4 tcp $TEP $A6 192.0.0.2 5600 $V4 9108 A >/dev/null
wait_for 3 test "$(tcp_state)" = tcp_established
expect_eq "... the mapping is established (the B4's SYN answered, its ACK out)" \
	tcp_established "$(tcp_state)"
ip netns exec "$NS_C1" $B4 tcp $TEP $A6 192.0.0.2 5600 $V4 9108 R >/dev/null
wait_for 3 test "$(tcp_state)" = tcp_transitory
expect_eq "... and transitory after the B4's RST" tcp_transitory "$(tcp_state)"
kill_pid "$LP"

# ---- 3. forged tunnel sources ----
sessions=$(counter aftr.sessions)
created=$(counter aftr.sessions.created)
listen "$NS_V4" "$T_TMP/v4" $B4 v4echo 9102 1 2
# not in allow
ip -n "$NS_C1" -6 addr add 2001:db8:1::99/64 dev eth0 nodad
na=$(counter aftr.drop.not_allowed)
ip netns exec "$NS_C1" $B4 udp $TEP 2001:db8:1::99 192.0.0.2 6000 $V4 9102 forged >/dev/null
wait_for 3 test "$(counter aftr.drop.not_allowed)" = $((na + 1))
expect_eq "a B4 outside allow: dropped, counted as aftr.drop.not_allowed" \
	$((na + 1)) "$(counter aftr.drop.not_allowed)"
# B's address, from c1's link, where B never was
ip -n "$NS_C1" -6 addr add $B6/128 dev eth0 nodad
wi=$(counter aftr.drop.wrong_interface)
ip netns exec "$NS_C1" $B4 udp $TEP $B6 192.0.0.2 6001 $V4 9102 forged >/dev/null
wait_for 3 test "$(counter aftr.drop.wrong_interface)" = $((wi + 1))
expect_eq "B4 B's address forged from another link: dropped (aftr.drop.wrong_interface)" \
	$((wi + 1)) "$(counter aftr.drop.wrong_interface)"
ip -n "$NS_C1" -6 addr del $B6/128 dev eth0
ip -n "$NS_C1" -6 addr del 2001:db8:1::99/64 dev eth0
wait $RPID
expect_eq "the forged datagrams never reached the IPv4 host" "timeout" "$(cat "$T_TMP/v4")"
expect_eq "... and made no mapping" "$created" "$(counter aftr.sessions.created)"
expect_eq "... and changed none" "$sessions" "$(counter aftr.sessions)"

# ---- 4. a DSTM lease beside, on the same gateway ----
L1=$(ip netns exec "$NS_C1" "$BUILD/tests/dstm_call" -s $TEP -p $PORT \
	-b 2001:db8:1::10 alloc | sed -n 's/^status ok addr \([0-9.]*\) .*/\1/p')
case $L1 in 198.51.100.*) ok "c1 leased $L1 from the DSTM pool" ;;
*) not_ok "c1 leased an address from the DSTM pool" "got '$L1'" ;; esac
listen "$NS_V4" "$T_TMP/got" $PKT recv4 9103 3
sent=$(ip netns exec "$NS_C1" $PKT send4in6 $TEP "$L1" $V4 9103 dstm-beside)
wait $RPID
expect_eq "DSTM lease traffic is decapsulated and forwarded exactly beside the AFTR" \
	"equal" "$($PKT cmp "$($PKT forwarded "$sent")" "$(cat "$T_TMP/got")")"
listen "$NS_C1" "$T_TMP/r" $PKT recv4in6 9104 3
ip netns exec "$NS_V4" $PKT send4 "$L1" 9104 to-lease
wait $RPID
case $(cat "$T_TMP/r") in "$TEP "*) ok "the answer to the lease goes to c1 in 4in6" ;;
*) not_ok "the answer to the lease goes to c1 in 4in6" "$(cat "$T_TMP/r")" ;; esac

# ---- 5. port-block exhaustion: 64 ports per B4, one block ----
pe=$(counter aftr.drop.port_exhausted)
ip netns exec "$NS_C1" $B4 udp $TEP $C6 192.0.0.2 20000 $V4 9105 flow 65 >/dev/null
wait_for 3 test "$(counter aftr.drop.port_exhausted)" = $((pe + 1))
expect_eq "the 65th mapping of a B4 with one 64-port block is refused and counted" \
	$((pe + 1)) "$(counter aftr.drop.port_exhausted)"
for l in b4s sessions port-blocks; do
	check "dstmctl -j aftr $l: the documented keys (tests/json_schema.py)" \
		bash -c "'$BUILD/dstmctl' -s '$T_TMP/ctl.sock' -j aftr $l |
		python3 '$TOP/tests/json_schema.py'"
done
CTL -j aftr b4s >"$T_TMP/b4s.json"
expect_eq "dstmctl -j aftr b4s: B4 C holds 64 sessions in 1 port block" "64 1" \
	"$(python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
b = [x for x in d['b4s'] if x['b4'] == sys.argv[2]][0]
print(b['sessions'], b['port_blocks'])" "$T_TMP/b4s.json" $C6)"
expect_eq "dstmctl -j aftr b4s: three B4s" 3 \
	"$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['b4s']))" "$T_TMP/b4s.json")"
CTL -j aftr sessions >"$T_TMP/s.json"
expect_eq "dstmctl -j aftr sessions: A's UDP mapping 192.0.0.2:5555 is $PA" "$PA" \
	"$(python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
for s in d['sessions']:
    if s['b4'] == sys.argv[2] and s['protocol'] == 'udp' and s['inside_port'] == 5555:
        print('%s:%d' % (s['public_address'], s['public_port']))" "$T_TMP/s.json" $A6)"
CTL -j aftr port-blocks >"$T_TMP/k.json"
expect_eq "dstmctl -j aftr port-blocks: one block of 64 per B4" "3 64" \
	"$(python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))['port_blocks']
print(len(d), ' '.join(sorted({str(k['last_port'] - k['first_port'] + 1) for k in d})))" "$T_TMP/k.json")"
CTL aftr sessions >"$T_TMP/s.txt"
check "dstmctl aftr sessions prints a table" grep -q "^B4 .*PROTO" "$T_TMP/s.txt"
check "the port-block allocation is logged in the fixed format" grep -Eq \
	"aftr: port-block alloc time=[0-9]+ b4=$C6 public=192\.0\.2\.[12] ports=[0-9]+-[0-9]+$" "$LOG"
# the subscriber on c1 takes a third address of its /56 (in allow): A
# and C hold the prefix's two blocks, so it gets none
D6=2001:db8:1::b6
ip -n "$NS_C1" -6 addr add $D6/64 dev eth0 nodad preferred_lft 0
pl=$(counter aftr.drop.prefix_limit)
listen "$NS_V4" "$T_TMP/v4d" $B4 v4echo 9107 1 2
ip netns exec "$NS_C1" $B4 udp $TEP $D6 192.0.0.2 21000 $V4 9107 third >/dev/null
wait_for 3 test "$(counter aftr.drop.prefix_limit)" = $((pl + 1))
expect_eq "a third B4 address in A and C's /56: refused (aftr.drop.prefix_limit)" \
	$((pl + 1)) "$(counter aftr.drop.prefix_limit)"
wait $RPID
expect_eq "... its datagram never reached the IPv4 host" "timeout" "$(cat "$T_TMP/v4d")"
expect_eq "... and it holds no block" 3 "$(counter aftr.port_blocks)"
ip -n "$NS_C1" -6 addr del $D6/64 dev eth0
if [ "$BACKEND" = bpf ]; then
	check "bpf: the kernel path punted the B4s' packets to the NAT" \
		test "$(counter gateway.bpf.punt_aftr)" -gt 0
fi

# ---- 6. timeouts: every mapping goes, and every block with it ----
wait_for 40 test "$(counter aftr.sessions)" = 0
expect_eq "the mappings expire after the udp and icmp timeouts (20 s)" 0 \
	"$(counter aftr.sessions)"
expect_eq "... their port blocks are released" 0 "$(counter aftr.port_blocks)"
expect_eq "... and the B4s forgotten" 0 "$(counter aftr.b4s)"
check "each release is logged in the fixed format" test "$(grep -Ec \
	"aftr: port-block release time=[0-9]+ b4=($A6|$B6|$C6) public=192\.0\.2\.[12] ports=[0-9]+-[0-9]+$" "$LOG")" = 3
listen "$NS_C1" "$T_TMP/ra" $B4 recv $A6 2
ip netns exec "$NS_V4" $PKT send4 "${PA%:*}" "${PA#*:}" late
wait $RPID
expect_eq "after the timeout, A's old public port leads nowhere" "timeout" "$(cat "$T_TMP/ra")"
check "... counted as aftr.drop.no_session" test "$(counter aftr.drop.no_session)" -gt 0

finish
