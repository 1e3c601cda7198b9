# lib.sh: what the bench scripts share (sourced, not run): the checkout's top as the
# working folder, strict mode, and
#   bench_start DEPS TAG   install what tools/deps.sh DEPS lists, build, and make the
#                          results folder $out = bench/results/TAG<UTC time>
#   val KEY FILE           the value of FILE's first "KEY value" line
#   vg_up PREFIX TAG OLD NEW...
#                          voxgate on the default config with each OLD text replaced
#                          by NEW ($out/voxgate-TAG.conf), in namespaces PREFIX-gw and
#                          PREFIX-caller (tools/netns.sh); waits until it accepts
#                          calls (exit 1 if it does not); sets vg_pid
#   vg_down PREFIX         stop it (SIGINT, 10 s, then SIGKILL; it may be gone
#                          already) and remove the namespaces
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

vg_pid=""
vg_up() {
	local prefix=$1 tag=$2
	shift 2
	python3 - config/voxgate.conf "$out/voxgate-$tag.conf" "$@" <<'PY'
import sys
c = open(sys.argv[1]).read()
for a, b in zip(sys.argv[3::2], sys.argv[4::2]):
    assert a in c, a
    c = c.replace(a, b, 1)
open(sys.argv[2], "w").write(c)
PY
	tools/netns.sh up "$prefix"
	ip netns exec "$prefix-gw" build/voxgate --config "$out/voxgate-$tag.conf" \
		>"$out/voxgate-$tag.log" 2>&1 &
	vg_pid=$!
	for _ in $(seq 200); do
		grep -q "accepting calls" "$out/voxgate-$tag.log" && return 0
		sleep 0.1
	done
	echo "voxgate did not start: see $out/voxgate-$tag.log"
	exit 1
}
vg_down() {
	if [ -n "$vg_pid" ]; then
		kill -INT "$vg_pid" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$vg_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$vg_pid" 2>/dev/null || true
		vg_pid=""
	fi
	tools/netns.sh down "$1"
}
