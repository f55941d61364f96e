#!/usr/bin/env bash
# tests/demo_dslite.sh - `make demo-dslite`: the DS-lite lab (RFC 6333) in
# network namespaces, step by step, with the real Debian servers of the
# user's lab: bind9 serves the AFTR's name, kea-dhcp6 hands it out
# (option 64, RFC 6334), radvd advertises the B4's prefix; rpcd is the
# B4, rpcdstmd the AFTR and at the same time a DSTM server.  A host on the
# home LAN behind the B4 pings and sends 1 MB over TCP to an IPv4-only
# host across the IPv6-only access network; the IPv4 host sees an address
# of the AFTR's shared pool; the AFTR's B4s, sessions and port blocks are
# shown; a DSTM client leases a global address from the same gateway.
# Exits 0 only if every step worked; everything is torn down on exit,
# on failure and on Ctrl-C.  BACKEND=bpf runs both data planes on the
# kernel fast path.
. "$(dirname "$0")/integration/lib.sh"
. "$TOP/tests/lab.sh"
. "$TOP/tests/lab_dslite.sh"

PORT=7545
. "$TOP/tests/demo_lib.sh"
abort() {	# a step the rest depends on failed: say so, show the logs
	echo "   cannot go on: $*"
	tail -n 8 "$T_TMP"/*.log 2>/dev/null | indent
	exit 1
}
for b in rpcdstmd rpcd dstmctl; do
	[ -x "$BUILD/$b" ] || { echo "demo: $BUILD/$b missing: run make" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "demo: needs root (network namespaces)" >&2; exit 1; }
BACKEND=${BACKEND:-tun}
export BACKEND

say "DS-lite lab: a home LAN behind a B4 reaches IPv4 through the AFTR's shared addresses"
cat <<'PIC'
   [lan]           [b4] rpcd mode = b4             [gw] rpcdstmd: AFTR + DSTM       [v4]
   192.0.2.10 --- 192.0.2.1 | wan0 SLAAC ------ 2001:db8:10::1 | 203.0.113.1 --- 203.0.113.10
   (IPv4 only)    dti0 192.0.0.2 -- 4in6 --> AFTR 2001:db8:1::1 (aftr.isp.example)
                                             NAT44 pool 198.51.100.128/28, per B4 port blocks
                                             bind9, kea-dhcp6 (option 64), radvd (O flag)
   [c1] 2001:db8:1::10 --- 2001:db8:1::1 [gw]   a DSTM client: lease from 198.51.100.0/25
PIC

say "0. The Debian servers of the user's lab: $DSL_PKGS"
missing=$(dsl_missing | tr '\n' ' ')
[ -n "$missing" ] && echo "   installing $missing(services left off on the host)"
step "bind9, kea-dhcp6-server, radvd installed" dsl_deps
[ -z "$(dsl_missing)" ] || abort "packages missing"
for b in named kea-dhcp6 radvd; do
	printf '%-10s %s\n' "$b" "$(command -v $b)"
done | indent

step "namespaces and links up (lan, b4, gw, v4, c1)" dsl_up
[ "$FAILED" -eq 0 ] || abort "no lab"
CTL_SRV=$T_TMP/ctl.sock
CTL_B4=$T_TMP/b4.sock
CTL_C1=$T_TMP/rpcd.sock
srv() { "$BUILD/dstmctl" -s "$CTL_SRV" "$@"; }
b4ctl() { "$BUILD/dstmctl" -s "$CTL_B4" "$@"; }
cli() { "$BUILD/dstmctl" -s "$CTL_C1" "$@"; }

say "1. Router advertisements (radvd) and stateless DHCPv6 (kea-dhcp6) on the B4's link"
step "radvd advertises $DSL_PREFIX on gw's b4 link" dsl_radvd
step "kea-dhcp6 listens on gw's b4 link (port 547)" dsl_kea
ip netns exec "$NS_B4" python3 "$TOP/tests/dhcp6q.py" --ra wan0 12 >"$T_TMP/ra.json" 2>&1
indent <"$T_TMP/ra.json"
ra_o() { grep -q '"other": true' "$T_TMP/ra.json" &&
    grep -q '"autonomous": true, "onlink": true, "prefix": "2001:db8:10::/64"' "$T_TMP/ra.json"; }
step "the B4 hears an RA with the O flag and the prefix for SLAAC" ra_o
step "the B4 configured its address by SLAAC" wait_for 10 dsl_slaac
ip -n "$NS_B4" -6 addr show dev wan0 scope global | indent
ip netns exec "$NS_B4" python3 "$TOP/tests/dhcp6q.py" wan0 2 3 >"$T_TMP/dhcp6.json" 2>&1
indent <"$T_TMP/dhcp6.json"
step "kea answers an Information-Request: AFTR name $DSL_AFTR_NAME (option 64), DNS $DSL_DNS6 (23)" \
	grep -q "\"aftr_name\": \"$DSL_AFTR_NAME.\", \"dns_servers\": \[\"$DSL_DNS6\"\]" "$T_TMP/dhcp6.json"

say "2. The ISP's DNS: bind9 in gw, zone $DSL_ZONE, resolves the name option 64 gave"
step "named answers: $DSL_AFTR_NAME AAAA $DSL_AFTR6 (from the B4, through its resolv.conf)" dsl_named
sed 's/^/zone file: /' "$T_TMP/named/$DSL_ZONE.zone" | grep -E 'AAAA' | indent
ip netns exec "$NS_B4" dig +short +time=1 +tries=2 AAAA "$DSL_AFTR_NAME" 2>&1 |
	sed "s/^/dig in b4: $DSL_AFTR_NAME AAAA /" | indent

say "3. The AFTR: rpcdstmd with [aftr] (and its DSTM leases), backend $BACKEND"
dsl_gw_conf "$T_TMP/rpcdstmd.conf" $PORT
sed -n '/^\[aftr\]/,$p' "$T_TMP/rpcdstmd.conf" | indent
bg_in "$NS_GW" "$T_TMP/rpcdstmd.log" "$BUILD/rpcdstmd" -d -f "$T_TMP/rpcdstmd.conf"
step "rpcdstmd listens on [2001:db8:1::1]:$PORT" wait_for 5 port_open "$NS_GW" $PORT
[ "$FAILED" -eq 0 ] || abort "no gateway"

say "4. The B4: rpcd mode = b4, no aftr key: the name from DHCPv6, resolved by bind9"
dsl_b4_conf "$T_TMP/b4.conf"
indent <"$T_TMP/b4.conf"
bg_in "$NS_B4" "$T_TMP/b4.log" "$BUILD/rpcd" -d -f "$T_TMP/b4.conf"
b4_up() { ip -n "$NS_B4" -4 addr show dev dti0 2>/dev/null |
    grep -q 'inet 192.0.0.2 peer 192.0.0.1/32'; }
step "dti0 has 192.0.0.2 peer 192.0.0.1 (RFC 6333 5.7)" wait_for 15 b4_up
b4ctl status 2>&1 | indent
step "the B4 learned $DSL_AFTR_NAME from DHCPv6 and tunnels to $DSL_AFTR6" \
	dsl_b4_learned "$CTL_B4"
ip -n "$NS_B4" -4 route | indent
b4_route() { ip -n "$NS_B4" -4 route show default | grep -q 'dev dti0'; }
step "the B4's IPv4 default route is the tunnel" b4_route

say "5. ping the IPv4 host from the home LAN"
ip netns exec "$NS_LAN" ping -c 3 -i 0.3 -W 2 $DSL_V4_HOST >"$T_TMP/ping" 2>&1
step "3 of 3 echo replies through the B4 and the AFTR" grep -q ' 0% packet loss' "$T_TMP/ping"
indent <"$T_TMP/ping"

say "6. 1 MB over TCP from the home LAN, with checksums on both ends"
ip netns exec "$NS_V4" python3 "$TOP/tests/tcpxfer.py" server $DSL_V4_HOST 8080 20 >"$T_TMP/rx" &
RX=$!
T_PIDS+=("$RX")
listening() { ip netns exec "$NS_V4" ss -Htln "sport = :8080" | grep -q .; }
wait_for 5 listening
ip netns exec "$NS_LAN" python3 "$TOP/tests/tcpxfer.py" client $DSL_V4_HOST 8080 1048576 20 >"$T_TMP/tx"
wait "$RX"
SENT='' SUM_TX='' SECS='' PEER='' GOT='' SUM_RX=''
read -r _ SENT _ SUM_TX SECS <"$T_TMP/tx"
read -r _ PEER _ GOT _ SUM_RX <"$T_TMP/rx"
echo "LAN host sent $SENT bytes in ${SECS}s, sha256 $SUM_TX" | indent
echo "IPv4 host got $GOT bytes from $PEER, sha256 $SUM_RX" | indent
step "all 1048576 bytes arrived intact" test "${GOT:-0}" = 1048576 -a "$SUM_TX" = "$SUM_RX"
in_pool() { python3 -c 'import ipaddress,sys
sys.exit(ipaddress.ip_address(sys.argv[1]) not in ipaddress.ip_network(sys.argv[2]))' "$1" "$2"; }
step "the IPv4 host saw $PEER: a shared address of the AFTR's pool $DSL_POOL" in_pool "${PEER:-0.0.0.0}" $DSL_POOL

say "7. The AFTR's view: B4s, sessions, port blocks (dstmctl aftr)"
for what in b4s sessions port-blocks; do
	echo "dstmctl aftr $what:" | indent
	srv aftr "$what" 2>&1 | indent
done
has_b4() { srv -j aftr b4s 2>/dev/null | grep -q "$DSL_B4_ADDR"; }
step "the AFTR knows the B4 $DSL_B4_ADDR" has_b4
has_session() { srv -j aftr sessions 2>/dev/null | grep -q "$DSL_LAN_HOST"; }
step "its sessions are keyed by the tunnel: B4 address and inner source $DSL_LAN_HOST" has_session
has_block() { srv -j aftr port-blocks 2>/dev/null | grep -q "$DSL_B4_ADDR"; }
step "the B4 holds a port block" has_block

say "8. The same gateway still serves DSTM leases: c1 leases a global address"
cat >"$T_TMP/rpcd.conf" <<CONF
[client]
server = 2001:db8:1::1
port = $PORT
control-socket = $CTL_C1
pid-file = $T_TMP/rpcd.pid
key-file = $T_TMP/rpcd.key
backend = $BACKEND
CONF
bg_in "$NS_C1" "$T_TMP/rpcd.log" "$BUILD/rpcd" -d -load -f "$T_TMP/rpcd.conf"
bound() { cli -j status 2>/dev/null | grep -q '"state":"bound"'; }
step "c1 is bound to a lease" wait_for 10 bound
ip -n "$NS_C1" -4 addr show dti0 2>&1 | grep inet | indent
ip netns exec "$NS_C1" ping -c 2 -i 0.3 -W 2 $DSL_V4_HOST >"$T_TMP/ping1" 2>&1
step "c1 pings the IPv4 host with its own global address" grep -q ' 0% packet loss' "$T_TMP/ping1"
srv leases 2>&1 | indent

say "Result"
if [ "$FAILED" -eq 0 ]; then
	echo "   all $STEP steps worked"
else
	echo "   $FAILED of $STEP steps FAILED; logs:"
	tail -n 5 "$T_TMP"/*.log | indent
fi
[ "$FAILED" -eq 0 ]
