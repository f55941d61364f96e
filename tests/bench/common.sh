# tests/bench/common.sh - shared by the bench parts, sourced after
# tests/integration/lib.sh (namespaces, daemons by PID, cleanup on exit).
# shellcheck shell=bash

BENCH_OUT=${BENCH_OUT:?run through tests/bench/run.sh}
FULL=${FULL:-0}
BB=$BUILD/tests/bench		# bench tools (bench.mk)
BT=$BUILD/tests			# test tools (dstm_load, dstm_call)
# journals and lease files on disk, not on a tmpfs /tmp: fsync must cost
BSTATE=$(mktemp -d /var/tmp/dstm-bench.XXXXXX)
trap 'cleanup; rm -rf "$BSTATE"' EXIT

# two cores: the server (or gateway) on CPU 0 or 1, the load on the other
if [ "$(nproc)" -ge 2 ]; then CPU_A=0 CPU_B=1; else CPU_A=0 CPU_B=0; fi

bench_py() { python3 "$TOP/tests/bench/bench.py" "$@"; }

note() {	# note TEXT: printed now, and kept in the JSON
	echo "  note: $*"
	python3 -c 'import json,sys; print(json.dumps({"note": sys.argv[1]}))' \
		"$*" >>"$BENCH_OUT/notes.jsonl"
}

emit() {	# emit PART JSON
	printf '%s\n' "$2" >>"$BENCH_OUT/$1.jsonl"
}

rss_kb() {	# rss_kb PID: resident memory in kB
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# srv_conf FILE LISTEN PORT STATE_DIR SYNC(yes|no) [pool lines...]
srv_conf() {
	local f=$1 listen=$2 port=$3 state=$4 sync=$5
	shift 5
	cat >"$f" <<CONF
[server]
listen = $listen
port = $port
state-dir = $state
control-socket = $T_TMP/ctl-$port.sock
pid-file = $T_TMP/rpcdstmd-$port.pid
lease-time = 1d
hold-time = 1h
rpcbind = no
journal-sync = $sync

[pool]
CONF
	printf '%s\n' "$@" >>"$f"
	cat >>"$f" <<CONF

[clients]
allow = 2001:db8::/32
rate-limit = 0
prefix-rate-limit = 0
max-leases-per-prefix = 0
CONF
}

# kv LINE KEY: the word after KEY in "key value key value" output
kv() { awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' <<<"$1"; }

# json_merge JSON... : one object with every key (later ones win)
json_merge() {
	python3 -c 'import json, sys
d = {}
for a in sys.argv[1:]:
    d.update(json.loads(a))
print(json.dumps(d, sort_keys=True))' "$@"
}

# addr4_at N: the dotted IPv4 address 100.64.0.0 + N
addr4_at() {
	local n=$(( 0x64400000 + $1 ))
	echo "$((n >> 24 & 255)).$((n >> 16 & 255)).$((n >> 8 & 255)).$((n & 255))"
}
