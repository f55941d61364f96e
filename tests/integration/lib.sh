# tests/integration/lib.sh - shared helpers for integration tests: TAP
# output, unique network namespaces torn down on exit, daemons started and
# killed by PID, conditions polled with a deadline (never bare sleeps).
# shellcheck shell=bash

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
RUN_ID=${RUN_ID:-$$}
T_TMP=$(mktemp -d /tmp/dstm-it.XXXXXX)
# the daemons run as the user dstm after start-up (tests/deps.sh creates
# it): it reads the configs here on reload and removes its sockets
T_USER=${T_USER:-dstm}
chown "$T_USER:" "$T_TMP" 2>/dev/null ||
	echo "# no user $T_USER: run tests/deps.sh (the daemons will not start)"
T_NS=()
T_PIDS=()
T_N=0
T_FAILED=0

ok() {		# ok "name" -- a passing check
	T_N=$((T_N + 1))
	echo "ok $T_N - $1"
}

not_ok() {	# not_ok "name" ["detail"]
	T_N=$((T_N + 1))
	T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_N - $1"
	[ $# -gt 1 ] && echo "# $2"
	return 0
}

check() {	# check "name" cmd...   -- ok if cmd succeeds
	local name=$1
	shift
	if "$@" >"$T_TMP/check.out" 2>&1; then
		ok "$name"
	else
		not_ok "$name" "$(head -c 600 "$T_TMP/check.out" | tr '\n' ' ')"
	fi
}

expect_eq() {	# expect_eq "name" expected actual
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "expected '$2', got '$3'"
	fi
}

# wait_for SECONDS cmd... : poll cmd every 50 ms until it succeeds
wait_for() {
	local deadline=$(( $(date +%s%N) + $1 * 1000000000 ))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
	return 0
}

# make_ns VAR NAME: a fresh namespace with lo up, its name (unique per
# run) in $VAR; not in a subshell, so the cleanup list keeps it
make_ns() {
	local ns="dstm-$2-$RUN_ID"
	ip netns add "$ns" || return 1
	T_NS+=("$ns")
	ip -n "$ns" link set lo up
	printf -v "$1" '%s' "$ns"
}

# bg_in NS LOG cmd... : run a daemon in NS in the background, stdout and
# stderr appended to LOG; its PID in $BG_PID (not a subshell: the PID must
# reach the cleanup list)
bg_in() {
	local ns=$1 log=$2
	shift 2
	ip netns exec "$ns" "$@" >>"$log" 2>&1 </dev/null &
	BG_PID=$!
	T_PIDS+=("$BG_PID")
}

kill_pid() {	# kill_pid PID [SIGNAL]: by PID only, then reap
	local pid=$1 sig=${2:-TERM}
	kill -"$sig" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

cleanup() {
	local pid ns
	for pid in "${T_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for ns in "${T_NS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$T_TMP"
}

finish() {
	echo "# $T_N checks, $T_FAILED failed"
	[ "$T_FAILED" -eq 0 ]
}

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# server_conf FILE PORT [extra sections...]: a test config on ::1
server_conf() {
	local f=$1 port=$2
	shift 2
	cat >"$f" <<CONF
[server]
listen = ::1
port = $port
state-dir = $T_TMP/state
control-socket = $T_TMP/ctl.sock
pid-file = $T_TMP/rpcdstmd.pid
lease-time = 60
hold-time = 30
rpcbind = no
CONF
	printf '%s\n' "$@" >>"$f"
}

# port_open NS PORT: something listens on tcp6 PORT in NS
port_open() {
	ip netns exec "$1" ss -Htln "sport = :$2" | grep -q .
}
