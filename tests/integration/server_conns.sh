#!/usr/bin/env bash
# server_conns.sh - rpcdstmd's connection limits (server/conn.c), with
# the connections opened from another namespace (dstm_conns):
#  1. idle, half-sent and trickling connections are closed after -t;
#  2. one /64 holds at most -c connections, while another /64 still
#     connects and leases;
#  3. 20,000 half-sent connections from 100 /64s: the server holds what
#     its descriptor limit allows (closing the least recently active
#     past its cap) and a legitimate ALLOC, over tcp6 and udp6, answers
#     in under 50 ms (the median of 7; each time is printed).
. "$(dirname "$0")/lib.sh"

PORT=7558
make_ns NS_S csrv && make_ns NS_C ccli || { not_ok "namespaces"; finish; exit 1; }
ip link add cs0 netns "$NS_S" type veth peer name cc0 netns "$NS_C"
ip -n "$NS_S" addr add 2001:db8:77::1/64 dev cs0 nodad
ip -n "$NS_C" addr add 2001:db8:77::2/64 dev cc0 nodad
ip -n "$NS_S" link set cs0 up
ip -n "$NS_C" link set cc0 up
# every source of the test: 2001:db8:c:P::N, routed back to the client
ip -n "$NS_C" -6 route add local 2001:db8:c::/48 dev lo
ip -n "$NS_S" -6 route add 2001:db8:c::/48 via 2001:db8:77::2
wait_for 5 ip netns exec "$NS_C" ping -6 -c1 -W1 2001:db8:77::1
CONF=$T_TMP/rpcdstmd.conf
server_conf "$CONF" $PORT "listen = 2001:db8:77::1" "[pool]" \
	"range = 198.51.0.0/20" "[clients]" "allow = 2001:db8::/32" \
	"rate-limit = 0"
LOG=$T_TMP/server.log
CTL() { "$BUILD/dstmctl" -s "$T_TMP/ctl.sock" "$@"; }
counter() { CTL stats | awk -v k="$1" '$1 == k { print $2 }'; }
CONNS() { ip netns exec "$NS_C" "$BUILD/tests/dstm_conns" -s 2001:db8:77::1 -p $PORT "$@"; }
alloc() {	# alloc SRC [-u]: prints the status word, then the time
	ip netns exec "$NS_C" "$BUILD/tests/dstm_call" -T -s 2001:db8:77::1 \
		-p $PORT -b "$1" ${2:-} alloc 2>&1 |
	    awk '$1 == "status" { s = $2 } $1 == "time_ms" { t = $2 }
		END { print (s ? s : "none"), (t ? t : "-") }'
}
start() {	# start ARGS...: the server with these options
	: >"$LOG"
	bg_in "$NS_S" "$LOG" "$BUILD/rpcdstmd" -d -v "$@" -f "$CONF"
	SPID=$BG_PID
	wait_for 10 port_open "$NS_S" $PORT
}

# --- 1. idle timeout: 2 s ---
start -t 2 -c 0
check "rpcdstmd -t 2 is up" port_open "$NS_S" $PORT
for m in idle half trickle; do
	out=$(CONNS -b 2001:db8:c:1::1 -n 20 -m $m -w 6)
	expect_eq "$m connections: all 20 closed by the server within 6 s" \
		"open 0 closed 20" "$(tail -n 1 <<<"$out")"
done
got=$(counter connections.closed_idle)
expect_eq "connections.closed_idle counts them" 60 "$got"
read -r st _ <<<"$(alloc 2001:db8:c:2::1)"
expect_eq "an ALLOC afterwards, on a new connection" ok "$st"
kill_pid "$SPID"

# --- 2. a cap per /64: 20 ---
start -t 0 -c 20
CONNS -b 2001:db8:c:3::1 -n 30 -w 6 >"$T_TMP/cap.out" &
CAP_PID=$!
wait_for 10 grep -q connected "$T_TMP/cap.out"
wait_for 5 bash -c "[ \"\$('$BUILD/dstmctl' -s '$T_TMP/ctl.sock' stats | awk '\$1 == \"connections.refused_per_prefix\" { print \$2 }')\" = 10 ]"
expect_eq "30 connections from one /64: 10 refused" 10 \
	"$(counter connections.refused_per_prefix)"
expect_eq "... 20 held (with the one asking)" 21 "$(counter connections.open)"
read -r st _ <<<"$(alloc 2001:db8:c:4::1)"
expect_eq "another /64 still connects and leases (tcp6)" ok "$st"
read -r st _ <<<"$(alloc 2001:db8:c:3::99)"
expect_eq "the full /64 gets no tcp6 connection" none "$st"
read -r st _ <<<"$(alloc 2001:db8:c:3::99 -u)"
expect_eq "... but udp6 still answers it" ok "$st"
wait "$CAP_PID"
expect_eq "the client saw 20 open and 10 closed" "open 20 closed 10" \
	"$(tail -n 1 "$T_TMP/cap.out")"
wait_for 5 bash -c "[ \"\$('$BUILD/dstmctl' -s '$T_TMP/ctl.sock' stats | awk '\$1 == \"connections.open\" { print \$2 }')\" -le 1 ]"
read -r st _ <<<"$(alloc 2001:db8:c:3::98)"
expect_eq "once they close, the /64 connects again" ok "$st"
kill_pid "$SPID"

# --- 3. 20,000 half-sent connections (two clients: the descriptor limit
# of one process here is $(ulimit -Hn)) ---
start
check "rpcdstmd with the default limits is up" port_open "$NS_S" $PORT
CONNS -b 2001:db8:c:100::1 -P 50 -n 200 -m half -w 25 >"$T_TMP/f1.out" &
F1=$!
CONNS -b 2001:db8:c:200::1 -P 50 -n 200 -m half -w 25 >"$T_TMP/f2.out" &
F2=$!
wait_for 40 bash -c "grep -q connected '$T_TMP/f1.out' && grep -q connected '$T_TMP/f2.out'"
c1=$(awk '/^connected/ { print $2 }' "$T_TMP/f1.out")
c2=$(awk '/^connected/ { print $2 }' "$T_TMP/f2.out")
expect_eq "20,000 connections opened" 20000 "$(( ${c1:-0} + ${c2:-0} ))"
# until the server has taken in its backlog: nothing waits to be
# accepted, nothing opened or closed for half a second
settled() {
	local a b
	a="$(counter connections.open) $(counter connections.evicted)"
	sleep 0.5
	b="$(counter connections.open) $(counter connections.evicted)"
	[ "$a" = "$b" ] && [ "${a%% *}" -gt 1000 ] &&
	    [ "$(ip netns exec "$NS_S" ss -Htln "sport = :$PORT" | awk '{ print $2 }')" = 0 ]
}
wait_for 20 settled
held=$(counter connections.open)
evicted=$(counter connections.evicted)
echo "# server holds $held connections, closed $evicted least active (descriptor limit $(ulimit -Hn))"
check "the server holds thousands of them ($held)" test "${held:-0}" -ge 10000
for tr in tcp6 udp6; do
	times=()
	okn=0
	for i in 1 2 3 4 5 6 7; do
		u=
		[ $tr = udp6 ] && u=-u
		read -r st t <<<"$(alloc 2001:db8:c:fff$i::1 $u)"
		[ "$st" = ok ] && okn=$((okn + 1))
		times+=("$t")
	done
	echo "# ALLOC over $tr with the flood held, ms: ${times[*]}"
	expect_eq "7 ALLOCs over $tr answered ok" 7 "$okn"
	med=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 4p)
	check "ALLOC over $tr: median $med ms < 50 ms" \
		python3 -c "import sys; sys.exit(0 if float('$med') < 50 else 1)"
done
check "the server still runs" kill -0 "$SPID"
wait "$F1" "$F2"
echo "# clients: $(tail -n 1 "$T_TMP/f1.out"); $(tail -n 1 "$T_TMP/f2.out")"
kill -TERM "$SPID"; wait "$SPID"
expect_eq "SIGTERM: exit 0" 0 "$?"
check "no sanitizer reports, no seccomp report" bash -c \
	"! grep -q 'Sanitizer\|seccomp:' '$LOG'"
finish
