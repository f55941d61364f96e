#!/usr/bin/env bash
# server_rpcbind.sh - rpcdstmd and rpcbind(8): registration of the client
# program on tcp6 and udp6 (rpcinfo -s), dstmctl -p 0 finding the port
# through rpcbind, unregistration on SIGTERM, a restart on another port
# after a crash, and the three values of `rpcbind =` with and without a
# running rpcbind.
#
# rpcbind's socket and lock are fixed paths under /run, which network
# namespaces share with the host: everything here that touches them runs
# in a private mount namespace with a tmpfs on /run, held by a sleeping
# process, so a host rpcbind is never seen nor disturbed.
. "$(dirname "$0")/lib.sh"

PROG=$((0x20445354))	# rpcinfo prints program numbers in decimal
PORT=7547

make_ns NS rpcb || { not_ok "create namespace"; finish; exit 1; }
host_sock_before=$(stat -c %i /run/rpcbind.sock 2>/dev/null || echo none)

# the holder: a mount namespace with its own /run; only if the mount
# worked does it stay alive, and only then is anything started in it
bg_in "$NS" "$T_TMP/holder.log" unshare -m --propagation private \
	sh -c 'mount -t tmpfs -o mode=0755 tmpfs /run && exec sleep 100000'
HOLDER=$BG_PID
private_run() {
	kill -0 "$HOLDER" &&
	    awk '$5 == "/run" && / - tmpfs /' "/proc/$HOLDER/mountinfo" | grep -q .
}
if wait_for 5 private_run; then
	ok "private /run (tmpfs) in a mount namespace of its own"
else
	not_ok "private /run (tmpfs) in a mount namespace of its own" \
	    "$(cat "$T_TMP/holder.log")"
	finish
	exit 1
fi
# IN cmd...: run cmd in the namespace with the private /run
IN() { ip netns exec "$NS" nsenter -t "$HOLDER" -m "$@"; }
CTL() { ip netns exec "$NS" "$BUILD/dstmctl" "$@"; }
registered() { IN rpcinfo -s | awk -v p="$PROG" '$1 == p' | grep -q .; }
not_registered() { IN rpcinfo -s >/dev/null && ! registered; }
rpcbind_up() { IN rpcinfo -s >/dev/null; }

CONF=$T_TMP/rpcdstmd.conf
LOG=$T_TMP/server.log
conf() {	# conf RPCBIND [PORT]
	server_conf "$CONF" "${2:-$PORT}" "[pool]" "range = 198.51.100.0/29" \
		"exclude = 198.51.100.0" "[clients]" "allow = ::1/128" \
		"rate-limit = 0"
	sed -i "s/^rpcbind = .*/rpcbind = $1/" "$CONF"
}
start_server() {	# in the background, -d; SPID; waits for the port
	bg_in "$NS" "$LOG" nsenter -t "$HOLDER" -m "$BUILD/rpcdstmd" -d -v \
		-f "$CONF"
	SPID=$BG_PID
	wait_for 10 port_open "$NS" "${1:-$PORT}"
}
stop_server() {		# SIGTERM; the exit status in $SRC
	kill -TERM "$SPID" 2>/dev/null
	wait "$SPID"
	SRC=$?
}

# --- no rpcbind running ---
conf yes
check "no rpcbind in the private /run" IN test ! -e /run/rpcbind.sock
: >"$LOG"
timeout 30 ip netns exec "$NS" nsenter -t "$HOLDER" -m "$BUILD/rpcdstmd" -d \
	-f "$CONF" >"$T_TMP/yes.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 124 ]; then
	ok "rpcbind = yes without rpcbind: exit status $rc"
else
	not_ok "rpcbind = yes without rpcbind: exits non-zero" "exit $rc"
fi
check "rpcbind = yes without rpcbind: the message names rpcbind" \
	grep -qi "rpcbind.*fail\|fail.*rpcbind\|rpcbind.*not running" \
	"$T_TMP/yes.out"
if [ ! -e "$T_TMP/ctl.sock" ]; then
	ok "a failed start leaves no control socket behind"
else
	not_ok "a failed start leaves no control socket behind" \
	    "$T_TMP/ctl.sock is left (the socket is made before registering)"
fi
# as a daemon (no -d): the failure must still reach the exit status, so
# an init script or an operator sees it
rm -f "$T_TMP/ctl.sock"
timeout 30 ip netns exec "$NS" nsenter -t "$HOLDER" -m "$BUILD/rpcdstmd" \
	-f "$CONF" >"$T_TMP/yes-daemon.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 124 ]; then
	ok "rpcbind = yes without rpcbind, as a daemon: exit status $rc"
else
	not_ok "rpcbind = yes without rpcbind, as a daemon: exits non-zero" \
	    "exit $rc (registration is tried after detaching)"
fi
# whatever the daemon did, it must not be left running
daemon_gone() { ! ip netns pids "$NS" | grep -vx "$HOLDER" | grep -q .; }
wait_for 5 daemon_gone
ip netns pids "$NS" | grep -vx "$HOLDER" | xargs -r kill -KILL 2>/dev/null
rm -f "$T_TMP/ctl.sock" "$T_TMP/rpcdstmd.pid"

conf auto
: >"$LOG"
start_server
check "rpcbind = auto without rpcbind: the server starts" port_open "$NS" $PORT
check "rpcbind = auto without rpcbind: it says it does not register" \
	grep -q "rpcbind not running" "$LOG"
expect_eq "rpcbind = auto: the client program answers on its port" \
	"status ok" "$(ip netns exec "$NS" "$BUILD/tests/dstm_call" -s ::1 \
	-p $PORT null)"
stop_server
expect_eq "rpcbind = auto without rpcbind: SIGTERM, exit 0" 0 "$SRC"

# --- rpcbind running ---
bg_in "$NS" "$T_TMP/rpcbind.log" nsenter -t "$HOLDER" -m rpcbind -f -w
RBPID=$BG_PID
if wait_for 10 rpcbind_up; then
	ok "rpcbind runs in the namespace"
else
	not_ok "rpcbind runs in the namespace" "$(cat "$T_TMP/rpcbind.log")"
	finish
	exit 1
fi
check "rpcbind's socket is in the private /run" IN test -S /run/rpcbind.sock

conf yes
: >"$LOG"
start_server
check "rpcbind = yes: the server starts" port_open "$NS" $PORT
wait_for 5 registered
check "the server logs its registration" grep -q "registered with rpcbind" "$LOG"
line=$(IN rpcinfo -s | awk -v p="$PROG" '$1 == p { print $2, $3 }')
expect_eq "rpcinfo -s: program $PROG versions 1 (refused) and 2" "1,2" "${line%% *}"
netids=$(tr ',' '\n' <<<"${line#* }" | sort | paste -sd, -)
expect_eq "rpcinfo -s: on tcp6 and udp6 only" "tcp6,udp6" "$netids"
uaddr="::1.$((PORT / 256)).$((PORT % 256))"
table=$(IN rpcinfo)
for n in tcp6 udp6; do
	got=$(awk -v p="$PROG" -v n=$n '$1 == p && $2 == 1 && $3 == n {
		print $4 }' <<<"$table")
	expect_eq "rpcinfo: $n address is the listen address and port" \
		"$uaddr" "$got"
	check "rpcinfo -T $n finds the program through rpcbind and calls it" \
		IN rpcinfo -T $n ::1 "$PROG" 2
done
out=$(CTL -S ::1 -p 0 info 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -q "^caller *::1$" <<<"$out"; then
	ok "dstmctl -S ::1 -p 0 info: port from rpcbind, tcp6"
else
	not_ok "dstmctl -S ::1 -p 0 info: port from rpcbind, tcp6" \
	    "exit $rc: $out"
fi
out=$(CTL -j -S ::1 -p 0 -u info 2>&1)
check "dstmctl -S ::1 -p 0 -u info: port from rpcbind, udp6" \
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]);
assert d["status"] == "ok" and d["caller"] == "::1", d' "$out"
out=$(CTL -S ::1 -p 0 alloc 2>&1)
check "dstmctl -S ::1 -p 0 alloc: a lease through the rpcbind port" \
	grep -q "^address *198\.51\.100\.[1-7]$" <<<"$out"

stop_server
expect_eq "SIGTERM: exit 0" 0 "$SRC"
check "SIGTERM: the program is unregistered (rpcinfo -s)" not_registered
check "rpcbind still lists itself" rpcbind_up
out=$(CTL -S ::1 -p 0 info 2>&1)
rc=$?
expect_eq "dstmctl -p 0 after the stop: exit 3" 3 "$rc"
check "dstmctl -p 0 after the stop: says the program is not registered" \
	grep -q "not registered with rpcbind" <<<"$out"

# rpcbind = no: never registers, even with rpcbind there
conf no
: >"$LOG"
start_server
check "rpcbind = no: the server starts" port_open "$NS" $PORT
check "rpcbind = no: not registered although rpcbind runs" not_registered
stop_server

# rpcbind = auto with rpcbind: registers
conf auto
: >"$LOG"
start_server
wait_for 5 registered
check "rpcbind = auto with rpcbind running: registered" registered

# a crash leaves the registration behind; the restarted server, here on
# another port, must replace it (as svc_reg does: unset, then set)
kill_pid "$SPID" KILL
check "after kill -9 the stale registration is still there" registered
conf yes $((PORT + 1))
: >"$LOG"
start_server $((PORT + 1))
if port_open "$NS" $((PORT + 1)); then
	ok "restart on another port after a crash, rpcbind = yes: starts"
else
	not_ok "restart on another port after a crash, rpcbind = yes: starts" \
	    "$(tr '\n' ' ' <"$LOG")"
fi
got=$(IN rpcinfo | awk -v p="$PROG" '$1 == p && $2 == 2 && $3 == "tcp6" { print $4 }')
expect_eq "the registration names the new port" \
	"::1.$(((PORT + 1) / 256)).$(((PORT + 1) % 256))" "$got"
check "dstmctl -p 0 reaches the restarted server" CTL -S ::1 -p 0 info
stop_server

kill_pid "$RBPID"
host_sock_after=$(stat -c %i /run/rpcbind.sock 2>/dev/null || echo none)
expect_eq "the host's /run/rpcbind.sock is untouched" "$host_sock_before" \
	"$host_sock_after"
check "no sanitizer reports in the server log" \
	bash -c "! grep -q 'Sanitizer' '$LOG' '$T_TMP/yes.out'"
finish
