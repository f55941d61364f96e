#!/usr/bin/env bash
# tests/bench/run.sh - `make bench` (quick, a few minutes) and
# `make bench FULL=1` (longer steps, the 1M-lease runs).  As root: installs
# what it needs (Debian packages, only the missing ones), builds the bench
# tools with the project's flags, runs the four parts in network
# namespaces (removed on exit, also on failure), prints a table per part
# and a summary, and writes every figure with the machine description to
# results/bench-<date>-<commit>.json, the lease-rate plot beside it.
# See tests/bench/README.md.
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$(pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
FULL=${FULL:-0}
case $FULL in 1|yes) FULL=1 ;; *) FULL=0 ;; esac
export BUILD FULL

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (network namespaces, pinning, packages)" >&2
	exit 1
fi

# ---- packages: only what is missing, quietly ----
need=()
for spec in kea-dhcp4:kea-dhcp4-server perfdhcp:kea-admin iperf3:iperf3 \
    gnuplot:gnuplot-nox python3:python3 taskset:util-linux ss:iproute2; do
	command -v "${spec%%:*}" >/dev/null 2>&1 || need+=("${spec#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "bench: installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get update -qq && apt-get install -y -qq --no-install-recommends \
		"${need[@]}"; } >/tmp/dstm-bench-apt.log 2>&1 ||
		echo "bench: apt-get failed (see /tmp/dstm-bench-apt.log);" \
			"parts that need the missing tools will say so"
fi
command -v python3 >/dev/null || { echo "bench: python3 missing" >&2; exit 1; }

# ---- the bench tools, with the project's flags and rules ----
make -s -f Makefile -f tests/bench/bench.mk BUILD="$BUILD" bench-tools ||
	exit 1
for b in rpcdstmd rpcd dstmctl tests/dstm_load tests/dstm_call \
    tests/dstm_kbpf tests/bench/dstm_rate tests/bench/udp_flow \
    tests/bench/bench_binding tests/bench/bench_journal; do
	[ -x "$BUILD/$b" ] || { echo "bench: $BUILD/$b missing" >&2; exit 1; }
done

BENCH_OUT=$(mktemp -d /tmp/dstm-bench.XXXXXX)
export BENCH_OUT
trap 'rm -rf "$BENCH_OUT"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the machine ----
cpu_busy() {	# percent of CPU time not idle over one second, all CPUs
	local a b
	a=($(head -n 1 /proc/stat))
	sleep 1
	b=($(head -n 1 /proc/stat))
	python3 -c 'import sys
a = list(map(int, sys.argv[1].split())); b = list(map(int, sys.argv[2].split()))
d = [y - x for x, y in zip(a, b)]
tot = sum(d[:8]) or 1
print(round(100.0 * (tot - d[3] - d[4]) / tot, 1))' "${a[*]:1}" "${b[*]:1}"
}
fsync_rate() {	# 64-byte appends with O_DSYNC per second, where state lives
	local f t0 t1
	f=$(mktemp /var/tmp/dstm-fsync.XXXXXX)
	t0=$(date +%s%N)
	dd if=/dev/zero of="$f" bs=64 count=500 oflag=dsync status=none
	t1=$(date +%s%N)
	rm -f "$f"
	echo $(( 500 * 1000000000 / (t1 - t0 + 1) ))
}
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=false
[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && DIRTY=true
STAMP=$(date +%Y%m%d-%H%M%S)
BUSY=$(cpu_busy)
python3 - "$BENCH_OUT/machine.json" <<PY
import json, os, platform, subprocess, sys
def sh(c):
    try:
        return subprocess.run(c, shell=True, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except Exception:
        return ""
model = ""
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        model = line.split(":", 1)[1].strip()
        break
mem = int(open("/proc/meminfo").readline().split()[1]) // 1024
osr = dict(l.rstrip().split("=", 1) for l in open("/etc/os-release") if "=" in l)
json.dump({"date": "$(date -Iseconds)", "commit": "$COMMIT",
           "dirty": $( [ "$DIRTY" = true ] && echo True || echo False ),
           "cpus": os.cpu_count(), "cpu_model": model, "mem_mb": mem,
           "kernel": platform.release(),
           "os": osr.get("PRETTY_NAME", "").strip('"'),
           "full": $( [ "$FULL" = 1 ] && echo True || echo False ),
           "state_fs": sh("findmnt -n -o FSTYPE -T /var/tmp"),
           "fsync_per_s": $(fsync_rate),
           "cpu_busy_before_pct": $BUSY,
           "kea": sh("kea-dhcp4 -v"), "iperf3": sh("iperf3 -v | head -n 1"),
           "command": "make bench%s" % (" FULL=1" if $FULL else "")},
          open(sys.argv[1], "w"), indent=1)
PY
python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))
print("dstm bench (%s): commit %s%s, %s, %d CPUs (%s), %d MB, kernel %s"
      % ("FULL" if m["full"] else "quick", m["commit"],
         " + uncommitted changes" if m["dirty"] else "", m["os"], m["cpus"],
         m["cpu_model"], m["mem_mb"], m["kernel"]))
print("state on %s: %d fdatasync/s (64-byte O_DSYNC appends); CPU busy "
      "before start: %.0f%%" % (m["state_fs"], m["fsync_per_s"],
                                m["cpu_busy_before_pct"]))' \
	"$BENCH_OUT/machine.json"
if python3 -c "import sys; sys.exit(0 if $BUSY > 10 else 1)"; then
	echo "  note: other processes keep the CPUs ${BUSY}% busy: expect noisy" \
		"numbers; compare the ratios of one run"
	python3 -c 'import json,sys; print(json.dumps({"note": sys.argv[1]}))' \
		"machine not idle: ${BUSY}% CPU busy before the run" \
		>>"$BENCH_OUT/notes.jsonl"
fi
[ "$(nproc)" -lt 2 ] && echo "  note: one CPU: load and server share it"

# ---- the parts, each in its own namespaces, bounded in time ----
LIMIT=900
[ "$FULL" = 1 ] && LIMIT=3600
PARTS=${PARTS:-1 2 3}	# which parts to run (3 includes 4, the churn)
part() {	# part N "title" script
	local t0=$SECONDS rc n=$1
	shift
	case " $PARTS " in *" $n "*) ;; *) return 0 ;; esac
	printf '\n\033[1m== %s\033[0m\n' "$1"
	timeout --foreground -k 20 $LIMIT "$TOP/tests/bench/$2"
	rc=$?
	# interrupted (Ctrl-C, kill): the part has cleaned up, stop here
	[ $rc -eq 130 ] || [ $rc -eq 143 ] && exit $rc
	[ $rc -eq 124 ] && echo "  ($2 hit its time limit of $LIMIT s)"
	[ $rc -ne 0 ] && python3 -c 'import json,sys
print(json.dumps({"note": sys.argv[1]}))' "$2 exited with status $rc" \
		>>"$BENCH_OUT/notes.jsonl" && echo "  ($2 exited with status $rc)"
	echo "  ($(( SECONDS - t0 )) s)"
}
part 1 "Part 1: lease rate, dstm against ISC Kea" lease_rate.sh
part 2 "Part 2: scale: leases in one server, bindings in the gateway" scale.sh
part 2 "Part 2: request latency during a journal compaction" compaction.sh
part 3 "Part 3: data plane, tun and bpf against plain IPv6 forwarding" dataplane.sh

mkdir -p "$TOP/results"
OUT=$TOP/results/bench-$STAMP-$COMMIT
printf '\n\033[1m== Summary\033[0m\n'
python3 "$TOP/tests/bench/bench.py" final "$BENCH_OUT" "$OUT.json" "$OUT.png"
