#!/usr/bin/env bash
# tests/bench/dataplane.sh - parts 3 and 4: the data plane of every
# backend (BACKENDS, default "tun bpf": rpcdstmd's gateway and rpcd both
# with that backend) beside plain IPv6 forwarding through the same gw
# namespace (v4 also gets 2001:db8:3::10: the limit on this machine).
#
# One lab (tests/lab.sh) per backend, all up at once with their daemons,
# so that every measurement runs on every path back to back (native,
# tun, bpf, then the next measurement), ROUNDS times: the machine is
# shared, its load moves within minutes and only ever takes rate away,
# so the tables show the best round (the JSON has every round).  Native
# runs in the first lab.
#
# Pinning on two cores: CPU A is the client host (sender, rpcd, the
# churn load), CPU B the gateway and the IPv4 host (rpcdstmd with its
# data-plane thread, receiver).  RPS steers each namespace's receive
# processing to its own core, so plain forwarding and the BPF programs
# in gw also run on CPU B, like the tun gateway, and not in the
# sender's context on CPU A.
#
# Part 3, per path: UDP with 64 and 1400 byte payloads (udp_flow: first
# as fast as the sender goes, then the highest rate delivered with <=
# 0.1% loss), TCP up and down (iperf3), and the CPU time per packet of
# a 64-byte flow at CPU_RATE (RPS off for that step, see bench.py).
# Part 4, per backend: a UDP flow through the tunnel at a quarter of
# that backend's loss-free 64-byte rate, first alone, then while
# dstm_load allocates and releases other leases (each one a binding
# added to and removed from the gateway) as fast as the server answers.
# Then the BPF maps alone (dstm_kbpf: both fast paths, no daemons), 1k
# bindings in one lab and 1M in another, measured in turns: memory, the
# flow's rate, bind/unbind churn in the maps under a running flow.
. "$(dirname "$0")/../integration/lib.sh"
. "$TOP/tests/bench/common.sh"
. "$TOP/tests/lab.sh"

OUT3=$BENCH_OUT/dataplane.jsonl
OUT4=$BENCH_OUT/churn.jsonl
OUTK=$BENCH_OUT/kbpf.jsonl
PORT=7545
SECS=1 STEPS=4 TCP_SECS=3 CHURN_SECS=3 CPU_SECS=2 ROUNDS=2
if [ "$FULL" = 1 ]; then
	SECS=3 STEPS=6 TCP_SECS=10 CHURN_SECS=10 CPU_SECS=5 ROUNDS=3
fi
KB_SMALL=1000 KB_LARGE=1000000
BACKENDS=${BACKENDS:-tun bpf}
CPU_RATE=${CPU_RATE:-20000}	# 64 B pkt/s, below every path's loss-free rate
KB=$BUILD/tests/dstm_kbpf
V4=203.0.113.10 V6=2001:db8:3::10
BASE_ID=$RUN_ID

# ---- labs: one per backend, the native path in the first ----
rps() {	# rps NS IFACE CPU|off: that interface's receive work on CPU
	local mask=0
	[ "$3" = off ] || mask=$(printf %x $((1 << $3)))
	ip netns exec "$1" sh -c "echo $mask > \
		/sys/class/net/$2/queues/rx-0/rps_cpus" 2>/dev/null
}
lab_rps() {	# lab_rps on|off: RPS of the current lab's veths
	local ns dev cpu ok=yes
	while read -r ns dev cpu; do
		[ "$1" = on ] || cpu=off
		rps "$ns" "$dev" "$cpu" || ok=no
	done <<LINKS
$NS_GW c1 $CPU_B
$NS_GW c2 $CPU_B
$NS_GW v4 $CPU_B
$NS_V4 eth0 $CPU_B
$NS_C1 eth0 $CPU_A
$NS_C2 eth0 $CPU_A
LINKS
	[ $ok = yes ]
}
declare -A LAB
lab_make() {	# lab_make NAME: a lab, then current
	RUN_ID=$BASE_ID$1 lab_up || return 1
	LAB[$1]="$NS_C1 $NS_C2 $NS_GW $NS_V4"
	ip -n "$NS_V4" -6 addr add $V6/64 dev eth0 nodad
	ip -n "$NS_GW" -6 addr add 2001:db8:3::1/64 dev v4 nodad
	ip -n "$NS_V4" -6 route add default via 2001:db8:3::1
	# the churn's simulated clients live behind c2
	ip -n "$NS_C2" -6 route add local 2001:db8:2:1::/64 dev lo
	ip -n "$NS_GW" -6 route add 2001:db8:2:1::/64 via 2001:db8:2::20
	lab_rps on || true
}
lab_use() {	# lab_use NAME
	read -r NS_C1 NS_C2 NS_GW NS_V4 <<<"${LAB[$1]}"
}

BPF=yes
case " $BACKENDS " in *" bpf "*) ;; *) BPF=no ;; esac
NLABS=$(wc -w <<<"$BACKENDS")
[ $BPF = yes ] && [ "$NLABS" -lt 2 ] && NLABS=2
for i in $(seq 1 "$NLABS"); do
	lab_make "l$i" || { note "data plane: lab did not come up"; exit 1; }
done
RPS=yes
lab_use l1
lab_rps on || { RPS=no; note "RPS not available: receive work runs on the sender's core"; }
if [ $BPF = yes ] &&
    ! ip netns exec "$NS_GW" "$KB" probe >"$T_TMP/probe" 2>&1; then
	BPF=no
	note "BPF cannot load here ($(tail -n 1 "$T_TMP/probe")): no bpf rows"
	BACKENDS=${BACKENDS//bpf/}
fi

# ---- the daemons of one backend, in its own lab ----
declare -A D_LAB D_SPID D_RPID
bound() { "$BUILD/dstmctl" -s "$T_TMP/rpcd-$1.sock" -j status 2>/dev/null |
	grep -q '"state":"bound"'; }
stats_json() {	# stats_json SOCKET stats|status: its counters, one JSON object
	"$BUILD/dstmctl" -s "$1" -j "$2" 2>/dev/null | python3 -c 'import json, sys
d = json.load(sys.stdin)
c = d.get("counters", d)
if isinstance(c, list):
    c = {x["name"]: x["value"] for x in c}
print(json.dumps(c))' 2>/dev/null || echo '{}'
}
lab_srv_conf() {	# lab_srv_conf NAME [LINE...]: srv-NAME.conf, fresh state
	local n=$1
	shift
	rm -rf "$BSTATE/lab-$n"
	cat >"$T_TMP/srv-$n.conf" <<CONF
[server]
listen = 2001:db8:1::1
port = $PORT
state-dir = $BSTATE/lab-$n
control-socket = $T_TMP/ctl-$n.sock
pid-file = $T_TMP/rpcdstmd-$n.pid
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

CONF
	printf '%s\n' "$@" >>"$T_TMP/srv-$n.conf"
}
daemons_up() {	# daemons_up BACKEND LAB
	local bk=$1 spid rpid s c
	lab_use "$2"
	lab_srv_conf "$bk" "[gateway]" "enable = yes" "ifname = dti0" \
		"backend = $bk"
	cat >"$T_TMP/rpcd-$bk.conf" <<CONF
[client]
server = 2001:db8:1::1
port = $PORT
control-socket = $T_TMP/rpcd-$bk.sock
pid-file = $T_TMP/rpcd-$bk.pid
key-file = $T_TMP/rpcd-$bk.key
backend = $bk
CONF
	bg_in "$NS_GW" "$T_TMP/rpcdstmd-$bk.log" taskset -c $CPU_B \
		"$BUILD/rpcdstmd" -d -f "$T_TMP/srv-$bk.conf"
	spid=$BG_PID
	if ! wait_for 10 port_open "$NS_GW" $PORT; then
		note "$bk: rpcdstmd did not start: $(tail -n 2 "$T_TMP/rpcdstmd-$bk.log")"
		kill_pid "$spid"
		return 1
	fi
	bg_in "$NS_C1" "$T_TMP/rpcd-$bk.log" taskset -c $CPU_A "$BUILD/rpcd" \
		-d -load -f "$T_TMP/rpcd-$bk.conf"
	rpid=$BG_PID
	if ! wait_for 10 bound "$bk"; then
		note "$bk: rpcd did not get a lease: $(tail -n 2 "$T_TMP/rpcd-$bk.log")"
		kill_pid "$rpid"
		kill_pid "$spid"
		return 1
	fi
	s=$(stats_json "$T_TMP/ctl-$bk.sock" stats)
	c=$(stats_json "$T_TMP/rpcd-$bk.sock" status)
	if ! python3 -c 'import json, sys
s, c, b = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
sys.exit(0 if s.get("gateway.backend." + b) == 1 and
         c.get("tunnel.backend." + b) == 1 else 1)' "$s" "$c" "$bk"; then
		note "$bk: the daemons do not run backend $bk (see their logs)"
		kill_pid "$rpid"
		kill_pid "$spid"
		return 1
	fi
	D_LAB[$bk]=$2 D_SPID[$bk]=$spid D_RPID[$bk]=$rpid
}
daemons_down() {	# daemons_down BACKEND
	kill_pid "${D_RPID[$1]}"
	kill_pid "${D_SPID[$1]}"
}

# ---- a path: its lab, destination, tags ----
path_use() {	# path_use native|BACKEND: sets DST TAGS JTAGS PIDS
	if [ "$1" = native ]; then
		lab_use l1
		DST=$V6 TAGS=(path=native) JTAGS='{"path":"native"}' PIDS=
	else
		lab_use "${D_LAB[$1]}"
		DST=$V4 TAGS=(path=tunnel "backend=$1")
		JTAGS="{\"path\":\"tunnel\",\"backend\":\"$1\"}"
		PIDS="${D_SPID[$1]} ${D_RPID[$1]}"
	fi
}
udp_ramp() {	# udp_ramp SIZE TAG...: one udpramp on the current path
	local size=$1 tags=() t
	shift
	for t in "${TAGS[@]}" "$@"; do tags+=(--tag "$t"); done
	bench_py udpramp "${OUT:-$OUT3}" --tag "test=udp$size" \
		--tag "payload=$size" --tag "secs=$SECS" "${tags[@]}" \
		--steps $STEPS --cpus "$CPU_A,$CPU_B" \
		--rx "ip netns exec $NS_V4 taskset -c $CPU_B $BB/udp_flow recv $DST 9000 -t 60" \
		--tx "ip netns exec $NS_C1 taskset -c $CPU_A $BB/udp_flow send $DST 9000 -l $size -r {rate} -t $SECS"
}
cpu_step() {	# CPU per packet at CPU_RATE on the current path, RPS off
	local tags=() t
	for t in "${TAGS[@]}"; do tags+=(--tag "$t"); done
	lab_rps off
	bench_py udpcpu "$OUT3" --tag test=cpu64 --tag payload=64 \
		--tag "secs=$CPU_SECS" "${tags[@]}" --rate "$CPU_RATE" \
		--cpus "$CPU_A,$CPU_B" --pids "$PIDS" \
		--rx "ip netns exec $NS_V4 taskset -c $CPU_B $BB/udp_flow recv $DST 9000 -t 60" \
		--tx "ip netns exec $NS_C1 taskset -c $CPU_A $BB/udp_flow send $DST 9000 -l 64 -r {rate} -t $CPU_SECS -B"
	lab_rps on
}
tcp() {	# tcp up|down ROUND: one iperf3 stream on the current path
	local dir=$1 srv rec test=tcp rev=''
	[ "$dir" = down ] && test=tcp_down rev=-R
	printf '    %-20s' "${TAGS[-1]#*=} TCP $dir"
	ip netns exec "$NS_V4" taskset -c $CPU_B timeout $((TCP_SECS + 20)) \
		iperf3 -s -1 -B "$DST" -p 5201 >"$T_TMP/iperf-s.log" 2>&1 &
	srv=$!
	T_PIDS+=("$srv")
	wait_for 5 ip netns exec "$NS_V4" ss -Htln "sport = :5201"
	ip netns exec "$NS_C1" taskset -c $CPU_A timeout $((TCP_SECS + 15)) \
		iperf3 -c "$DST" -p 5201 -t $TCP_SECS --connect-timeout 3000 \
		$rev -J >"$T_TMP/iperf.json" 2>&1
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
	rec=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
e = d["end"]
print(json.dumps({"mbps": round(e["sum_received"]["bits_per_second"] / 1e6, 1),
                  "retransmits": e["sum_sent"].get("retransmits", 0),
                  "secs": round(e["sum_received"]["seconds"], 2)}))' \
		"$T_TMP/iperf.json" 2>/dev/null) ||
		rec='{"error":"iperf3 failed"}'
	emit dataplane "$(json_merge "$rec" "$JTAGS" \
		"{\"type\":\"best\",\"test\":\"$test\",\"dir\":\"$dir\",\"round\":$2}")"
	echo " $rec"
}

# ---- part 4: a measured flow on the current lab, churn alongside ----
# flow PHASE SECS RATE COUNTERS-FN [CHURN-FN] [JSON-TAGS]: CHURN-FN SECS
# prints one JSON object (updates, secs, ...); COUNTERS-FN prints the
# gateway's drop and error counters as one JSON object
flow() {
	local phase=$1 secs=$2 rate=$3 counters=$4 churn=${5:-} jtags=${6:-'{}'}
	local out='{}' before after rx_pid tx_pid
	before=$($counters)
	ip netns exec "$NS_V4" taskset -c $CPU_B "$BB/udp_flow" recv \
		$V4 9100 -t 120 >"$T_TMP/flow-rx" 2>&1 &
	rx_pid=$!
	T_PIDS+=("$rx_pid")
	wait_for 5 grep -q ready "$T_TMP/flow-rx"
	ip netns exec "$NS_C1" taskset -c $CPU_A "$BB/udp_flow" send \
		$V4 9100 -l 200 -r "$rate" -t "$secs" >"$T_TMP/flow-tx" &
	tx_pid=$!
	T_PIDS+=("$tx_pid")
	if [ -n "$churn" ]; then
		sleep 0.3
		out=$($churn "$((secs - 1))")
	fi
	wait "$tx_pid" 2>/dev/null
	wait "$rx_pid" 2>/dev/null
	after=$($counters)
	python3 - "$phase" "$rate" "$T_TMP/flow-tx" "$T_TMP/flow-rx" "$out" \
	    "$before" "$after" "$jtags" >>"${OUT:-$OUT4}" <<'PY'
import json, sys
phase, rate, txf, rxf, churn, before, after, tags = sys.argv[1:9]
last = lambda f: json.loads(open(f).read().strip().splitlines()[-1])
tx, rx = last(txf), last(rxf)
rec = json.loads(tags)
rec.update({"type": "flow", "phase": phase, "flow_pps": int(rate),
            "sent": tx["sent"], "received": rx["received"],
            "lost": tx["sent"] - rx["received"],
            "loss_pct": 100.0 * (tx["sent"] - rx["received"]) / tx["sent"],
            "reordered": rx["reordered"], "lat_p50_us": rx["lat_p50_us"],
            "lat_p99_us": rx["lat_p99_us"], "lat_max_us": rx["lat_max_us"]})
if phase == "churn":
    c = json.loads(churn or "{}")
    rec.update({"churn_" + k if k in ("secs", "errors") else k: v
                for k, v in c.items()})
b, a = json.loads(before or "{}"), json.loads(after or "{}")
rec["gateway_counters"] = {k: a[k] - b.get(k, 0) for k in a
                           if a[k] != b.get(k, 0)}
print(json.dumps(rec, sort_keys=True))
PY
}
quarter() {	# quarter FILE KEY=VALUE...: a quarter of that 64 B loss-free rate
	python3 -c 'import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
want = dict(a.split("=", 1) for a in sys.argv[2:])
b = [x for x in r if x.get("type") == "best" and x.get("test") == "udp64"
     and all(str(x.get(k)) == v for k, v in want.items())
     and x.get("nodrop_pps")]
best = max([x["nodrop_pps"] for x in b] or [0])
print(int(min(50000, max(1000, best / 4))) if b else 5000)' \
		"$@"
}
gw_counters() {	# the gateway's drop and error counters (CTL), one JSON object
	stats_json "$CTL" stats | python3 -c 'import json, sys
c = json.load(sys.stdin)
print(json.dumps({k: v for k, v in c.items() if k.startswith("gateway.drop")
                  or k in ("gateway.bind_errors", "gateway.write_errors",
                           "gateway.bpf.error")}))' 2>/dev/null || echo '{}'
}
churn_server() {	# churn_server SECS: ALLOC + RELEASE from c2, as JSON
	local line
	line=$(ip netns exec "$NS_C2" taskset -c $CPU_A "$BT/dstm_load" \
		-s 2001:db8:1::1 -p $PORT -u -q -P 4 -o cycle -n 1000000 \
		-T "$1" -c 2001:db8:2:1:: | tail -n 1)
	python3 -c 'import json, sys
w = sys.argv[1].split()
kv = {w[i]: w[i + 1] for i in range(0, len(w) - 1, 2)}
print(json.dumps({"source": "server", "updates": int(kv["ok"]),
                  "update_failures": int(kv["fail"]),
                  "secs": float(kv["secs"]),
                  "updates_per_s": int(kv["ok"]) / float(kv["secs"]),
                  "update_p50_us": int(kv["p50"].rstrip("us")),
                  "update_p99_us": int(kv["p99"].rstrip("us"))}))' "$line" \
		2>/dev/null || echo '{"source":"server","error":"dstm_load"}'
}

server_alone() {	# the server's churn with the gateway off: its own limit
	local spid out
	lab_use l1
	lab_srv_conf none
	bg_in "$NS_GW" "$T_TMP/rpcdstmd-none.log" taskset -c $CPU_B \
		"$BUILD/rpcdstmd" -d -f "$T_TMP/srv-none.conf"
	spid=$BG_PID
	if wait_for 10 port_open "$NS_GW" $PORT; then
		out=$(churn_server "$CHURN_SECS")
		emit churn "$(json_merge "$out" '{"type":"server_alone"}')"
		echo "    the server alone (gateway off): $(python3 -c 'import json, sys
print("{:,.0f} updates/s".format(json.loads(sys.argv[1]).get("updates_per_s", 0)))' "$out")"
	else
		note "rpcdstmd without gateway did not start"
	fi
	kill_pid "$spid"
}

# ---- the BPF maps alone: dstm_kbpf gw (commands on a FIFO) + client ----
declare -A KB_FD KB_GPID KB_CPID KB_N
KB_LAB=
kb_replies() { grep -c '^{' "$T_TMP/kb-$KB_LAB.log"; }
kb_more() { [ "$(kb_replies)" -gt "$1" ]; }
kb_cmd() {	# kb_cmd COMMAND: its one JSON reply (lab KB_LAB)
	local n
	n=$(kb_replies)
	echo "$1" >&"${KB_FD[$KB_LAB]}"
	wait_for 180 kb_more "$n" || { echo '{"error":"no reply"}'; return 1; }
	grep '^{' "$T_TMP/kb-$KB_LAB.log" | tail -n 1
}
kb_counters() {	# drop and error counters of the kernel path, JSON
	kb_cmd stats >/dev/null
	python3 -c 'import json, sys
d = {}
for l in open(sys.argv[1]):
    k, v = l.split()
    n = k[:-5] if k.endswith(".pkts") else None
    if n and not n.startswith("fwd-") and not n.startswith("bind."):
        d["kbpf." + n] = int(v)
print(json.dumps(d))' "$T_TMP/kb-$KB_LAB.stats" 2>/dev/null || echo '{}'
}
churn_maps() {	# churn_maps SECS: bind + unbind in the maps, as JSON
	kb_cmd "churn $1" | python3 -c 'import json, sys
c = json.load(sys.stdin)
print(json.dumps({"source": "maps", "updates": c["updates"],
                  "secs": c["churn_secs"], "errors": c["errors"],
                  "updates_per_s": c["per_s"]}))' 2>/dev/null ||
		echo '{"source":"maps","error":"dstm_kbpf"}'
}
kb_up() {	# kb_up LAB N SLOTS: both fast paths in LAB, the maps at N
	local fd f m
	KB_LAB=$1
	lab_use "$1"
	mkfifo "$T_TMP/kb-$1.in"
	ip netns exec "$NS_GW" taskset -c $CPU_B "$KB" gw -c -N "$3" \
		-t 2001:db8:1::1 -i dti0 -u c1 -b 198.51.100.7=2001:db8:1::10 \
		-o "$T_TMP/kb-$1.stats" <"$T_TMP/kb-$1.in" \
		>"$T_TMP/kb-$1.log" 2>&1 &
	KB_GPID[$1]=$!
	T_PIDS+=("$!")
	exec {fd}>"$T_TMP/kb-$1.in"
	KB_FD[$1]=$fd
	bg_in "$NS_C1" "$T_TMP/kbc-$1.log" taskset -c $CPU_A "$KB" client \
		-s 2001:db8:1::10 -t 2001:db8:1::1 -i dti0 -u eth0 \
		-l 198.51.100.7
	KB_CPID[$1]=$BG_PID
	if ! wait_for 10 grep -q '^ready' "$T_TMP/kb-$1.log" ||
	    ! wait_for 10 grep -q '^ready' "$T_TMP/kbc-$1.log"; then
		note "dstm_kbpf did not start: $(tail -q -n 2 "$T_TMP/kb-$1.log" \
			"$T_TMP/kbc-$1.log" | tr '\n' ' ')"
		return 1
	fi
	ip -n "$NS_GW" link set dti0 mtu 65535
	ip -n "$NS_GW" route add 198.51.100.0/24 dev dti0
	ip netns exec "$NS_GW" sysctl -qw net.ipv4.conf.all.forwarding=1
	ip -n "$NS_C1" link set dti0 mtu 1460
	ip -n "$NS_C1" addr add 198.51.100.7/32 dev dti0
	ip -n "$NS_C1" route add 203.0.113.0/24 dev dti0 src 198.51.100.7
	ip netns exec "$NS_C1" ping -c 2 -i 0.2 -W 2 $V4 >/dev/null 2>&1 ||
		{ note "dstm_kbpf: no path through the fast paths"; return 1; }
	printf '    %-9s fill...' "$2"
	f=$(kb_cmd "fill $2")
	m=$(kb_cmd maps)
	python3 -c 'import json, sys
f, m = json.loads(sys.argv[1]), json.loads(sys.argv[2])
hashes = [x for x in m["maps"] if x["type"] == 1]	# BPF_MAP_TYPE_HASH
print(json.dumps({"type": "maps", "bindings": int(sys.argv[3]),
                  "slots": int(sys.argv[4]),
                  "fill_per_s": f.get("per_s"), "fill_secs": f.get("secs"),
                  "maps": {x["name"]: x for x in m["maps"]},
                  "memlock_total": sum(x["memlock"] for x in m["maps"]),
                  "memlock_elems": sum(x["memlock"] - 16 * x["max"]
                                       for x in hashes)}, sort_keys=True))' \
		"$f" "$m" "$2" "$3" >>"$OUTK" || { echo " failed"; return 1; }
	KB_N[$1]=$2
	tail -n 1 "$OUTK" | python3 -c 'import json, sys
r = json.load(sys.stdin)
print(" %s/s, maps %.1f MB" % ("{:,.0f}".format(r["fill_per_s"] or 0),
                               r["memlock_total"] / 1048576.0))'
}
kbpf_maps() {	# KB_SMALL bindings in l1, KB_LARGE in l2, measured in turns
	local slots=1024 rnd l rate fd
	while [ $slots -lt $((KB_LARGE + 1 + 256)) ]; do slots=$((slots * 2)); done
	echo "  the maps alone: dstm_kbpf gw (-N $slots slots) and client in" \
		"two labs; one binding carries the flow, synthetic ones fill the maps"
	kb_up l1 $KB_SMALL $slots && kb_up l2 $KB_LARGE $slots || return 1
	DST=$V4
	for rnd in $(seq 1 $ROUNDS); do
		for l in l1 l2; do
			lab_use $l
			TAGS=(path=kbpf "bindings=${KB_N[$l]}")
			OUT=$OUTK udp_ramp 64 "round=$rnd"
		done
	done
	rate=$(quarter "$OUTK" path=kbpf "bindings=$KB_SMALL")
	for l in l1 l2; do
		KB_LAB=$l
		lab_use $l
		OUT=$OUTK flow churn "$((CHURN_SECS + 1))" "$rate" kb_counters \
			churn_maps "{\"backend\":\"bpf\",\"bindings\":${KB_N[$l]}}"
		tail -n 1 "$OUTK" >>"$OUT4"	# part 4's row too
		printf '    %-9s churn: %s\n' "${KB_N[$l]}" "$(tail -n 1 "$OUTK" |
			python3 -c 'import json, sys
r = json.load(sys.stdin)
print("%s updates/s in the maps, flow of %d pkt/s lost %d of %d" % (
    "{:,.0f}".format(r.get("updates_per_s") or 0), r["flow_pps"], r["lost"],
    r["sent"]))')"
	done
	for l in l1 l2; do
		fd=${KB_FD[$l]}
		exec {fd}>&-
		kill_pid "${KB_CPID[$l]}"
		kill_pid "${KB_GPID[$l]}"
	done
}

# ---- the run ----
echo "  CPU $CPU_A: sender, rpcd (client host); CPU $CPU_B: rpcdstmd + gateway" \
	"thread, receiver (gateway, IPv4 host); RPS $RPS; ${SECS}s UDP steps"
echo "  tunnel: c1 dti0 (rpcd) -> 4in6 -> gw (rpcdstmd) -> $V4;" \
	"native: c1 -> gw kernel IPv6 forwarding -> $V6"
PATHS=(native)
i=0
for bk in $BACKENDS; do
	i=$((i + 1))
	daemons_up "$bk" "l$i" && PATHS+=("$bk")
done
echo "  paths: ${PATHS[*]}, one lab per backend, each measurement on every" \
	"path in turn, $ROUNDS rounds; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for p in "${PATHS[@]}"; do
	path_use "$p"
	ip netns exec "$NS_C1" ping -c 2 -i 0.2 -W 2 "$DST" >/dev/null 2>&1 ||
		note "$p: no path to $DST"
done
for size in 64 1400; do
	for rnd in $(seq 1 $ROUNDS); do
		for p in "${PATHS[@]}"; do
			path_use "$p"
			udp_ramp $size "round=$rnd"
		done
	done
done
if command -v iperf3 >/dev/null; then
	for dir in up down; do
		for rnd in $(seq 1 $ROUNDS); do
			for p in "${PATHS[@]}"; do path_use "$p"; tcp "$dir" "$rnd"; done
		done
	done
else
	note "iperf3 missing: no TCP throughput"
fi
for p in "${PATHS[@]}"; do path_use "$p"; cpu_step; done
# what each side's kernel path carried (bpf), or the tun path alone
for bk in "${PATHS[@]:1}"; do
	python3 -c 'import json, sys
s, c = json.loads(sys.argv[1]), json.loads(sys.argv[2])
keep = {k: v for k, v in list(s.items()) + list(c.items()) if v and (
    k.startswith("gateway.bpf.") or k.startswith("tunnel.bpf.") or k in (
        "gateway.decap.packets", "gateway.encap.packets",
        "tunnel.tx.packets", "tunnel.rx.packets"))}
print(json.dumps({"type": "fastpath", "backend": sys.argv[3],
                  "counters": keep}, sort_keys=True))' \
		"$(stats_json "$T_TMP/ctl-$bk.sock" stats)" \
		"$(stats_json "$T_TMP/rpcd-$bk.sock" status)" "$bk" >>"$OUT3"
done
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
bench_py table dataplane "$OUT3"

echo
echo "== Part 4: binding churn while a flow runs through the tunnel"
echo "  flow: 200 B payload at a quarter of that path's loss-free 64 B rate;" \
	"server churn: dstm_load -P 4 cycle from c2"
echo "  (ALLOC + RELEASE per client, each a gateway bind + unbind)," \
	"journal-sync = no; maps churn: dstm_kbpf binds and unbinds"
echo "  in the kernel maps directly (256 churned bindings live), on the" \
	"gateway's CPU"
for bk in "${PATHS[@]:1}"; do
	lab_use "${D_LAB[$bk]}"
	CTL=$T_TMP/ctl-$bk.sock
	rate=$(quarter "$OUT3" path=tunnel "backend=$bk")
	echo "    $bk: flow of $rate pkt/s alone, then with the server's churn"
	flow baseline "$CHURN_SECS" "$rate" gw_counters "" \
		"{\"backend\":\"$bk\",\"source\":\"server\"}"
	flow churn "$((CHURN_SECS + 1))" "$rate" gw_counters churn_server \
		"{\"backend\":\"$bk\"}"
done
for bk in "${PATHS[@]:1}"; do daemons_down "$bk"; done
server_alone
if [ $BPF = yes ]; then
	kbpf_maps || note "the BPF maps alone: not measured"
fi
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
bench_py table churn "$OUT4"
if [ -s "$OUTK" ]; then
	echo
	echo "  The BPF maps at size (dstm_kbpf, both fast paths, no daemons;" \
		"the sizes measured in turns):"
	bench_py table kbpf "$OUTK"
fi
