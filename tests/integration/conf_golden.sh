#!/usr/bin/env bash
# conf_golden.sh - each daemon's -n against its golden files, as an
# operator runs it: rpcdstmd with tests/conf, dstmgwd with tests/gwconf,
# rpcd with tests/rpcdconf.  Every NAME.in with a NAME.ok prints exactly
# NAME.ok (and NAME.ok, parsed again, prints itself: the canonical form is
# a fixed point); every NAME.in with a NAME.err exits 1 with "DAEMON: "
# and that one line on stderr and nothing on stdout.  Paths are relative
# to the top of the tree, as the .err files name them.
. "$(dirname "$0")/lib.sh"

cd "$TOP" || exit 1

# golden DIR DAEMON MIN_OK MIN_ERR
golden() {
	local dir=$1 prog=$2 min_ok=$3 min_err=$4 n_ok=0 n_err=0
	local in base name rc want got

	for in in "$dir"/*.in; do
		base=${in%.in}
		name=$(basename "$dir")/$(basename "$base")
		if [ -e "$base.ok" ] && [ -e "$base.err" ]; then
			not_ok "$name: has both .ok and .err"
			continue
		fi
		if [ -e "$base.ok" ]; then
			n_ok=$((n_ok + 1))
			if "$BUILD/$prog" -n -f "$in" >"$T_TMP/out" \
			    2>"$T_TMP/err" &&
			    diff -u "$base.ok" "$T_TMP/out" >"$T_TMP/diff"; then
				ok "$name: $prog -n prints $name.ok"
			else
				not_ok "$name: $prog -n prints $name.ok" \
				    "$(cat "$T_TMP/err" "$T_TMP/diff" |
				    head -n 20 | tr '\n' ' ')"
			fi
			# the canonical form parses back to itself
			if "$BUILD/$prog" -n -f "$base.ok" >"$T_TMP/out2" \
			    2>"$T_TMP/err" && cmp -s "$base.ok" "$T_TMP/out2"
			then
				ok "$name: $name.ok is a fixed point of $prog -n"
			else
				not_ok "$name: $name.ok is a fixed point of $prog -n" \
				    "$(cat "$T_TMP/err"; diff -u "$base.ok" \
				    "$T_TMP/out2" | head -n 20 | tr '\n' ' ')"
			fi
		elif [ -e "$base.err" ]; then
			n_err=$((n_err + 1))
			"$BUILD/$prog" -n -f "$in" >"$T_TMP/out" 2>"$T_TMP/err"
			rc=$?
			want="$prog: $(head -n 1 "$base.err")"
			got=$(cat "$T_TMP/err")
			if [ $rc -eq 1 ] && [ "$got" = "$want" ] &&
			    [ ! -s "$T_TMP/out" ]; then
				ok "$name: exit 1 with the expected message"
			else
				not_ok "$name: exit 1 with the expected message" \
				    "exit $rc, stderr '$got', expected '$want'$(
				    [ -s "$T_TMP/out" ] &&
				    echo ", and stdout not empty")"
			fi
		else
			not_ok "$name: has a .ok or a .err beside it"
		fi
	done
	# a glob that matched nothing would pass vacuously
	if [ "$n_ok" -ge "$min_ok" ] && [ "$n_err" -ge "$min_err" ]; then
		ok "$dir: found the golden cases ($n_ok .ok, $n_err .err)"
	else
		not_ok "$dir: found the golden cases" \
		    "$n_ok .ok, $n_err .err in $TOP/$dir"
	fi

	# the file itself: a missing file names it, usage errors exit 2
	"$BUILD/$prog" -n -f "$T_TMP/missing.conf" >/dev/null 2>"$T_TMP/err"
	rc=$?
	if [ $rc -eq 1 ] && grep -q "$T_TMP/missing.conf" "$T_TMP/err"; then
		ok "$prog: a missing config file: exit 1, message names it"
	else
		not_ok "$prog: a missing config file: exit 1, message names it" \
		    "exit $rc: $(cat "$T_TMP/err")"
	fi
	"$BUILD/$prog" -n -x >/dev/null 2>&1
	expect_eq "$prog: unknown option: exit 2" 2 $?
	"$BUILD/$prog" -n -f "$dir/minimal.in" extra >/dev/null 2>&1
	expect_eq "$prog: stray argument: exit 2" 2 $?
}

golden tests/conf rpcdstmd 5 20
golden tests/gwconf dstmgwd 2 15
golden tests/rpcdconf rpcd 3 15
finish
