#!/usr/bin/env bash
# gw_expired.sh - the gateway enforces lease expiry itself.  Standalone
# deployment; the server is frozen (SIGSTOP) so it cannot push the UNBIND
# when the lease ends: the gateway must still drop the client's packets
# after the binding's expiry, counted as "expired", and forward them
# before it.
# BACKENDS: tun bpf
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lab.sh"

PKT="python3 $TOP/tests/pkt.py"
PORT=7550
GWPORT=7551
SRV6=2001:db8:5::10
GW6=2001:db8:5::1
TEP6=2001:db8:1::1
lab_up || { not_ok "lab up"; finish; exit 1; }
make_ns NS_SRV srv || { not_ok "server namespace"; finish; exit 1; }
lab_link "$NS_SRV" eth0 "$NS_GW" srv
ip -n "$NS_SRV" -6 addr add $SRV6/64 dev eth0 nodad
ip -n "$NS_GW" -6 addr add $GW6/64 dev srv nodad
ip -n "$NS_SRV" -6 route add default via $GW6
wait_for 5 ip netns exec "$NS_C1" ping -6 -c1 -W1 $SRV6
cat >"$T_TMP/gw.conf" <<CONF
[gateway]
listen = $GW6
port = $GWPORT
tep6 = $TEP6
backend = ${BACKEND:-tun}
pool = 198.51.100.0/24
control-socket = $T_TMP/gw.sock
pid-file = $T_TMP/gw.pid
[servers]
allow = $SRV6
CONF
cat >"$T_TMP/srv.conf" <<CONF
[server]
listen = $SRV6
port = $PORT
state-dir = $T_TMP/state
control-socket = $T_TMP/ctl.sock
pid-file = $T_TMP/srv.pid
lease-time = 10
rpcbind = no
[pool]
range = 198.51.100.0/24
[clients]
rate-limit = 0
[gateway]
tep6 = $TEP6
remote = $GW6 port $GWPORT
CONF
bg_in "$NS_GW" "$T_TMP/gw.log" "$BUILD/dstmgwd" -d -v -f "$T_TMP/gw.conf"
wait_for 5 port_open "$NS_GW" $GWPORT
bg_in "$NS_SRV" "$T_TMP/srv.log" "$BUILD/rpcdstmd" -d -v -f "$T_TMP/srv.conf"
SPID=$BG_PID
wait_for 5 port_open "$NS_SRV" $PORT
gw_counter() { "$BUILD/dstmctl" -s "$T_TMP/gw.sock" stats 2>/dev/null | awk -v k="$1" '$1 == k { print $2 }'; }

out=$(ip netns exec "$NS_C1" "$BUILD/tests/dstm_call" -s $SRV6 -p $PORT -b 2001:db8:1::10 alloc)
L1=$(sed -n 's/^status ok addr \([0-9.]*\) .*/\1/p' <<<"$out")
check "c1 leased $L1 for 10 s" grep -q " lease 10 " <<<"$out"
has_binding() { [ "$(gw_counter gateway.bindings)" = 1 ]; }
check "the binding reached the gateway" wait_for 3 has_binding
T_END=$(( $(date +%s) + 10 ))

send_and_catch() {	# send_and_catch DPORT: prints what the v4 host got
	ip netns exec "$NS_V4" $PKT recv4 "$1" 2 >"$T_TMP/got" &
	local r=$!
	sleep 0.2	# the receiver's socket must exist before we send
	local sent
	sent=$(ip netns exec "$NS_C1" $PKT send4in6 $TEP6 "$L1" 203.0.113.10 "$1" x)
	wait $r
	if [ "$(cat "$T_TMP/got")" = timeout ]; then echo timeout; else
		$PKT cmp "$($PKT forwarded "$sent")" "$(cat "$T_TMP/got")"; fi
}
expect_eq "before expiry: forwarded exactly" equal "$(send_and_catch 9201)"

kill -STOP "$SPID"	# the server can no longer unbind
past_end() { [ "$(date +%s)" -gt $((T_END + 1)) ]; }
wait_for 15 past_end
expect_eq "the frozen server left the binding in place" 1 "$(gw_counter gateway.bindings)"
before=$(gw_counter gateway.drop.expired)
expect_eq "after expiry: the gateway drops the packet itself" timeout "$(send_and_catch 9202)"
expect_eq "counted as expired" $((before + 1)) "$(gw_counter gateway.drop.expired)"
kill -CONT "$SPID"
no_binding() { [ "$(gw_counter gateway.bindings)" = 0 ]; }
check "the thawed server unbinds the expired lease" wait_for 5 no_binding
finish
