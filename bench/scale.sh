#!/usr/bin/env bash
# scale.sh: what a second dp lcore costs per packet, each lcore carrying as many calls
# as one lcore alone.
#
#   bench/scale.sh [SECONDS] [--ramp]   (default 20: the measured window of each run)
#
# The set-up of run.sh (the voxgate binary on a net_memif port, calls by sipp, media by
# tools/vgload), with C calls per lcore (2,500 and 5,000): one lcore with C calls,
# two with 2C, back to back, in two rounds (the VM's host moves the figures between
# runs minutes apart: bench/README.md):
#   one      1 dp lcore on CPU 1, C calls;
#   rings    2 dp lcores, on CPU 1 and CPU 0, 2C calls; vgload sends every call on
#            queue 0, so lcore 0 hands the other lcore's packets over rings (a port
#            that cannot steer: vdevs, the default here);
#   steered  the same 2 lcores and 2C calls; vgload sends each call on its lcore's
#            queue, as the rte_flow rules voxgate puts on a port that takes them would
#            (memif does not: voxgate logs that it steers in software).
# Scaling is linear when each lcore of two costs per packet what one lcore alone costs
# with the same calls. Two measures:
# - the busy TSC of the lcore on CPU 1, over the packets it handled: it has its CPU to
#   itself, so this is its own work (unless the host steals CPU 1: the steal column);
# - the CPU time the kernel gave all lcore threads, over all packets: the second lcore
#   shares CPU 0 with signaling, the bot worker, sipp and vgload, and its busy TSC runs
#   on while it waits for its CPU; its CPU time does not. The lcores nap when idle
#   (idle_sleep_us = 50, in every set-up), so polling costs CPU time too.
# Efficiency is one's figure over the two-lcore one (100%: linear).
# At C = 5,000 each round also runs one lcore with CPU 0 kept busy by bench/cpu_busy
# (SCHED_IDLE, so behind everything else there), to tell what a busy neighbour CPU
# costs from what a second lcore costs:
#   spin     arithmetic that touches no memory (a core or hyperthread shared on the
#            host);
#   walk     walking 64 MiB (the caches and memory the CPUs share: far more lines a
#            second than a lcore's calls touch).
# What it cannot show here is calls carried: two lcores on cores of their own, the
# generator on a third. About 20 minutes.
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
busy_pid="$out/cpu_busy.pid"
sc_cleanup() {
	[ -f "$busy_pid" ] && kill "$(cat "$busy_pid")" 2>/dev/null
	mf_cleanup
}
trap sc_cleanup EXIT

sc_run() { # sc_run MODE N [SECONDS] -> file (spin, walk: with cpu_busy_per_second)
	local lcores='"--lcores=0@0,1@1"'
	mf_tag="${sc_tag:-scale}-$1"
	mf_vgload=(--queues 1)
	local f mib="" busy="$out/cpu_busy-$mf_tag-$2.txt"
	case $1 in
	rings|steered)
		lcores='"--lcores=0@0,1@1,2@0"'
		mf_vgload=(--queues 2) ;;
	spin) mib=0 ;;
	walk) mib=64 ;;
	esac
	[ "$1" = steered ] && mf_vgload+=(--steer 10000)
	mf_edits=('"-l", "0-1",' "$lcores," 'rtp_latch = true;'
		$'rtp_latch = true;\n  idle_sleep_us = 50;')
	if [ -n "$mib" ]; then
		taskset -c 0 timeout $(($2 / 333 + ${3:-$secs} + 150)) build/cpu_busy "$mib" 3600 \
			>"$busy" &
		echo $! >"$busy_pid"
	fi
	f=$(mf_run "$2" "${3:-$secs}")
	if [ -n "$mib" ]; then
		kill "$(cat "$busy_pid")" 2>/dev/null || true
		wait || true
		rm -f "$busy_pid"
		echo "cpu_busy_per_second $(cut -d' ' -f3 "$busy")" >>"$f"
	fi
	echo "$f"
}

# own FILE: the lcore on CPU 1 (vgload prints where each lcore's thread ran)
own() { sed -n 's/^lcore\([0-9]*\)_on_cpu 1$/\1/p' "$1" | head -1; }

rows=""
for round in 1 2; do
	for c in 2500 5000; do
		modes="one rings steered"
		[ "$c" = 5000 ] && modes="one spin walk rings steered"
		base="" base_tsc=""
		for mode in $modes; do
			n=$c
			case $mode in rings|steered) n=$((2 * c)) ;; esac
			f=$(sc_tag=r$round sc_run "$mode" "$n")
			cpu=$(val cycles_per_packet_cpu "$f")
			l=$(own "$f")
			tsc=$(val "lcore${l:-x}_cycles_per_packet" "$f")
			busy=$(val cpu_busy_per_second "$f")
			[ "$mode" = one ] && base=$cpu base_tsc=$tsc
			eff=$(pct "$base" "$cpu") eff_own=$(pct "$base_tsc" "$tsc")
			echo "round $round, $c calls per lcore, $mode ($n calls): lost $(val lost "$f"), $cpu cycles/packet by CPU time (efficiency $eff); the lcore on CPU 1: ${tsc:--} by busy TSC (efficiency $eff_own), CPU 1 stolen $(val steal_percent_cpu1 "$f")%${busy:+; cpu_busy $busy/s}"
			rows+="| $c | $round | $mode | $n | $(val lost "$f") | $(val dp_cpu_percent "$f")% | $cpu | $eff | $(val "lcore${l:-x}_pps" "$f") | ${tsc:--} | $eff_own | $(val steal_percent_cpu1 "$f")% |"$'\n'
		done
	done
done
cat <<EOT | tee "$out/summary.txt"

machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)
date: $(date -u +%Y-%m-%d), run: bench/scale.sh $secs; raw figures: ${out#$top/}
load: each call 50 packets/s in and 50 out (G.711, 20 ms), ${secs} s measured; lcores nap when idle (50 us)
efficiency: one lcore's cycles per packet over the set-up's, the same calls per lcore (100%: linear)
spin, walk: one lcore, CPU 0 kept busy by cpu_busy (loops or lines a second in the log)

| calls per lcore | round | set-up | calls | lost | lcores' CPU (100% = one core) | cycles/packet, CPU time | efficiency (CPU time) | lcore on CPU 1: packets/s | its cycles/packet, busy TSC | its efficiency | CPU 1 stolen by the host |
|---|---|---|---|---|---|---|---|---|---|---|---|
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
