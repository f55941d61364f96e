#!/usr/bin/env bash
# dslite_e2e.sh - DS-lite end to end with our own two ends: rpcd in mode
# b4 in both client namespaces (both with 192.0.0.2 on dti0), rpcdstmd's
# co-located gateway as their AFTR, the IPv4 host beyond.  Ping and a TCP
# transfer from each B4; the IPv4 host sees two public sources; the
# AFTR's B4s, sessions and port blocks; a B4 stopped and its mappings
# gone after the timeout.
# BACKENDS: tun bpf
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lab.sh"

PORT=7553
TEP=2001:db8:1::1
V4=203.0.113.10
BK=${BACKEND:-tun}
lab_up || { not_ok "lab up"; finish; exit 1; }
ok "lab namespaces up"# the B4s' links compute checksums on transmit, as a NIC does: a veth
# would hand the bpf B4's packets over with the inner TCP checksum still
# partial, and the AFTR reads 4in6 from a raw socket (README, "DS-lite:
# the AFTR")
for ns in "$NS_C1" "$NS_C2"; do
	ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null 2>&1
done

CONF=$T_TMP/rpcdstmd.conf
lab_server_conf "$CONF" $PORT \
	"" "[aftr]" "enable = yes" "allow = 2001:db8:1::/64" \
	"allow = 2001:db8:2::/64" "pool = 192.0.2.1-192.0.2.2" \
	"udp-timeout = 10s" "icmp-timeout = 10s" "tcp-transitory-timeout = 10s"
bg_in "$NS_GW" "$T_TMP/server.log" "$BUILD/rpcdstmd" -d -v -f "$CONF"
wait_for 5 port_open "$NS_GW" $PORT
check "rpcdstmd with the AFTR is up ($BK)" port_open "$NS_GW" $PORT
CTL() { "$BUILD/dstmctl" -s "$T_TMP/ctl.sock" "$@"; }
counter() { CTL stats | awk -v k="$1" '$1 == k { print $2 }'; }

# b4 N NS: rpcd in mode b4 in NS, its PID in B4PID_N
start_b4() {
	local n=$1 ns=$2
	cat >"$T_TMP/rpcd$n.conf" <<C
[client]
mode = b4
aftr = $TEP
backend = $BK
control-socket = $T_TMP/rpcd$n.sock
pid-file = $T_TMP/rpcd$n.pid
C
	bg_in "$ns" "$T_TMP/rpcd$n.log" "$BUILD/rpcd" -d -v -load \
		-f "$T_TMP/rpcd$n.conf"
	printf -v "B4PID_$n" '%s' "$BG_PID"
}
start_b4 1 "$NS_C1"
start_b4 2 "$NS_C2"
check "B4 1 (rpcd mode b4, $BK) is up" wait_for 10 bash -c "[ \"\$(
	'$BUILD/dstmctl' -s '$T_TMP/rpcd1.sock' -j status 2>/dev/null |
	python3 -c 'import json,sys; print(json.load(sys.stdin)[\"state\"])')\" = bound ]"
check "B4 2 (rpcd mode b4, $BK) is up" wait_for 10 bash -c "[ \"\$(
	'$BUILD/dstmctl' -s '$T_TMP/rpcd2.sock' -j status 2>/dev/null |
	python3 -c 'import json,sys; print(json.load(sys.stdin)[\"state\"])')\" = bound ]"
check "both B4s use 192.0.0.2" bash -c \
	"ip -n '$NS_C1' -4 addr show dti0 | grep -q 'inet 192.0.0.2 ' &&
	 ip -n '$NS_C2' -4 addr show dti0 | grep -q 'inet 192.0.0.2 '"

check "ping from B4 1 through the AFTR" \
	ip netns exec "$NS_C1" ping -c 3 -i 0.2 -W 2 -q $V4
check "ping from B4 2 through the AFTR" \
	ip netns exec "$NS_C2" ping -c 3 -i 0.2 -W 2 -q $V4

# a TCP transfer from each, one after the other; the IPv4 host names
# the source it saw
xfer() {	# xfer NS PORT: 1 MB from NS to the IPv4 host; "PEER OK|BAD"
	local ns=$1 port=$2
	ip netns exec "$NS_V4" python3 "$TOP/tests/tcpxfer.py" server 0.0.0.0 \
		"$port" 20 >"$T_TMP/srv" &
	local spid=$!
	wait_for 5 port_open_v4 "$NS_V4" "$port"
	ip netns exec "$ns" python3 "$TOP/tests/tcpxfer.py" client $V4 \
		"$port" 1000000 20 >"$T_TMP/cli"
	wait $spid
	echo "# $ns: $(cat "$T_TMP/cli")" >&2
	local peer sum_s sum_c
	peer=$(awk '{ print $2 }' "$T_TMP/srv")
	sum_s=$(awk '{ print $6 }' "$T_TMP/srv")
	sum_c=$(awk '{ print $4 }' "$T_TMP/cli")
	if [ -n "$sum_s" ] && [ "$sum_s" = "$sum_c" ]; then
		echo "$peer OK"
	else
		echo "$peer BAD"
	fi
}
port_open_v4() { ip netns exec "$1" ss -Htln "sport = :$2" | grep -q .; }
R1=$(xfer "$NS_C1" 9301)
R2=$(xfer "$NS_C2" 9302)
case $R1 in 192.0.2.[12]" OK") ok "1 MB over TCP from B4 1, intact, from $R1" ;;
*) not_ok "1 MB over TCP from B4 1, intact, from the AFTR pool" "$R1" ;; esac
case $R2 in 192.0.2.[12]" OK") ok "1 MB over TCP from B4 2, intact, from $R2" ;;
*) not_ok "1 MB over TCP from B4 2, intact, from the AFTR pool" "$R2" ;; esac

CTL -j aftr b4s >"$T_TMP/b4s.json"
expect_eq "dstmctl aftr b4s: the two rpcd B4s" \
	"2001:db8:1::10 2001:db8:2::20" \
	"$(python3 -c "
import json, sys
print(' '.join(sorted(b['b4'] for b in json.load(open(sys.argv[1]))['b4s'])))" "$T_TMP/b4s.json")"
check "dstmctl aftr port-blocks: one block each" bash -c \
	"'$BUILD/dstmctl' -s '$T_TMP/ctl.sock' -j aftr port-blocks | python3 -c '
import json, sys
k = json.load(sys.stdin)[\"port_blocks\"]
sys.exit(0 if sorted(b[\"b4\"] for b in k) == [\"2001:db8:1::10\", \"2001:db8:2::20\"] else 1)'"
check "sessions of both B4s from 192.0.0.2 (tcp and icmp)" bash -c \
	"'$BUILD/dstmctl' -s '$T_TMP/ctl.sock' -j aftr sessions | python3 -c '
import json, sys
s = json.load(sys.stdin)[\"sessions\"]
seen = {(x[\"b4\"], x[\"protocol\"]) for x in s if x[\"inside_address\"] == \"192.0.0.2\"}
want = {(b, p) for b in (\"2001:db8:1::10\", \"2001:db8:2::20\") for p in (\"tcp\", \"icmp\")}
sys.exit(0 if want <= seen else 1)'"
if [ "$BK" = bpf ]; then
	check "bpf: the B4s' packets went to the NAT (punt-aftr)" \
		test "$(counter gateway.bpf.punt_aftr)" -gt 0
fi

# B4 2 goes away: its mappings and block go after the timeouts, B4 1's
# stay while it talks
kill_pid "$B4PID_2"
wait_for 30 bash -c "! '$BUILD/dstmctl' -s '$T_TMP/ctl.sock' -j aftr b4s |
	grep -q 2001:db8:2::20"
check "the stopped B4's mappings and block expire, B4 1 still talks" \
	bash -c "! '$BUILD/dstmctl' -s '$T_TMP/ctl.sock' -j aftr b4s |
	grep -q 2001:db8:2::20 && ip netns exec '$NS_C1' ping -c 1 -W 2 -q $V4"
check "the release is logged" grep -Eq \
	"aftr: port-block release time=[0-9]+ b4=2001:db8:2::20 public=192\.0\.2\.[12] ports=" \
	"$T_TMP/server.log"

finish
