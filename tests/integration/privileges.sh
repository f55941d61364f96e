#!/usr/bin/env bash
# privileges.sh - least privilege after start-up (README "Privileges"):
# rpcdstmd with its co-located gateway, dstmgwd and rpcd each run as the
# user dstm with only CAP_NET_ADMIN (CAP_BPF as well for the bpf data
# plane on kernels that check it on map updates), no_new_privs and a
# seccomp filter, on every thread (/proc/PID/task/*/status); and what
# they must still do after the drop works: leases with rpcd's address
# and routes, a reload that reroutes the pool, a journal compaction in
# state-dir, renew and release, the control sockets removed at exit.
# The filter itself: dstm_sandbox enters each daemon's filter and makes
# a forbidden call (SIGSYS, the call named on stderr).  -u root keeps
# root; an unknown user is refused before anything starts.
# BACKENDS: tun bpf
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lab.sh"

PORT=7556
GWPORT=7557
lab_up || { not_ok "lab up"; finish; exit 1; }
make_ns NS_D gwd || { not_ok "dstmgwd namespace"; finish; exit 1; }
UID_D=$(id -u dstm)
GID_D=$(id -g dstm)
CAP_NET_ADMIN=$((1 << 12))
CAP_BPF=$((1 << 39))

# what a daemon on this data plane keeps (kernel/priv.c)
want_caps() {	# want_caps BPF_IN_USE
	local c=$CAP_NET_ADMIN rel major minor
	rel=$(uname -r)
	major=${rel%%.*}
	minor=${rel#*.}
	minor=${minor%%.*}
	if [ "$1" = yes ] &&
	    [ "$(cat /proc/sys/kernel/unprivileged_bpf_disabled)" != 0 ] &&
	    { [ "$major" -lt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -lt 5 ]; }; }; then
		c=$((c | CAP_BPF))
	fi
	printf '%016x' "$c"
}
field() {	# field FILE NAME: the value of "NAME:" in a status file, the
		# words joined by one space
	awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$1"
}
# check_status NAME PID CAPS: the main thread and every other one
check_status() {
	local name=$1 pid=$2 caps=$3 t bad=""
	local st=/proc/$pid/status
	expect_eq "$name: Uid (real, effective, saved, fs)" \
		"$UID_D $UID_D $UID_D $UID_D" "$(field "$st" Uid)"
	expect_eq "$name: Gid" "$GID_D $GID_D $GID_D $GID_D" "$(field "$st" Gid)"
	expect_eq "$name: supplementary groups" "$GID_D" "$(field "$st" Groups)"
	expect_eq "$name: CapEff" "$caps" "$(field "$st" CapEff)"
	expect_eq "$name: CapPrm" "$caps" "$(field "$st" CapPrm)"
	expect_eq "$name: CapBnd" "$caps" "$(field "$st" CapBnd)"
	expect_eq "$name: CapInh and CapAmb" "0000000000000000 0000000000000000" \
		"$(field "$st" CapInh) $(field "$st" CapAmb)"
	expect_eq "$name: NoNewPrivs" 1 "$(field "$st" NoNewPrivs)"
	expect_eq "$name: Seccomp (2 = filter)" 2 "$(field "$st" Seccomp)"
	for t in /proc/"$pid"/task/*/status; do
		[ "$(field "$t" Seccomp)" = 2 ] &&
		    [ "$(field "$t" NoNewPrivs)" = 1 ] &&
		    [ "$(field "$t" Uid)" = "$UID_D $UID_D $UID_D $UID_D" ] &&
		    [ $((0x$(field "$t" CapEff) & ~0x$caps)) -eq 0 ] ||
		    bad="$bad $t"
	done
	expect_eq "$name: every thread ($(ls /proc/"$pid"/task | wc -l)) filtered, as dstm, no more capabilities" \
		"" "$bad"
}

BPF=no
[ "${BACKEND:-tun}" = bpf ] && BPF=yes
CONF=$T_TMP/rpcdstmd.conf
LOG=$T_TMP/server.log
CTL() { "$BUILD/dstmctl" -s "$T_TMP/ctl.sock" "$@"; }
counter() { CTL stats | awk -v k="$1" '$1 == k { print $2 }'; }

# --- an unknown user: refused before anything starts ---
lab_server_conf "$CONF" $PORT
out=$("$BUILD/rpcdstmd" -d -u no-such-user-dstm -f "$CONF" 2>&1)
expect_eq "rpcdstmd -u no-such-user: exit 1" 1 "$?"
check "... saying the user does not exist" \
	grep -q "user no-such-user-dstm does not exist" <<<"$out"

# --- rpcdstmd with its co-located gateway ---
# the compaction below leases from 100 addresses of one /64
printf '[clients]\nmax-leases-per-prefix = 0\nprefix-rate-limit = 0\n' >>"$CONF"
bg_in "$NS_GW" "$LOG" "$BUILD/rpcdstmd" -d -v -f "$CONF"
SPID=$BG_PID
wait_for 10 port_open "$NS_GW" $PORT
check "rpcdstmd (gateway $BACKEND) is up" port_open "$NS_GW" $PORT
wait_for 5 grep -q "running as dstm" "$LOG"
check "rpcdstmd logs the drop" grep -q "running as dstm (uid $UID_D)" "$LOG"
check_status rpcdstmd "$SPID" "$(want_caps $BPF)"
expect_eq "the state directory belongs to dstm" "dstm" \
	"$(stat -c %U "$T_TMP/state")"

# --- dstmgwd, standalone (on tun: its namespace has no uplink for the
# bpf programs; gw_standalone.sh runs it on both) ---
cat >"$T_TMP/dstmgwd.conf" <<CONF
[gateway]
listen = ::1
port = $GWPORT
tep6 = ::1
backend = tun
pool = 198.51.100.0/24
control-socket = $T_TMP/gw.sock
pid-file = $T_TMP/dstmgwd.pid
[servers]
allow = ::1
CONF
bg_in "$NS_D" "$T_TMP/gw.log" "$BUILD/dstmgwd" -d -v -f "$T_TMP/dstmgwd.conf"
GPID=$BG_PID
wait_for 10 port_open "$NS_D" $GWPORT
check "dstmgwd is up" port_open "$NS_D" $GWPORT
wait_for 5 grep -q "running as dstm" "$T_TMP/gw.log"
check_status dstmgwd "$GPID" "$(want_caps no)"
check "dstmgwd answers on its control socket" \
	"$BUILD/dstmctl" -s "$T_TMP/gw.sock" stats

# --- rpcd ---
cat >"$T_TMP/rpcd.conf" <<C
[client]
server = 2001:db8:1::1
port = $PORT
mode = always
backend = ${BACKEND:-tun}
control-socket = $T_TMP/rpcd.sock
pid-file = $T_TMP/rpcd.pid
C
bg_in "$NS_C1" "$T_TMP/rpcd.log" "$BUILD/rpcd" -d -v -load -f "$T_TMP/rpcd.conf"
CPID=$BG_PID
RCTL() { "$BUILD/dstmctl" -s "$T_TMP/rpcd.sock" "$@"; }
has_addr() { ip -n "$NS_C1" -4 addr show dev dti0 2>/dev/null | grep -q "inet $1"; }
bound() { [ "$(RCTL -j status 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)[\"state\"])" 2>/dev/null)" = bound ]; }
wait_for 10 bound
check "rpcd is bound" bound
L1=$(RCTL -j status | python3 -c 'import json,sys; print(json.load(sys.stdin)["lease"]["address"])' 2>/dev/null)
check "rpcd put its lease $L1 on dti0 after the drop (netlink)" has_addr "$L1"
check "... and its default route" bash -c \
	"ip -n '$NS_C1' route show default | grep -q 'dev dti0'"
check_status rpcd "$CPID" "$(want_caps $BPF)"

# --- what must still work after the drop ---
# a reload that adds a pool range: the gateway routes it (netlink)
sed -i 's|^range = 198.51.100.0/24|range = 198.51.100.0/24\nrange = 198.51.101.0/24|' "$CONF"
kill -HUP "$SPID"
wait_for 5 bash -c "ip -n '$NS_GW' route show 198.51.101.0/24 | grep -q dti0"
check "reload after the drop: the new pool range is routed into dti0" \
	bash -c "ip -n '$NS_GW' route show 198.51.101.0/24 | grep -q dti0"
# enough journal records for a compaction (4096)
ip -n "$NS_GW" -6 route add local 2001:db8:70::/64 dev lo
ip netns exec "$NS_GW" "$BUILD/tests/dstm_load" -s 2001:db8:1::1 -p $PORT \
	-c 2001:db8:70:: -n 100 -r 30 -o cycle -u -q >"$T_TMP/load.out" 2>&1
wait_for 5 bash -c "[ \"\$('$BUILD/dstmctl' -s '$T_TMP/ctl.sock' stats | awk '\$1 == \"journal.compactions\" { print \$2 }')\" -ge 1 ]"
got=$(counter journal.compactions)
check "journal compaction in state-dir after the drop ($got)" test "${got:-0}" -ge 1
check "rpcd renews after the drop" RCTL renew
check "... still bound" bound
check "rpcd releases: the address leaves dti0 (netlink)" RCTL release
wait_for 5 bash -c "! ip -n '$NS_C1' -4 addr show dev dti0 | grep -q 'inet $L1'"
check "... gone" bash -c "! ip -n '$NS_C1' -4 addr show dev dti0 | grep -q 'inet $L1'"
check "no seccomp report in any log" bash -c \
	"! grep -h 'seccomp:' '$LOG' '$T_TMP/gw.log' '$T_TMP/rpcd.log'"

# --- stop: sockets removed by the unprivileged daemons ---
kill_pid "$CPID"
kill -TERM "$GPID"; wait "$GPID"
expect_eq "dstmgwd: SIGTERM, exit 0" 0 "$?"
kill -TERM "$SPID"; wait "$SPID"
expect_eq "rpcdstmd: SIGTERM, exit 0" 0 "$?"
check "the control sockets are gone" bash -c \
	"! test -e '$T_TMP/ctl.sock' && ! test -e '$T_TMP/gw.sock' && ! test -e '$T_TMP/rpcd.sock'"
check "no seccomp report at exit" bash -c \
	"! grep -h 'seccomp:' '$LOG' '$T_TMP/gw.log' '$T_TMP/rpcd.log'"

# --- -u root: everything kept (debugging) ---
: >"$LOG"
bg_in "$NS_GW" "$LOG" "$BUILD/rpcdstmd" -d -u root -f "$CONF"
SPID=$BG_PID
wait_for 10 port_open "$NS_GW" $PORT
expect_eq "-u root: uid 0, no seccomp" "0 0" \
	"$(field /proc/$SPID/status Uid | cut -d' ' -f1) $(field /proc/$SPID/status Seccomp)"
check "-u root: says so" grep -q "running as root with every capability" "$LOG"
kill_pid "$SPID"

# --- started as the systemd unit starts it: as dstm, with the start-up
# capabilities ambient (etc/rpcdstmd.service), Type=notify.  Without the
# gateway: /dev/net/tun may be root's alone here (Debian makes it 0666),
# and a server without a gateway keeps no capability at all ---
NCONF=$T_TMP/nogw.conf
lab_server_conf "$NCONF" $PORT
sed -i 's/^enable = yes/enable = no/' "$NCONF"
START_CAPS=-all,+net_admin,+net_raw,+bpf,+perfmon
python3 - "$T_TMP/notify.sock" >"$T_TMP/notify.out" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(20)
try:
    while True:
        m = s.recv(256).decode()
        print(m, flush=True)
        if m == "STOPPING=1":
            break
except socket.timeout:
    pass
PY
NPID=$!
wait_for 5 test -S "$T_TMP/notify.sock"
chmod 0666 "$T_TMP/notify.sock"
: >"$LOG"
bg_in "$NS_GW" "$LOG" env NOTIFY_SOCKET="$T_TMP/notify.sock" setpriv \
	--reuid=dstm --regid=dstm --init-groups --bounding-set=$START_CAPS \
	--inh-caps=$START_CAPS --ambient-caps=$START_CAPS \
	"$BUILD/rpcdstmd" -d -f "$NCONF"
SPID=$BG_PID
wait_for 10 grep -q READY=1 "$T_TMP/notify.out"
check "as a unit starts it (user dstm, ambient capabilities): READY=1 sent" \
	grep -qx READY=1 "$T_TMP/notify.out"
st=/proc/$SPID/status
expect_eq "... it keeps no capability, no_new_privs, seccomp" \
	"0000000000000000 0000000000000000 0000000000000000 1 2" \
	"$(field $st CapEff) $(field $st CapPrm) $(field $st CapAmb) $(field $st NoNewPrivs) $(field $st Seccomp)"
out=$(ip netns exec "$NS_C1" "$BUILD/tests/dstm_call" -s 2001:db8:1::1 -p $PORT \
	-b 2001:db8:1::10 alloc)
expect_eq "... and leases" ok "$(awk '{ print $2; exit }' <<<"$out")"
kill -HUP "$SPID"
wait_for 5 bash -c "grep -c READY=1 '$T_TMP/notify.out' | grep -qx 2"
check "... SIGHUP: RELOADING=1 then READY=1" bash -c \
	"grep -x 'RELOADING=1' '$T_TMP/notify.out' && [ \$(grep -cx READY=1 '$T_TMP/notify.out') -eq 2 ]"
kill -TERM "$SPID"; wait "$SPID"
expect_eq "... SIGTERM: exit 0" 0 "$?"
wait "$NPID"
check "... STOPPING=1" grep -qx STOPPING=1 "$T_TMP/notify.out"

# --- the filters: a forbidden call ends the process with SIGSYS ---
SB=$BUILD/tests/dstm_sandbox
ENFORCING=yes
if [ "$("$SB" rpcd mode)" = log ]; then
	ok "sanitizer build: the filters log instead of killing (not checked)"
	ENFORCING=no
fi
for p in rpcdstmd dstmgwd rpcd; do
	[ $ENFORCING = yes ] || break
	check "$p filter: an allowed call and a thread" \
		bash -c "'$SB' $p getpid && '$SB' $p thread"
	for c in execve fork ptrace packet setuid mount; do
		"$SB" $p $c >"$T_TMP/sb.out" 2>&1
		rc=$?
		if [ $rc -eq 159 ] && grep -q "$p: seccomp: system call [0-9]* is not on the allow-list" "$T_TMP/sb.out"; then
			ok "$p filter: $c is killed (SIGSYS) and named"
		else
			not_ok "$p filter: $c is killed (SIGSYS) and named" \
			    "exit $rc: $(cat "$T_TMP/sb.out")"
		fi
	done
done
check "no sanitizer reports" bash -c \
	"! grep -q Sanitizer '$LOG' '$T_TMP/gw.log' '$T_TMP/rpcd.log'"
finish
