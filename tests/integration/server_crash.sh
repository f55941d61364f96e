#!/usr/bin/env bash
# server_crash.sh - durability: kill -9 rpcdstmd in the middle of a burst
# of allocations from many clients, restart it, and check that every
# acknowledged lease is back and no address is leased twice.  Then the same
# across a journal compaction, and a torn journal tail on start.
. "$(dirname "$0")/lib.sh"

make_ns NS crash || { not_ok "create namespace"; finish; exit 1; }
PORT=7546
ip -n "$NS" -6 route add local 2001:db8:99::/64 dev lo
CONF=$T_TMP/rpcdstmd.conf
server_conf "$CONF" $PORT "[pool]" "range = 198.51.100.0/22" \
	"range = 203.0.113.0/24" "range = 192.0.2.0/24" \
	"[clients]" "rate-limit = 0" "prefix-rate-limit = 0" \
	"max-leases-per-prefix = 0"
LOG=$T_TMP/server.log
start_server() {
	bg_in "$NS" "$LOG" "$BUILD/rpcdstmd" -d -f "$CONF"
	SPID=$BG_PID
	wait_for 10 port_open "$NS" $PORT
}
count_acks() { awk '/^ack / { n++ } END { print n + 0 }' "$1" 2>/dev/null; }
acks() { count_acks "$T_TMP/acks"; }
at_least_acks() { [ "$(acks)" -ge "$1" ]; }

start_server
check "server up" port_open "$NS" $PORT
ip netns exec "$NS" "$BUILD/tests/dstm_load" -s ::1 -p $PORT \
	-c 2001:db8:99::1:0 -n 1000 >"$T_TMP/acks" 2>/dev/null &
LPID=$!
T_PIDS+=("$LPID")
wait_for 20 at_least_acks 150
kill -KILL "$SPID"
wait "$SPID" 2>/dev/null
wait "$LPID" 2>/dev/null
n=$(acks)
if [ "$n" -ge 150 ] && [ "$n" -lt 1000 ]; then
	ok "server killed with -9 mid-burst after $n acknowledged leases"
else
	not_ok "server killed mid-burst" "acks: $n"
fi
start_server
check "server restarts on the journal" port_open "$NS" $PORT
out=$(ip netns exec "$NS" "$BUILD/tests/dstm_load" -s ::1 -p $PORT -V "$T_TMP/acks")
expect_eq "every acknowledged lease is back, none twice" \
	"verified $n missing 0 duplicates 0" "$(tail -n 1 <<<"$out")"

# many more changes force a compaction; state must survive it
ip netns exec "$NS" "$BUILD/tests/dstm_load" -s ::1 -p $PORT -q \
	-c 2001:db8:99::2:0 -n 300 -r 20 -o cycle >/dev/null
ip netns exec "$NS" "$BUILD/tests/dstm_load" -s ::1 -p $PORT \
	-c 2001:db8:99::3:0 -n 50 >"$T_TMP/acks2"
check "snapshot file written by compaction" test -s "$T_TMP/state/leases.snap"
kill -KILL "$SPID"
wait "$SPID" 2>/dev/null
start_server
out=$(cat "$T_TMP/acks" "$T_TMP/acks2" >"$T_TMP/acks3";
      ip netns exec "$NS" "$BUILD/tests/dstm_load" -s ::1 -p $PORT -V "$T_TMP/acks3")
expect_eq "after compaction and kill -9 all leases are back" \
	"verified $((n + 50)) missing 0 duplicates 0" "$(tail -n 1 <<<"$out")"

# group commit: 16 clients in flight over udp6, then over tcp6.  Replies
# wait for one journal sync per round, so commits must be fewer than
# changes, and every acknowledged lease must survive kill -9.
srv_stat() { "$BUILD/dstmctl" -s "$T_TMP/ctl.sock" stats |
	awk -v k="$1" '$1 == k { print $2 }'; }
c0=$(srv_stat journal.commits)
ip netns exec "$NS" "$BUILD/tests/dstm_load" -s ::1 -p $PORT -u -P 16 \
	-c 2001:db8:99::4:0 -n 600 -o cycle -r 2 -q >"$T_TMP/gc.out" 2>&1
c1=$(srv_stat journal.commits)
held=$(srv_stat journal.replies_held)
ops=$(awk '/^ops/ { print $2 " " $4 }' "$T_TMP/gc.out")
expect_eq "udp6: 1200 ALLOC+RELEASE pairs from 16 in flight all ok" \
	"2400 2400" "$ops"
if [ -n "$c1" ] && [ $((c1 - c0)) -lt 2400 ] && [ "${held:-0}" -gt 0 ]; then
	ok "udp6: $((c1 - c0)) journal commits for 2400 changes, $held replies held"
else
	not_ok "group commit over udp6" "commits $c0 -> $c1, held $held"
fi
c0=$c1
ip netns exec "$NS" "$BUILD/tests/dstm_load" -s ::1 -p $PORT -P 16 \
	-c 2001:db8:99::5:0 -n 64 -o cycle -r 10 -q >"$T_TMP/gc.out" 2>&1
c1=$(srv_stat journal.commits)
ops=$(awk '/^ops/ { print $2 " " $4 }' "$T_TMP/gc.out")
expect_eq "tcp6: 640 ALLOC+RELEASE pairs from 16 in flight all ok" \
	"1280 1280" "$ops"
if [ -n "$c1" ] && [ $((c1 - c0)) -lt 1280 ]; then
	ok "tcp6: $((c1 - c0)) journal commits for 1280 changes"
else
	not_ok "group commit over tcp6" "commits $c0 -> $c1"
fi
: >"$T_TMP/acks4"
ip netns exec "$NS" "$BUILD/tests/dstm_load" -s ::1 -p $PORT -u -P 16 \
	-c 2001:db8:99::6:0 -n 1300 >"$T_TMP/acks4" 2>/dev/null &
LPID=$!
T_PIDS+=("$LPID")
acks4() { count_acks "$T_TMP/acks4"; }
# a tight poll (no sleep): the burst lasts about a tenth of a second
end=$(( $(date +%s) + 20 ))
while [ "$(acks4)" -lt 50 ] && [ "$(date +%s)" -lt $end ]; do :; done
kill -KILL "$SPID"
wait "$SPID" 2>/dev/null
# the udp6 clients would wait out their 5 s timeouts: stop them (by PID)
pkill -KILL -P "$LPID" 2>/dev/null
kill "$LPID" 2>/dev/null
wait "$LPID" 2>/dev/null
n4=$(acks4)
start_server
cat "$T_TMP/acks3" "$T_TMP/acks4" >"$T_TMP/acks5"
out=$(ip netns exec "$NS" "$BUILD/tests/dstm_load" -s ::1 -p $PORT -u -V "$T_TMP/acks5")
expect_eq "kill -9 during a grouped udp6 burst ($n4 acked): all back" \
	"verified $((n + 50 + n4)) missing 0 duplicates 0" "$(tail -n 1 <<<"$out")"

# a torn tail: append half a record of junk, restart
kill -KILL "$SPID"
wait "$SPID" 2>/dev/null
printf 'DSTMJUNKJUNKJUNK' >>"$T_TMP/state/leases.journal"
start_server
check "server starts over a torn journal tail" port_open "$NS" $PORT
check "the torn tail is saved aside" compgen -G "$T_TMP/state/leases.journal.bad-*"
out=$(ip netns exec "$NS" "$BUILD/tests/dstm_load" -s ::1 -p $PORT -V "$T_TMP/acks5")
expect_eq "leases intact after the torn tail" \
	"verified $((n + 50 + n4)) missing 0 duplicates 0" "$(tail -n 1 <<<"$out")"

# compaction off the event loop (a thread writes the snapshot while the
# loop appends to leases.journal.next): kill -9 the moment a compaction
# is seen running (.next not empty), three times, under a churn
# that compacts about every second; every acknowledged lease comes back,
# and the thread never met the seccomp filter
kill_pid "$SPID"
mv "$T_TMP/state" "$T_TMP/state.1"
start_server
ip netns exec "$NS" "$BUILD/tests/dstm_load" -s ::1 -p $PORT -u -P 4 \
	-c 2001:db8:99::7:0 -n 400 >"$T_TMP/acks6" 2>/dev/null
expect_eq "400 leases held through the compactions" 400 \
	"$(count_acks "$T_TMP/acks6")"
prev_seen=0
for k in 1 2 3; do
	ip netns exec "$NS" "$BUILD/tests/dstm_load" -s ::1 -p $PORT -u -P 8 \
		-c 2001:db8:99::8:$k -n 64 -o cycle -r 1000 -T 30 -q \
		>/dev/null 2>&1 &
	LPID=$!
	T_PIDS+=("$LPID")
	# a tight poll (no sleep): a compaction here lasts milliseconds
	end=$(( $(date +%s) + 30 ))
	while [ ! -s "$T_TMP/state/leases.journal.next" ] &&
	    [ "$(date +%s)" -lt $end ]; do :; done
	if kill -0 "$SPID" 2>/dev/null; then
		kill -KILL "$SPID"
		[ -s "$T_TMP/state/leases.journal.next" ] &&
			prev_seen=$((prev_seen + 1))
	fi
	wait "$SPID" 2>/dev/null
	pkill -KILL -P "$LPID" 2>/dev/null
	kill "$LPID" 2>/dev/null
	wait "$LPID" 2>/dev/null
	start_server
	out=$(ip netns exec "$NS" "$BUILD/tests/dstm_load" -s ::1 -p $PORT -u \
		-V "$T_TMP/acks6")
	expect_eq "kill -9 mid-compaction ($k): every lease back" \
		"verified 400 missing 0 duplicates 0" "$(tail -n 1 <<<"$out")"
done
if [ $prev_seen -ge 1 ]; then
	ok "killed while a compaction ran ($prev_seen of 3 times)"
else
	not_ok "kill mid-compaction" "leases.journal.next never in use"
fi
if grep -q "is not on the allow-list" "$LOG"; then
	not_ok "compaction thread within the seccomp filter" "$(grep "allow-list" "$LOG")"
else
	ok "compaction thread within the seccomp filter"
fi
kill_pid "$SPID"
finish
