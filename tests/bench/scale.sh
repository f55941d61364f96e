#!/usr/bin/env bash
# tests/bench/scale.sh - part 2: rpcdstmd filled to 1k, 100k (and 1M with
# FULL=1) leases, and the gateway's binding table at 1k/100k/1M.
#
# Per size N: a fresh server with a pool of N addresses (journal-sync =
# no: the fsync cost is part 1's subject; here the table and the journal's
# size are), VmRSS empty and full, the fill of N - 2 PROBE leases by
# dstm_load (-P 4 sequential clients over udp6, client addresses
# numbered in sequence), then PROBE allocations by one client process
# continuing that sequence, and PROBE more from scrambled addresses
# (random-looking interface identifiers): their latency must not grow
# with N, whatever the addresses look like;
# the journal's size, a kill -9 and restart timed until a NULL call
# answers (replay), and on a copy of the state the journal's own replay
# and compaction times (bench_journal).
. "$(dirname "$0")/../integration/lib.sh"
. "$TOP/tests/bench/common.sh"

OUT=$BENCH_OUT/scale.jsonl
PORT=7545
SIZES="1000 100000"
[ "$FULL" = 1 ] && SIZES="$SIZES 1000000"

make_ns NS scale || exit 1
ip -n "$NS" -6 route add local 2001:db8:99::/64 dev lo

start_srv() {
	bg_in "$NS" "$T_TMP/srv.log" taskset -c $CPU_A "$BUILD/rpcdstmd" -d \
		-f "$T_TMP/scale.conf"
	SPID=$BG_PID
}
answers() {
	ip netns exec "$NS" "$BT/dstm_call" -s ::1 -p $PORT null >/dev/null 2>&1
}
load() {	# load ARGS...: dstm_load on the load CPU, its summary line
	ip netns exec "$NS" taskset -c $CPU_B "$BT/dstm_load" -s ::1 -p $PORT \
		-q -u "$@" | tail -n 1
}
us() { sed 's/us$//' <<<"$1"; }

echo "  rpcdstmd on CPU $CPU_A (journal-sync = no), dstm_load on CPU $CPU_B;" \
	"alloc = 2000 (1k: 250) more allocations by one client process,"
echo "  client addresses in sequence (::1:0:1, ::1:0:2, ...) or scrambled" \
	"(random-looking, as SLAAC would give)"
for n in $SIZES; do
	PROBE=$(( n >= 8000 ? 2000 : n / 4 ))
	m=$((n - 2 * PROBE))
	rm -rf "$BSTATE/scale" "$BSTATE/copy"
	srv_conf "$T_TMP/scale.conf" ::1 $PORT "$BSTATE/scale" no \
		"range = 100.64.0.0-$(addr4_at $((n - 1)))"
	start_srv
	wait_for 20 answers || { note "scale: server did not start"; exit 1; }
	rss0=$(rss_kb "$SPID")
	printf '    %-9s fill...' "$n"
	fill=$(load -P 4 -n "$m" -c 2001:db8:99::1:0:0)
	printf ' %s/s; probe...' "$(kv "$fill" rate | tr -d '/s')"
	probe=$(load -n $PROBE -c "$(printf '2001:db8:99::1:%x:%x' \
		$((m >> 16)) $((m & 0xffff)))")
	probex=$(load -n $PROBE -x -c 2001:db8:99::2:0:0)
	rss1=$(rss_kb "$SPID")
	jbytes=$(stat -c %s "$BSTATE/scale/leases.journal" 2>/dev/null || echo 0)
	sbytes=$(stat -c %s "$BSTATE/scale/leases.snap" 2>/dev/null || echo 0)
	# crash and restart: time from exec to the first answered call
	kill_pid "$SPID" KILL
	printf ' restart...'
	t0=$(date +%s%N)
	start_srv
	# poll without sleeping: the resolution is one dstm_call (~2 ms)
	ip netns exec "$NS" timeout 300 bash -c "until '$BT/dstm_call' -s ::1 \
		-p $PORT null >/dev/null 2>&1; do :; done"
	t1=$(date +%s%N)
	rss2=$(rss_kb "$SPID")
	kill_pid "$SPID"
	cp -a "$BSTATE/scale" "$BSTATE/copy"
	printf ' compaction...'
	bj=$("$BB/bench_journal" "$BSTATE/copy")
	echo " done"
	total=$n
	rec=$(printf '{"type":"server","leases":%d,"pool":%d,"rss_empty_kb":%d,'`
		`'"rss_full_kb":%d,"rss_restart_kb":%d,"bytes_per_lease":%.1f,'`
		`'"bytes_per_lease_total":%.1f,"fill_ops":%d,"fill_fail":%d,'`
		`'"fill_secs":%s,"fill_rate":%d,"fill_p50_us":%d,"fill_p99_us":%d,'`
		`'"probe_ok":%d,"probe_p50_us":%d,"probe_p99_us":%d,'`
		`'"probe_max_us":%d,"probex_ok":%d,"probex_p50_us":%d,'`
		`'"probex_p99_us":%d,"journal_bytes":%d,"snapshot_bytes_live":%d,'`
		`'"restart_ms":%d}' "$total" "$n" "$rss0" "$rss1" "$rss2" \
		"$(( (rss1 - rss0) * 1024 / n ))" "$(( rss1 * 1024 / total ))" \
		"$(kv "$fill" ops)" "$(kv "$fill" fail)" "$(kv "$fill" secs)" \
		"$(kv "$fill" rate | tr -d '/s')" "$(us "$(kv "$fill" p50)")" \
		"$(us "$(kv "$fill" p99)")" "$(kv "$probe" ok)" \
		"$(us "$(kv "$probe" p50)")" "$(us "$(kv "$probe" p99)")" \
		"$(us "$(kv "$probe" max)")" "$(kv "$probex" ok)" \
		"$(us "$(kv "$probex" p50)")" "$(us "$(kv "$probex" p99)")" \
		"$((jbytes + sbytes))" "$sbytes" \
		"$(( (t1 - t0) / 1000000 ))")
	emit scale "$(json_merge "$rec" "$bj")"
done
rm -rf "$BSTATE/scale" "$BSTATE/copy"

printf '    binding table 1k/100k/1M...'
taskset -c $CPU_B "$BB/bench_binding" 1000 100000 1000000 |
while read -r line; do
	emit scale "$(json_merge "$line" '{"type":"binding"}')"
done
echo " done"
echo
bench_py table scale "$OUT"
