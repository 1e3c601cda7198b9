#!/usr/bin/env bash
# loop.sh: voxgate's dataplane and bot worker with no load generator beside them.
#
#   bench/loop.sh [SECONDS]     (default 30: the run at the ramp's largest N)
#
# build/dp_bench --loop K (bench/dp_bench.c): K dp lcores, each queue's TX ring its RX
# ring and every call's peer its own address and port, so what a lcore sends for a call
# comes back as the call's next packet: 50 packets/s in and 50 out per call, decoded,
# through the bot rings and the echo bot, encoded, with no generator on the machine and
# no copy in the port. The calls are set up through the control path (call table,
# rings), not signaling. Three parts:
# 1. one dp lcore on CPU 1, busy polling as in the default config, the bot worker alone
#    on CPU 0: N from 16,000 to 40,000 (past 32,000 the calls take a second media
#    address), 10 s each, until a step does not carry every call, then SECONDS at the
#    largest that did;
# 2. two dp lcores, the second on CPU 0 beside the bot worker, both napping 50 µs when
#    idle (dataplane.idle_sleep_us: the lcore on CPU 0 must, for the worker): N from
#    12,000 to 40,000, as part 1;
# 3. what a second lcore costs: one lcore with 8,000 calls against two with 16,000,
#    back to back, three rounds, both napping as in part 2;
# 4. how the calls grow with the cores (--paired: a bot worker per dp lcore, on its
#    CPU, so each CPU carries the whole path of its calls): one CPU, N from 12,000,
#    then both CPUs, N from 24,000, as part 1; the efficiency is the calls both CPUs
#    carried over twice what one did; then one CPU with 12,000 calls against both with
#    24,000, three rounds, the cycles per packet of each CPU's two threads; then the
#    two ramps again with the workers at SCHED_IDLE (--worker-idle: a worker runs while
#    its lcore naps, where at equal priority the scheduler's slices of milliseconds
#    hold the lcore up).
# A step carries its calls when every lcore received 50 RTP packets a second of each
# call with no gap and no drop. Raw figures: bench/results/loop-<UTC time>/.
source "$(dirname "$0")/lib.sh"
secs=${1:-30}
bench_start bench loop-

trap 'db_cleanup --loop' EXIT

# lp_run K NAP N SECONDS [OPTION...]: dp_bench's figures, in a file whose name it prints
lp_run() {
	local f k=$1 nap=$2 n=$3 s=$4 tag
	shift 4
	tag=$(echo "$*" | tr -d ' -')
	f="$out/k$k-nap$nap-n$n-s$s${tag:+-$tag}-$(date -u +%H%M%S).txt"
	build/dp_bench --loop "$k" --nap "$nap" --calls "$n" --seconds "$s" --warmup 3 "$@" \
		>"$f" 2>"$f.err" || true
	echo "$f"
}
lp_one() { lp_run 1 0 "$1" "$2"; }
lp_ok() { [ "$(val carried "$1")" = 1 ]; }
p99() { val "$1_us_p99" "$2"; }
# lp_final ROW: after a ramp, ROW's line of its SECONDS run, or that no step carried
# (then fails)
lp_final() {
	if [ "$best" != 0 ]; then
		$1 "**$best, ${secs} s**" "$final"
		return 0
	fi
	echo
	echo "no step carried every call"
	return 1
}

echo "## One dp lcore on CPU 1, the bot worker on CPU 0 (busy polling)"
echo
echo "| calls | carried | RTP in per call/s | cycles/packet | dp busy | bot worker CPU |" \
	"p99 in -> ring | due -> served | in -> bot worker | bot frame -> dp | drops |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
lp_row() {
	local f=$2
	echo "| $1 | $(val carried "$f") | $(val lcore0_rtp_in_per_call_second "$f") |" \
		"$(val lcore0_cycles_per_packet "$f") | $(val lcore0_busy_percent "$f")% |" \
		"$(val bot_cpu_percent "$f")% | $(p99 lcore0_in_to_ring "$f") µs |" \
		"$(p99 lcore0_due_to_out "$f") µs | $(p99 in_to_bot "$f") µs |" \
		"$(p99 lcore0_bot_to_dp "$f") µs | $(val lcore0_drops "$f") |"
}
ramp one lp_one lp_ok lp_row 16000 20000 24000 28000 32000 36000 40000
if lp_final lp_row; then
	echo
	echo "p50/p99/p99.9 at $best calls over ${secs} s (µs): in -> ring" \
		"$(lat lcore0_in_to_ring "$final"), due -> served $(lat lcore0_due_to_out "$final")," \
		"in -> bot worker $(lat in_to_bot "$final"), bot frame -> dp" \
		"$(lat lcore0_bot_to_dp "$final"); CPU 1 stolen $(val steal_percent_cpu1 "$final")%"
fi

echo
echo "## Two dp lcores, on CPU 1 and on CPU 0 beside the bot worker (idle nap 50 µs)"
echo
echo "| calls | carried | RTP in per call/s, lcore 0 / 1 |" \
	"CPU 1's lcore: cycles/packet, busy | CPU 0's lcore: CPU | bot worker CPU |" \
	"p99 due -> served, 0 / 1 | in -> bot worker | bot frame -> dp, 0 / 1 | lost |"
echo "|---|---|---|---|---|---|---|---|---|---|"
lp_row2() {
	local f=$2
	echo "| $1 | $(val carried "$f") | $(val lcore0_rtp_in_per_call_second "$f") /" \
		"$(val lcore1_rtp_in_per_call_second "$f") | $(val lcore0_cycles_per_packet "$f")," \
		"$(val lcore0_busy_percent "$f")% | $(val lcore1_cpu_percent "$f")% |" \
		"$(val bot_cpu_percent "$f")% | $(p99 lcore0_due_to_out "$f") /" \
		"$(p99 lcore1_due_to_out "$f") µs | $(p99 in_to_bot "$f") µs |" \
		"$(p99 lcore0_bot_to_dp "$f") / $(p99 lcore1_bot_to_dp "$f") µs | $(val lost "$f") |"
}
lp_two() { lp_run 2 50 "$1" "$2"; }
ramp two lp_two lp_ok lp_row2 12000 16000 20000 24000 28000 32000 36000 40000
lp_final lp_row2 || true

echo
echo "## A second dp lcore: one with 8,000 calls, two with 16,000 (idle nap 50 µs)"
echo
echo "| round | lcores | calls | carried | CPU 1's lcore: cycles/packet, busy |" \
	"CPU 0's lcore: cycles/packet, CPU | bot worker CPU | CPU 1 stolen | efficiency |"
echo "|---|---|---|---|---|---|---|---|---|"
# lp_pair_row ROUND LCORES FILE CPU0 EFFICIENCY: one row of part 3
lp_pair_row() {
	echo "| $1 | $2 | $(val calls "$3") | $(val carried "$3") |" \
		"$(val lcore0_cycles_per_packet "$3"), $(val lcore0_busy_percent "$3")% |" \
		"$4 | $(val bot_cpu_percent "$3")% | $(val steal_percent_cpu1 "$3")% | $5 |"
}
for round in 1 2 3; do
	f1=$(lp_run 1 50 8000 20)
	f2=$(lp_run 2 50 16000 20)
	lp_pair_row "$round" 1 "$f1" - -
	lp_pair_row "$round" 2 "$f2" \
		"$(val lcore1_cycles_per_packet "$f2"), $(val lcore1_cpu_percent "$f2")%" \
		"$(pct "$(val lcore0_cycles_per_packet "$f1")" "$(val lcore0_cycles_per_packet "$f2")")"
done
echo
echo "efficiency: the cycles per packet of the lcore on CPU 1 alone over the same with a"
echo "second lcore (100%: the second lcore costs it nothing)"

# lp_core ROW FILE: the figures of one CPU's lcore and worker (lcore ROW), or "-"
lp_core() {
	[ -n "$(val "lcore$1_core_cycles_per_packet" "$2")" ] || { echo "-"; return; }
	echo "$(val "lcore$1_core_cycles_per_packet" "$2"), $(val "lcore$1_core_cpu_percent" "$2")%"
}
lp_row_cores() {
	local f=$2
	echo "| $(val dp_lcores "$f") | $1 | $(val carried "$f") |" \
		"$(val lcore0_rtp_in_per_call_second "$f") /" \
		"$(val lcore1_rtp_in_per_call_second "$f") | $(lp_core 0 "$f") | $(lp_core 1 "$f") |" \
		"$(p99 in_to_bot "$f") µs | $(p99 lcore0_due_to_out "$f") /" \
		"$(p99 lcore1_due_to_out "$f") µs | $(val lost "$f") |"
}
# lp_core_figures FILE: a final run's calls, then its packets/s and latencies per CPU
lp_core_figures() {
	local l cpu
	echo "$(val calls "$1") calls on $(val dp_lcores "$1") CPU(s), $(val seconds "$1") s:"
	for l in 0 1; do
		[ -n "$(val "lcore${l}_pps" "$1")" ] || continue
		cpu=$(val "lcore${l}_on_cpu" "$1")
		echo "CPU $cpu: $(val "lcore${l}_pps" "$1") packets/s in + out;" \
			"p50/p99/p99.9 in -> ring $(lat "lcore${l}_in_to_ring" "$1"), due -> served" \
			"$(lat "lcore${l}_due_to_out" "$1"), bot frame -> dp $(lat "lcore${l}_bot_to_dp" "$1") µs"
	done
	echo "in -> bot worker, all: $(lat in_to_bot "$1") µs"
}
mean() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { printf "%.0f", (a + b) / 2 }'; }
# lp_paired K N SECONDS: K CPUs, each with a dp lcore and its own bot worker, and the
# dp_bench options in $lp_opts (set by lp_cores)
lp_paired() { lp_run "$1" 50 "$2" "$3" --paired $lp_opts; }
# lp_cores TITLE NAME OPTIONS "ONE-CPU STEPS" "TWO-CPU STEPS": part 4's table, one CPU
# then both ramped (dp_bench --paired OPTIONS; the steps split on spaces), the
# efficiency, the final runs' figures
lp_cores() {
	local lp_opts=$3 one_cpu=0 two_cpus=0 f_one=/dev/null f_two=/dev/null f
	echo
	echo "## $1"
	echo
	echo "| CPUs | calls | carried | RTP in per call/s, CPU 1 / 0 |" \
		"CPU 1: cycles/packet (lcore + worker), CPU | CPU 0: the same |" \
		"p99 in -> bot worker | due -> served, CPU 1 / 0 | lost |"
	echo "|---|---|---|---|---|---|---|---|---|"
	ramp "${2}1" "lp_paired 1" lp_ok lp_row_cores $4
	lp_final lp_row_cores && one_cpu=$best f_one=$final
	ramp "${2}2" "lp_paired 2" lp_ok lp_row_cores $5
	lp_final lp_row_cores && two_cpus=$best f_two=$final
	echo
	echo "calls carried for ${secs} s at zero loss: one CPU $one_cpu, two CPUs $two_cpus;" \
		"efficiency $(pct "$two_cpus" "$((2 * one_cpu))") (two CPUs' calls over twice one's)"
	for f in "$f_one" "$f_two"; do
		[ "$f" = /dev/null ] || { echo; lp_core_figures "$f"; }
	done
}
lp_cores "Cores: each CPU with a dp lcore and its own bot worker (idle nap 50 µs)" cpu "" \
	"12000 14000 16000 18000 20000 22000 24000 26000" \
	"24000 28000 32000 36000 40000 44000 48000 52000"
echo
echo "| round | CPUs | calls | carried | CPU 1: cycles/packet (lcore + worker), CPU |" \
	"CPU 0: the same | CPU 1 stolen | efficiency |"
echo "|---|---|---|---|---|---|---|---|"
for round in 1 2 3; do
	f1=$(lp_run 1 50 12000 20 --paired)
	f2=$(lp_run 2 50 24000 20 --paired)
	for f in "$f1" "$f2"; do
		e=-
		[ "$f" = "$f1" ] || e=$(pct "$(val lcore0_core_cycles_per_packet "$f1")" \
			"$(mean "$(val lcore0_core_cycles_per_packet "$f2")" \
				"$(val lcore1_core_cycles_per_packet "$f2")")")
		echo "| $round | $(val dp_lcores "$f") | $(val calls "$f") | $(val carried "$f") |" \
			"$(lp_core 0 "$f") | $(lp_core 1 "$f") | $(val steal_percent_cpu1 "$f")% | $e |"
	done
done
echo
echo "efficiency: one CPU's cycles per packet over the mean of the two CPUs' with twice"
echo "the calls (100%: the calls grow with the CPUs at no cost per packet)"

lp_cores "Cores, the bot workers at SCHED_IDLE (each runs while its dp lcore naps)" idle \
	--worker-idle "20000 24000 28000 32000 36000 40000" \
	"40000 44000 48000 52000 56000 60000 64000"
echo "raw figures: ${out#$top/}"
