#!/bin/sh
# Run every bats file under tests/ and end with "N passed, N failed".
# Usage: tests/run.sh [FILE.bats...]; SOCKCAT=path picks the binary.
cd "$(dirname "$0")/.." || exit 2
[ $# -gt 0 ] || set -- tests/*.bats
log=$(mktemp) || exit 2
trap 'rm -f "$log"' EXIT INT TERM
bats --tap "$@" | tee "$log"

passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^not ok ' "$log")
planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log" | head -n 1)
# A run that died before finishing its plan failed, whatever it counted.
if [ -n "$planned" ] && [ $((passed + failed)) -lt "$planned" ]; then
	failed=$((failed + planned - passed - failed))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ] || exit 1
exit 0
