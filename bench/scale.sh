#!/usr/bin/env bash
# scale.sh: what voxgate's dataplane costs per packet on one dp lcore and on two, at the
# same load.
#
#   bench/scale.sh [SECONDS] [--ramp]   (default 20: the measured window of each run)
#
# The set-up of run.sh (the voxgate binary on a net_memif port, calls by sipp, media by
# tools/vgload), at 5,000 and 10,000 calls, three ways:
#   one      1 dp lcore on CPU 1;
#   rings    2 dp lcores, on CPU 1 and CPU 0; vgload sends every call on queue 0, so
#            lcore 0 hands the other lcore's packets over rings (a port that cannot
#            steer: vdevs, the default here);
#   steered  the same 2 lcores; vgload sends each call on its lcore's queue, as the
#            rte_flow rules voxgate puts on a port that takes them would (memif does
#            not: voxgate logs that it steers in software).
# This machine has 2 cores: the second lcore shares CPU 0 with signaling, the bot
# worker, sipp and vgload, so the lcores nap when idle (idle_sleep_us = 50, in all
# three) and the cost is read from the CPU time the kernel gave the lcore threads,
# which stops while a thread waits for its CPU (the busy TSC does not). Efficiency is
# one's cycles per packet over the two lcores' (100%: the second lcore costs nothing
# per packet). The lcore on CPU 1 has its CPU to itself, so its busy TSC is its own
# work: its cycles per packet against one lcore's is the efficiency of a lcore on a
# core of its own. What it cannot show here is calls carried: two lcores on two
# cores of their own.
# With --ramp it then ramps one lcore and two (steered) over N in this set-up, 10 s
# a step, and runs the largest N at zero loss again for SECONDS: the calls each
# carries, side by side (about 15 minutes more).
source "$(dirname "$0")/lib.sh"
secs=20 ramp_too=""
for a in "$@"; do
	if [ "$a" = --ramp ]; then ramp_too=1; else secs=$a; fi
done
mf_begin scale-
# vgload at normal priority: at real-time priority on CPU 0 it would outrank the dp
# lcore there, and once that lcore's queue filled, wait on it for good (a run at 10,000
# steered calls: its tick 30 s late, 583,116 packets lost).
mf_fifo=0

sc_run() { # sc_run MODE N [SECONDS] -> file
	local lcores='"--lcores=0@0,1@1"'
	mf_tag="${sc_tag:-scale}-$1"
	mf_vgload=(--queues 1)
	if [ "$1" != one ]; then
		lcores='"--lcores=0@0,1@1,2@0"'
		mf_vgload=(--queues 2)
	fi
	[ "$1" = steered ] && mf_vgload+=(--steer 10000)
	mf_edits=('"-l", "0-1",' "$lcores," 'rtp_latch = true;'
		$'rtp_latch = true;\n  idle_sleep_us = 50;')
	mf_run "$2" "${3:-$secs}"
}

# pct A B: A / B as a percentage, or "-"
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.0f%%", 100 * a / b; else print "-" }'; }

rows=""
for n in 5000 10000; do
	base="" base_tsc=""
	for mode in one rings steered; do
		f=$(sc_run "$mode" "$n")
		cpu=$(val cycles_per_packet_cpu "$f")
		# the lcore on CPU 1 (vgload prints where each lcore's thread ran)
		own=$(sed -n 's/^lcore\([0-9]*\)_on_cpu 1$/\1/p' "$f" | head -1)
		own_tsc=$(val "lcore${own:-x}_cycles_per_packet" "$f")
		if [ "$mode" = one ]; then
			base=$cpu base_tsc=$own_tsc
		fi
		eff=$(pct "$base" "$cpu")
		eff_own=$(pct "$base_tsc" "$own_tsc")
		echo "$n calls, $mode: lost $(val lost "$f"), $cpu cycles/packet by CPU time, $(val cycles_per_packet "$f") by busy TSC, efficiency $eff; the lcore on CPU 1: ${own_tsc:--} by busy TSC, efficiency $eff_own"
		rows+="| $n | $mode | $(val dp_lcores "$f") | $(val lost "$f") | $(val dp_cpu_percent "$f")% | $cpu | $(val cycles_per_packet "$f") | $eff | $(val "lcore${own:-x}_pps" "$f") | ${own_tsc:--} | $eff_own |"$'\n'
	done
done
cat <<EOT | tee "$out/summary.txt"

machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)
date: $(date -u +%Y-%m-%d), run: bench/scale.sh $secs; raw figures: ${out#$top/}
load: N calls, each 50 packets/s in and 50 out (G.711, 20 ms), ${secs} s measured; lcores nap when idle (50 us)

| calls | lcores, steering | dp lcores | lost | lcores' CPU (100% = one core) | cycles/packet, CPU time | cycles/packet, busy TSC | efficiency (CPU time) | lcore on CPU 1: packets/s | its cycles/packet, busy TSC | its efficiency |
|---|---|---|---|---|---|---|---|---|---|---|
${rows%$'\n'}
EOT

[ -n "$ramp_too" ] || exit 0

sc_report() { # sc_report MODE N FILE: one line of the ramp
	echo "$1, $2 calls: lost $(val lost "$3"), dp drops $(val dp_drops "$3")$(drop_reasons "$3"), $(val cycles_per_packet_cpu "$3") cycles/packet by CPU time, lcores' CPU $(val dp_cpu_percent "$3")%"
}
cols="" sc_tag=ramp
for mode in one steered; do
	ramp "$mode" "sc_run $mode" vg_ok "sc_report $mode" 10000 12500 15000 17500 20000
	cols+="$mode $best $final"$'\n'
done
row() { # row TITLE EXPR: one table row, EXPR evaluated with n (calls) and f (figures)
	local line="| $1 |" mode n f
	while read -r mode n f; do
		[ -n "$mode" ] || continue
		line+=" $(eval "$2") |"
	done <<<"$cols"
	echo "$line"
}
cat <<EOT | tee -a "$out/summary.txt"

The calls each carries, same set-up (lcores nap when idle, vgload at normal priority):
ramped 10,000 to 20,000 calls, 10 s a step, the largest N at zero loss run again for ${secs} s.

| figure | 1 dp lcore (CPU 1) | 2 dp lcores (CPU 1 and CPU 0), steered |
|---|---|---|
$(row "largest N at zero loss over ${secs} s" 'echo "$n"')
$(row "packets/s per lcore (in + out)" 'val dp_pps_per_lcore "$f"')
$(row "lcores' CPU (100% = one core)" 'echo "$(val dp_cpu_percent "$f")%"')
$(row "cycles per packet, CPU time" 'val cycles_per_packet_cpu "$f"')
$(row "packet in -> frame on the bot worker's ring p50/p99/p99.9 (us)" 'lat in_to_ring "$f"')
$(row "send slot due -> served p50/p99/p99.9 (us)" 'lat due_to_out "$f"')
$(row "packet in -> frame taken by the bot worker p50/p99/p99.9 (us)" 'lat in_to_bot "$f"')
$(row "bot frame -> taken by the dp lcore p50/p99/p99.9 (us)" 'lat bot_to_dp "$f"')
EOT
