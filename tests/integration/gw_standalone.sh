#!/usr/bin/env bash
# gw_standalone.sh - the standalone deployment: rpcdstmd on its own host
# pushes bindings over the gateway program to dstmgwd on the gateway.
#
#  [c1] 2001:db8:1::10 ---- [gw] dstmgwd, TEP 2001:db8:1::1 ---- [v4]
#  [c2] 2001:db8:2::20 ----/   2001:db8:5::1 (gateway program :7546)
#                              |
#  [srv] rpcdstmd 2001:db8:5::10 (client program :7548)
#
# Lease -> 4in6 flows; kill -9 dstmgwd and restart it -> flows again
# within a second (measured); a hung gateway does not slow ALLOC; a
# foreign SYNC is undone; revoke -> traffic stops; callers outside
# [servers] allow are refused; a restarted server resyncs the gateway;
# a table of 3000 bindings comes back in chunks after a gateway restart;
# reload (dstmctl reload, SIGHUP) changes allow and pools, refuses a pool
# change that strands a binding and a broken file.
# BACKENDS: tun bpf
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lab.sh"

PKT="python3 $TOP/tests/pkt.py"
PORT=7548
GWPORT=7546
SRV6=2001:db8:5::10
GW6=2001:db8:5::1
TEP6=2001:db8:1::1

lab_up || { not_ok "lab up"; finish; exit 1; }
make_ns NS_SRV srv || { not_ok "server namespace"; finish; exit 1; }
lab_link "$NS_SRV" eth0 "$NS_GW" srv
ip -n "$NS_SRV" -6 addr add $SRV6/64 dev eth0 nodad
ip -n "$NS_SRV" -6 addr add 2001:db8:5::99/64 dev eth0 nodad
ip -n "$NS_GW" -6 addr add $GW6/64 dev srv nodad
ip -n "$NS_SRV" -6 route add default via $GW6
wait_for 5 ip netns exec "$NS_C1" ping -6 -c1 -W1 $SRV6
check "lab with a separate server host up" \
	ip netns exec "$NS_C1" ping -6 -c1 -W1 $SRV6

GWCONF=$T_TMP/dstmgwd.conf
cat >"$GWCONF" <<CONF
[gateway]
listen = $GW6
port = $GWPORT
tep6 = $TEP6
backend = ${BACKEND:-tun}
pool = 198.51.100.0/24
pool = 198.51.101.0-198.51.112.255
control-socket = $T_TMP/gw.sock
pid-file = $T_TMP/dstmgwd.pid

[servers]
allow = $SRV6
CONF
SCONF=$T_TMP/rpcdstmd.conf
cat >"$SCONF" <<CONF
[server]
listen = $SRV6
port = $PORT
state-dir = $T_TMP/state
control-socket = $T_TMP/ctl.sock
pid-file = $T_TMP/rpcdstmd.pid
lease-time = 120
rpcbind = no

[pool]
range = 198.51.100.0/24
exclude = 198.51.100.0
exclude = 198.51.100.255
range = 198.51.101.0-198.51.112.255

[clients]
allow = 2001:db8::/32
rate-limit = 0
# 3000 clients of one /64 (dstm_load)
prefix-rate-limit = 0
max-leases-per-prefix = 0

[gateway]
enable = no
tep6 = $TEP6
remote = $GW6 port $GWPORT
CONF
check "dstmgwd -n accepts the config" "$BUILD/dstmgwd" -n -f "$GWCONF"
check "rpcdstmd -n prints the remote gateway" \
	bash -c "'$BUILD/rpcdstmd' -n -f '$SCONF' | grep -qx 'remote = $GW6 port $GWPORT'"

GWLOG=$T_TMP/dstmgwd.log
SLOG=$T_TMP/server.log
start_gw() {
	bg_in "$NS_GW" "$GWLOG" "$BUILD/dstmgwd" -d -v -f "$GWCONF"
	GPID=$BG_PID
}
start_srv() {
	bg_in "$NS_SRV" "$SLOG" "$BUILD/rpcdstmd" -d -v -f "$SCONF"
	SPID=$BG_PID
}
GCTL() { "$BUILD/dstmctl" -s "$T_TMP/gw.sock" "$@"; }
SCTL() { "$BUILD/dstmctl" -s "$T_TMP/ctl.sock" "$@"; }
gw_counter() { GCTL stats 2>/dev/null | awk -v k="$1" '$1 == k { print $2 }'; }
gw_has() { [ "$(gw_counter "$1")" = "$2" ]; }
lease_of() {	# lease_of NS SRC6: alloc from NS, print the address
	ip netns exec "$1" "$BUILD/tests/dstm_call" -s $SRV6 -p $PORT \
		-b "$2" alloc | sed -n 's/^status ok addr \([0-9.]*\) .*/\1/p'
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
recv_v4() { ip netns exec "$NS_V4" $PKT recv4 "$1" "${2:-3}" >"$T_TMP/got" & RPID=$!; }
send_c1() {	# send_c1 SRC4 DPORT PAYLOAD: 4in6 from c1 to the TEP
	ip netns exec "$NS_C1" $PKT send4in6 $TEP6 "$1" 203.0.113.10 "$2" "$3"
}

start_gw
wait_for 5 port_open "$NS_GW" $GWPORT
check "dstmgwd is up" port_open "$NS_GW" $GWPORT
expect_eq "a fresh gateway is at generation 0" 0 "$(gw_counter gateway.generation)"
start_srv
wait_for 5 port_open "$NS_SRV" $PORT
check "rpcdstmd (standalone mode) is up" port_open "$NS_SRV" $PORT
wait_for 3 bash -c "! '$BUILD/dstmctl' -s '$T_TMP/gw.sock' stats | grep -qx 'gateway.generation *0'"
G0=$(gw_counter gateway.generation)
check "the server SYNCs the gateway at start (generation $G0)" test "${G0:-0}" -gt 0

# 1. lease, binding pushed, traffic flows
out=$(ip netns exec "$NS_C1" "$BUILD/tests/dstm_call" -s $SRV6 -p $PORT -b 2001:db8:1::10 alloc)
L1=$(sed -n 's/^status ok addr \([0-9.]*\) .*/\1/p' <<<"$out")
check "c1 leased $L1 with the gateway as TEP" grep -q "tep6 $TEP6 " <<<"$out"
wait_for 2 gw_has gateway.bindings 1
expect_eq "the binding reached the gateway" 1 "$(gw_counter gateway.bindings)"
check "dstmctl leases on the gateway lists it" \
	bash -c "'$BUILD/dstmctl' -s '$T_TMP/gw.sock' leases | grep -q '^$L1 .*2001:db8:1::10'"
# the gateway's side of the control commands: filters, stats, config
check "gateway: leases CLIENT6 finds the binding, -j has its keys" bash -c \
	"'$BUILD/dstmctl' -j -s '$T_TMP/gw.sock' leases 2001:db8:1::10 |
	 tee '$T_TMP/gl.json' | python3 -c 'import json,sys; d = json.load(sys.stdin); assert [x[\"address\"] for x in d[\"leases\"]] == [\"$L1\"], d' &&
	 python3 '$TOP/tests/json_schema.py' <'$T_TMP/gl.json'"
check "gateway: leases of another client: none" bash -c \
	"'$BUILD/dstmctl' -s '$T_TMP/gw.sock' leases 2001:db8:2::/64 | grep -qx 'no leases'"
check "gateway: stats -j has its keys" bash -c \
	"'$BUILD/dstmctl' -j -s '$T_TMP/gw.sock' stats | python3 '$TOP/tests/json_schema.py'"
check "gateway: stats -o openmetrics parses, no pool gauges" bash -c \
	"'$BUILD/dstmctl' -s '$T_TMP/gw.sock' stats -o openmetrics >'$T_TMP/gw.prom' &&
	 python3 '$TOP/tests/om_check.py' 'dstm_gateway_bindings{daemon=\"gw\"}=1' <'$T_TMP/gw.prom' &&
	 ! grep -q dstm_pool_addresses '$T_TMP/gw.prom'"
"$BUILD/dstmctl" -s "$T_TMP/gw.sock" config >"$T_TMP/gw.running" 2>&1
"$BUILD/dstmgwd" -n -f "$GWCONF" >"$T_TMP/gw.canon" 2>&1
expect_eq "gateway: config is the running configuration, canonical" "" \
	"$(diff "$T_TMP/gw.canon" "$T_TMP/gw.running")"
check "gateway: config -j has its keys" bash -c \
	"'$BUILD/dstmctl' -j -s '$T_TMP/gw.sock' config | python3 '$TOP/tests/json_schema.py'"
recv_v4 9101
sleep 0.2	# the receiver's socket must exist before we send
sent=$(send_c1 "$L1" 9101 hello-standalone)
wait $RPID
expect_eq "4in6 from c1 is decapsulated and forwarded exactly" "equal" \
	"$($PKT cmp "$($PKT forwarded "$sent")" "$(cat "$T_TMP/got")")"
check "gateway: decap.packets counted the packet" \
	test "$(gw_counter gateway.decap.packets)" -ge 1
check "gateway: stats --reset" bash -c \
	"'$BUILD/dstmctl' -s '$T_TMP/gw.sock' stats --reset | grep -q '^zeroed [0-9]* counters; [0-9]* gauges kept$'"
expect_eq "gateway: after --reset decap.packets is 0, bindings (a gauge) 1" \
	"0 1" "$(gw_counter gateway.decap.packets) $(gw_counter gateway.bindings)"

# 2. kill -9 the gateway, restart it: traffic flows again within a second
kill_pid "$GPID" KILL
recv_v4 9102 8
sleep 0.2
t0=$(now_ms)
start_gw
tb=""
while kill -0 "$RPID" 2>/dev/null && [ $(( $(now_ms) - t0 )) -lt 7000 ]; do
	[ -z "$tb" ] && gw_has gateway.bindings 1 && tb=$(( $(now_ms) - t0 ))
	send_c1 "$L1" 9102 after-restart >/dev/null
	sleep 0.05
done
tf=$(( $(now_ms) - t0 ))
wait $RPID
[ -z "$tb" ] && gw_has gateway.bindings 1 && tb=$tf
echo "# gateway restart after kill -9: binding back in ${tb:-?} ms, traffic flows in $tf ms (from launching dstmgwd)"
check "traffic flows again after kill -9 and restart of dstmgwd" \
	grep -qv timeout "$T_TMP/got"
check "... within a second ($tf ms)" test "$tf" -lt 1000
check "the restarted gateway got the table by SYNC" \
	bash -c "grep -c 'synced 1 binding' '$GWLOG' | grep -qx 1"

# 3. a hung gateway does not slow ALLOC down; it catches up afterwards
kill -STOP "$GPID"
t0=$(now_ms)
L2=$(lease_of "$NS_C2" 2001:db8:2::20)
ta=$(( $(now_ms) - t0 ))
echo "# ALLOC with the gateway stopped took $ta ms"
check "ALLOC answers at once while the gateway hangs ($ta ms)" \
	test -n "$L2" -a "$ta" -lt 500
kill -CONT "$GPID"
wait_for 8 gw_has gateway.bindings 2
expect_eq "the gateway catches up once it runs again" 2 "$(gw_counter gateway.bindings)"

# 4. a foreign SYNC (empty table, generation 42) is undone by the server
out=$(ip netns exec "$NS_SRV" "$BUILD/tests/dstm_gwcall" -s $GW6 -p $GWPORT -b $SRV6 sync 42)
expect_eq "an allowed source may SYNC" "status ok generation 42" "$out"
wait_for 3 gw_has gateway.bindings 2
expect_eq "the server notices the drift and resyncs" 2 "$(gw_counter gateway.bindings)"
check "... to its own generation" test "$(gw_counter gateway.generation)" -gt 42

# 5. callers outside [servers] allow are refused and logged
out=$(ip netns exec "$NS_SRV" "$BUILD/tests/dstm_gwcall" -s $GW6 -p $GWPORT -b 2001:db8:5::99 bind 198.51.100.77 2001:db8:5::99 1)
expect_eq "BIND from a non-allowed address is denied" denied "$(awk '{print $2}' <<<"$out")"
out=$(ip netns exec "$NS_C1" "$BUILD/tests/dstm_gwcall" -s $GW6 -p $GWPORT -b 2001:db8:1::10 sync 7)
expect_eq "SYNC from a client is denied" denied "$(awk '{print $2}' <<<"$out")"
check "the refusal is logged" grep -q "refused BIND from 2001:db8:5::99" "$GWLOG"
expect_eq "denied calls change nothing" 2 "$(gw_counter gateway.bindings)"
expect_eq "... and are counted" 2 "$(gw_counter rpc.denied)"
if command -v rpcinfo >/dev/null; then
	# NULL answers anybody; rpcinfo wants the decimal program number
	check "rpcinfo reaches the gateway program (NULL)" ip netns exec "$NS_C1" \
		rpcinfo -a "$GW6.$((GWPORT / 256)).$((GWPORT % 256))" -T tcp6 \
		$((0x20445356)) 1
fi
out=$(ip netns exec "$NS_SRV" "$BUILD/tests/dstm_gwcall" -s $GW6 -p $GWPORT -b 2001:db8:5::99 stats)
expect_eq "STATS from a non-allowed address is denied" denied "$(awk '{print $2}' <<<"$out")"

# 6. revoke: the binding goes, traffic stops
check "dstmctl revoke $L1" SCTL revoke "$L1"
wait_for 2 gw_has gateway.bindings 1
expect_eq "revoke removes the binding from the gateway" 1 "$(gw_counter gateway.bindings)"
recv_v4 9103
sleep 0.2
send_c1 "$L1" 9103 after-revoke >/dev/null
wait $RPID
expect_eq "no traffic after revoke" "timeout" "$(cat "$T_TMP/got")"

# 7. restart the server: it resyncs the gateway from its journal
G1=$(gw_counter gateway.generation)
kill_pid "$SPID"
start_srv
wait_for 5 port_open "$NS_SRV" $PORT
wait_for 3 bash -c "[ \"\$('$BUILD/dstmctl' -s '$T_TMP/gw.sock' stats | awk '\$1 == \"gateway.generation\" { print \$2 }')\" -gt $G1 ]"
G2=$(gw_counter gateway.generation)
check "a restarted server resyncs the gateway (generation $G1 -> $G2)" \
	test "$G2" -gt "$G1"
expect_eq "... with the journal's one binding" 1 "$(gw_counter gateway.bindings)"
ip netns exec "$NS_V4" $PKT recv4 9104 3 >"$T_TMP/got" & RPID=$!
sleep 0.2
sent=$(ip netns exec "$NS_C2" $PKT send4in6 $TEP6 "$L2" 203.0.113.10 9104 still-here)
wait $RPID
expect_eq "c2's traffic flows after the server restart" "equal" \
	"$($PKT cmp "$($PKT forwarded "$sent")" "$(cat "$T_TMP/got")")"

# 8. a big table: 3000 more leases, then the gateway restarts; the SYNC
# comes in chunks of 1024
ip -n "$NS_SRV" -6 route add local 2001:db8:77::/64 dev lo
ip netns exec "$NS_SRV" "$BUILD/tests/dstm_load" -s $SRV6 -p $PORT \
	-c 2001:db8:77:: -n 3000 -o alloc -q >"$T_TMP/load.out" 2>&1
check "3000 more clients leased" grep -q "ok 3000 fail 0" "$T_TMP/load.out"
wait_for 5 gw_has gateway.bindings 3001
expect_eq "3001 bindings pushed one by one" 3001 "$(gw_counter gateway.bindings)"
kill_pid "$GPID" KILL
t0=$(now_ms)
start_gw
wait_for 5 gw_has gateway.bindings 3001
tb=$(( $(now_ms) - t0 ))
echo "# gateway restart with 3001 bindings: table back in $tb ms"
expect_eq "the restarted gateway gets all 3001 bindings" 3001 "$(gw_counter gateway.bindings)"
# the gateway's LEASE_QUERY over a large table (sorted in place: no
# qsort, whose sysinfo() the sandbox kills): pages of 500 in address order
check "gateway: leases --page 500 lists all 3001 in address order" bash -c \
	"'$BUILD/dstmctl' -j -s '$T_TMP/gw.sock' leases --page 500 | python3 -c '
import ipaddress, json, sys
d = json.load(sys.stdin)
a = [int(ipaddress.IPv4Address(x[\"address\"])) for x in d[\"leases\"]]
assert len(a) == 3001 and a == sorted(a) and len(set(a)) == 3001, len(a)'"
check "... in one SYNC of 3 chunks" test "$(gw_counter rpc.sync_chunks)" = 3

# 9. reload: dstmctl reload on the gateway's socket, and SIGHUP
gw_reload() { "$BUILD/dstmctl" -s "$T_TMP/gw.sock" reload >"$T_TMP/rl.out" 2>&1; }
gw_reload
expect_eq "reload of an unchanged file succeeds" 0 "$?"
check "... and says what it did" grep -q "configuration reloaded: 2 pool ranges, 1 allowed server" "$T_TMP/rl.out"
check "no route for 203.0.113.128/25 before" bash -c "! ip -n $NS_GW route show 203.0.113.128/25 | grep -q ."
cp "$GWCONF" "$T_TMP/gw.conf.orig"
printf 'allow = 2001:db8:5::99\n' >>"$GWCONF"
sed -i 's|^pool = 198.51.100.0/24$|&\npool = 203.0.113.128/25|' "$GWCONF"
pool_routed() { ip -n "$NS_GW" route show 203.0.113.128/25 | grep -q .; }
gw_reload
expect_eq "reload adding a server and a pool succeeds" 0 "$?"
check "... the new pool is routed into the gateway" pool_routed
check "... and the kept pool still is" bash -c "ip -n $NS_GW route show 198.51.100.0/24 | grep -q ."
out=$(ip netns exec "$NS_SRV" "$BUILD/tests/dstm_gwcall" -s $GW6 -p $GWPORT -b 2001:db8:5::99 stats)
expect_eq "the added server is allowed at once" ok "$(awk '{print $2}' <<<"$out")"
# a pool that would leave bound addresses out: refused, nothing changes
grep -v '^pool = 198.51.101.0-198.51.112.255$' "$GWCONF" >"$T_TMP/gw.conf.new"
cp "$T_TMP/gw.conf.new" "$GWCONF"
gw_reload
expect_eq "reload dropping a bound pool is refused (exit 1)" 1 "$?"
check "... naming the stranded address" grep -q "leave out 198.51.1" "$T_TMP/rl.out"
expect_eq "... and the table is untouched" 3001 "$(gw_counter gateway.bindings)"
out=$(ip netns exec "$NS_SRV" "$BUILD/tests/dstm_gwcall" -s $GW6 -p $GWPORT -b 2001:db8:5::99 stats)
expect_eq "... and the running [servers] allow too" ok "$(awk '{print $2}' <<<"$out")"
# SIGHUP with a broken file: logged, refused, the gateway runs on
printf 'bogus\n' >>"$GWCONF"
kill -HUP "$GPID"
wait_for 5 grep -q "reload refused: .*dstmgwd.conf:[0-9]*:" "$GWLOG"
check "SIGHUP with a broken file: refused with file:line" grep -q "reload refused: .*dstmgwd.conf:[0-9]*:" "$GWLOG"
check "... and dstmgwd still runs" kill -0 "$GPID"
# SIGHUP with the original file: the extra server is refused again
cp "$T_TMP/gw.conf.orig" "$GWCONF"
n=$(grep -c "configuration reloaded" "$GWLOG")
kill -HUP "$GPID"
wait_for 5 eval '[ "$(grep -c "configuration reloaded" "$GWLOG")" -gt '"$n"' ]'
out=$(ip netns exec "$NS_SRV" "$BUILD/tests/dstm_gwcall" -s $GW6 -p $GWPORT -b 2001:db8:5::99 stats)
expect_eq "SIGHUP reload: the removed server is denied again" denied "$(awk '{print $2}' <<<"$out")"
expect_eq "... and bindings survive every reload" 3001 "$(gw_counter gateway.bindings)"
check "... and the removed pool is not routed any more" bash -c "! ip -n $NS_GW route show 203.0.113.128/25 | grep -q ."
check "... while the kept pools are" bash -c "ip -n $NS_GW route show 198.51.100.0/24 | grep -q . && ip -n $NS_GW route show 198.51.112.0/24 | grep -q ."

# hairpin (RFC 7596 5.2) by reload: in force at once; c2's packet to
# another bound address is dropped and counted
H=$(GCTL leases | awk -v me="$L2" '$1 ~ /^198\.51\./ && $1 != me { print $1; exit }')
sed -i 's|^\[gateway\]$|&\nhairpin = no|' "$GWCONF"
gw_reload
check "reload: hairpin = no in force at once" grep -q "; hairpin = no in force" "$T_TMP/rl.out"
before=$(gw_counter gateway.drop.hairpin)
ip netns exec "$NS_C2" $PKT send4in6 $TEP6 "$L2" "$H" 9106 hairpin >/dev/null
check "c2's packet to $H (bound to another client) is dropped as hairpin" \
	wait_for 2 gw_has gateway.drop.hairpin $((before + 1))
cp "$T_TMP/gw.conf.orig" "$GWCONF"
gw_reload
check "reload: hairpin = yes in force again" grep -q "; hairpin = yes in force" "$T_TMP/rl.out"

kill_pid "$SPID"
kill_pid "$GPID"
check "no sanitizer reports in the logs" \
	bash -c "! grep -q Sanitizer '$SLOG' '$GWLOG'"
check "dstmgwd removed its control socket" test ! -e "$T_TMP/gw.sock"
if [ "$T_FAILED" -gt 0 ]; then
	echo "# server log:"; tail -n 40 "$SLOG" | sed 's/^/#   /'
	echo "# gateway log:"; tail -n 40 "$GWLOG" | sed 's/^/#   /'
fi
finish
