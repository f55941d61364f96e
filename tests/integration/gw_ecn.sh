#!/usr/bin/env bash
# gw_ecn.sh - graybox tests of the tunnel's outer header (RFC 2473 6.5,
# RFC 6040 normal mode) and of the gateway's ICMP source, on the lab:
#  - return path: the inner TOS is the outer traffic class, and the whole
#    outer header is what rfc2473.c computes (flow label 0, hop limit 64),
#    captured on the client's link (AF_PACKET);
#  - decapsulation: outer CE reaches an ECT inner header (the IPv4 host
#    gets the packet with CE, every other byte as forwarded); CE over a
#    not-ECT packet is dropped and counted; ECT over not-ECT passes as is;
#  - frag-needed leaves from [gateway] icmp-source (here 192.0.2.1);
#  - rpcd's tun path (and its bpf path) copies the TOS on its side too.
# BACKENDS: tun bpf
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lab.sh"

PKT="python3 $TOP/tests/pkt.py"
PORT=7551
TEP6=2001:db8:1::1
V4=203.0.113.10
lab_up || { not_ok "lab up"; finish; exit 1; }
ok "lab namespaces up"
CONF=$T_TMP/rpcdstmd.conf
lab_server_conf "$CONF" $PORT "icmp-source = 192.0.2.1"
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
tclass_of() {	# the traffic class of an IPv6 packet in hex, or what came
	case $1 in
	[0-9a-f]*) printf '%02x' $(( (0x${1:0:8} >> 20) & 0xff )) ;;
	*) echo "$1" ;;
	esac
}
counter() { CTL stats | awk -v k="$1" '$1 == k { print $2 }'; }
expect_eq "the $BACKEND backend runs" 1 "$(counter gateway.backend.$BACKEND)"

L1=$(ip netns exec "$NS_C1" "$BUILD/tests/dstm_call" -s $TEP6 -p $PORT \
	-b 2001:db8:1::10 alloc | sed -n 's/^status ok addr \([0-9.]*\) .*/\1/p')
check "client 1 leased an address ($L1)" test -n "$L1"

# --- encapsulation: the outer header on the client's link ---
listen "$NS_C1" "$T_TMP/got" sniff6 eth0 9201 3
sent=$(ip netns exec "$NS_V4" $PKT send4raw $V4 "$L1" 9201 dscp-ef tos=0xb9)
wait $RPID
want=$($PKT encap6 $TEP6 2001:db8:1::10 0xb9 0 64 "$($PKT forwarded "$sent")")
got=$(cat "$T_TMP/got")
expect_eq "inner TOS 0xb9 leaves as outer traffic class 0xb9" \
	"b9" "$(tclass_of "$got")"
expect_eq "the whole 4in6 packet to the client is exact (TC 0xb9, label 0, hop limit 64)" \
	"equal" "$($PKT cmp "$want" "$got")"

# --- decapsulation, RFC 6040 4.2 ---
recv_v4() { listen "$NS_V4" "$T_TMP/got" recv4 "$1" "${2:-3}"; }
send_up() {	# send_up DPORT PAYLOAD tos=N tc=N: prints the inner packet
	ip netns exec "$NS_C1" $PKT send4in6 $TEP6 "$L1" $V4 "$@"
}
recv_v4 9202
sent=$(send_up 9202 ce-on-ect0 tos=0x02 tc=0xbb)
wait $RPID
expect_eq "outer CE over inner ECT(0): the IPv4 host gets CE, the inner DSCP kept" \
	"equal" "$($PKT cmp "$($PKT forwarded "$sent" tos=0x03)" "$(cat "$T_TMP/got")")"

recv_v4 9203
sent=$(send_up 9203 ect0-on-notect tos=0x00 tc=0x02)
wait $RPID
expect_eq "outer ECT(0) over a not-ECT inner packet: forwarded unchanged" \
	"equal" "$($PKT cmp "$($PKT forwarded "$sent")" "$(cat "$T_TMP/got")")"

before=$(counter gateway.drop.ce_not_ect)
punts=$(counter gateway.bpf.punt_ecn)
recv_v4 9204 2
send_up 9204 ce-on-notect tos=0x00 tc=0x03 >/dev/null
wait $RPID
expect_eq "outer CE over a not-ECT inner packet is not forwarded" \
	"timeout" "$(cat "$T_TMP/got")"
expect_eq "... and counted as gateway.drop.ce_not_ect" \
	"$((before + 1))" "$(counter gateway.drop.ce_not_ect)"
if [ "$BACKEND" = bpf ]; then
	expect_eq "bpf: the kernel path punted it to the tun path (punt-ecn)" \
		"$((punts + 1))" "$(counter gateway.bpf.punt_ecn)"
fi

# --- ICMP frag-needed from icmp-source ---
listen "$NS_V4" "$T_TMP/icmp" recv4icmp 3
ip netns exec "$NS_V4" $PKT send4raw $V4 "$L1" 9205 too-big size=1480 >/dev/null
wait $RPID
expect_eq "a DF packet too big for the tunnel: frag-needed, MTU 1460, from icmp-source 192.0.2.1" \
	"192.0.2.1 3 4 1460 $V4 $L1" "$(cat "$T_TMP/icmp")"

# --- rpcd: the client's own encapsulation copies the TOS too ---
cat >"$T_TMP/rpcd.conf" <<C
[client]
server = $TEP6
port = $PORT
mode = always
control-socket = $T_TMP/rpcd.sock
pid-file = $T_TMP/rpcd.pid
backend = $BACKEND
C
bg_in "$NS_C2" "$T_TMP/rpcd.log" "$BUILD/rpcd" -d -v -load -f "$T_TMP/rpcd.conf"
RPCD=$BG_PID
bound() {
	"$BUILD/dstmctl" -s "$T_TMP/rpcd.sock" -j status 2>/dev/null |
	    python3 -c 'import json, sys; sys.exit(json.load(sys.stdin)["state"] != "bound")'
}
check "rpcd on client 2 is bound" wait_for 10 bound
listen "$NS_GW" "$T_TMP/got" sniff6 c2 9206 3
ip netns exec "$NS_C2" python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0xb9)
s.sendto(b'from-rpcd', ('$V4', 9206))"
wait $RPID
got=$(cat "$T_TMP/got")
expect_eq "rpcd ($BACKEND): inner TOS 0xb9 leaves as outer traffic class 0xb9" \
	"b9" "$(tclass_of "$got")"
kill_pid "$RPCD"

kill_pid "$SPID"
check "no sanitizer reports in the logs" \
	bash -c "! grep -q Sanitizer '$LOG' '$T_TMP/rpcd.log'"
finish
