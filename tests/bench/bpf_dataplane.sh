#!/usr/bin/env bash
# tests/bench/bpf_dataplane.sh - the BPF fast paths against the userspace
# (TUN) data plane and plain IPv6 forwarding, in one run, in the lab
# (tests/lab.sh).  Standalone (not part of `make bench` yet):
#   make -f Makefile -f tests/bench/bench.mk bench-tools build/tests/dstm_kbpf
#   BUILD=build tests/bench/bpf_dataplane.sh [SECS]
#
#   native: c1 -> gw kernel IPv6 forwarding -> 2001:db8:3::10 (the limit)
#   bpf:    c1 dti0 -> dstm_kbpf client -> 4in6 -> dstm_kbpf gw -> v4
#   tun:    c1 dti0 -> rpcd -> 4in6 -> rpcdstmd's gateway thread -> v4
#   gw-bpf: c1 dti0 -> rpcd -> 4in6 -> rpcdstmd, backend = bpf -> v4
#           (when rpcdstmd knows that backend; with the v4 host's TX
#           checksum offload off, see below, and the tun path measured
#           again the same way for comparison: tun-v4off)
# Per path: UDP with 64-byte payloads as fast as one sender goes (packets
# per second received), TCP up (c1 -> v4) and down (v4 -> c1) with iperf3.
# CPU A: the sender side (c1); CPU B: gw and v4; RPS steers each
# namespace's receive work to its core, as tests/bench/dataplane.sh.
. "$(dirname "$0")/../integration/lib.sh"
. "$TOP/tests/lab.sh"

SECS=${1:-3}
BB=$BUILD/tests/bench
if [ "$(nproc)" -ge 2 ]; then CPU_A=0 CPU_B=1; else CPU_A=0 CPU_B=0; fi
for t in "$BB/udp_flow" "$BUILD/tests/dstm_kbpf" "$BUILD/rpcdstmd" "$BUILD/rpcd"; do
	[ -x "$t" ] || { echo "missing $t (see the header)"; exit 1; }
done
command -v iperf3 >/dev/null || { echo "iperf3 missing"; exit 1; }

lab_up || { echo "lab did not come up"; exit 1; }
ip -n "$NS_V4" -6 addr add 2001:db8:3::10/64 dev eth0 nodad
ip -n "$NS_GW" -6 addr add 2001:db8:3::1/64 dev v4 nodad
ip -n "$NS_V4" -6 route add default via 2001:db8:3::1
rps() { ip netns exec "$1" sh -c "echo $(printf %x $((1 << $3))) > \
	/sys/class/net/$2/queues/rx-0/rps_cpus" 2>/dev/null; }
for spec in "$NS_GW c1 $CPU_B" "$NS_GW v4 $CPU_B" "$NS_V4 eth0 $CPU_B" \
    "$NS_C1 eth0 $CPU_A"; do
	# shellcheck disable=SC2086
	rps $spec || echo "  (RPS not available)"
done

udp() {	# udp PATH DST: received packets per second, one sender
	local rx
	ip netns exec "$NS_V4" taskset -c $CPU_B "$BB/udp_flow" recv "$2" 9000 \
		-t 30 >"$T_TMP/rx" 2>&1 &
	rx=$!
	wait_for 5 grep -q ready "$T_TMP/rx"
	ip netns exec "$NS_C1" taskset -c $CPU_A "$BB/udp_flow" send "$2" 9000 \
		-l 64 -r 0 -t "$SECS" >"$T_TMP/tx"
	wait "$rx"
	python3 -c 'import json, sys
tx = json.loads(open(sys.argv[1]).read().split("\n")[-2])
rx = json.loads(open(sys.argv[2]).read().strip().split("\n")[-1])
print("%-7s udp64   sent %8.0f pps  received %8.0f pps  (%.1f%% lost)" % (
    sys.argv[3], tx["sent"] / tx["secs"], rx["received"] / tx["secs"],
    100.0 * (tx["sent"] - rx["received"]) / max(1, tx["sent"])))' \
		"$T_TMP/tx" "$T_TMP/rx" "$1"
}

tcp() {	# tcp PATH DST [-R]
	local srv
	ip netns exec "$NS_V4" taskset -c $CPU_B timeout $((SECS + 20)) \
		iperf3 -s -1 -B "$2" >"$T_TMP/iperf-s" 2>&1 &
	srv=$!
	wait_for 5 ip netns exec "$NS_V4" ss -Htln "sport = :5201"
	ip netns exec "$NS_C1" taskset -c $CPU_A timeout $((SECS + 15)) \
		iperf3 -c "$2" -t "$SECS" --connect-timeout 3000 ${3:-} -J \
		>"$T_TMP/iperf.json" 2>&1
	kill "$srv" 2>/dev/null
	wait "$srv"
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
if "error" in d:
    print("%-7s tcp %-4s failed: %s" % (sys.argv[2], sys.argv[3], d["error"]))
    sys.exit(0)
e = d["end"]
print("%-7s tcp %-4s %8.2f Gbit/s  retransmits %d" % (sys.argv[2], sys.argv[3],
    e["sum_received"]["bits_per_second"] / 1e9,
    e["sum_sent"].get("retransmits", 0)))' "$T_TMP/iperf.json" "$1" \
		"$([ -n "${3:-}" ] && echo down || echo up)"
}

measure() {	# measure PATH DST
	ip netns exec "$NS_C1" ping -c 2 -i 0.2 -W 2 "$2" >/dev/null 2>&1 ||
		{ echo "$1: no path to $2"; return 1; }
	udp "$1" "$2"
	tcp "$1" "$2"
	tcp "$1" "$2" -R
}

echo "CPU $CPU_A: c1 (sender); CPU $CPU_B: gw, v4; ${SECS}s per test"
measure native 2001:db8:3::10

# ---- bpf: both fast paths, fixed binding 198.51.100.7 ----
bg_in "$NS_GW" "$T_TMP/gw.log" taskset -c $CPU_B "$BUILD/tests/dstm_kbpf" gw \
	-t 2001:db8:1::1 -i dti0 -u c1 -b 198.51.100.7=2001:db8:1::10 \
	-o "$T_TMP/gw.stats"
GPID=$BG_PID
bg_in "$NS_C1" "$T_TMP/cl.log" taskset -c $CPU_A "$BUILD/tests/dstm_kbpf" \
	client -s 2001:db8:1::10 -t 2001:db8:1::1 -i dti0 -u eth0 \
	-l 198.51.100.7 -o "$T_TMP/cl.stats"
CPID=$BG_PID
wait_for 10 grep -q '^ready' "$T_TMP/gw.log" &&
	wait_for 10 grep -q '^ready' "$T_TMP/cl.log" ||
	{ echo "dstm_kbpf did not start"; exit 1; }
ip -n "$NS_GW" link set dti0 mtu 65535
ip -n "$NS_GW" route add 198.51.100.0/24 dev dti0
ip netns exec "$NS_GW" sysctl -qw net.ipv4.conf.all.forwarding=1
ip -n "$NS_C1" link set dti0 mtu 1460
ip -n "$NS_C1" addr add 198.51.100.7/32 dev dti0
ip -n "$NS_C1" route add 203.0.113.0/24 dev dti0 src 198.51.100.7
measure bpf 203.0.113.10
rm -f "$T_TMP/gw.stats"
kill -USR1 "$GPID"
wait_for 3 test -s "$T_TMP/gw.stats"
echo "        gateway counters: $(awk '$2 != 0 && $1 ~ /pkts$/ {
	printf "%s=%s ", $1, $2 }' "$T_TMP/gw.stats")"
kill_pid "$CPID"
kill_pid "$GPID"
ip -n "$NS_GW" route del 198.51.100.0/24 2>/dev/null

# ---- tun: rpcdstmd with its co-located gateway, rpcd on c1; then the
# same with the gateway's bpf backend (where this tree has it): the
# gateway's fast path behind a userspace client ----
run_tun() {	# run_tun PATH [server conf lines]
	local path=$1 spid rpid
	shift
	lab_server_conf "$T_TMP/srv.conf" 7551 "$@"
	bg_in "$NS_GW" "$T_TMP/srv.log" taskset -c $CPU_B "$BUILD/rpcdstmd" -d \
		-f "$T_TMP/srv.conf"
	spid=$BG_PID
	wait_for 10 port_open "$NS_GW" 7551 ||
		{ echo "rpcdstmd did not start"; return 1; }
	cat >"$T_TMP/rpcd.conf" <<CONF
[client]
server = 2001:db8:1::1
port = 7551
control-socket = $T_TMP/rpcd.sock
pid-file = $T_TMP/rpcd.pid
key-file = $T_TMP/rpcd.key
CONF
	bg_in "$NS_C1" "$T_TMP/rpcd.log" taskset -c $CPU_A "$BUILD/rpcd" -d \
		-load -f "$T_TMP/rpcd.conf"
	rpid=$BG_PID
	wait_for 10 bound || { echo "rpcd got no lease"; return 1; }
	measure "$path" 203.0.113.10
	kill_pid "$rpid"
	kill_pid "$spid"
	rm -rf "$T_TMP/state"
}
bound() { "$BUILD/dstmctl" -s "$T_TMP/rpcd.sock" -j status 2>/dev/null |
	grep -q '"state":"bound"'; }
run_tun tun
lab_server_conf "$T_TMP/probe.conf" 7551 "backend = bpf"
if ! "$BUILD/rpcdstmd" -n -f "$T_TMP/probe.conf" >/dev/null 2>&1; then
	echo "gw-bpf  (this rpcdstmd has no bpf backend)"
elif ! command -v ethtool >/dev/null; then
	echo "gw-bpf  (needs ethtool, see below)"
else
	# The fast path hands the v4 host's unfinished TCP/UDP checksums
	# (CHECKSUM_PARTIAL, kept across veth) to c1, where rpcd's raw socket
	# takes them for wire bytes: TCP fails (TcpInCsumErrors).  A physical
	# link finishes them; here the v4 host must.
	echo "        (below: the v4 host with TX checksum offload and TSO off)"
	ip netns exec "$NS_V4" ethtool -K eth0 tx off >/dev/null
	run_tun gw-bpf "backend = bpf"
	run_tun tun-v4off
	ip netns exec "$NS_V4" ethtool -K eth0 tx on >/dev/null
fi
