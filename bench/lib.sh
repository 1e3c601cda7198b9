# lib.sh: what the bench scripts share (sourced, not run): the checkout's top as the
# working folder, strict mode, and
#   bench_start DEPS TAG   install what tools/deps.sh DEPS lists, build, and make the
#                          results folder $out = bench/results/TAG<UTC time>
#   val KEY FILE           the value of FILE's first "KEY value" line
#   db_cleanup ARGS        kill leftover build/dp_bench ARGS... runs, their stats files
#   sipp_stat CSV          "created successful failed peak rate" of a sipp -trace_stat file
#   vg_up PREFIX TAG OLD NEW...
#                          voxgate on the default config with each OLD text replaced
#                          by NEW ($out/voxgate-TAG.conf), in namespaces PREFIX-gw and
#                          PREFIX-caller (tools/netns.sh); waits until it accepts
#                          calls (exit 1 if it does not); sets vg_pid
#   vg_down PREFIX         stop it (SIGINT, 10 s, then SIGKILL; it may be gone
#                          already) and remove the namespaces
#   vg_up_sip PREFIX TAG [OLD NEW...]
#                          vg_up with room for 20,000 calls, vg_down on exit
#   mf_begin, mf_start, mf_stop, mf_run, mf_cleanup
#                          voxgate on a net_memif port with tools/vgload on the other
#                          end (run.sh, scale.sh, step.sh; they set $mf and $mf_sock)
#   lat HIST FILE          a latency histogram's p50/p99/p99.9 from FILE
#   drop_reasons FILE      the dp drops of FILE by reason (", reason N" each)
#   pct A B                A / B as a percentage ("-" unless both are positive)
#   vg_ok FILE             a voxgate run's figures show no loss
#   ramp NAME RUN OK REPORT N...
#                          the largest N at zero loss, confirmed over $secs (below)
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
# sipp_stat CSV: "created successful failed peak rate" from sipp's statistics file
# (-trace_stat): its last line's counts, the most calls up at once in any line, and
# the calls created over sipp's run (which may fall short of the rate asked)
sipp_stat() {
	python3 - "$1" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=";"))
h, last = rows[0], rows[-1]
n = [last[h.index(k)] for k in ("TotalCallCreated", "SuccessfulCall(C)", "FailedCall(C)")]
peak = max(int(r[h.index("CurrentCall")]) for r in rows[1:])
secs = float(last[h.index("CurrentTime")].split()[-1]) - float(last[h.index("StartTime")].split()[-1])
print(*n, peak, round(int(n[0]) / max(secs, 0.001)))
PY
}
# db_cleanup ARGS: kill the dp_bench runs whose command line starts "build/dp_bench
# ARGS" (children of command substitutions) and remove their stats files
db_cleanup() {
	local p
	for p in $(pgrep -f "^build/dp_bench $1" || true); do
		kill -9 "$p" 2>/dev/null || true
		rm -f "/dev/shm/voxgate-$p."*
	done
}
lat() { echo "$(val "$1_us_p50" "$2")/$(val "$1_us_p99" "$2")/$(val "$1_us_p999" "$2")"; }
drop_reasons() { sed -n 's/^dp_drop_\([a-z_]*\) /, \1 /p' "$1" | tr -d '\n'; }
pct() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.0f%%", 100 * a / b; else print "-" }'
}

# vg_ok FILE: nothing lost, no drop, vgload and sipp (memif runs) content.
vg_ok() {
	local sip_failed
	sip_failed=$(val sip_failed "$1") # memif runs only
	[ "$(val lost "$1")" = 0 ] && [ "$(val dp_drops "$1")" = 0 ] &&
		[ -z "$(val vgload_failed "$1")" ] && [ "${sip_failed:-0}" = 0 ]
}
# ramp NAME RUN OK REPORT N...: 10 s at each N (RUN N 10 prints the file of figures;
# REPORT N FILE shows it) until one fails OK FILE; then the largest passing N for
# $secs seconds, stepping back one N at a time while that longer run fails. Sets best (the N
# of the final run) and final (its figures); 0 and /dev/null when none passed.
# RUN, OK and REPORT are commands, split on spaces (e.g. "vg_run plain").
ramp() {
	local name=$1 run=$2 ok=$3 report=$4 n f i pass=()
	shift 4
	for n in "$@"; do
		f=$($run "$n" 10)
		$report "$n" "$f"
		$ok "$f" && pass+=("$n") || break
	done
	for ((i = ${#pass[@]} - 1; i >= 0; i--)); do
		best=${pass[$i]}
		final=$($run "$best" "$secs")
		$ok "$final" && return
		echo "$name $best calls lost $(val lost "$final") packets in the ${secs} s run: one step back"
	done
	best=0 final=/dev/null
}

# vg_up_sip PREFIX TAG [OLD NEW...]: vg_up for the signaling benchmarks (sip_run.sh,
# out_run.sh): room for 20,000 calls (1 GiB for DPDK, 50,000 RTP ports, 200 ms
# playout queues), stopped by vg_down on exit
vg_up_sip() {
	local p=$1 tag=$2
	shift 2
	trap "vg_down $p" EXIT
	trap 'exit 130' INT TERM
	vg_up "$p" "$tag" '"-m", "512"' '"-m", "1024"' \
		'rtp_ports = "10000-20000";' 'rtp_ports = "10000-60000";' \
		'max_calls = 1024;' 'max_calls = 20000;' 'playout_ms = 2000;' 'playout_ms = 200;' "$@"
}

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

# ---- voxgate on a memif port, tools/vgload on the other end ----
mf_start() {
	vg_up "$mf" memif '"-m", "512"' '"-m", "3072"' \
		'"--vdev=net_af_packet0,iface=vgm0"' \
		"\"--file-prefix=${mf}g\", \"--vdev=net_memif0,role=server,socket=$mf_sock,socket-abstract=no,rsize=14\"" \
		'port = "net_af_packet0";' 'port = "net_memif0";' \
		'rtp_ports = "10000-20000";' 'rtp_ports = "10000-60000";' \
		'max_calls = 1024;' 'max_calls = 25000;' 'playout_ms = 2000;' 'playout_ms = 200;' \
		'delay_ms = 500;' 'delay_ms = 0;' ${mf_edits[@]+"${mf_edits[@]}"}
}
mf_stop() {
	vg_down "$mf"
	rm -f "$mf_sock"
}
# mf_begin TAG: bench_start for a memif script (results in $out = TAG<UTC time>), a
# memif of this run's own, mf_cleanup on exit.
mf_begin() {
	bench_start bench "$1"
	mf=vg${1:0:2}$$
	mf_sock="$out/memif.sock"
	trap mf_cleanup EXIT
	trap 'exit 130' INT TERM
}
# mf_cleanup: for the scripts' EXIT trap: also a voxgate started by mf_run (in a
# subshell) that an interrupt left running, with its stats files.
mf_cleanup() {
	local p
	for p in $(ip netns pids "$mf-gw" 2>/dev/null); do
		kill -9 "$p" 2>/dev/null
		rm -f "/dev/shm/voxgate-$p.stats" "/dev/shm/voxgate-$p.bots"
	done
	mf_stop
}
# mf_run N SECONDS -> file: a voxgate of its own, N calls by sipp, media by vgload.
# mf_tag names the file (plain), mf_edits adds OLD NEW config edits, mf_vgload adds
# vgload arguments, mf_fifo is vgload's real-time priority (10; 0: normal).
# vgload stands for the callers and the network, which the gateway's other threads do
# not hold up: its warm-up and window run at real-time priority (--fifo 10) on CPU 0,
# ahead of the bot worker, signaling and sipp (without it, their time slices held its
# send tick up by 50 ms to 1.5 s in runs at 20,000 calls, and its catch-up bursts
# overflowed queues). It learns the calls at normal priority: a whole vgload at
# real-time priority (chrt) starved signaling while sipp set the calls up (2,597
# INVITE retransmissions, the last calls up 8 s late, the first ones ended before the
# window did).
# The memif rings hold 16,384 packets (rsize=14), about 20 ms of 20,000 calls' traffic,
# for what still holds it up (the host).
# Each run starts voxgate afresh: DPDK 22.11's net_memif unmaps the shared rings in
# its interrupt thread when the peer leaves, racing the lcore's RX/TX burst, and that
# has crashed voxgate's dp lcore after a run (bench/README.md).
mf_run() {
	local n=$1 f="$out/voxgate-${mf_tag:-plain}-$1-$2s.txt" setup=$(($1 / 1000 + 1)) sipp_pid
	local hold=$((setup + 5 + $2 + 8))
	mf_start >&2
	(cd "$out" && taskset -c 0 timeout $((2 * setup + hold + 60)) ip netns exec "$mf-caller" \
		sipp -sf "$top/bench/uac_cps.xml" -key media_addr 198.18.1.2 -i 198.18.0.2 \
		-p 5070 -s echo -r 1000 -m "$n" -l $((n + 100)) -d $((hold * 1000)) -nostdin \
		-timeout $((2 * setup + hold + 50)) -trace_stat -fd 1 -stf "$out/sipp-$n.csv" \
		198.18.0.1:5060 >/dev/null 2>&1) &
	sipp_pid=$!
	timeout $((3 * setup + $2 + 90)) build/vgload ${mf_vgload[@]+"${mf_vgload[@]}"} \
		--calls "$n" --seconds "$2" --warmup 5 --fifo "${mf_fifo-10}" \
		--learn $((setup + 20)) --stats "$vg_pid" --linger $((2 * setup + 30)) -- -l 0 --no-huge -m 1024 --no-shconf \
		--no-pci --file-prefix "${mf}l" \
		"--vdev=net_memif0,role=client,socket=$mf_sock,socket-abstract=no,rsize=14" \
		--log-level=lib.eal:error >"$f" 2>"$f.err" || echo "vgload_failed 1" >>"$f"
	wait "$sipp_pid" || true
	python3 - "$out/sipp-$n.csv" >>"$f" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=";"))
print("sip_failed", rows[-1][rows[0].index("FailedCall(C)")])
PY
	mf_stop >&2
	echo "$f"
}
