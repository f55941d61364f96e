#!/usr/bin/env bash
# conf_golden.sh - rpcdstmd -n against the golden files in tests/conf, as
# an operator runs it: every NAME.in with a NAME.ok prints exactly NAME.ok
# (and NAME.ok, parsed again, prints itself: the canonical form is a fixed
# point); every NAME.in with a NAME.err exits 1 with "rpcdstmd: " and that
# one line on stderr and nothing on stdout.  Paths are relative to the top
# of the tree, as the .err files name them.
. "$(dirname "$0")/lib.sh"

cd "$TOP" || exit 1
n_ok=0
n_err=0
for in in tests/conf/*.in; do
	base=${in%.in}
	name=$(basename "$base")
	if [ -e "$base.ok" ] && [ -e "$base.err" ]; then
		not_ok "$name: has both .ok and .err"
		continue
	fi
	if [ -e "$base.ok" ]; then
		n_ok=$((n_ok + 1))
		if "$BUILD/rpcdstmd" -n -f "$in" >"$T_TMP/out" 2>"$T_TMP/err" &&
		    diff -u "$base.ok" "$T_TMP/out" >"$T_TMP/diff"; then
			ok "$name: rpcdstmd -n prints $name.ok"
		else
			not_ok "$name: rpcdstmd -n prints $name.ok" \
			    "$(cat "$T_TMP/err" "$T_TMP/diff" | head -n 20 |
			    tr '\n' ' ')"
		fi
		# the canonical form parses back to itself
		if "$BUILD/rpcdstmd" -n -f "$base.ok" >"$T_TMP/out2" \
		    2>"$T_TMP/err" && cmp -s "$base.ok" "$T_TMP/out2"; then
			ok "$name: $name.ok is a fixed point of rpcdstmd -n"
		else
			not_ok "$name: $name.ok is a fixed point of rpcdstmd -n" \
			    "$(cat "$T_TMP/err"; diff -u "$base.ok" \
			    "$T_TMP/out2" | head -n 20 | tr '\n' ' ')"
		fi
	elif [ -e "$base.err" ]; then
		n_err=$((n_err + 1))
		"$BUILD/rpcdstmd" -n -f "$in" >"$T_TMP/out" 2>"$T_TMP/err"
		rc=$?
		want="rpcdstmd: $(head -n 1 "$base.err")"
		got=$(cat "$T_TMP/err")
		if [ $rc -eq 1 ] && [ "$got" = "$want" ] && [ ! -s "$T_TMP/out" ]
		then
			ok "$name: exit 1 with the expected message"
		else
			not_ok "$name: exit 1 with the expected message" \
			    "exit $rc, stderr '$got', expected '$want'$(
			    [ -s "$T_TMP/out" ] && echo ", and stdout not empty")"
		fi
	else
		not_ok "$name: has a .ok or a .err beside it"
	fi
done
# a glob that matched nothing would pass vacuously
if [ "$n_ok" -ge 5 ] && [ "$n_err" -ge 20 ]; then
	ok "found the golden cases ($n_ok .ok, $n_err .err)"
else
	not_ok "found the golden cases" "$n_ok .ok, $n_err .err in $TOP/tests/conf"
fi

# the file itself: a missing file names it, usage errors exit 2
"$BUILD/rpcdstmd" -n -f "$T_TMP/missing.conf" >/dev/null 2>"$T_TMP/err"
rc=$?
if [ $rc -eq 1 ] && grep -q "$T_TMP/missing.conf" "$T_TMP/err"; then
	ok "a missing config file: exit 1, message names it"
else
	not_ok "a missing config file: exit 1, message names it" \
	    "exit $rc: $(cat "$T_TMP/err")"
fi
"$BUILD/rpcdstmd" -n -x >/dev/null 2>&1
expect_eq "unknown option: exit 2" 2 $?
"$BUILD/rpcdstmd" -n -f tests/conf/minimal.in extra >/dev/null 2>&1
expect_eq "stray argument: exit 2" 2 $?
finish
