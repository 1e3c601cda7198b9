#!/usr/bin/env bash
# test.sh: install, build and run every voxgate test; the last line is
# "N passed, N failed", counting each unit test case and each integration check.
#
#   tools/test.sh              everything
#   tools/test.sh NAME...      only the unit suites tests/unit/NAME.c and the
#                              integration scripts tests/integration/NAME.sh
#   tools/test.sh unit         every unit suite and nothing else, without the
#                              package check (the fast inner loop: seconds)
#
# Each integration script's run time is printed after it ("# NAME: 12.3 s").
#
# Unit suites (cmocka) need no hugepages and no NIC. Integration scripts build their
# own network namespaces, run voxgate and real peers in them, print one TAP line per
# check ("ok - ..." / "not ok - ..."), and remove everything they made.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
unit_only=0
[ "$*" = unit ] && unit_only=1
if [ "$unit_only" -eq 0 ]; then
	tools/deps.sh test || exit 1
fi
tools/build.sh test || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

pass=0
fail=0
names=("$@")
[ "$unit_only" -eq 1 ] && names=()
wanted() {
	local n
	[ ${#names[@]} -eq 0 ] && return 0
	for n in "${names[@]}"; do [ "$n" = "$1" ] && return 0; done
	return 1
}

# Count the TAP lines of one run; a run that failed without saying which check
# failed (a crash, a timeout) counts as one more failure.
count() {
	local out=$1 rc=$2 what=$3 ok notok
	ok=$(grep -c '^ok ' "$out")
	notok=$(grep -c '^not ok ' "$out")
	pass=$((pass + ok))
	fail=$((fail + notok))
	if [ "$rc" -ne 0 ] && [ "$notok" -eq 0 ]; then
		echo "not ok - $what exited with status $rc"
		fail=$((fail + 1))
	fi
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT

for t in tests/unit/*.c; do
	name=$(basename "$t" .c)
	wanted "$name" || continue
	echo "# unit: $name"
	CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 "build/tests/unit/unit_$name" >"$out" 2>&1
	rc=$?
	sed 's/^/  /' "$out"
	count "$out" "$rc" "unit $name"
done

for t in tests/integration/*.sh; do
	[ "$unit_only" -eq 1 ] && break
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	case "$name" in lib*) continue ;; esac
	wanted "$name" || continue
	echo "# integration: $name"
	t0=$(date +%s.%N)
	timeout -k 10 600 bash "$t" >"$out" 2>&1
	rc=$?
	sed 's/^/  /' "$out"
	count "$out" "$rc" "integration $name"
	awk -v n="$name" -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "# %s: %.1f s\n", n, b - a }'
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
