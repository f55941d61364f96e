# demo_lib.sh - what the two demos (demo.sh, demo_dslite.sh) print: a
# heading, numbered steps judged ok or FAIL, indented output.  Sourced.
STEP=0
FAILED=0
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
step() {	# step "what" cmd... : run, show its output, judge it
	local what=$1
	shift
	STEP=$((STEP + 1))
	if "$@"; then
		printf '   \033[32mok\033[0m   %d. %s\n' "$STEP" "$what"
	else
		printf '   \033[31mFAIL\033[0m %d. %s\n' "$STEP" "$what"
		FAILED=$((FAILED + 1))
	fi
}
indent() { sed 's/^/     | /'; }
