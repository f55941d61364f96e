#!/usr/bin/env bash
# client_e2e.sh - rpcd end to end in the lab: always mode (ping, TCP, the
# IPv4 host sees the leased source), two clients at once, renewals across
# several lease periods with traffic flowing, a server restart while bound,
# release, on-demand mode (first connect works, idle release), and bad
# input: unreachable server, refused lease, forged 4in6 to the client.
# BACKENDS: tun bpf
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lab.sh"

PORT=7549
lab_up || { not_ok "lab up"; finish; exit 1; }
CONF=$T_TMP/rpcdstmd.conf
# short leases: T1 comes every 5 s
lab_server_conf "$CONF" $PORT
sed -i 's/^lease-time = 120/lease-time = 10/; s/^hold-time = 60/hold-time = 30/' "$CONF"
start_server() {
	bg_in "$NS_GW" "$T_TMP/server.log" "$BUILD/rpcdstmd" -d -v -f "$CONF"
	SPID=$BG_PID
	wait_for 5 port_open "$NS_GW" $PORT
}
start_server
srv() { "$BUILD/dstmctl" -s "$T_TMP/ctl.sock" "$@"; }
counter() { srv stats | awk -v k="$1" '$1 == k { print $2 }'; }

# rpcd_conf N PORT MODE [extra]: config for client N
rpcd_conf() {
	cat >"$T_TMP/rpcd$1.conf" <<C
[client]
server = 2001:db8:1::1
port = $2
mode = $3
control-socket = $T_TMP/rpcd$1.sock
pid-file = $T_TMP/rpcd$1.pid
key-file = $T_TMP/rpcd$1.key
backend = $([ "$3" = ondemand ] && echo auto || echo "${BACKEND:-tun}")
C
	[ $# -gt 3 ] && printf '%s\n' "${@:4}" >>"$T_TMP/rpcd$1.conf"
	return 0
}
start_rpcd() {	# start_rpcd N NS
	bg_in "$2" "$T_TMP/rpcd$1.log" "$BUILD/rpcd" -d -v -load -f "$T_TMP/rpcd$1.conf"
	eval "RPID$1=\$BG_PID"
	wait_for 5 test -S "$T_TMP/rpcd$1.sock"
}
cli() { local n=$1; shift; "$BUILD/dstmctl" -s "$T_TMP/rpcd$n.sock" "$@"; }
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
state_is() { [ "$(cli "$1" -j status 2>/dev/null | jget 'd["state"]')" = "$2" ]; }
leased() { cli "$1" -j status | jget 'd["lease"]["address"] if d["lease"] else ""'; }
tcp_check() {	# tcp_check NS PORT: 256 KiB to the IPv4 host; prints the peer
	ip netns exec "$NS_V4" python3 "$TOP/tests/tcpxfer.py" server 203.0.113.10 "$2" 15 >"$T_TMP/rx.$2" &
	local rx=$!
	T_PIDS+=("$rx")
	wait_for 5 bash -c "ip netns exec '$NS_V4' ss -Htln 'sport = :$2' | grep -q ."
	ip netns exec "$1" python3 "$TOP/tests/tcpxfer.py" client 203.0.113.10 "$2" 262144 15 >"$T_TMP/tx.$2" 2>&1
	wait "$rx"
	local sum_tx sum_rx peer
	sum_tx=$(awk '{print $4}' "$T_TMP/tx.$2")
	read -r _ peer _ _ _ sum_rx <"$T_TMP/rx.$2"
	[ -n "$sum_tx" ] && [ "$sum_tx" = "$sum_rx" ] && echo "$peer"
}

# --- always mode, two clients ---
rpcd_conf 1 $PORT always
rpcd_conf 2 $PORT always
start_rpcd 1 "$NS_C1"
start_rpcd 2 "$NS_C2"
check "client 1 bound" wait_for 10 state_is 1 bound
check "client 2 bound" wait_for 10 state_is 2 bound
A1=$(leased 1)
A2=$(leased 2)
if [ -n "$A1" ] && [ -n "$A2" ] && [ "$A1" != "$A2" ]; then
	ok "two clients hold different addresses ($A1, $A2)"
else
	not_ok "two clients hold different addresses" "$A1 / $A2"
fi
check "dti0 of client 1 carries $A1 with peer 192.0.0.1" \
	bash -c "ip -n '$NS_C1' -4 addr show dti0 | grep -q 'inet $A1 peer 192.0.0.1/32'"
check "client 1 has its IPv4 default route via dti0" \
	bash -c "ip -n '$NS_C1' -4 route show default | grep -q 'dev dti0'"
check "ping from client 1" ip netns exec "$NS_C1" ping -c 2 -i 0.2 -W 2 203.0.113.10
expect_eq "TCP from client 1 intact; the IPv4 host sees $A1" "$A1" "$(tcp_check "$NS_C1" 8001)"
expect_eq "TCP from client 2 intact; the IPv4 host sees $A2" "$A2" "$(tcp_check "$NS_C2" 8002)"
ccounter() { cli "$1" -j status | jget "d['counters']['$2']"; }
check "status -j: the documented keys (tests/json_schema.py)" \
	bash -c "'$BUILD/dstmctl' -s '$T_TMP/rpcd1.sock' -j status | python3 '$TOP/tests/json_schema.py'"
check "status -j: the lease has expires_in and expires" bash -c \
	"'$BUILD/dstmctl' -s '$T_TMP/rpcd1.sock' -j status | python3 -c 'import json,sys,time; l = json.load(sys.stdin)[\"lease\"]; assert 0 < l[\"expires_in\"] <= 10 and abs(l[\"expires\"] - time.time() - l[\"expires_in\"]) < 10, l'"
check "status -o openmetrics: parses, rpcd's counters" bash -c \
	"'$BUILD/dstmctl' -s '$T_TMP/rpcd1.sock' status -o openmetrics | python3 '$TOP/tests/om_check.py' 'dstm_requests_total{daemon=\"rpcd\",procedure=\"alloc\"}>=1'"
expect_eq "client 1 runs the $BACKEND backend" 1 "$(ccounter 1 tunnel.backend.$BACKEND)"

# --- renewals across several lease periods, traffic flowing ---
renews_before=$(cli 1 -j status | jget 'd["counters"]["requests.renew"]')
ip netns exec "$NS_C1" ping -c 100 -i 0.25 -W 1 203.0.113.10 >"$T_TMP/ping.long" 2>&1
renews=$(( $(cli 1 -j status | jget 'd["counters"]["requests.renew"]') - renews_before ))
check "25 s of ping across 2.5 lease periods: no loss" grep -q ' 0% packet loss' "$T_TMP/ping.long"
if [ "$renews" -ge 3 ]; then ok "renewed $renews times at T1"; else not_ok "renewed at T1" "renews: $renews"; fi
expect_eq "the address stays the same across renewals" "$A1" "$(leased 1)"

# --- server restart while bound ---
kill_pid "$SPID"
start_server
check "server back after restart" port_open "$NS_GW" $PORT
check "traffic continues after the server restart" \
	ip netns exec "$NS_C1" ping -c 2 -i 0.2 -W 2 203.0.113.10
check "lease survives the restart (renew accepted)" \
	bash -c "'$BUILD/dstmctl' -s '$T_TMP/rpcd1.sock' renew >/dev/null && [ \"\$('$BUILD/dstmctl' -s '$T_TMP/rpcd1.sock' -j status | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"lease\"][\"address\"])')\" = '$A1' ]"

# --- forged 4in6 to a client from a non-TEP source ---
ip -n "$NS_GW" -6 addr add 2001:db8:1::66/64 dev c1 nodad
before=$(cli 1 -j status | jget 'd["counters"]["tunnel.drop.not_from_tep"]')
ip netns exec "$NS_GW" python3 -c "
import socket, sys
sys.path.insert(0, '$TOP/tests')
import pkt
p = pkt.ipv4_udp('203.0.113.10', '$A1', 9999, b'forged')
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_IPIP)
s.bind(('2001:db8:1::66', 0))
s.sendto(p, ('2001:db8:1::10', 0))"
forged() { [ "$(cli 1 -j status | jget 'd["counters"]["tunnel.drop.not_from_tep"]')" -gt "$before" ]; }
check "forged 4in6 from a non-TEP source is counted and dropped" wait_for 3 forged
check "rpcd is still running after forged input" kill -0 "$RPID1"

# --- release cleans client and gateway ---
cli 2 release >/dev/null
check "release: client 2 idle" state_is 2 idle
check "release: no IPv4 address left on client 2's dti0" \
	bash -c "! ip -n '$NS_C2' -4 addr show dti0 | grep -q inet"
check "release: no IPv4 route left on client 2" \
	bash -c "[ -z \"\$(ip -n '$NS_C2' -4 route)\" ]"
expect_eq "release: the gateway has only client 1's binding" "1" "$(counter gateway.bindings)"
kill_pid "$RPID2"

# --- on-demand mode ---
rpcd_conf 3 $PORT ondemand "idle-time = 3"
start_rpcd 3 "$NS_C2"
check "on-demand: idle without traffic" state_is 3 idle
expect_eq "on-demand: no binding for client 2 yet" "1" "$(counter gateway.bindings)"
t0=$(date +%s%N)
peer=$(tcp_check "$NS_C2" 8003)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
A3=$(leased 3)
if [ -n "$peer" ] && [ "$peer" = "$A3" ]; then
	ok "on-demand: the first TCP connection works (${ms} ms incl. lease), source $A3"
else
	not_ok "on-demand: the first TCP connection works" "peer '$peer', lease '$A3'"
fi
check "on-demand: released after 3 s idle" wait_for 10 state_is 3 idle
expect_eq "on-demand: binding gone after idle release" "1" "$(counter gateway.bindings)"

# --- refused lease (ACL) and unreachable server ---
sed -i 's|^allow = 2001:db8::/32|allow = 2001:db8:1::/64|' "$CONF"
kill -HUP "$SPID"
wait_for 5 grep -q "configuration reloaded" "$T_TMP/server.log"
cli 3 lease >/dev/null 2>"$T_TMP/lease.err"
check "refused lease: dstmctl lease exits 1 with the reason" grep -qi "denied\|not allowed" "$T_TMP/lease.err"
check "refused lease: status shows the refusal" \
	bash -c "'$BUILD/dstmctl' -s '$T_TMP/rpcd3.sock' status | grep -qi 'refused'"
kill_pid "$RPID3"
rpcd_conf 4 7599 always
start_rpcd 4 "$NS_C2"
check "unreachable server: rpcd keeps running" kill -0 "$BG_PID"
unreach() { cli 4 status 2>/dev/null | grep -qiE 'error:.*(refused|unreach|connect)'; }
check "unreachable server: status says why" wait_for 10 unreach
cli 4 -j lease >"$T_TMP/l4.json" 2>"$T_TMP/l4.err"
expect_eq "unreachable server: dstmctl lease through rpcd exits 3" 3 "$?"
check "... with a JSON error: server-unreachable" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == "server-unreachable" and d["code"] == 16, d
assert d["error"] == {"type": "unreachable", "message": d["message"],
    "detail": d["detail"], "exit_code": 3}, d' "$T_TMP/l4.json"
check "... and its keys are the documented ones" \
	python3 "$TOP/tests/json_schema.py" --exit 3 <"$T_TMP/l4.json"
check "... and says so on stderr" grep -q "^dstmctl: lease: the server did not answer" "$T_TMP/l4.err"
check "unreachable server: still requesting, nothing configured" \
	bash -c "! ip -n '$NS_C2' -4 addr show dti0 2>/dev/null | grep -q inet"

# --- the control program on rpcd's socket: stats, config, ping ---
check "rpcd: stats -j has the documented keys and rpcd's counters" bash -c \
	"'$BUILD/dstmctl' -s '$T_TMP/rpcd1.sock' -j stats | tee '$T_TMP/rs.json' |
	 python3 '$TOP/tests/json_schema.py' &&
	 python3 -c 'import json,sys; c = json.load(open(sys.argv[1]))[\"counters\"]; assert c[\"requests.alloc\"] >= 1, c' '$T_TMP/rs.json'"
check "rpcd: stats -o prometheus (daemon=\"rpcd1\", no pool)" bash -c \
	"'$BUILD/dstmctl' -s '$T_TMP/rpcd1.sock' stats -o prometheus >'$T_TMP/r.prom' &&
	 python3 '$TOP/tests/om_check.py' --prometheus 'dstm_requests_total{daemon=\"rpcd1\",procedure=\"alloc\"}>=1' <'$T_TMP/r.prom' &&
	 ! grep -q dstm_pool '$T_TMP/r.prom'"
"$BUILD/dstmctl" -s "$T_TMP/rpcd1.sock" config >"$T_TMP/rpcd1.running" 2>&1
"$BUILD/rpcd" -n -f "$T_TMP/rpcd1.running" >"$T_TMP/rpcd1.reparsed" 2>&1
expect_eq "rpcd: config round trip (rpcd -n -f prints the same)" "" \
	"$(diff "$T_TMP/rpcd1.running" "$T_TMP/rpcd1.reparsed")"
check "rpcd: config names its server" \
	grep -q "^server = 2001:db8:1::1$" "$T_TMP/rpcd1.running"
"$BUILD/dstmctl" -s "$T_TMP/rpcd1.sock" leases >/dev/null 2>"$T_TMP/rl.err"
expect_eq "rpcd: leases is the server's: exit 1, bad request" "1 yes" \
	"$? $(grep -q '^dstmctl: leases: bad request' "$T_TMP/rl.err" && echo yes)"
"$BUILD/dstmctl" -s "$T_TMP/rpcd1.sock" reload >/dev/null 2>"$T_TMP/rl.err"
expect_eq "rpcd: reload is the server's: exit 1, says what rpcd answers" "1 yes" \
	"$? $(grep -q 'rpcd answers only stats, config and ping' "$T_TMP/rl.err" && echo yes)"
check "rpcd: stats --reset" bash -c \
	"'$BUILD/dstmctl' -s '$T_TMP/rpcd1.sock' stats --reset | grep -q '^zeroed [0-9]* counters; [0-9]* gauges kept$'"
expect_eq "rpcd: after --reset status shows 0 allocs, the backend gauge kept" "0 1" \
	"$(cli 1 -j status | jget 'd["counters"]["requests.alloc"], d["counters"]["tunnel.backend." + "'"${BACKEND:-tun}"'"]' | tr -d '(),')"

# --- clean stop ---
kill_pid "$RPID1"
check "SIGTERM releases: client 1's lease is held on the server" \
	bash -c "'$BUILD/dstmctl' -s '$T_TMP/ctl.sock' leases | grep '$A1' | grep -q held"
check "no sanitizer reports" bash -c "! grep -q Sanitizer '$T_TMP'/*.log"
finish
