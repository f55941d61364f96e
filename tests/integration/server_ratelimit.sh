#!/usr/bin/env bash
# server_ratelimit.sh - the per-source token bucket (rate-limit = 5: five
# requests a second, bursts of five): a burst of 30 calls from one source
# gets at least 5 answers and the rest "rate-limited", no more answers than
# the bucket allows for the burst's duration; another source in the same
# second is served; the source is served again once tokens come back; the
# replies.rate_limited counter matches what the clients saw.
. "$(dirname "$0")/lib.sh"

make_ns NS rl || { not_ok "create namespace"; finish; exit 1; }
PORT=7549
RATE=5
BURST=30
ip -n "$NS" -6 route add local 2001:db8:99::/64 dev lo
A=2001:db8:99::a
B=2001:db8:99::b
CALL() { ip netns exec "$NS" "$BUILD/tests/dstm_call" -s ::1 -p $PORT "$@"; }
CTL() { "$BUILD/dstmctl" -s "$T_TMP/ctl.sock" "$@"; }
counter() {
	CTL -j stats | python3 -c 'import json,sys
print(json.load(sys.stdin)["counters"][sys.argv[1]])' "$1"
}
now() { date +%s.%N; }
elapsed_ge() {
	python3 -c 'import sys,time; sys.exit(time.time() - float(sys.argv[1])
	    < float(sys.argv[2]))' "$1" "$2"
}
count() { grep -c "^status $1\$" "$2"; }

CONF=$T_TMP/rpcdstmd.conf
server_conf "$CONF" $PORT "[pool]" "range = 198.51.100.0/29" \
	"exclude = 198.51.100.0" "[clients]" "allow = 2001:db8:99::/64" \
	"rate-limit = $RATE"
LOG=$T_TMP/server.log
bg_in "$NS" "$LOG" "$BUILD/rpcdstmd" -d -v -f "$CONF"
SPID=$BG_PID
wait_for 10 port_open "$NS" $PORT
check "server up with rate-limit = $RATE" port_open "$NS" $PORT
expect_eq "NULL is not rate limited (no gate)" "status ok" "$(CALL null)"

# one process runs the whole burst (one netns entry), then B at once
ip netns exec "$NS" bash -c '
	start=$(date +%s%N)
	for i in $(seq '"$BURST"'); do
		"$0" -s ::1 -p '"$PORT"' -b '"$A"' info | cut -d" " -f1-2
	done >"$1/burst-a"
	end=$(date +%s%N)
	for i in 1 2 3 4 5; do
		"$0" -s ::1 -p '"$PORT"' -b '"$B"' info | cut -d" " -f1-2
	done >"$1/burst-b"
	echo $(( (end - start) / 1000000 )) $(( ($(date +%s%N) - start) / 1000000 )) >"$1/burst-ms"
' "$BUILD/tests/dstm_call" "$T_TMP"
t_end=$(now)
read -r ms ms_b <"$T_TMP/burst-ms"
ok_a=$(count ok "$T_TMP/burst-a")
rl_a=$(count rate-limited "$T_TMP/burst-a")
ok_b=$(count ok "$T_TMP/burst-b")
echo "# burst: $BURST calls from A in $ms ms: $ok_a ok, $rl_a rate-limited;" \
	"B done $ms_b ms after the start"
expect_eq "every call of the burst is answered ok or rate-limited" \
	"$BURST" "$((ok_a + rl_a))"
if [ "$ok_a" -ge "$RATE" ]; then
	ok "at least $RATE calls of the burst are served ($ok_a)"
else
	not_ok "at least $RATE calls of the burst are served" "$ok_a"
fi
if [ "$rl_a" -gt 0 ]; then
	ok "the rest of the burst is rate-limited ($rl_a)"
else
	not_ok "the rest of the burst is rate-limited" "none was"
fi
# the bucket: RATE at once, then RATE a second (+1 for rounding)
max=$((RATE + RATE * ms / 1000 + 1))
if [ "$ok_a" -le "$max" ]; then
	ok "no more served than the bucket allows in $ms ms (<= $max)"
else
	not_ok "no more served than the bucket allows in $ms ms" \
	    "$ok_a > $max"
fi
expect_eq "another source in the same window is served" 5 "$ok_b"
expect_eq "replies.rate_limited matches the replies seen" "$rl_a" \
	"$(counter replies.rate_limited)"
expect_eq "requests.info counts every call" "$((BURST + 5))" \
	"$(counter requests.info)"
expect_eq "replies.ok counts the served ones" "$((ok_a + ok_b))" \
	"$(counter replies.ok)"

# a refused request changes nothing: the lease table agrees with the reply
# (rate-limited: no lease; a token came back in between: that lease)
out=$(CALL -b $A alloc)
case $out in
"status rate-limited") want="no leases" ;;
"status ok addr "*) want=$(cut -d' ' -f4 <<<"$out") ;;
*) want="a reply: $out" ;;
esac
got=$(CTL leases)
case $want in
"no leases") expect_eq "after a rate-limited ALLOC there is no lease" \
	"no leases" "$got" ;;
*) if grep -q "^$want .* bound " <<<"$got"; then
	ok "after a served ALLOC its lease is there"
   else
	not_ok "after a served ALLOC its lease is there" "$want: $got"
   fi ;;
esac

# tokens come back at RATE a second: served again well within a second
a_ok() { [ "$(CALL -b $A info | cut -d' ' -f1-2)" = "status ok" ]; }
t0=$(now)
if wait_for 2 a_ok; then
	ok "the source is served again after the burst"
else
	not_ok "the source is served again after the burst"
fi
if ! elapsed_ge "$t0" 1.5; then
	ok "... within a second"
else
	not_ok "... within a second" "it took longer"
fi
# a quiet second refills the whole bucket: RATE calls in a row are served
wait_for 3 elapsed_ge "$(now)" 1.1
ip netns exec "$NS" bash -c 'for i in $(seq '"$RATE"'); do
	"$0" -s ::1 -p '"$PORT"' -b '"$A"' info | cut -d" " -f1-2; done' \
	"$BUILD/tests/dstm_call" >"$T_TMP/refill"
expect_eq "after a quiet second a burst of $RATE is served in full" \
	"$RATE" "$(count ok "$T_TMP/refill")"

# rate-limit = 0 turns it off (reload)
sed -i 's/^rate-limit = .*/rate-limit = 0/' "$CONF"
check "reload with rate-limit = 0" CTL reload
ip netns exec "$NS" bash -c 'for i in $(seq '"$BURST"'); do
	"$0" -s ::1 -p '"$PORT"' -b '"$A"' info | cut -d" " -f1-2; done' \
	"$BUILD/tests/dstm_call" >"$T_TMP/off"
expect_eq "rate-limit = 0: a burst of $BURST is served in full" \
	"$BURST" "$(count ok "$T_TMP/off")"

kill -TERM "$SPID"
wait "$SPID"
expect_eq "SIGTERM: clean exit" 0 "$?"
check "no sanitizer reports in the server log" bash -c "! grep -q 'Sanitizer' '$LOG'"
finish
