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
	"[clients]" "rate-limit = 0"
LOG=$T_TMP/server.log
start_server() {
	bg_in "$NS" "$LOG" "$BUILD/rpcdstmd" -d -f "$CONF"
	SPID=$BG_PID
	wait_for 10 port_open "$NS" $PORT
}
acks() { grep -c '^ack ' "$T_TMP/acks" 2>/dev/null || echo 0; }
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

# a torn tail: append half a record of junk, restart
kill -KILL "$SPID"
wait "$SPID" 2>/dev/null
printf 'DSTMJUNKJUNKJUNK' >>"$T_TMP/state/leases.journal"
start_server
check "server starts over a torn journal tail" port_open "$NS" $PORT
check "the torn tail is saved aside" compgen -G "$T_TMP/state/leases.journal.bad-*"
out=$(ip netns exec "$NS" "$BUILD/tests/dstm_load" -s ::1 -p $PORT -V "$T_TMP/acks3")
expect_eq "leases intact after the torn tail" \
	"verified $((n + 50)) missing 0 duplicates 0" "$(tail -n 1 <<<"$out")"
kill_pid "$SPID"
finish
