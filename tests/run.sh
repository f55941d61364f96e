#!/usr/bin/env bash
# tests/run.sh - run every test (Check units, golden files, integration
# scripts) and end with one line "N passed, M failed" (", K skipped"
# when some could not run here: a script that prints the TAP plan
# "1..0 # SKIP reason" and exits 0, or the VM lab without qemu).
#   BUILD=dir   where the binaries are (default build)
#   ONLY=glob   run only tests whose name matches
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
ONLY=${ONLY:-*}
pass=0
fail=0
skip=0
failed=()
logdir=$(mktemp -d /tmp/dstm-tests.XXXXXX)

count_check() {	# parse "NN%: Checks: X, Failures: Y, Errors: Z"
	local line x y z
	line=$(grep -E '^[0-9]+%: Checks: ' "$1" | tail -n 1)
	if [ -z "$line" ]; then
		return 1
	fi
	x=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
	y=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
	z=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
	pass=$((pass + x - y - z))
	fail=$((fail + y + z))
	[ $((y + z)) -eq 0 ]
}

count_tap() {	# lines "ok - name" / "not ok - name"
	local p f
	p=$(grep -c '^ok ' "$1")
	f=$(grep -c '^not ok ' "$1")
	pass=$((pass + p))
	fail=$((fail + f))
	[ "$f" -eq 0 ] && [ "$p" -gt 0 ]
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	# shellcheck disable=SC2053
	[[ $name == $ONLY ]] || continue
	log=$logdir/$name.log
	"$t" >"$log" 2>&1
	rc=$?
	if ! count_check "$log" || [ $rc -ne 0 ]; then
		grep -q '^[0-9]*%: Checks' "$log" || fail=$((fail + 1))
		failed+=("$name")
		echo "FAIL $name"; grep -E ':[FE]:' "$log" | head -n 20
	else
		echo "PASS $name"
	fi
done

# A script with a "# BACKENDS: tun bpf" line runs once per data-plane
# backend, as NAME[BACKEND], with BACKEND set; the others run once.
run_integration() {	# run_integration SCRIPT NAME [BACKEND]
	local t=$1 name=$2 log=$logdir/$2.log rc t0=$SECONDS
	BACKEND=${3:-tun} timeout 600 bash "$t" >"$log" 2>&1
	rc=$?
	t0=$((SECONDS - t0))
	if [ $rc -eq 0 ] && ! grep -q '^\(not \)\?ok ' "$log" &&
	    grep -q '^1\.\.0 # SKIP' "$log"; then
		skip=$((skip + 1))
		echo "SKIP $name ($(sed -n 's/^1\.\.0 # SKIP *//p' "$log" | head -n 1))"
		return
	fi
	if ! count_tap "$log" || [ $rc -ne 0 ]; then
		grep -q '^\(not \)\?ok ' "$log" || fail=$((fail + 1))
		failed+=("$name")
		echo "FAIL $name (exit $rc, ${t0} s)"
		grep -E '^not ok|^#' "$log" | head -n 40
	else
		echo "PASS $name ($(grep -c '^ok ' "$log") checks, ${t0} s)"
	fi
}

for t in tests/integration/*.sh; do
	[ "$(basename "$t")" = lib.sh ] && continue
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	[[ $name == $ONLY ]] || continue
	backends=$(sed -n 's/^# BACKENDS: *//p' "$t")
	if [ -z "$backends" ]; then
		run_integration "$t" "$name"
		continue
	fi
	for b in $backends; do
		run_integration "$t" "$name[$b]" "$b"
	done
done

# the VM lab (tests/vm/t_*.sh, as vm_NAME): the ip6tnl backend on a
# Debian kernel under qemu, when qemu and busybox-static are here
vm_why=$(bash -c '. tests/vm/vm.sh 2>/dev/null; vm_available' 2>&1)
for t in tests/vm/t_*.sh; do
	[ -f "$t" ] || continue
	name=vm_$(basename "$t" .sh | sed 's/^t_//')
	[[ $name == $ONLY ]] || continue
	if [ -n "$vm_why" ]; then
		echo "SKIP $name ($vm_why; bash tests/deps.sh installs it)"
		skip=$((skip + 1))
		continue
	fi
	run_integration "$t" "$name"
done

# the packet parser's fuzz harness, briefly (make fuzz runs it longer)
if [ -z "${NO_FUZZ:-}" ] && [[ fuzz == $ONLY ]]; then
	log=$logdir/fuzz.log
	ONLY="*" FUZZ_SECONDS=${FUZZ_SECONDS:-5} bash tests/fuzz/run.sh >"$log" 2>&1
	rc=$?
	if ! count_tap "$log" || [ $rc -ne 0 ]; then
		failed+=("fuzz")
		echo "FAIL fuzz"
		grep -E '^not ok|^#' "$log" | head -n 20
	else
		echo "PASS fuzz ($(grep '^ok ' "$log" | tr '\n' ' '))"
	fi
fi

if [ ${#failed[@]} -gt 0 ]; then
	echo "failed: ${failed[*]} (logs in $logdir)"
else
	rm -rf "$logdir"
fi
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
