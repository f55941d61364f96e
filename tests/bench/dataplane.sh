#!/usr/bin/env bash
# tests/bench/dataplane.sh - parts 3 and 4 in the lab namespaces
# (tests/lab.sh): c1 runs rpcd -load (dti0, a leased address), gw runs
# rpcdstmd with its co-located gateway, v4 is the IPv4 host, which also
# gets 2001:db8:3::10 so the same path can be measured as plain IPv6
# forwarding through gw (the limit on this machine).
#
# Pinning on two cores: CPU A is the client host (sender, rpcd, the
# churn load), CPU B the gateway and the IPv4 host (rpcdstmd with its
# data-plane thread, receiver).  RPS steers each namespace's receive
# processing to its own core, so plain forwarding in gw also runs on CPU
# B, like the tunnel gateway, and not in the sender's context on CPU A.
#
# Part 3: UDP with 64 and 1400 byte payloads (udp_flow: first as fast as
# the sender goes, then the highest rate delivered with <= 0.1% loss) and
# TCP (iperf3), tunnel and native.  Part 4: a UDP flow through the tunnel
# at a quarter of the tunnel's loss-free rate, first alone, then while
# dstm_load allocates and releases other leases (each one a binding added
# to and removed from the gateway) as fast as the server answers.
. "$(dirname "$0")/../integration/lib.sh"
. "$TOP/tests/bench/common.sh"
. "$TOP/tests/lab.sh"

OUT3=$BENCH_OUT/dataplane.jsonl
OUT4=$BENCH_OUT/churn.jsonl
PORT=7545
SECS=1 STEPS=4 TCP_SECS=3 CHURN_SECS=3
if [ "$FULL" = 1 ]; then SECS=3 STEPS=6 TCP_SECS=10 CHURN_SECS=10; fi
CTL=$T_TMP/ctl.sock

lab_up || { note "data plane: lab did not come up"; exit 1; }
ip -n "$NS_V4" -6 addr add 2001:db8:3::10/64 dev eth0 nodad
ip -n "$NS_GW" -6 addr add 2001:db8:3::1/64 dev v4 nodad
ip -n "$NS_V4" -6 route add default via 2001:db8:3::1
# the churn's simulated clients live behind c2
ip -n "$NS_C2" -6 route add local 2001:db8:2:1::/64 dev lo
ip -n "$NS_GW" -6 route add 2001:db8:2:1::/64 via 2001:db8:2::20

rps() {	# rps NS IFACE CPU: that interface's receive work on CPU
	ip netns exec "$1" sh -c "echo $(printf %x $((1 << $3))) > \
		/sys/class/net/$2/queues/rx-0/rps_cpus" 2>/dev/null
}
RPS=yes
for spec in "$NS_GW c1 $CPU_B" "$NS_GW c2 $CPU_B" "$NS_GW v4 $CPU_B" \
    "$NS_V4 eth0 $CPU_B" "$NS_C1 eth0 $CPU_A" "$NS_C2 eth0 $CPU_A"; do
	# shellcheck disable=SC2086
	rps $spec || RPS=no
done
[ $RPS = yes ] || note "RPS not available: receive work runs on the sender's core"

cat >"$T_TMP/srv.conf" <<CONF
[server]
listen = 2001:db8:1::1
port = $PORT
state-dir = $BSTATE/lab
control-socket = $CTL
pid-file = $T_TMP/rpcdstmd.pid
lease-time = 1h
hold-time = 1m
rpcbind = no
journal-sync = no

[pool]
range = 198.51.100.0/24
exclude = 198.51.100.0
exclude = 198.51.100.255

[clients]
allow = 2001:db8::/32
rate-limit = 0

[gateway]
enable = yes
ifname = dti0
CONF
bg_in "$NS_GW" "$T_TMP/rpcdstmd.log" taskset -c $CPU_B "$BUILD/rpcdstmd" -d \
	-f "$T_TMP/srv.conf"
SPID=$BG_PID
wait_for 10 port_open "$NS_GW" $PORT || { note "rpcdstmd did not start"; exit 1; }
cat >"$T_TMP/rpcd.conf" <<CONF
[client]
server = 2001:db8:1::1
port = $PORT
control-socket = $T_TMP/rpcd.sock
pid-file = $T_TMP/rpcd.pid
key-file = $T_TMP/rpcd.key
CONF
bg_in "$NS_C1" "$T_TMP/rpcd.log" taskset -c $CPU_A "$BUILD/rpcd" -d -load \
	-f "$T_TMP/rpcd.conf"
bound() { "$BUILD/dstmctl" -s "$T_TMP/rpcd.sock" -j status 2>/dev/null |
	grep -q '"state":"bound"'; }
if ! wait_for 10 bound; then
	note "rpcd did not get a lease: $(tail -n 3 "$T_TMP/rpcd.log")"
	exit 1
fi
# warm the neighbour caches on both paths
ip netns exec "$NS_C1" ping -c 2 -i 0.2 -W 2 203.0.113.10 >/dev/null 2>&1 &&
	ip netns exec "$NS_C1" ping -6 -c 2 -i 0.2 -W 2 2001:db8:3::10 \
	>/dev/null 2>&1 || { note "no path through the lab"; exit 1; }

echo "  CPU $CPU_A: sender, rpcd (client host); CPU $CPU_B: rpcdstmd + gateway" \
	"thread, receiver (gateway, IPv4 host); RPS $RPS; ${SECS}s UDP steps"
echo "  tunnel: c1 dti0 (rpcd) -> 4in6 -> gw (rpcdstmd) -> 203.0.113.10;" \
	"native: c1 -> gw kernel IPv6 forwarding -> 2001:db8:3::10"
dst_of() { [ "$1" = tunnel ] && echo 203.0.113.10 || echo 2001:db8:3::10; }
for size in 64 1400; do
	for path in tunnel native; do
		dst=$(dst_of $path)
		bench_py udpramp "$OUT3" --tag "test=udp$size" --tag "path=$path" \
			--tag "payload=$size" --tag "secs=$SECS" --steps $STEPS \
			--rx "ip netns exec $NS_V4 taskset -c $CPU_B $BB/udp_flow recv $dst 9000 -t 60" \
			--tx "ip netns exec $NS_C1 taskset -c $CPU_A $BB/udp_flow send $dst 9000 -l $size -r {rate} -t $SECS"
	done
done
if command -v iperf3 >/dev/null; then
	for path in tunnel native; do
		dst=$(dst_of $path)
		printf '    %-20s' "TCP $path"
		ip netns exec "$NS_V4" taskset -c $CPU_B iperf3 -s -1 -B "$dst" \
			-p 5201 >"$T_TMP/iperf-s.log" 2>&1 &
		IP_PID=$!
		T_PIDS+=("$IP_PID")
		wait_for 5 ip netns exec "$NS_V4" ss -Htln "sport = :5201"
		ip netns exec "$NS_C1" taskset -c $CPU_A iperf3 -c "$dst" -p 5201 \
			-t $TCP_SECS -J >"$T_TMP/iperf.json" 2>&1
		wait "$IP_PID" 2>/dev/null
		rec=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
e = d["end"]
print(json.dumps({"mbps": round(e["sum_received"]["bits_per_second"] / 1e6, 1),
                  "retransmits": e["sum_sent"].get("retransmits", 0),
                  "secs": round(e["sum_received"]["seconds"], 2)}))' \
			"$T_TMP/iperf.json" 2>/dev/null) ||
			rec='{"error":"iperf3 failed"}'
		emit dataplane "$(json_merge "$rec" \
			"{\"type\":\"best\",\"test\":\"tcp\",\"path\":\"$path\"}")"
		echo " $rec"
	done
else
	note "iperf3 missing: no TCP throughput"
fi
echo
bench_py table dataplane "$OUT3"

# ---- part 4: binding churn under a running flow ----
echo
echo "== Part 4: binding churn while a flow runs through the tunnel"
RATE=$(python3 -c 'import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
b = [x for x in r if x.get("type") == "best" and x.get("test") == "udp64"
     and x.get("path") == "tunnel" and x.get("nodrop_pps")]
print(int(min(50000, max(1000, b[0]["nodrop_pps"] / 4))) if b else 5000)' "$OUT3")
gw_counters() {	# the gateway's drop and error counters, one JSON object
	"$BUILD/dstmctl" -s "$CTL" -j stats 2>/dev/null | python3 -c 'import json, sys
d = json.load(sys.stdin)
c = d.get("counters", d)
if isinstance(c, list):
    c = {x["name"]: x["value"] for x in c}
print(json.dumps({k: v for k, v in c.items() if k.startswith("gateway.drop")
                  or k in ("gateway.bind-errors", "gateway.write-errors",
                           "gateway.bindings")}))' 2>/dev/null || echo '{}'
}
flow() {	# flow PHASE SECS [churn]: one measured flow, churn alongside
	local phase=$1 secs=$2 churn=${3:-} out= before after rx_pid tx_pid
	before=$(gw_counters)
	ip netns exec "$NS_V4" taskset -c $CPU_B "$BB/udp_flow" recv \
		203.0.113.10 9100 -t 120 >"$T_TMP/flow-rx" 2>&1 &
	rx_pid=$!
	T_PIDS+=("$rx_pid")
	wait_for 5 grep -q ready "$T_TMP/flow-rx"
	ip netns exec "$NS_C1" taskset -c $CPU_A "$BB/udp_flow" send \
		203.0.113.10 9100 -l 200 -r "$RATE" -t "$secs" >"$T_TMP/flow-tx" &
	tx_pid=$!
	T_PIDS+=("$tx_pid")
	if [ -n "$churn" ]; then
		sleep 0.3
		out=$(ip netns exec "$NS_C2" taskset -c $CPU_A "$BT/dstm_load" \
			-s 2001:db8:1::1 -p $PORT -u -q -P 4 -o cycle -n 1000000 \
			-T "$((secs - 1))" -c 2001:db8:2:1:: | tail -n 1)
	fi
	wait "$tx_pid" 2>/dev/null
	wait "$rx_pid" 2>/dev/null
	after=$(gw_counters)
	python3 - "$phase" "$RATE" "$T_TMP/flow-tx" "$T_TMP/flow-rx" "$out" \
	    "$before" "$after" >>"$OUT4" <<'PY'
import json, sys
phase, rate, txf, rxf, churn, before, after = sys.argv[1:8]
last = lambda f: json.loads(open(f).read().strip().splitlines()[-1])
tx, rx = last(txf), last(rxf)
rec = {"type": "flow", "phase": phase, "flow_pps": int(rate),
       "sent": tx["sent"], "received": rx["received"],
       "lost": tx["sent"] - rx["received"],
       "loss_pct": 100.0 * (tx["sent"] - rx["received"]) / tx["sent"],
       "reordered": rx["reordered"], "lat_p50_us": rx["lat_p50_us"],
       "lat_p99_us": rx["lat_p99_us"], "lat_max_us": rx["lat_max_us"]}
if churn:
    w = churn.split()
    kv = {w[i]: w[i + 1] for i in range(0, len(w) - 1, 2)}
    rec.update(updates=int(kv["ok"]), update_failures=int(kv["fail"]),
               churn_secs=float(kv["secs"]),
               updates_per_s=int(kv["ok"]) / float(kv["secs"]),
               update_p50_us=int(kv["p50"].rstrip("us")),
               update_p99_us=int(kv["p99"].rstrip("us")))
b, a = json.loads(before or "{}"), json.loads(after or "{}")
rec["gateway_counters"] = {k: a[k] - b.get(k, 0) for k in a
                           if k != "gateway.bindings" and a[k] != b.get(k, 0)}
print(json.dumps(rec, sort_keys=True))
PY
}
echo "  flow: 200 B payload at $RATE pkt/s (a quarter of the tunnel's" \
	"loss-free 64 B rate); churn: dstm_load -P 4 cycle from c2 (ALLOC +" \
	"RELEASE per client, each a gateway bind + unbind), journal-sync = no"
flow baseline "$CHURN_SECS"
flow churn "$((CHURN_SECS + 1))" yes
echo
bench_py table churn "$OUT4"
kill_pid "$SPID"
