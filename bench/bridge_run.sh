#!/usr/bin/env bash
# bridge_run.sh: what a bridged call (a transfer's two legs relayed by the dp lcore)
# costs beside a terminated one (through the bot worker's echo bot).
#
#   bench/bridge_run.sh [CALLS [SECONDS]]     (default 2,000 calls, 10 s)
#
# build/dp_bench (bench/dp_bench.c) twice with the same CALLS, back to back, three
# rounds: the calls terminated (decoded, to the echo bot, encoded back), then bridged
# in pairs (--bridge: what one call of a pair sends comes out of the other, through
# the reorder window and the other's playout queue, no bot). The generator runs on the
# main lcore (CPU 0) beside the bot worker, the dp lcore on CPU 1. Printed per run:
# packets lost, the dp lcore's TSC cycles per packet (in + out) and the round trip in
# -> out. Raw figures: bench/results/bridge-<UTC time>/.
source "$(dirname "$0")/lib.sh"
calls=${1:-2000}
secs=${2:-10}
bench_start bench bridge-

trap 'db_cleanup --calls' EXIT

# br_run NAME [OPTION...]: one dp_bench run; its figures' file printed
br_run() {
	local f="$out/$1-$(date -u +%H%M%S).txt"
	shift
	timeout $((secs + 60)) build/dp_bench --calls "$calls" --seconds "$secs" "$@" \
		>"$f" 2>"$f.err" || true
	echo "$f"
}

printf '| run | round | calls | packets lost | cycles per packet | in -> out p50/p99/p99.9 (us) |\n'
printf '|---|---|---|---|---|---|\n'
for round in 1 2 3; do
	for mode in terminated bridged; do
		f=$(br_run "$mode-$round" $([ "$mode" = bridged ] && echo --bridge))
		printf '| %s | %s | %s | %s | %s | %s |\n' "$mode" "$round" "$calls" \
			"$(val lost "$f")" "$(val cycles_per_packet "$f")" "$(lat round_trip "$f")"
	done
done | tee "$out/summary.txt"
