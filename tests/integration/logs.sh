#!/usr/bin/env bash
# logs.sh - what the daemons log, as the log files of -d show it: every
# line starts with its syslog priority "<N>" (sd-daemon: <3> error, <4>
# warning, <6> info, <7> debug under -v), one line per
# lease change on the server (a retransmitted ALLOC or a plain renewal
# adds none at info), one per state change in rpcd (bound, renewed, lost,
# released), refusals as warnings naming the client and the pool, quota
# or policy concerned and at most 5 a minute of a kind (50 pool-exhausted
# refusals make 1 to 5 lines), and the gateway's drop summaries naming the
# forged source (tun; the bpf path's drops are counted without
# addresses), one line per reason however many drops follow.
# BACKENDS: tun bpf
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lab.sh"

PORT=7551
lab_up || { not_ok "lab up"; finish; exit 1; }
CONF=$T_TMP/rpcdstmd.conf
cat >"$CONF" <<CONF
[server]
listen = 2001:db8:1::1
port = $PORT
state-dir = $T_TMP/state
control-socket = $T_TMP/ctl.sock
pid-file = $T_TMP/rpcdstmd.pid
lease-time = 120
hold-time = 60
rpcbind = no

[pool]
range = 198.51.100.0/29
exclude = 198.51.100.0
exclude = 198.51.100.7

[clients]
allow = 2001:db8:1::/64
rate-limit = 0
prefix-rate-limit = 0

[gateway]
enable = yes
ifname = dti0
backend = ${BACKEND:-tun}
CONF
LOG=$T_TMP/server.log
# no -v: what an operator sees by default
bg_in "$NS_GW" "$LOG" "$BUILD/rpcdstmd" -d -f "$CONF"
SPID=$BG_PID
wait_for 5 port_open "$NS_GW" $PORT
check "rpcdstmd is up" port_open "$NS_GW" $PORT
srv() { "$BUILD/dstmctl" -s "$T_TMP/ctl.sock" "$@"; }
counter() { srv stats | awk -v k="$1" '$1 == k { print $2 }'; }
n_lines() { grep -Ec "$1" "${2:-$LOG}"; }
CALL() {	# CALL NS SRC6 args...: one client call, its status line
	local ns=$1 src=$2
	shift 2
	ip netns exec "$ns" "$BUILD/tests/dstm_call" -s 2001:db8:1::1 \
		-p $PORT -b "$src" "$@"
}

check "the start-up line has the info prefix <6>" \
	grep -q '^<6>rpcdstmd: started: 6 addresses' "$LOG"
check "no line without a priority prefix" \
	bash -c "! grep -v '^<[0-7]>' '$LOG'"

# --- rpcd: one line per state change ---
cat >"$T_TMP/rpcd.conf" <<C
[client]
server = 2001:db8:1::1
port = $PORT
mode = always
control-socket = $T_TMP/rpcd.sock
pid-file = $T_TMP/rpcd.pid
key-file = $T_TMP/rpcd.key
backend = tun
C
RLOG=$T_TMP/rpcd.log
# rpcd with -v: its debug lines too
bg_in "$NS_C1" "$RLOG" "$BUILD/rpcd" -d -v -load -f "$T_TMP/rpcd.conf"
RPID=$BG_PID
cli() { "$BUILD/dstmctl" -s "$T_TMP/rpcd.sock" "$@"; }
wait_for 10 grep -q '^<6>rpcd: bound ' "$RLOG"
A=$(sed -n 's/^<6>rpcd: bound \([0-9.]*\) on dti0, TEP .*/\1/p' "$RLOG" | head -n 1)
check "rpcd: '<6>rpcd: bound ADDR on dti0, ...'" test -n "$A"
expect_eq "the server: one alloc line for it, at info" 1 \
	"$(n_lines "^<6>rpcdstmd: alloc $A for 2001:db8:1::10$")"
cli renew >/dev/null
wait_for 5 grep -q '^<6>rpcd: renewed ' "$RLOG"
check "rpcd: '<6>rpcd: renewed $A, lease 120s'" \
	grep -q "^<6>rpcd: renewed $A, lease 120s$" "$RLOG"
expect_eq "the server: a plain renewal logs nothing at info" 0 \
	"$(n_lines '^<6>rpcdstmd: renew ')"
srv revoke "$A" >/dev/null
wait_for 10 grep -q '^<4>rpcd: lost ' "$RLOG"
check "rpcd: revoked, '<4>rpcd: lost $A: renew refused: ...'" \
	grep -Eq "^<4>rpcd: lost $A: renew refused: .*; removed from dti0$" "$RLOG"
wait_for 10 eval '[ "$(n_lines "^<6>rpcd: bound " "$RLOG")" -ge 2 ]'
A2=$(sed -n 's/^<6>rpcd: bound \([0-9.]*\) on dti0, TEP .*/\1/p' "$RLOG" | tail -n 1)
cli release >/dev/null
wait_for 5 grep -q '^<6>rpcd: released ' "$RLOG"
kill_pid "$RPID"
check "rpcd -v: the address's removal at debug, '<7>rpcd: $A2 removed from dti0'" \
	grep -q "^<7>rpcd: $A2 removed from dti0$" "$RLOG"
expect_eq "rpcd: bound twice, renewed, lost and released once each" \
	"2 1 1 1" "$(n_lines '^<6>rpcd: bound ' "$RLOG") $(n_lines '^<6>rpcd: renewed ' "$RLOG") $(n_lines '^<4>rpcd: lost ' "$RLOG") $(n_lines "^<6>rpcd: released $A2$" "$RLOG")"
expect_eq "the server: one line for the revoke, one for the release" \
	"1 1" "$(n_lines "^<6>rpcdstmd: revoked $A from 2001:db8:1::10$") $(n_lines "^<6>rpcdstmd: release $A2 for 2001:db8:1::10$")"

# --- a retransmitted ALLOC adds no info line ---
before=$(n_lines '^<6>rpcdstmd: alloc ')
r1=$(CALL "$NS_C1" 2001:db8:1::10 alloc | cut -d' ' -f1-4)
mid=$(n_lines '^<6>rpcdstmd: alloc ')
r2=$(CALL "$NS_C1" 2001:db8:1::10 alloc | cut -d' ' -f1-4)
after=$(n_lines '^<6>rpcdstmd: alloc ')
check "ALLOC and its retransmission get the same lease ($r1)" \
	test "$r1" = "$r2" -a -n "${r1#status ok}"
expect_eq "the ALLOC logs one info line, the retransmission none" \
	"$((before + 1)) $((before + 1))" "$mid $after"

# --- refusals: warnings naming the client and what limited it ---
CALL "$NS_C1" 2001:db8:1::10 -k 000102030405060708090a0b0c0d0e0f alloc >/dev/null
check "quota: '<4>... alloc by 2001:db8:1::10 refused (quota): the address holds 1 lease'" \
	grep -q '^<4>rpcdstmd: alloc by 2001:db8:1::10 refused (quota): the address holds 1 lease (max-leases-per-client 1)$' "$LOG"
CALL "$NS_C2" 2001:db8:2::20 alloc >/dev/null
check "denied: '<4>... alloc by 2001:db8:2::20 refused (denied): not in [clients] allow'" \
	grep -q '^<4>rpcdstmd: alloc by 2001:db8:2::20 refused (denied): not in \[clients\] allow$' "$LOG"
for i in 11 12 13 14 15 16 17 18 19; do
	ip -n "$NS_C1" -6 addr add 2001:db8:1::$i/64 dev eth0 nodad
done
ip -n "$NS_C1" -6 addr add 2001:db8:1::20/64 dev eth0 nodad
for i in 11 12 13 14 15 16 17 18 19; do
	st=$(CALL "$NS_C1" 2001:db8:1::$i alloc | cut -d' ' -f2)
	[ "$st" = ok ] || break
done
expect_eq "the pool filled up" pool-exhausted "$st"
expect_eq "one warning when the pool fills, with its size" 1 \
	"$(n_lines '^<4>rpcdstmd: pool 198\.51\.100\.0/29 \(6 addresses: 6 bound, 0 static, 0 held\) is full')"
base=$(n_lines 'refused \(pool-exhausted\)')
refused0=$(counter replies.pool_exhausted)
ip netns exec "$NS_C1" bash -c 'for i in $(seq 50); do
	"$0" -s 2001:db8:1::1 -p '"$PORT"' -b 2001:db8:1::20 alloc
done' "$BUILD/tests/dstm_call" >"$T_TMP/exhausted"
expect_eq "50 ALLOCs from 2001:db8:1::20 refused pool-exhausted" 50 \
	"$(grep -c '^status pool-exhausted' "$T_TMP/exhausted")"
named=$(n_lines '^<4>rpcdstmd: alloc by 2001:db8:1::20 refused \(pool-exhausted\): pool 198\.51\.100\.0/29 \(6 addresses: 6 bound')
all=$(( $(n_lines 'refused \(pool-exhausted\)') - base ))
echo "# 50 refusals: $all lines ($named naming the client and the pool)"
if [ "$named" -ge 1 ] && [ "$all" -le 5 ]; then
	ok "50 refusals: 1 to 5 warnings (the limit), naming client and pool ($all)"
else
	not_ok "50 refusals: 1 to 5 warnings naming client and pool" \
	    "$named named, $all in all"
fi
expect_eq "the counter has every refusal" "$((refused0 + 50))" \
	"$(counter replies.pool_exhausted)"

# --- the gateway: a forged 4in6 packet makes a drop summary ---
ip -n "$NS_C1" -6 addr add 2001:db8:1::99/64 dev eth0 nodad
forge() {	# forge N: N 4in6 packets from 2001:db8:1::99, no lease there
	ip netns exec "$NS_C1" python3 -c "
import socket, sys
sys.path.insert(0, '$TOP/tests')
import pkt
p = pkt.ipv4_udp('198.51.100.200', '203.0.113.10', 9003, b'forged')
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_IPIP)
s.bind(('2001:db8:1::99', 0))
for i in range($1):
    s.sendto(p, ('2001:db8:1::1', 0))"
}
drops0=$(counter gateway.drop.unknown_client)
forge 1
if [ "$BACKEND" = bpf ]; then
	want='^<4>rpcdstmd: gateway: dropped 1 packet from clients \(unknown-client\) in [0-9]+s: 1 by the kernel fast path \(no addresses\)$'
	what="counted, no addresses (the kernel path records none)"
else
	want='^<4>rpcdstmd: gateway: dropped 1 packet from clients \(unknown-client\) in [0-9]+s: 2001:db8:1::99 inner 198\.51\.100\.200 x1$'
	what="naming the forged outer and inner sources"
fi
wait_for 5 grep -Eq "$want" "$LOG"
if grep -Eq "$want" "$LOG"; then
	ok "a forged packet: a drop summary within a few seconds, $what"
else
	not_ok "a forged packet: a drop summary within a few seconds, $what" \
	    "$(grep dropped "$LOG" | head -n 1)"
fi
forge 200
wait_for 5 eval '[ "$(counter gateway.drop.unknown_client)" -ge $((drops0 + 201)) ]'
check "200 more forged packets are dropped and counted" \
	test "$(counter gateway.drop.unknown_client)" -ge $((drops0 + 201))
# the absence of a second line is a matter of time: two ticks of the
# data plane's once-a-second summary
sleep 2.5
expect_eq "... and make no second summary line within the minute" 1 \
	"$(n_lines '^<4>rpcdstmd: gateway: dropped [0-9]+ packets? from clients \(unknown-client\)')"

# an error: a reload of a broken file
echo "no-such-key = 1" >>"$CONF"
kill -HUP "$SPID"
wait_for 5 grep -q 'reload refused' "$LOG"
check "a refused reload is an error, '<3>rpcdstmd: reload refused ...'" \
	grep -q '^<3>rpcdstmd: reload refused' "$LOG"
check "no line without a priority prefix, in either log" \
	bash -c "! grep -hv '^<[0-7]>' '$LOG' '$RLOG'"
check "no sanitizer reports" bash -c "! grep -q Sanitizer '$LOG' '$RLOG'"
finish
