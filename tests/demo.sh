#!/usr/bin/env bash
# tests/demo.sh - `make demo`: the DSTM lab in network namespaces, step by
# step.  An IPv6-only host leases a global IPv4 address from rpcdstmd,
# pings and sends 1 MB over TCP to an IPv4-only host through the 4in6
# tunnel, the IPv4 host sees the leased address (no NAT), then the lease
# is released and the gateway forgets it.  Exits 0 only if every step
# worked; everything is torn down on exit.  BACKEND=bpf (make demo
# BACKEND=bpf) runs the gateway's and the client's kernel fast path.
. "$(dirname "$0")/integration/lib.sh"
. "$TOP/tests/lab.sh"

PORT=7545
. "$TOP/tests/demo_lib.sh"
for b in rpcdstmd rpcd dstmctl; do
	[ -x "$BUILD/$b" ] || { echo "demo: $BUILD/$b missing: run make" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "demo: needs root (network namespaces)" >&2; exit 1; }

say "DSTM lab: an IPv6-only host reaches an IPv4 host with a leased global IPv4 address"
cat <<'PIC'
     [client]  IPv6 only           [gateway]  rpcdstmd = server + TEP        [ipv4 host]
     2001:db8:1::10 ---------- 2001:db8:1::1 | 203.0.113.1 ---------- 203.0.113.10
     dti0 (4over6, rpcd)       pool 198.51.100.0/24, tunnels 4in6 (RFC 2473)
PIC
step "namespaces and links up (client, gateway, IPv4 host)" lab_up
CTL_SRV=$T_TMP/ctl.sock
CTL_CLI=$T_TMP/rpcd.sock
srv() { "$BUILD/dstmctl" -s "$CTL_SRV" "$@"; }
cli() { "$BUILD/dstmctl" -s "$CTL_CLI" "$@"; }

BACKEND=${BACKEND:-tun}
say "1. The server: rpcdstmd with its gateway on the same host (backend $BACKEND)"
lab_server_conf "$T_TMP/rpcdstmd.conf" $PORT
bg_in "$NS_GW" "$T_TMP/rpcdstmd.log" "$BUILD/rpcdstmd" -d -f "$T_TMP/rpcdstmd.conf"
step "rpcdstmd listens on [2001:db8:1::1]:$PORT (tcp6, udp6)" wait_for 5 port_open "$NS_GW" $PORT
srv pool | indent
is_backend() { [ "$(srv stats | awk -v k="gateway.backend.$BACKEND" '$1 == k { print $2 }')" = 1 ]; }
step "the gateway's data plane is $BACKEND" is_backend

say "2. The client: rpcd -load creates dti0 and leases an address"
cat >"$T_TMP/rpcd.conf" <<CONF
[client]
server = 2001:db8:1::1
port = $PORT
control-socket = $CTL_CLI
pid-file = $T_TMP/rpcd.pid
key-file = $T_TMP/rpcd.key
backend = $BACKEND
CONF
bg_in "$NS_C1" "$T_TMP/rpcd.log" "$BUILD/rpcd" -d -load -f "$T_TMP/rpcd.conf"
bound() { cli -j status 2>/dev/null | grep -q '"state":"bound"'; }
step "rpcd is bound to a lease" wait_for 10 bound
cli status | indent
LEASED=$(cli -j status | python3 -c 'import json,sys; print(json.load(sys.stdin)["lease"]["address"])')
ip -n "$NS_C1" -4 addr show dti0 | indent
ip -n "$NS_C1" -4 route | indent

say "3. ping the IPv4 host from the IPv6-only client"
ip netns exec "$NS_C1" ping -c 3 -i 0.3 -W 2 203.0.113.10 >"$T_TMP/ping" 2>&1
step "3 of 3 echo replies through the tunnel" grep -q ' 0% packet loss' "$T_TMP/ping"
indent <"$T_TMP/ping"

say "4. 1 MB over TCP, with checksums on both ends"
ip netns exec "$NS_V4" python3 "$TOP/tests/tcpxfer.py" server 203.0.113.10 8080 20 >"$T_TMP/rx" &
RX=$!
T_PIDS+=("$RX")
listening() { ip netns exec "$NS_V4" ss -Htln "sport = :8080" | grep -q .; }
wait_for 5 listening
ip netns exec "$NS_C1" python3 "$TOP/tests/tcpxfer.py" client 203.0.113.10 8080 1048576 20 >"$T_TMP/tx"
wait "$RX"
read -r _ SENT _ SUM_TX SECS <"$T_TMP/tx"
read -r _ PEER _ GOT _ SUM_RX <"$T_TMP/rx"
echo "client sent $SENT bytes in ${SECS}s, sha256 $SUM_TX" | indent
echo "IPv4 host got $GOT bytes from $PEER, sha256 $SUM_RX" | indent
step "all 1048576 bytes arrived intact" test "$GOT" = 1048576 -a "$SUM_TX" = "$SUM_RX"

say "5. What the IPv4 host saw"
step "the source was the leased global address $LEASED (no NAT)" test "$PEER" = "$LEASED"

say "6. The server's view: lease table and counters"
srv leases | indent
srv stats | grep -E '^(replies.ok|requests.alloc|gateway\.(bindings|decap|encap|backend|bpf\.fwd)|gateway.drop)' | grep -v ' 0$' | indent
step "the gateway counted the tunnel's packets for this lease" \
	bash -c "'$BUILD/dstmctl' -s '$CTL_SRV' -j leases | grep -q '\"pkts_in\":[1-9]'"

say "7. Release: the client gives the address back"
cli release | indent
step "rpcd has no lease and dti0 no IPv4 address" \
	bash -c "! ip -n '$NS_C1' -4 addr show dti0 | grep -q inet"
gone() { [ "$(srv stats | awk '$1 == "gateway.bindings" { print $2 }')" = 0 ]; }
step "the gateway's binding is gone" gone
srv leases | indent
ip netns exec "$NS_C1" ping -c 1 -W 1 203.0.113.10 >/dev/null 2>&1
step "no IPv4 traffic without a lease" test $? -ne 0

say "Result"
if [ "$FAILED" -eq 0 ]; then
	echo "   all $STEP steps worked"
else
	echo "   $FAILED of $STEP steps FAILED; logs:"
	tail -n 5 "$T_TMP"/*.log | indent
fi
[ "$FAILED" -eq 0 ]
