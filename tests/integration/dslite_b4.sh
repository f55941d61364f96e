#!/usr/bin/env bash
# dslite_b4.sh - rpcd in mode b4 (DS-lite B4, RFC 6333 5) against a stub
# AFTR (tests/dslite_stub.py: a raw-socket responder that checks the outer
# and inner addresses of every 4in6 packet and answers ICMP echo in 4in6):
#   - the AFTR by address: dti0 192.0.0.2 peer 192.0.0.1, default route,
#     MTU 1460, IPv4 forwarding; ping from the B4 and from a LAN host
#     behind it (its own source in the tunnel: no NAT on the B4); 4in6
#     forged from beside the AFTR dropped; status; a reload of the routes
#   - b4-nat = yes: the LAN host masqueraded to 192.0.0.2, the nftables
#     table gone when rpcd stops
#   - the AFTR by name (/etc/hosts of the namespace), a changed answer
#     followed by the tunnel
#   - the AFTR name from DHCPv6 option 64 (a stub server in the AFTR's
#     namespace, on the default route's link), after two forged replies
#     (another transaction id; a malformed option 64) that change nothing,
#     and two requests left unanswered: retransmitted
# BACKENDS: tun bpf
. "$(dirname "$0")/lib.sh"

B4_6=2001:db8:64::2
AFTR_A=2001:db8:64::a
AFTR_B=2001:db8:64::b
LAN_HOST=198.51.100.100
REMOTE4=203.0.113.1
STUB=$TOP/tests/dslite_stub.py

make_ns NS_B4 b4 && make_ns NS_AFTR aftr && make_ns NS_LAN lan ||
	{ not_ok "namespaces"; finish; exit 1; }
HOSTS_DIR=/etc/netns/$NS_B4
our_cleanup() {
	rm -rf "$HOSTS_DIR"
	cleanup
}
trap our_cleanup EXIT

# B4 <-> AFTR: one IPv6 link, the AFTR's addresses on it; B4 <-> LAN
ip -n "$NS_B4" link add up0 type veth peer name down0 netns "$NS_AFTR"
ip -n "$NS_B4" link add lan0 type veth peer name eth0 netns "$NS_LAN"
ip netns exec "$NS_B4" sysctl -qw net.ipv6.conf.up0.accept_dad=0
ip netns exec "$NS_AFTR" sysctl -qw net.ipv6.conf.down0.accept_dad=0
ip -n "$NS_B4" link set up0 up
ip -n "$NS_B4" link set lan0 up
ip -n "$NS_AFTR" link set down0 up
ip -n "$NS_LAN" link set eth0 up
ip -n "$NS_B4" addr add $B4_6/64 dev up0 nodad
ip -n "$NS_B4" -6 route add default via 2001:db8:64::1 dev up0
for a in 2001:db8:64::1 $AFTR_A $AFTR_B; do
	ip -n "$NS_AFTR" addr add $a/64 dev down0 nodad
done
ip -n "$NS_B4" addr add 198.51.100.1/24 dev lan0
ip -n "$NS_LAN" addr add $LAN_HOST/24 dev eth0
ip -n "$NS_LAN" route add default via 198.51.100.1
mkdir -p "$HOSTS_DIR"
printf '127.0.0.1 localhost\n%s aftr.example.net\n' $AFTR_A >"$HOSTS_DIR/hosts"

BK=${BACKEND:-tun}
SOCK=$T_TMP/rpcd.sock
b4_conf() {	# b4_conf [extra lines...]
	cat >"$T_TMP/rpcd.conf" <<C
[client]
mode = b4
backend = $BK
control-socket = $SOCK
pid-file = $T_TMP/rpcd.pid
C
	printf '%s\n' "$@" >>"$T_TMP/rpcd.conf"
}
start_rpcd() {
	rm -f "$SOCK"
	bg_in "$NS_B4" "$T_TMP/rpcd.log" "$BUILD/rpcd" -d -v -load -f "$T_TMP/rpcd.conf"
	RPID=$BG_PID
	wait_for 10 test -S "$SOCK"
}
stop_rpcd() {
	kill_pid "$RPID"
	wait_for 5 bash -c "! ip -n '$NS_B4' link show dti0"
}
cli() { "$BUILD/dstmctl" -s "$SOCK" "$@"; }
jget() { cli -j status 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
state_is() { [ "$(jget 'd["state"]')" = "$1" ]; }
aftr_is() { [ "$(jget 'd["b4"]["aftr_address"]')" = "$1" ]; }
counter() { jget "d['counters'].get('$1', -1)"; }
ping_from() {	# ping_from NS: three echoes to the IPv4 side
	ip netns exec "$1" ping -c 3 -i 0.2 -W 2 -q $REMOTE4
}
ok_lines() { grep -c "^ok $B4_6 $1 $2 $REMOTE4\$" "$T_TMP/aftr.log"; }

# the stub AFTR: answers echo requests from us or the LAN host
PKT_READY=$T_TMP/aftr.ready bg_in "$NS_AFTR" "$T_TMP/aftr.err" python3 "$STUB" \
	aftr "$T_TMP/aftr.log" $B4_6 $AFTR_A,$AFTR_B 192.0.0.2,$LAN_HOST
wait_for 5 test -e "$T_TMP/aftr.ready" || not_ok "stub AFTR ready"
touch "$T_TMP/aftr.log"

# --- the AFTR by address, no NAT ---
b4_conf "aftr = $AFTR_A"
start_rpcd
check "rpcd in mode b4 comes up ($BK)" wait_for 10 state_is bound
check "dti0 carries 192.0.0.2 with peer 192.0.0.1" \
	bash -c "ip -n '$NS_B4' -4 addr show dti0 | grep -q 'inet 192.0.0.2 peer 192.0.0.1/32'"
check "the IPv4 default route goes into dti0" \
	bash -c "ip -n '$NS_B4' -4 route show default | grep -q 'dev dti0'"
check "dti0's MTU is 1460 (RFC 6333 5.3)" \
	bash -c "ip -n '$NS_B4' link show dti0 | grep -q 'mtu 1460 '"
expect_eq "IPv4 forwarding on" 1 \
	"$(ip netns exec "$NS_B4" sysctl -n net.ipv4.ip_forward)"
check "ping from the B4 through the AFTR" ping_from "$NS_B4"
expect_eq "the AFTR saw 3 echoes from 192.0.0.2, outer $B4_6 -> $AFTR_A" 3 \
	"$(ok_lines $AFTR_A 192.0.0.2)"
check "ping from the LAN host behind the B4" ping_from "$NS_LAN"
expect_eq "the AFTR saw the LAN host's own source (no NAT on the B4)" 3 \
	"$(ok_lines $AFTR_A $LAN_HOST)"
expect_eq "no packet the stub AFTR refused" 0 \
	"$(grep -c '^bad' "$T_TMP/aftr.log")"
expect_eq "status: mode b4" b4 "$(jget 'd["mode"]')"
check "status -j in mode b4: the documented keys (tests/json_schema.py)" \
	bash -c "'$BUILD/dstmctl' -s '$SOCK' -j status | python3 '$TOP/tests/json_schema.py'"
expect_eq "status: the AFTR from the config" "$AFTR_A config" \
	"$(jget 'd["b4"]["aftr_address"] + " " + d["b4"]["aftr_from"]')"
expect_eq "status: tunnel 192.0.0.2 -> 192.0.0.1, MTU 1460" \
	"192.0.0.2 192.0.0.1 1460" \
	"$(jget 'd["lease"]["address"] + " " + d["lease"]["tep4"] + " " + str(d["lease"]["mtu"])')"
TX=$(counter tunnel.tx.packets)
RX=$(counter tunnel.rx.packets)
if [ "$TX" -ge 6 ] && [ "$RX" -ge 6 ]; then
	ok "status: tunnel counters ($TX out, $RX in)"
else
	not_ok "status: tunnel counters" "tx $TX rx $RX"
fi
expect_eq "status: backend $BK" 1 "$(counter tunnel.backend.$BK)"
# what the tun path reads leaves dti0 as its tx; the bpf path redirects
# before the device: its tx stays at nothing
DTI_TX=$(ip -n "$NS_B4" -s -j link show dti0 | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['stats64']['tx']['packets'])")
echo "# dti0 tx packets: $DTI_TX"
if [ "$BK" = bpf ]; then
	expect_eq "bpf: the kernel path carried every echo (dti0 tx 0)" 0 "$DTI_TX"
else
	check "tun: the echoes went through rpcd (dti0 tx >= 6)" test "$DTI_TX" -ge 6
fi
# a forger beside the AFTR: 4in6 to us from its other address
DROP0=$(counter tunnel.drop.not_from_tep)
RX0=$(counter tunnel.rx.packets)
ip netns exec "$NS_AFTR" python3 "$STUB" send 2001:db8:64::1 $B4_6 $REMOTE4 192.0.0.2
check "4in6 from another source than the AFTR: dropped and counted" \
	wait_for 5 test "$(counter tunnel.drop.not_from_tep)" -eq $((DROP0 + 1))
expect_eq "... and nothing came out of the tunnel" "$RX0" "$(counter tunnel.rx.packets)"
check "rpcd runs as $T_USER under seccomp" grep -q "running as $T_USER .*seccomp on" "$T_TMP/rpcd.log"
check "status in text names the AFTR" bash -c "'$BUILD/dstmctl' -s '$SOCK' status | grep -q '^aftr: .*$AFTR_A (from config)'"
check "dstmctl lease is refused in mode b4" bash -c "! '$BUILD/dstmctl' -s '$SOCK' lease"
# a reload that routes only 203.0.113.0/24 into the tunnel
echo "route = 203.0.113.0/24" >>"$T_TMP/rpcd.conf"
kill -HUP "$RPID"
check "reload: the route list is applied (203.0.113.0/24 via dti0, no default)" \
	wait_for 5 bash -c "ip -n '$NS_B4' -4 route show 203.0.113.0/24 | grep -q dti0 && ! ip -n '$NS_B4' -4 route show default | grep -q ."
check "reload: ping still goes through the AFTR" ping_from "$NS_B4"
stop_rpcd
check "rpcd stops; no IPv4 default route left" \
	bash -c "! ip -n '$NS_B4' -4 route show default | grep -q ."

# --- NAT44 on the B4 ---
if command -v nft >/dev/null; then
	: >"$T_TMP/aftr.log"
	b4_conf "aftr = $AFTR_A" "b4-nat = yes"
	start_rpcd
	check "b4-nat: bound" wait_for 10 state_is bound
	check "b4-nat: our nftables table is there" \
		ip netns exec "$NS_B4" nft list table ip rpcd-b4-dti0
	check "b4-nat: ping from the LAN host" ping_from "$NS_LAN"
	expect_eq "b4-nat: the AFTR saw 192.0.0.2, not the LAN host" "3 0" \
		"$(ok_lines $AFTR_A 192.0.0.2) $(ok_lines $AFTR_A $LAN_HOST)"
	expect_eq "b4-nat: status says masquerade" masquerade "$(jget 'd["b4"]["nat"]')"
	stop_rpcd
	check "b4-nat: the table is gone after rpcd stops" \
		bash -c "! ip netns exec '$NS_B4' nft list table ip rpcd-b4-dti0"
else
	ok "b4-nat # SKIP no nft"
fi

# --- the AFTR by name, followed when the answer changes ---
: >"$T_TMP/aftr.log"
b4_conf "aftr = aftr.example.net" "aftr-refresh = 1s"
start_rpcd
check "by name: bound" wait_for 10 state_is bound
expect_eq "by name: aftr.example.net is $AFTR_A" "aftr.example.net $AFTR_A" \
	"$(jget 'd["b4"]["aftr_name"] + " " + d["b4"]["aftr_address"]')"
check "by name: ping" ping_from "$NS_B4"
expect_eq "by name: echoes went to $AFTR_A" 3 "$(ok_lines $AFTR_A 192.0.0.2)"
printf '127.0.0.1 localhost\n%s aftr.example.net\n' $AFTR_B >"$HOSTS_DIR/hosts"
check "by name: the new answer $AFTR_B is followed" wait_for 10 aftr_is $AFTR_B
check "by name: ping after the move" ping_from "$NS_B4"
expect_eq "by name: echoes now go to $AFTR_B" 3 "$(ok_lines $AFTR_B 192.0.0.2)"
expect_eq "by name: one move counted" 1 "$(counter b4.aftr.changed)"
check "by name: the move is logged" grep -q "moved from $AFTR_A to $AFTR_B" "$T_TMP/rpcd.log"
stop_rpcd

# --- the name from DHCPv6 option 64, forged replies first ---
: >"$T_TMP/aftr.log"
printf '127.0.0.1 localhost\n%s aftr.example.net\n' $AFTR_A >"$HOSTS_DIR/hosts"
PKT_READY=$T_TMP/dhcp.ready bg_in "$NS_AFTR" "$T_TMP/dhcp.err" python3 "$STUB" \
	dhcp6 "$T_TMP/dhcp.log" down0 aftr.example.net forge ignore=2 \
	offlink=2001:db8:64::1
DPID=$BG_PID
wait_for 5 test -e "$T_TMP/dhcp.ready" || not_ok "stub DHCPv6 server ready"
b4_conf
start_rpcd
check "dhcpv6: bound" wait_for 15 state_is bound
expect_eq "dhcpv6: rpcd learned aftr.example.net from DHCPv6 on up0" \
	"aftr.example.net dhcpv6 up0 $AFTR_A" \
	"$(jget '" ".join([d["b4"]["aftr_name"], d["b4"]["aftr_from"], d["b4"]["dhcpv6_interface"], d["b4"]["aftr_address"]])')"
expect_eq "dhcpv6: the DNS servers of option 23 are shown" 2001:db8:53::53 \
	"$(jget '",".join(d["b4"]["dns_servers"])')"
expect_eq "dhcpv6: the three forged replies ignored (another xid, malformed, off-link), the real one taken" "3 1" \
	"$(counter b4.dhcpv6.ignored) $(counter b4.dhcpv6.replies)"
check "dhcpv6: the request asked for options 64, 23 and 32" \
	grep -q "ORO=64,23,32" "$T_TMP/dhcp.log"
# two requests unanswered: retransmitted with the same transaction id,
# Elapsed Time growing (RFC 8415 15: about 1 s, then 2 s more)
read -r X1 E1 X2 E2 X3 E3 < <(awk '/^request/ { printf "%s %s ", $2, $3 }' "$T_TMP/dhcp.log")
expect_eq "dhcpv6: three requests, one transaction id" "$X1 $X1" "$X2 $X3"
if [ "$E1" -eq 0 ] && [ "$E2" -ge 80 ] && [ "$E2" -le 130 ] &&
    [ "$E3" -ge 250 ] && [ "$E3" -le 360 ]; then
	ok "dhcpv6: retransmitted after ~1 s and ~2 s more (elapsed ${E2}0 ms, ${E3}0 ms)"
else
	not_ok "dhcpv6: retransmission times" "elapsed cs: $E1 $E2 $E3"
fi
check "dhcpv6: no trace of the forged names" \
	bash -c "! '$BUILD/dstmctl' -s '$SOCK' -j status | grep -q forged"
check "dhcpv6: ping through the AFTR it named" ping_from "$NS_B4"
expect_eq "dhcpv6: echoes went to $AFTR_A" 3 "$(ok_lines $AFTR_A 192.0.0.2)"
stop_rpcd
kill_pid "$DPID"
check "rpcd's log has no seccomp report" bash -c "! grep -q 'not on the allow-list' '$T_TMP/rpcd.log'"
finish
