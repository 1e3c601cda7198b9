# lib.sh: what the bench scripts share (sourced, not run): the checkout's top as the
# working folder, strict mode, and
#   bench_start DEPS TAG   install what tools/deps.sh DEPS lists, build, and make the
#                          results folder $out = bench/results/TAG<UTC time>
#   val KEY FILE           the value of FILE's first "KEY value" line
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

bench_start() {
	tools/deps.sh "$1"
	tools/build.sh
	out="$top/bench/results/$2$(date -u +%Y%m%dT%H%M%SZ)"
	mkdir -p "$out"
}

val() { sed -n "s/^$1 //p" "$2" | head -1; }
