#!/usr/bin/env bash
# server_fdlimit.sh - rpcdstmd with few descriptors (ulimit -n 128) and
# three listen addresses: it starts (the UDP read transports are budgeted
# to the limit), answers on every address, and when libtirpc must close
# idle connections to accept new ones, no reply held for the group
# commit is lost: 50 connections send ALLOC while 60 new ones arrive.
. "$(dirname "$0")/lib.sh"

make_ns NS fdlim || { not_ok "create namespace"; finish; exit 1; }
PORT=7549
ip -n "$NS" -6 route add local 2001:db8:99::/64 dev lo
ip -n "$NS" -6 addr add 2001:db8:98::1/128 dev lo
ip -n "$NS" -6 addr add 2001:db8:98::2/128 dev lo
CONF=$T_TMP/rpcdstmd.conf
server_conf "$CONF" $PORT "listen = 2001:db8:98::1" "listen = 2001:db8:98::2" \
	"[pool]" "range = 198.51.100.0/24" "[clients]" "rate-limit = 0" \
	"prefix-rate-limit = 0" "max-leases-per-prefix = 0"
LOG=$T_TMP/server.log
bg_in "$NS" "$LOG" bash -c "ulimit -n 128 && exec '$BUILD/rpcdstmd' -d -v -f '$CONF'"
SPID=$BG_PID
wait_for 5 port_open "$NS" $PORT
check "starts with 3 listen addresses and 128 descriptors" kill -0 "$SPID"
n=0
for a in ::1 2001:db8:98::1 2001:db8:98::2; do
	for tr in udp6 tcp6; do
		n=$((n + 1))
		u=
		[ $tr = udp6 ] && u=-u
		# shellcheck disable=SC2086
		out=$(ip netns exec "$NS" "$BUILD/tests/dstm_call" -s $a -p $PORT \
			-b 2001:db8:99::f:$n $u alloc 2>&1)
		expect_eq "ALLOC on [$a] over $tr" ok \
			"$(awk '{ print $2; exit }' <<<"$out")"
	done
done
out=$(ip netns exec "$NS" python3 "$TOP/tests/held_flood.py" "$SPID" $PORT 50 60)
# pre: SENT ANSWERED CLOSED HUNG; every held reply must arrive
expect_eq "50 held ALLOC replies survive 60 new connections" "pre 50 50 0 0" \
	"$(grep '^pre ' <<<"$out")"
# newcomers: answered, or closed unread by libtirpc's reaper; never hung
read -r _ sent answered closed hung <<<"$(grep '^extra ' <<<"$out")"
if [ "${sent:-0}" -eq 60 ] && [ "${hung:-1}" -eq 0 ] && [ "${answered:-0}" -gt 0 ]; then
	ok "60 newcomers: $answered answered, $closed closed unread, none hung"
else
	not_ok "60 newcomers answered or closed" "$(grep '^extra ' <<<"$out")"
fi
check "server still runs" kill -0 "$SPID"
kill_pid "$SPID"
check "no sanitizer reports in the server log" bash -c "! grep -q Sanitizer '$LOG'"
finish
