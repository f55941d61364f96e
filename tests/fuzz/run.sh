#!/usr/bin/env bash
# tests/fuzz/run.sh - build every tests/fuzz/fuzz_*.c with clang and
# libFuzzer (+ASan, UBSan) into build-fuzz/, run each for FUZZ_SECONDS,
# print TAP: "ok - fuzz_x" / "not ok - fuzz_x" (or "# SKIP" without clang).
#   FUZZ_SECONDS=n   seconds per harness (default 10)
#   BUILD=dir        where the generated rpc headers are (default build)
#   ONLY=glob        run only harnesses whose name matches
#
# A harness names the sources it links in comment lines
#   FUZZ_SOURCES: common/inet.c common/log.c @BUILD@/rpc/dstm_xdr.c
#   FUZZ_PKGS: libtirpc
# and links common/*.c when it names none.  New inputs collect in
# build-fuzz/corpus/<name>; tests/fuzz/corpus/<name>, if present, seeds,
# and so do the directories a harness names in
#   FUZZ_SEEDS: tests/conf
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
ONLY=${ONLY:-*}
OUT=build-fuzz
CC_FUZZ=${CC_FUZZ:-clang}
CFLAGS_FUZZ=(-g -O1 -std=gnu11 -D_GNU_SOURCE -I. -I"$BUILD"
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
	-fno-omit-frame-pointer)

harnesses=()
for f in tests/fuzz/fuzz_*.c; do
	[ -f "$f" ] || continue
	name=$(basename "$f" .c)
	# shellcheck disable=SC2053
	[[ $name == $ONLY ]] && harnesses+=("$f")
done
echo "1..${#harnesses[@]}"
[ ${#harnesses[@]} -gt 0 ] || exit 0

mkdir -p "$OUT"
skip=
if ! command -v "$CC_FUZZ" >/dev/null 2>&1; then
	skip="no clang"
else
	probe=$OUT/probe.c
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
	    '{ (void)d; (void)n; return 0; }' >"$probe"
	if ! "$CC_FUZZ" -fsanitize=fuzzer,address,undefined -o "$OUT/probe" \
	    "$probe" >/dev/null 2>&1; then
		skip="no libFuzzer"
	fi
	rm -f "$probe" "$OUT/probe"
fi

fail=0
for f in "${harnesses[@]}"; do
	name=$(basename "$f" .c)
	if [ -n "$skip" ]; then
		echo "ok - $name # SKIP $skip"
		continue
	fi
	srcs=$(sed -n 's/^.*FUZZ_SOURCES:\(.*\)$/\1/p' "$f" | tr -s ' \t' '\n' |
	    grep -v '^$' | grep -v '^\*/$' || true)
	[ -n "$srcs" ] || srcs=$(ls common/*.c)
	# FUZZ_SOURCES may name generated files: "@BUILD@/rpc/dstm_xdr.c"
	srcs=${srcs//@BUILD@/$BUILD}
	# FUZZ_PKGS: pkg-config packages to compile and link with
	pkgs=$(sed -n 's/^.*FUZZ_PKGS:\(.*\)$/\1/p' "$f")
	pkgflags=
	[ -n "$pkgs" ] && pkgflags=$(pkg-config --cflags --libs $pkgs)
	log=$OUT/$name.log
	# shellcheck disable=SC2086
	if ! "$CC_FUZZ" "${CFLAGS_FUZZ[@]}" -o "$OUT/$name" "$f" $srcs \
	    $pkgflags >"$log" 2>&1; then
		echo "not ok - $name # build failed"
		sed 's/^/# /' "$log" | head -n 30
		fail=1
		continue
	fi
	corpus=$OUT/corpus/$name
	mkdir -p "$corpus"
	seeds=()
	[ -d "tests/fuzz/corpus/$name" ] && seeds=("tests/fuzz/corpus/$name")
	for d in $(sed -n 's/^.*FUZZ_SEEDS:\(.*\)$/\1/p' "$f"); do
		[ -d "$d" ] && seeds+=("$d")
	done
	timeout $((FUZZ_SECONDS + 120)) "$OUT/$name" \
	    -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
	    -artifact_prefix="$OUT/$name-" "$corpus" "${seeds[@]}" \
	    >>"$log" 2>&1
	rc=$?
	execs=$(awk '/^stat::number_of_executed_units:/ { print $2 }' "$log")
	if [ $rc -eq 0 ]; then
		echo "ok - $name"
		echo "# $name: ${execs:-?} execs in ${FUZZ_SECONDS}s"
	else
		echo "not ok - $name # exit $rc, log $log"
		grep -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==' "$log" |
		    head -n 20 | sed 's/^/# /'
		fail=1
	fi
done
exit $fail
