#!/usr/bin/env bash
# backend_auto.sh - what happens when the bpf data plane cannot load: a
# daemon without CAP_BPF and CAP_SYS_ADMIN (capsh drops them, as a
# container or a unit with a narrow CapabilityBoundingSet would).
# backend = bpf refuses to start and says why; backend = auto runs the
# tun path, logs why, shows it in the counters and carries traffic;
# with the capabilities auto picks bpf.  The same for rpcd.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lab.sh"

PKT="python3 $TOP/tests/pkt.py"
PORT=7552
NOBPF="capsh --drop=cap_bpf,cap_sys_admin,cap_perfmon --"	# then -c CMD
lab_up || { not_ok "lab up"; finish; exit 1; }
CONF=$T_TMP/rpcdstmd.conf
CTL() { "$BUILD/dstmctl" -s "$T_TMP/ctl.sock" "$@"; }
counter() { CTL stats | awk -v k="$1" '$1 == k { print $2 }'; }
start() {	# start BACKEND [nobpf]: the server in the gw namespace
	local shell="bash"
	[ "${2:-}" = nobpf ] && shell=$NOBPF
	BACKEND=$1 lab_server_conf "$CONF" $PORT
	: >"$T_TMP/server.log"
	# shellcheck disable=SC2086
	bg_in "$NS_GW" "$T_TMP/server.log" $shell -c \
	    "exec '$BUILD/rpcdstmd' -d -v -f '$CONF'"
	SPID=$BG_PID
}

# 1. bpf without the capabilities: a clear refusal, no half-started server
start bpf nobpf
wait_for 10 bash -c "! kill -0 $SPID 2>/dev/null"
check "backend bpf without CAP_BPF: rpcdstmd exits" \
	bash -c "! kill -0 $SPID 2>/dev/null"
wait "$SPID" 2>/dev/null
expect_eq "... with status 1" 1 "$?"
check "... and says why (no CAP_BPF or CAP_SYS_ADMIN)" \
	grep -q "cannot load BPF: no CAP_BPF or CAP_SYS_ADMIN" "$T_TMP/server.log"
check "... and that the gateway did not start" \
	grep -q "cannot start the co-located gateway" "$T_TMP/server.log"
check "... leaving no TUN behind" \
	bash -c "! ip -n '$NS_GW' link show dti0 >/dev/null 2>&1"

# 2. auto without the capabilities: tun, and the log says why
start auto nobpf
wait_for 10 port_open "$NS_GW" $PORT
check "backend auto without CAP_BPF: rpcdstmd runs" port_open "$NS_GW" $PORT
expect_eq "... on the tun backend" "1 0" \
	"$(counter gateway.backend.tun) $(counter gateway.backend.bpf)"
check "... and the log says why" grep -q \
	"backend auto: tun, as the bpf fast path did not load" "$T_TMP/server.log"
L1=$(ip netns exec "$NS_C1" "$BUILD/tests/dstm_call" -s 2001:db8:1::1 -p $PORT \
	-b 2001:db8:1::10 alloc | sed -n 's/^status ok addr \([0-9.]*\) .*/\1/p')
ip netns exec "$NS_V4" $PKT recv4 9101 3 >"$T_TMP/got" & RPID=$!
# the receiver is a raw socket: wait until it exists
wait_for 3 bash -c "ip netns exec '$NS_V4' ss -Hwan | grep -q ."
sent=$(ip netns exec "$NS_C1" $PKT send4in6 2001:db8:1::1 "$L1" 203.0.113.10 9101 fallback)
wait $RPID
expect_eq "... and carries traffic ($L1)" "equal" \
	"$($PKT cmp "$($PKT forwarded "$sent")" "$(cat "$T_TMP/got")")"
check "... with no tc program attached" \
	bash -c "! ip netns exec '$NS_GW' tc filter show dev c1 ingress | grep -q bpf"
kill_pid "$SPID"

# 3. auto with the capabilities: bpf
start auto
wait_for 10 port_open "$NS_GW" $PORT
expect_eq "backend auto with CAP_BPF: bpf" "0 1" \
	"$(counter gateway.backend.tun) $(counter gateway.backend.bpf)"

# 4. rpcd: bpf refuses without the capabilities, auto falls back
rpcd_conf() {	# rpcd_conf BACKEND
	cat >"$T_TMP/rpcd.conf" <<C
[client]
server = 2001:db8:1::1
port = $PORT
mode = always
backend = $1
control-socket = $T_TMP/rpcd.sock
pid-file = $T_TMP/rpcd.pid
key-file = $T_TMP/rpcd.key
C
}
rpcd_conf bpf
bg_in "$NS_C2" "$T_TMP/rpcd.log" $NOBPF -c \
    "exec '$BUILD/rpcd' -d -v -load -f '$T_TMP/rpcd.conf'"
RP=$BG_PID
wait_for 10 bash -c "! kill -0 $RP 2>/dev/null"
check "rpcd backend bpf without CAP_BPF: exits and says why" \
	grep -q "backend bpf: the fast path did not load" "$T_TMP/rpcd.log"
wait "$RP" 2>/dev/null
rpcd_conf auto
: >"$T_TMP/rpcd.log"
bg_in "$NS_C2" "$T_TMP/rpcd.log" $NOBPF -c \
    "exec '$BUILD/rpcd' -d -v -load -f '$T_TMP/rpcd.conf'"
RP=$BG_PID
cstat_is() {	# cstat_is NAME VALUE: rpcd's counter
	[ "$("$BUILD/dstmctl" -s "$T_TMP/rpcd.sock" -j status 2>/dev/null |
	    python3 -c "import json,sys; print(json.load(sys.stdin)['counters']['$1'])" 2>/dev/null)" = "$2" ]
}
check "rpcd backend auto without CAP_BPF: runs on tun" \
	wait_for 10 cstat_is tunnel.backend.tun 1
check "... and the log says why" grep -q "backend auto: tun" "$T_TMP/rpcd.log"
kill_pid "$RP"
kill_pid "$SPID"
check "no sanitizer reports" bash -c "! grep -q Sanitizer '$T_TMP/server.log' '$T_TMP/rpcd.log'"
finish
