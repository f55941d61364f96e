#!/usr/bin/env bash
# tests/bench/compaction.sh - part 2, request latency while the journal is
# compacted at 1M leases: the compaction on the event loop (the old way,
# DSTM_COMPACT_INLINE=1) against the snapshot written by a thread while
# the loop goes on (the default).
#
# Per mode: bench_journal -w writes the state of a server with LEASES
# leases whose journal is RATE x LEAD records short of the compaction
# threshold (4 records per live lease); rpcdstmd (journal-sync = yes)
# replays it; dstm_rate prefills CLIENTS clients of its own (ALLOC, untimed),
# then RENEWs them at RATE/s for SECS seconds over udp6, open loop: the
# compaction starts about LEAD seconds into the step.  Reported: p50, p99,
# p99.9 and max of every request of the step, the failures, and the
# server's compaction count over the step (must be 1).
. "$(dirname "$0")/../integration/lib.sh"
. "$TOP/tests/bench/common.sh"

OUT=$BENCH_OUT/compaction.jsonl
PORT=7547
LEASES=${COMPACT_LEASES:-1000000}
CLIENTS=4096
RATE=10000
SECS=6
LEAD=${COMPACT_LEAD:-2}
SYNC=${COMPACT_SYNC:-yes}

make_ns NS compact || exit 1
ip -n "$NS" -6 route add local 2001:db8:99::/64 dev lo
CTL=$T_TMP/ctl-$PORT.sock

answers() {
	ip netns exec "$NS" "$BT/dstm_call" -s ::1 -p $PORT null >/dev/null 2>&1
}
stat_of() {	# stat_of NAME: one counter of dstmctl stats
	"$BUILD/dstmctl" -s "$CTL" stats 2>/dev/null |
		awk -v k="$1" '$1 == k { print $2 }'
}

live=$((LEASES + CLIENTS))
records=$((4 * live - CLIENTS - RATE * LEAD))
[ $((4 * live - CLIENTS - 2 * RATE * SECS)) -gt "$LEASES" ] ||
	{ note "compaction: too few leases for the step"; exit 1; }
echo "  $LEASES leases written by bench_journal ($records journal records)," \
	"$CLIENTS clients RENEW at $RATE/s for ${SECS}s (udp6, journal-sync =" \
	"$SYNC); the compaction starts about ${LEAD}s in"
echo "  rpcdstmd not pinned (its compaction thread may use the other core)," \
	"dstm_rate on CPU $CPU_B"
for mode in none inline thread; do
	rm -rf "$BSTATE/compact"
	srv_conf "$T_TMP/compact.conf" ::1 $PORT "$BSTATE/compact" $SYNC \
		"range = 100.64.0.0-$(addr4_at $((live + 1000)))"
	printf '    %-7s state...' "$mode"
	n=$records
	[ $mode = none ] && n=$((4 * live - CLIENTS - 2 * RATE * SECS))
	w=$("$BB/bench_journal" -w "$BSTATE/compact" "$LEASES" "$n") ||
		{ note "compaction: bench_journal -w failed"; exit 1; }
	inline=0
	[ "$mode" = inline ] && inline=1
	printf ' replay...'
	bg_in "$NS" "$T_TMP/compact-$mode.log" env DSTM_COMPACT_INLINE=$inline \
		"$BUILD/rpcdstmd" -d -f "$T_TMP/compact.conf"
	SPID=$BG_PID
	wait_for 300 answers || { note "compaction: server did not start"; exit 1; }
	c0=$(stat_of journal.compactions)
	printf ' step...'
	r=$(ip netns exec "$NS" taskset -c $CPU_B "$BB/dstm_rate" -s ::1 \
		-p $PORT -c 2001:db8:99:: -u -o renew -n $CLIENTS -r $RATE \
		-d $SECS | tail -n 1)
	c1=$(stat_of journal.compactions)
	kill_pid "$SPID"
	echo " done"
	[ $((c1 - c0)) -eq $([ $mode = none ] && echo 0 || echo 1) ] ||
		note "compaction ($mode): $((c1 - c0)) compactions in the step, not 1"
	emit compaction "$(json_merge "$r" "$w" "$(printf \
		'{"type":"compaction","mode":"%s","leases":%d,"clients":%d,'`
		`'"compactions":%d}' "$mode" "$LEASES" "$CLIENTS" $((c1 - c0)))")"
done
rm -rf "$BSTATE/compact"
echo
bench_py table compaction "$OUT"
