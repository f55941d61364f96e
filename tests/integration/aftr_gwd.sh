#!/usr/bin/env bash
# aftr_gwd.sh - the standalone gateway (dstmgwd) as a DS-lite AFTR on an
# address of its own (not the TEP): a synthetic B4 (tests/b4.py) reaches
# the IPv4 host and gets the answer from the AFTR address; 4in6 to the
# TEP is not the AFTR's; dstmctl aftr on dstmgwd's socket; with [aftr]
# off, dstmctl aftr is refused and says why.  No server runs: the AFTR
# needs none.
# BACKENDS: tun bpf
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lab.sh"

B4="python3 $TOP/tests/b4.py"
GWPORT=7551
TEP=2001:db8:1::1
AFTR=2001:db8:1::a
B6=2001:db8:2::b4
V4=203.0.113.10
lab_up || { not_ok "lab up"; finish; exit 1; }
ip -n "$NS_GW" -6 addr add $AFTR/128 dev lo
ip -n "$NS_C2" -6 addr add $B6/64 dev eth0 nodad preferred_lft 0
ok "lab up, the AFTR address on the gateway, the B4's on c2"

GWCONF=$T_TMP/dstmgwd.conf
gw_conf() {	# gw_conf yes|no
	cat >"$GWCONF" <<CONF
[gateway]
listen = $TEP
port = $GWPORT
tep6 = $TEP
backend = ${BACKEND:-tun}
pool = 198.51.100.0/24
control-socket = $T_TMP/gw.sock
pid-file = $T_TMP/dstmgwd.pid

[servers]
allow = 2001:db8:5::10

[aftr]
enable = $1
address = $AFTR
allow = 2001:db8:2::/64
pool = 192.0.2.8/30
CONF
}
gw_conf yes
check "dstmgwd -n accepts [aftr]" bash -c \
	"'$BUILD/dstmgwd' -n -f '$GWCONF' | grep -qx 'address = $AFTR'"
GWLOG=$T_TMP/dstmgwd.log
bg_in "$NS_GW" "$GWLOG" "$BUILD/dstmgwd" -d -v -f "$GWCONF"
GPID=$BG_PID
wait_for 5 port_open "$NS_GW" $GWPORT
check "dstmgwd with the AFTR is up" port_open "$NS_GW" $GWPORT
GCTL() { "$BUILD/dstmctl" -s "$T_TMP/gw.sock" "$@"; }
counter() { GCTL stats | awk -v k="$1" '$1 == k { print $2 }'; }
listen() {
	local ns=$1 out=$2
	shift 2
	rm -f "$T_TMP/ready"
	PKT_READY=$T_TMP/ready ip netns exec "$ns" "$@" >"$out" &
	RPID=$!
	wait_for 5 test -e "$T_TMP/ready"
}

listen "$NS_V4" "$T_TMP/v4" $B4 v4echo 9200 1 5
V=$RPID
listen "$NS_C2" "$T_TMP/rb" $B4 recv $B6 5
RB=$RPID
ip netns exec "$NS_C2" $B4 udp $AFTR $B6 192.0.0.2 7000 $V4 9200 via-gwd >/dev/null
wait $V $RB
case $(cat "$T_TMP/v4") in 192.0.2.*" via-gwd") ok "the B4's datagram reached the IPv4 host from the AFTR pool" ;;
*) not_ok "the B4's datagram reached the IPv4 host from the AFTR pool" "$(cat "$T_TMP/v4")" ;; esac
expect_eq "the answer comes back to the B4 from the AFTR address" \
	"$AFTR udp $V4:9200 192.0.0.2:7000 re:via-gwd ok" "$(cat "$T_TMP/rb")"

# to the TEP, not the AFTR address: DSTM's, and this B4 holds no lease
uc=$(counter gateway.drop.unknown_client)
created=$(counter aftr.sessions.created)
ip netns exec "$NS_C2" $B4 udp $TEP $B6 192.0.0.2 7001 $V4 9200 to-tep >/dev/null
wait_for 3 test "$(counter gateway.drop.unknown_client)" = $((uc + 1))
expect_eq "4in6 to the TEP is DSTM's: an unknown client, dropped" \
	$((uc + 1)) "$(counter gateway.drop.unknown_client)"
expect_eq "... and no mapping made" "$created" "$(counter aftr.sessions.created)"

expect_eq "dstmctl -j aftr b4s on dstmgwd: the B4 with one session" \
	"$B6 1 1" "$(GCTL -j aftr b4s | python3 -c "
import json, sys
d = json.load(sys.stdin)
print(' '.join('%s %d %d' % (b['b4'], b['sessions'], b['port_blocks']) for b in d['b4s']))")"
expect_eq "dstmctl -j aftr port-blocks: 512 ports of the pool" "512 192.0.2" \
	"$(GCTL -j aftr port-blocks | python3 -c "
import json, sys
k = json.load(sys.stdin)['port_blocks'][0]
print(k['last_port'] - k['first_port'] + 1, k['public'].rsplit('.', 1)[0])")"
check "the port-block allocation is logged" grep -Eq \
	"aftr: port-block alloc time=[0-9]+ b4=$B6 public=192\.0\.2\.(8|9|10|11) ports=[0-9]+-[0-9]+$" "$GWLOG"

# reload: [aftr] changes wait for a restart; a DSTM pool over the
# running AFTR pool is refused
sed -i 's|^pool = 192.0.2.8/30$|pool = 192.0.2.16/30|' "$GWCONF"
check "reload with another [aftr] pool: kept until restart, and said" \
	bash -c "'$BUILD/dstmctl' -s '$T_TMP/gw.sock' reload | grep -q '\[aftr\] changes take effect at restart'"
check "... the running AFTR pool still routed into the TUN" bash -c \
	"ip -n '$NS_GW' route show dev dti0 | grep -q '^192\.0\.2\.8/30 '"
sed -i 's|^pool = 198.51.100.0/24$|pool = 192.0.2.0/28|' "$GWCONF"
GCTL reload >"$T_TMP/out" 2>&1
expect_eq "reload whose DSTM pool takes the running AFTR pool: refused" 1 $?
check "... saying why" grep -q "overlap.*AFTR" "$T_TMP/out"

# stopped: every block released, and logged
kill_pid "$GPID"
check "stopping releases the block, logged" grep -Eq \
	"aftr: port-block release time=[0-9]+ b4=$B6 public=192\.0\.2\." "$GWLOG"

# [aftr] off: dstmctl aftr is refused, and says why
gw_conf no
bg_in "$NS_GW" "$GWLOG" "$BUILD/dstmgwd" -d -v -f "$GWCONF"
wait_for 5 port_open "$NS_GW" $GWPORT
GCTL aftr sessions >"$T_TMP/out" 2>"$T_TMP/err"
expect_eq "with [aftr] off, dstmctl aftr exits 1" 1 $?
check "... saying the AFTR is off" grep -q "the AFTR is off" "$T_TMP/err"
GCTL -j aftr sessions >"$T_TMP/out" 2>/dev/null
check "... with -j an error object (tests/json_schema.py)" \
	python3 "$TOP/tests/json_schema.py" --exit 1 <"$T_TMP/out"
expect_eq "... and no aftr counters in stats" "" "$(counter aftr.sessions)"

finish
